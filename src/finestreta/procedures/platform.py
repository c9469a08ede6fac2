"""What the platform lends a procedure (:meth:`Procedure.setup` gets one :class:`Platform`):
its database, settings and clock, a read-only view of calls, the booth screen and the booth's
printer, the documents of the attention, the call memory, the step log, the seal and the
payment desk, the street register and the signature desk. A procedure reaches nothing else of the platform."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from finestreta.attention.memory import CallMemory
from finestreta.clock import Clock
from finestreta.config import Settings
from finestreta.db import Database
from finestreta.devices.desk import DeviceDesk
from finestreta.devices.screen import BoothScreen
from finestreta.documents.service import Documents
from finestreta.payments.desk import PaymentDesk
from finestreta.procedures.steps import StepLog
from finestreta.realtime.ports import Calls, Outbox
from finestreta.signatures.desk import SignatureDesk
from finestreta.streets.port import StreetRegister


@dataclass(frozen=True)
class Platform:
    settings: Settings
    db: Database
    clock: Clock
    calls: Calls
    outbox: Outbox
    screen: BoothScreen
    devices: DeviceDesk  # print at the booth, attach documents to the call
    documents: Documents  # stored files with their retention by kind
    memory: CallMemory
    steps: StepLog
    seal: Callable[[], Any]  # the city's seal (None when not configured)
    procedure_settings: Callable[[str], Any]  # a procedure's own settings, by its name
    payments: PaymentDesk  # card payments: orders, settlement, told back through the hooks
    streets: StreetRegister  # the city's streets and numbers (addresses of works, complaints…)
    signatures: SignatureDesk  # the citizen signs a document on the booth's pad (or orally)
