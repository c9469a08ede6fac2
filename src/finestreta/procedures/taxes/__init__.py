"""Municipal taxes (issue 10): the citizen's receipts, payment slips, card payment and payment
certificates during a call.

* pure rules: ``money`` (integer cents), ``cuaderno60`` (the slip's barcode), ``surcharges``
  (General Tax Law art. 28), ``receipts`` (what is due, what may be paid how, standing);
* the tax register: the port (``register``), the built-in one (``sql_register``, ``records``,
  ``migrations/``), the CSV ``importer``, ``synthetic`` demo receipts, the audited ``lookups``
  and the ``factory`` choosing the built-in register or a city's adapter (``settings``).

See docs/taxes.md.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from finestreta.errors import N_
from finestreta.procedures.base import Procedure, Topic

# The register's tables join ``finestreta.db.Base.metadata`` when the procedure is loaded, so
# that the migration checks and the tests' clean-up know them (models.py cannot import them).
from finestreta.procedures.taxes import records as records
from finestreta.procedures.taxes.settings import TaxesSettings

NAME = "taxes"


class Taxes(Procedure):
    name = NAME
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
        self.lookups = TaxLookups(self.register, platform.db.session)

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
