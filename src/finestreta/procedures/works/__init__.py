"""Works notices (*assabentat d'obres*, issue 11) during a call.

* ``scope``: the guided questionnaire and the pure rules that say whether the works are within
  the notice's scope, and which procedure applies instead (Barcelona's ORPIMO; docs/works.md);
* ``notice``: the notice's layout (the draft the citizen signs, and the sealed notice with the
  signature drawn beside their name);
* ``service``: the desk (questionnaire, identification, address against the street register,
  the signature asked, then the incoming registry entry, the sealed notice and its receipt
  printed at the booth), over HTTP in ``routes``; the console panel in
  ``templates/panel.html`` + ``static/panel.js``.

Outside the scope the console says which procedure applies instead and prints that procedure's
information sheet from the catalogue (``SHEETS``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi import APIRouter

from finestreta.i18n import N_
from finestreta.procedures.base import Panel, Procedure, Topic
from finestreta.procedures.works.frames import WorksQuestionnaire, WorksRegistered
from finestreta.procedures.works.settings import WorksSettings
from finestreta.signatures.desk import SignatureGiven

if TYPE_CHECKING:
    from finestreta.procedures.works.service import WorksDesk

DOMAIN = "works"
LOCALE_DIR = Path(__file__).parent / "locale"
NOTICE_KIND = "works_notice"  # the issued-document kind of a sealed notice (/verify)


class Works(Procedure):
    name = DOMAIN
    title = N_("Works notice")  # its console panel's heading
    # The topic the information procedure offered until now (the same texts and icon).
    topics: ClassVar[Mapping[str, Topic]] = {
        "works": Topic(
            label=N_("Works notices"),
            description=N_("Minor works, notices and permits"),
            clerk_label=N_("Works and licences"),
            icon='<path d="M6 34h28M9 34V22l11-8 11 8v12" fill="none" stroke="currentColor" '
            'stroke-width="3" stroke-linejoin="round"/><path d="M16 34v-8h8v8M20 6v4" '
            'fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round"/>',
            order=40,
        )
    }
    settings_model = WorksSettings
    panel = Panel(order=40, stylesheet="panel.css")
    # The booth follows the questionnaire and says the notice is registered (the signing screen
    # itself is the platform's).
    outbound_frames = (WorksQuestionnaire, WorksRegistered)
    booth_module = "booth.js"
    booth_template = "booth.html"
    booth_stylesheet = "booth.css"
    # The sealed notice is the platform's "certificate" kind, kept as long as /verify must show
    # it; the sheet of what applies instead, like the information procedure's. (The same values
    # as census and information declare: the notice does not depend on them being installed.)
    # The signed draft is listed by its registry entry, so it is never purged.
    retention: ClassVar[Mapping[str, float | str | None]] = {
        "certificate": "certificate_retention_days",
        "info_sheet": "document_retention_days",
    }
    # DNI and NIE numbers and cadastral references never reach a log line.
    redact = (
        re.compile(r"\b\d{8}[-\s.]?[A-Za-z]\b"),
        re.compile(r"\b[XYZxyz][-\s.]?\d{7}[-\s.]?[A-Za-z]\b"),
        re.compile(r"\b[0-9A-Za-z]{7}[-\s]?[0-9A-Za-z]{7}[-\s]?\d{4}[-\s]?[A-Za-z]{2}\b"),
    )

    def setup(self, platform: Any) -> None:
        from finestreta.procedures.works.service import WorksDesk

        self.platform = platform
        self.desk: WorksDesk = WorksDesk(platform, platform.procedure_settings(DOMAIN))

    def router(self) -> APIRouter:
        from finestreta.procedures.works.routes import router

        return router

    def document_title(self, kind: str, lang: str) -> str | None:
        if kind != NOTICE_KIND:
            return None
        from finestreta.procedures.works.notice import notice_title

        return notice_title(lang)

    # The signature desk's hook: the citizen signed on the booth, or the clerk recorded their
    # oral consent; the seal of the request is committed.
    def signature_given(self, given: SignatureGiven) -> None:
        self.desk.signature_given(given)


procedure = Works()
