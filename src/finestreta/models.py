"""Imports every table so that ``Base.metadata`` knows them all (Alembic and tests use it)."""

from finestreta.accounts import models as accounts_models
from finestreta.attention import records as attention_records
from finestreta.catalogue import records as catalogue_records
from finestreta.db import Base
from finestreta.devices import records as devices_records
from finestreta.documents import issued as documents_issued
from finestreta.documents import records as documents_records
from finestreta.identity import records as identity_records
from finestreta.padro import records as padro_records
from finestreta.payments import records as payments_records
from finestreta.procedures import records as procedures_records
from finestreta.realtime import records as realtime_records
from finestreta.registry import records as registry_records
from finestreta.signatures import records as signatures_records
from finestreta.streets import records as streets_records

__all__ = [
    "Base",
    "accounts_models",
    "attention_records",
    "catalogue_records",
    "devices_records",
    "documents_issued",
    "documents_records",
    "identity_records",
    "padro_records",
    "payments_records",
    "procedures_records",
    "realtime_records",
    "registry_records",
    "signatures_records",
    "streets_records",
]
