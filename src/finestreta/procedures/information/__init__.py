"""Information for the citizen during a call: catalogue entries shown on the booth screen and
their information sheets printed at the booth (``routes``; the sheet's layout is the platform's,
``finestreta.catalogue.sheet``), the console panel in
``templates/panel.html`` + ``static/panel.js``, the booth's entry view in ``templates/booth.html``
+ ``static/booth.js``).

The catalogue itself (import, search, the booth's own browsing) is the platform's
(``finestreta.catalogue``); this procedure is what the clerk does with it during a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from fastapi import APIRouter

from finestreta.errors import N_
from finestreta.procedures.base import Panel, Procedure, Topic
from finestreta.procedures.information.frames import ShowEntry


class Information(Procedure):
    name = "information"
    title = N_("Information for the citizen")  # its console panel's heading
    # The booth's topics that are answered with information until a procedure of their own
    # serves them (a procedure declaring the same topic later changes nothing here, so a topic
    # moves to its procedure when one comes: ``taxes``, ``complaints`` and ``works`` did).
    topics: ClassVar[Mapping[str, Topic]] = {
        "general": Topic(
            label=N_("General information"),
            description=N_("Procedures, services, addresses and timetables"),
            icon='<circle cx="20" cy="20" r="15" fill="none" stroke="currentColor" '
            'stroke-width="3"/><path d="M20 18v11M20 12v1" stroke="currentColor" '
            'stroke-width="3.5" stroke-linecap="round"/>',
            order=10,
        ),
    }
    document_kinds: ClassVar[Mapping[str, str]] = {"info_sheet": N_("Information sheet")}
    outbound_frames = (ShowEntry,)
    panel = Panel(order=10, stylesheet="panel.css")
    booth_module = "booth.js"
    booth_template = "booth.html"
    retention: ClassVar[Mapping[str, float | str | None]] = {
        "info_sheet": "document_retention_days"
    }

    def router(self) -> APIRouter:
        from finestreta.procedures.information.routes import router

        return router


procedure = Information()
