"""The complaints procedure's frame: the booth shows the case code and where to follow it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from finestreta.realtime.frames import KIOSK, Outbound


class ComplaintsFiled(Outbound):
    """A case was filed for the citizen: the booth shows its code (as printed) and the address
    of the tracking page beside the call; nothing else of the case."""

    parties = (KIOSK,)
    type: Literal["complaints_filed"] = "complaints_filed"
    code: Annotated[str, Field(min_length=18, max_length=24)]
    url: Annotated[str, Field(max_length=300)]
