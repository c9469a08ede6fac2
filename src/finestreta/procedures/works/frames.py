"""The frame the works procedure adds to the protocol."""

from __future__ import annotations

from typing import Literal

from finestreta.realtime.frames import KIOSK, Outbound


class WorksRegistered(Outbound):
    """The citizen's works notice is registered: the booth says so beside the call, with the
    incoming registry number and the first day the works may start, and that the sealed notice
    and its receipt are at the printer (``printed``). Nothing personal: no name, no address."""

    parties = (KIOSK,)
    type: Literal["works_registered"] = "works_registered"
    registry_number: str
    start: str  # ISO date: the first day the works may start
    printed: bool
