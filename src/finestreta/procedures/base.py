"""The one seam between the platform and a procedure.

A procedure is a package (``finestreta/procedures/<name>/`` for the built-in ones, any
installable package for a city's own) whose object implements :class:`Procedure`. The platform
knows procedures only through it: it mounts their routes, static files, templates, texts and
migrations, shows their console panels and booth modules, routes the frames they add to their
handlers, tells them about calls, runs their command-line commands and seeds their demo data.
Built-in procedures are registered exactly as a city's own would be: an entry point in the
``finestreta.procedures`` group (``pyproject.toml``), or a ``package.module:attribute`` in
``FINESTRETA_PROCEDURES`` (``procedures/registry.py``). ``docs/procedures.md`` says how to write
one.

Every method has a default that does nothing, so a procedure overrides only what it has.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi import APIRouter
from pydantic_settings import BaseSettings
from sqlalchemy.orm import Session

from finestreta.payments.orders import PaymentOrder
from finestreta.realtime.frames import Inbound, Outbound
from finestreta.realtime.ports import CallListener
from finestreta.signatures.desk import SignatureGiven

if TYPE_CHECKING:
    from finestreta.procedures.platform import Platform

NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


@dataclass(frozen=True)
class Panel:
    """The procedure's panel in the clerk's console during a call: a template fragment (in the
    package's ``templates/``), an ES module (in its ``static/``) that registers a panel object
    with the console (``registerPanel({frames, onCall, onCallEnded})``) and, if it needs one, a
    stylesheet. ``order`` places it among the others (lower first)."""

    template: str = "panel.html"
    module: str = "panel.js"
    order: int = 100
    stylesheet: str | None = None  # its look, in static/ (on top of the console's .proc-panel)


@dataclass(frozen=True)
class Topic:
    """A topic the booth offers (what the citizen's query is about). Texts are English
    message ids translated in the procedure's domain: ``label`` and ``description`` on the
    booth's topic screen, ``clerk_label`` on the console (default: ``label``). ``icon``: SVG
    shapes in a 40×40 viewBox, drawn in ``currentColor``. ``order`` places it among the topics
    of every procedure (lower first)."""

    label: str
    description: str = ""
    clerk_label: str = ""
    icon: str = ""
    order: int = 100

    @property
    def for_clerk(self) -> str:
        return self.clerk_label or self.label


class Procedure(CallListener):
    """Override what the procedure has; the defaults do nothing."""

    #: The procedure's name: its folder, its gettext domain, its key in the call memory, the
    #: prefix of its static files (``/static/procedures/<name>/``) and its settings
    #: (``FINESTRETA_<NAME>_…``).
    name: ClassVar[str] = ""
    #: What staff read for it where its name would show (the wallboard's breakdown by
    #: procedure): an English message id translated in its domain; empty: its ``name``.
    title: ClassVar[str] = ""
    #: Topics the booth offers for it (code → :class:`Topic`); a topic two procedures declare
    #: is offered once (the first one's texts).
    topics: ClassVar[Mapping[str, Topic]] = {}
    #: Staff roles it introduces (e.g. ``case-handler``), beside clerk, supervisor and admin.
    roles: ClassVar[tuple[str, ...]] = ()
    #: Frames it adds: what booths or consoles send (handled by :meth:`frame_handlers`) and
    #: what the server sends them.
    inbound_frames: ClassVar[tuple[type[Inbound], ...]] = ()
    outbound_frames: ClassVar[tuple[type[Outbound], ...]] = ()
    #: Its console panel, or None.
    panel: ClassVar[Panel | None] = None
    #: Its booth module (an ES module in ``static/`` the booth page imports; it registers with
    #: ``registerBoothModule`` of ``/static/kiosk/modules.js``), or None.
    booth_module: ClassVar[str | None] = None
    #: Its booth markup (a template fragment in ``templates/`` the booth page includes in the call
    #: screen, beside the video; its booth module shows it and sets its texts), or None.
    booth_template: ClassVar[str | None] = None
    #: Its booth stylesheet (in ``static/``, linked by the booth page after the platform's), or
    #: None: the look of its booth markup beyond the platform's pane beside the call.
    booth_stylesheet: ClassVar[str | None] = None
    #: Origins its panel or booth markup may frame (a payment page: ``https://tpv.example``),
    #: added to ``frame-src`` of the console and booth pages (web/csp.py); none by default.
    frame_sources: ClassVar[tuple[str, ...]] = ()
    #: Whether it charges the citizen by card at the booth (``Platform.payments``): the booth
    #: page may then frame our pay page and the gateway's card page (``frame-src``).
    takes_payments: ClassVar[bool] = False
    #: What the clerk reads for each kind of document it makes (kind → English label).
    document_kinds: ClassVar[Mapping[str, str]] = {}
    #: Days the documents it makes are kept, by document kind (None: kept for good); a
    #: string names a platform setting holding the days.
    retention: ClassVar[Mapping[str, float | str | None]] = {}
    #: Patterns of personal data it handles that must never reach a log line.
    redact: ClassVar[tuple[re.Pattern[str], ...]] = ()
    #: Its own settings (a ``BaseSettings`` whose ``env_prefix`` is ``FINESTRETA_<NAME>_``).
    settings_model: ClassVar[type[BaseSettings] | None] = None

    # ------------------------------------------------------------------ where its files are
    @property
    def folder(self) -> Path:
        module = sys.modules[type(self).__module__]
        return Path(module.__file__ or ".").resolve().parent

    def _dir(self, name: str) -> Path | None:
        path = self.folder / name
        return path if path.is_dir() else None

    @property
    def migrations(self) -> Path | None:
        """Alembic versions of its tables (``migrations/``), a branch labelled with its name."""
        return self._dir("migrations")

    @property
    def locale(self) -> Path | None:
        """Its gettext catalogues (``locale/<lang>/LC_MESSAGES/<name>.po``)."""
        return self._dir("locale")

    @property
    def static(self) -> Path | None:
        return self._dir("static")

    @property
    def templates(self) -> Path | None:
        return self._dir("templates")

    # ------------------------------------------------------------------ life
    def setup(self, platform: Platform) -> None:
        """Build its services on the platform's (called once, before the app serves)."""

    def router(self) -> APIRouter | None:
        """Its HTTP routes (under ``/api/calls/{call_id}/<name>/…`` by convention)."""
        return None

    def upkeep(self) -> None:
        """What it does every half minute while the server runs (in a worker thread), such as
        trying again to send what could not be sent; must be idempotent."""

    def frame_handlers(self) -> Mapping[tuple[str, str], Any]:
        """``(party, frame type) → handler(connection, frame)`` for its inbound frames."""
        return {}

    def add_commands(self, commands: argparse._SubParsersAction[Any]) -> None:
        """Its ``finestreta <command>`` commands; each sets ``func(args)``."""

    def seed_demo(self, session: Session) -> None:
        """Demo data for ``finestreta demo`` (called on an empty demo database)."""

    def document_title(self, kind: str, lang: str) -> str | None:
        """The title of a document it issues under ``kind`` (e.g. ``household``) in ``lang``,
        for the public ``/verify`` page; None for kinds it does not issue."""
        return None

    # ------------------------------------------------------------------ payments
    def payment_changed(self, order: PaymentOrder, event: str) -> None:
        """Something happened to an order it created (``Platform.payments.create``): ``event``
        is ``opened``, ``returned``, ``paid``, ``declined``, ``expired`` or ``cancelled``; tell
        the booth and the console. Called from a worker thread after the change is committed;
        ``paid`` may come long after the call ended (a late notification)."""

    def payment_settled(self, order: PaymentOrder) -> bool:
        """Post a settled order to its register (the receipts it paid). Called after the
        settlement is committed, again by the periodic task and ``finestreta payments
        post-pending`` until it returns True, so it must be idempotent. False (the default) or
        an exception leaves the order pending. What it finds already paid otherwise, it flags
        with ``Platform.payments.flag_refund``."""
        return False

    # ------------------------------------------------------------------ signatures
    def signature_given(self, given: SignatureGiven) -> None:
        """A signature it asked for (``Platform.signatures.ask``) was given: signed on the pad
        or consented orally before the clerk (``given.request.state``). Called after the seal
        is committed, in the request's thread; an exception is logged and the booth still
        hears "signed" (the signature IS given): tell the clerk yourself. At least once: until
        it returns without raising the desk offers it again from the upkeep (for a day), and
        may after a success it could not record, so it is idempotent per
        ``given.request.id``."""

    def console_texts(self, lang: str) -> Mapping[str, str]:
        """Texts its panel's script needs, by msgid; by default its whole catalogue."""
        from finestreta.i18n import catalogue

        return catalogue(lang, self.name, self.locale) if self.locale else {}
