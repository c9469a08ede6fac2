"""Census volants (*volants de padró*) during a call: identify the citizen, check who may ask
for what (``eligibility``, pure rules), issue sealed volants (``service``), over HTTP
(``routes``); the console panel is ``templates/panel.html`` + ``static/panel.js``.

The population register it reads is the platform's (``finestreta.padro``: the port, the
built-in register, the audited look-ups); the rules of who may ask for which volant are this
procedure's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from fastapi import APIRouter
from sqlalchemy.orm import Session

from finestreta.errors import N_
from finestreta.procedures.base import Panel, Procedure, Topic


class Census(Procedure):
    name = "census"
    title = N_("Census volant (padró)")  # its console panel's heading
    topics: ClassVar[Mapping[str, Topic]] = {
        "census": Topic(
            label=N_("Census certificates"),
            description=N_("Registration, changes of address and certificates"),
            clerk_label=N_("Census and residence certificates"),
            icon='<path d="M10 5h14l7 7v23H10z" fill="none" stroke="currentColor" '
            'stroke-width="3" stroke-linejoin="round"/><path d="M15 19h11M15 25h11M15 31h7" '
            'stroke="currentColor" stroke-width="3" stroke-linecap="round"/>',
            order=20,
        )
    }
    document_kinds: ClassVar[Mapping[str, str]] = {"certificate": N_("Volant")}
    panel = Panel(order=20, stylesheet="panel.css")
    # Issued volants are kept as long as /verify must be able to show them.
    retention: ClassVar[Mapping[str, float | str | None]] = {
        "certificate": "certificate_retention_days"
    }
    # DNI and NIE numbers (with or without separators) never reach a log line.
    redact = (
        re.compile(r"\b\d{8}[-\s.]?[A-Za-z]\b"),
        re.compile(r"\b[XYZxyz][-\s.]?\d{7}[-\s.]?[A-Za-z]\b"),
    )

    def setup(self, platform: Any) -> None:
        from finestreta.padro.factory import population_register
        from finestreta.padro.lookups import LookupService
        from finestreta.procedures.census.service import CensusDesk

        self.desk = CensusDesk(
            platform.db,
            LookupService(population_register(platform.settings, platform.db), platform.db.session),
            platform.documents,
            platform.settings,
            seal=platform.seal,
            clock=platform.clock.now,
        )

    def router(self) -> APIRouter:
        from finestreta.procedures.census.routes import router

        return router

    def document_title(self, kind: str, lang: str) -> str | None:
        from finestreta.procedures.census.volant import certificate_title

        try:
            return certificate_title(kind, lang)
        except ValueError:  # not a volant's kind
            return None

    def seed_demo(self, session: Session) -> None:
        """A few hundred synthetic residents in households (docs/padro.md lists the fixed
        ones), imported into the built-in register."""
        import tempfile
        from pathlib import Path

        from finestreta.padro import synthetic
        from finestreta.padro.importer import format_report, import_csv

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "padro.csv"
            synthetic.write_csv(path)
            report = import_csv(session, path)
        if not report.ok:
            raise RuntimeError(f"demo register did not import: {format_report(report)}")


procedure = Census()
