"""The frame the information procedure adds to the protocol."""

from __future__ import annotations

from typing import Literal

from finestreta.realtime.frames import KIOSK, Outbound


class ShowEntry(Outbound):
    """The clerk shows a catalogue entry on the booth screen, beside the call (it replaces
    what was shown before); the booth fetches it in the citizen's language with
    ``GET /api/catalogue/{slug}?lang=``."""

    parties = (KIOSK,)
    type: Literal["show_entry"] = "show_entry"
    slug: str
