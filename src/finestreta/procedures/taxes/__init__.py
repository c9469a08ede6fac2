"""Municipal taxes (issue 10): the citizen's receipts, payment slips, card payment and payment
certificates during a call.

* pure rules: ``money`` (integer cents), ``cuaderno60`` (the slip's barcode), ``surcharges``
  (General Tax Law art. 28), ``receipts`` (what is due, what may be paid how, standing);
* the tax register: the port (``register``), the built-in one (``sql_register``, ``records``,
  ``migrations/``), the CSV ``importer``, ``synthetic`` demo receipts, the audited ``lookups``
  and the ``factory`` choosing the built-in register or a city's adapter (``settings``);
* the documents: ``slip`` (payment slip with its GS1-128 ``barcode``), ``payment_receipt``,
  ``certificates`` (payment, up to date), on ``printed``;
* during a call: the desk (``service``), over HTTP (``routes``), its ``frames``, the console
  panel (``templates/panel.html``, ``static/panel.js``) and the booth's payment pane
  (``templates/booth.html``, ``static/booth.js``). Card payments are the platform's
  (``finestreta.payments``): this procedure makes the orders and is told when they move.

See docs/taxes.md.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from fastapi import APIRouter
from sqlalchemy.orm import Session

from finestreta.errors import N_
from finestreta.procedures.base import Panel, Procedure, Topic

# The register's tables join ``finestreta.db.Base.metadata`` when the procedure is loaded, so
# that the migration checks and the tests' clean-up know them (models.py cannot import them).
from finestreta.procedures.taxes import records as records
from finestreta.procedures.taxes.frames import TaxesPay, TaxesPayCancel, TaxesPayState
from finestreta.procedures.taxes.settings import TaxesSettings
from finestreta.realtime.frames import KIOSK

NAME = "taxes"


class Taxes(Procedure):
    name = NAME
    title = N_("Taxes and payments")  # its console panel's heading
    # The topic the information procedure offered until now (the same texts and icon).
    topics: ClassVar[Mapping[str, Topic]] = {
        "taxes": Topic(
            label=N_("Taxes and payments"),
            description=N_("Local taxes, fees, bills and instalments"),
            clerk_label=N_("Taxes and fees"),
            icon='<rect x="5" y="10" width="30" height="20" rx="3" fill="none" '
            'stroke="currentColor" stroke-width="3"/><circle cx="20" cy="20" r="5" fill="none" '
            'stroke="currentColor" stroke-width="3"/><path d="M10 15v0M30 25v0" '
            'stroke="currentColor" stroke-width="4" stroke-linecap="round"/>',
            order=30,
        )
    }
    settings_model = TaxesSettings
    inbound_frames = (TaxesPayCancel,)
    outbound_frames = (TaxesPay, TaxesPayState)
    panel = Panel(order=30, stylesheet="panel.css")
    booth_module = "booth.js"
    booth_template = "booth.html"
    booth_stylesheet = "booth.css"
    takes_payments = True
    # A slip is a copy to pay at a bank, kept a month. What is sealed (payment receipts and
    # certificates) is stored as the platform's "certificate" kind, kept as long as /verify
    # must show it; its issued-document record names it (payment_receipt, …).
    document_kinds: ClassVar[Mapping[str, str]] = {"payment_slip": N_("Payment slip")}
    retention: ClassVar[Mapping[str, float | str | None]] = {"payment_slip": 31}
    # NIF (DNI, NIE, company CIF), cadastral references and plates never reach a log line.
    redact = (
        re.compile(r"\b\d{8}[-\s.]?[A-Za-z]\b"),
        re.compile(r"\b[XYZxyz][-\s.]?\d{7}[-\s.]?[A-Za-z]\b"),
        re.compile(r"\b[ABCDEFGHJNPQRSUVWabcdefghjnpqrsuvw][-\s.]?\d{7}[-\s.]?[0-9A-Ja-j]\b"),
        re.compile(r"\b[0-9A-Za-z]{7}[-\s]?[0-9A-Za-z]{7}[-\s]?\d{4}[-\s]?[A-Za-z]{2}\b"),
        re.compile(r"\b\d{4}[-\s]?[BCDFGHJKLMNPRSTVWXYZ]{3}\b"),
    )

    def setup(self, platform: Any) -> None:
        from finestreta.procedures.taxes import receipts  # noqa: F401  (declares its refusals)
        from finestreta.procedures.taxes.factory import tax_register
        from finestreta.procedures.taxes.lookups import TaxLookups

        self.settings: TaxesSettings = platform.procedure_settings(NAME)
        self.register = tax_register(self.settings, platform.db)
        self.lookups = TaxLookups(self.register, platform.db.session, clock=platform.clock.now)
        from finestreta.procedures.taxes.service import TaxDesk

        self.platform = platform
        self.desk = TaxDesk(
            platform=platform,
            register=self.register,
            lookups=self.lookups,
            settings=self.settings,
            clock=platform.clock.now,
        )

    def router(self) -> APIRouter:
        from finestreta.procedures.taxes.routes import router

        return router

    def frame_handlers(self) -> Mapping[tuple[str, str], Any]:
        return {(KIOSK, "taxes_pay_cancel"): self._booth_cancel}

    def _booth_cancel(self, conn: Any, frame: TaxesPayCancel) -> None:
        """The citizen gave up on the booth: the open order is cancelled (a later authorised
        notification still settles it)."""
        call = self.platform.calls.active_of_kiosk(conn.party_id)
        if call is None:
            from finestreta.attention.errors import NO_CALL

            raise NO_CALL("Cancel a payment during a call")
        self.desk.cancel(call_id=call.id, clerk_id=None, kiosk_id=call.kiosk_id, number=frame.order)

    def payment_changed(self, order: Any, event: str) -> None:
        self.desk.payment_changed(order, event)

    def payment_settled(self, order: Any) -> bool:
        return self.desk.payment_settled(order)

    def document_title(self, kind: str, lang: str) -> str | None:
        from finestreta.procedures.taxes.certificates import certificate_title

        try:
            return certificate_title(kind, lang)
        except ValueError:  # not one of its sealed kinds
            return None

    def seed_demo(self, session: Session) -> None:
        """The demo receipts of a few census demo residents (docs/taxes.md lists them),
        imported into the built-in register."""
        import tempfile
        from pathlib import Path

        from finestreta.procedures.taxes import synthetic
        from finestreta.procedures.taxes.importer import format_report, import_csv

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "rebuts.csv"
            synthetic.write_csv(path)
            report = import_csv(session, path)
        if not report.ok:
            raise RuntimeError(f"demo tax register did not import: {format_report(report)}")

    def add_commands(self, commands: argparse._SubParsersAction[Any]) -> None:
        taxes = commands.add_parser(NAME, help="the tax register").add_subparsers(
            dest="taxes_command", required=True
        )
        load = taxes.add_parser("import", help="import receipts from a CSV file (docs/taxes.md)")
        load.add_argument("file")
        load.set_defaults(func=_import_command)


def _import_command(args: argparse.Namespace) -> None:
    from pathlib import Path

    from finestreta.cli import _database, _fail, _settings
    from finestreta.procedures.taxes.importer import format_report, import_csv

    path = Path(args.file)
    if not path.is_file():
        _fail(f"no such file: {path}")
    db = _database(_settings())
    try:
        with db.session() as session:
            report = import_csv(session, path)
    finally:
        db.dispose()
    print(format_report(report))
    if not report.ok:
        raise SystemExit(1)


procedure = Taxes()
