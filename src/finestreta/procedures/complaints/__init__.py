"""Complaints as cases (issue 11): complaints, incidents, suggestions,
queries and thanks, each a case followed to an answer: filed during a call (``routes``,
``service``, the console panel and the booth's note of the case code), worked by case handlers
on ``/cases`` and followed by the public on ``/track`` (``pages``), answered by e-mail
(``mail``, sent through :mod:`finestreta.mail` from an outbox in ``casework_records``).

* ``types``: the case types and themes as data (anonymity, due days, the default unit,
  what may be published through Open311);
* ``settings``: due days by type, units by theme, handlers' units, the registry language and
  the types-and-themes file (``FINESTRETA_COMPLAINTS_*``; ``catalogue`` reads the file);
* ``lifecycle``: the states, the moves and who may make them, due dates in business days (pure);
* ``cases``: open, move, answer, publish a moderated description, history, the public view
  and the staff's list, over ``records`` (migration branch ``complaints`` in ``migrations/``);
* ``open311``: the cases through Open311 GeoReport v2 at ``/open311/v2/`` (docs/open311.md).

See docs/complaints.md.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from fastapi import APIRouter

from finestreta.errors import N_
from finestreta.procedures.base import Panel, Procedure, Topic
from finestreta.procedures.complaints import cases as cases  # (declares its refusals)

# The cases' tables join ``finestreta.db.Base.metadata`` when the procedure is loaded, so that
# the migration checks and the tests' clean-up know them (models.py cannot import them).
from finestreta.procedures.complaints import casework_records as casework_records
from finestreta.procedures.complaints import records as records
from finestreta.procedures.complaints.frames import ComplaintsFiled
from finestreta.procedures.complaints.lifecycle import Role

# Open311's too (and its refusals declared).
from finestreta.procedures.complaints.open311 import routes as open311_routes
from finestreta.procedures.complaints.settings import ComplaintsSettings, handlers_at_start
from finestreta.procedures.complaints.types import DOMAIN

NAME = DOMAIN
LOCALE_DIR = Path(__file__).parent / "locale"


class Complaints(Procedure):
    name = NAME
    title = N_("Complaints and suggestions")  # its console panel's heading
    # The topic the information procedure offered until now (the same texts and icon).
    topics: ClassVar[Mapping[str, Topic]] = {
        "complaints": Topic(
            label=N_("Complaints and suggestions"),
            description=N_("Tell us what went wrong or what we can improve"),
            icon='<path d="M6 8h28v18H16l-8 7v-7H6z" fill="none" stroke="currentColor" '
            'stroke-width="3" stroke-linejoin="round"/><path d="M20 12v7M20 22v1" '
            'stroke="currentColor" stroke-width="3" stroke-linecap="round"/>',
            order=50,
        )
    }
    roles = (Role.CASE_HANDLER.value,)
    settings_model = ComplaintsSettings
    panel = Panel(order=50, stylesheet="panel.css")
    booth_module = "booth.js"
    booth_template = "booth.html"
    booth_stylesheet = "booth.css"
    outbound_frames = (ComplaintsFiled,)
    # The signed copy of a complaint form is a registered document: kept for good.
    retention: ClassVar[Mapping[str, float | str | None]] = {"complaint_signed": None}
    # Open311 API keys never reach a log line, whoever would log one.
    redact = (re.compile(r"\bo311_[A-Za-z0-9_-]{43}"),)

    def setup(self, platform: Any) -> None:
        # Read at start, so that a bad value stops the server with the setting named.
        self.settings: ComplaintsSettings = platform.procedure_settings(NAME)
        self.settings.apply_catalogue()
        self.settings = handlers_at_start(
            self.settings, demo=getattr(platform.settings, "demo", False)
        )
        from finestreta.procedures.complaints.service import ComplaintDesk

        self.platform = platform
        self.desk = ComplaintDesk(platform=platform, settings=self.settings)
        self._setup_open311()

    def _setup_open311(self) -> None:
        from finestreta.procedures.complaints.open311.settings import Open311Settings
        from finestreta.web.errors import render_under

        # Read at start too; every error under /open311/ is in the spec's format.
        self.open311_settings = Open311Settings()
        render_under("/open311/", open311_routes.render_error)

    def router(self) -> APIRouter:
        from finestreta.procedures.complaints.pages import router as pages
        from finestreta.procedures.complaints.routes import router as api

        router = APIRouter()
        router.include_router(api)
        router.include_router(pages)
        router.include_router(open311_routes.router)
        return router

    def add_commands(self, commands: argparse._SubParsersAction[Any]) -> None:
        from finestreta.procedures.complaints.open311.commands import add_commands

        add_commands(commands)

    def seed_demo(self, session: Any) -> None:
        """A case handler for the demo (``rosa``, the demo password), who works every unit
        (``setup`` gives her ``*`` in demo mode)."""
        from finestreta.accounts import service
        from finestreta.demo import DEMO_PASSWORD

        service.add_user(
            session,
            "rosa",
            DEMO_PASSWORD,
            Role.CASE_HANDLER.value,
            "Rosa Puig",
            ["ca", "es"],
            [],
            "ca",
            known_roles=(*service.ROLES, Role.CASE_HANDLER.value),
        )

    def signature_given(self, given: Any) -> None:
        """The citizen signed the complaint form (or consented orally): file the case."""
        if given.purpose == "complaint":
            self.desk.signed(given.call_id, given.request, given.signature)

    def upkeep(self) -> None:
        """Answers that could not be e-mailed yet are tried again."""
        self.desk.send_pending()


procedure = Complaints()
