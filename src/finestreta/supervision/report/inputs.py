"""What a report is made from: the attentions of the period, the booths' sites, the opening
hours and the device incidents (:mod:`.source` reads them; tests hand-make them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from finestreta.attention.opening_hours import OpeningHours
from finestreta.supervision import kpis


class Incident(Protocol):
    """A device incident (``finestreta.devices.incidents.Incident``): what the report reads."""

    @property
    def kiosk_id(self) -> int: ...
    @property
    def device(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def started(self) -> datetime: ...
    @property
    def ended(self) -> datetime | None: ...


@dataclass(frozen=True)
class Inputs:
    """Everything a report is made from (:mod:`.source` reads it from the database)."""

    start: datetime
    end: datetime
    attentions: Sequence[kpis.Attention]  # cut to [start, end)
    sites: Mapping[int, str]  # kiosk id -> site name
    hours: OpeningHours
    tz: tzinfo
    incidents: Sequence[Incident] = ()
    # the clerks' states (``clerk_state_changed``) bearing on the period: staffed time
    clerk_states: Sequence[kpis.LoggedEvent] = ()
