"""Importing the tax register from a CSV file: one row per receipt, all or nothing.

The format is documented in ``docs/taxes.md``. Every row is checked before anything is written:
if any row is bad the report lists every bad row (line number, column, reason) and the
database is not touched. Importing the same file again changes nothing: taxpayers are matched
by their NIF, receipts by their reference. A payment the register already holds is never
undone or rewritten by an import (the file may be older than a payment made at a booth).

Usage (the caller owns the transaction; ``Database.session()`` commits or rolls back)::

    with db.session() as session:
        report = import_csv(session, Path("rebuts.csv"))
    if not report.ok:
        print(format_report(report))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.es import referenciacatastral
from stdnum.exceptions import ValidationError

from finestreta.csvrows import (
    Report,
    RowError,
    RowProblems,
    choice_field,
    chunks,
    date_field,
    read_text,
    rows,
)
from finestreta.errors import FinestretaError
from finestreta.procedures.taxes.money import MAX_CENTS
from finestreta.procedures.taxes.records import ReceiptRow, TaxpayerRow
from finestreta.procedures.taxes.register import (
    CHANNELS,
    REFERENCE,
    TAX_CODE,
    ObjectKind,
    ReceiptState,
    Tax,
    parse_nif,
)

COLUMNS = (
    "reference",
    "nif",
    "name",
    "tax",
    "tax_code",
    "year",
    "period",
    "object_kind",
    "object_id",
    "object_label",
    "principal_cents",
    "voluntary_from",
    "voluntary_until",
    "state",
)
OPTIONAL_COLUMNS = (
    "domiciled",
    "charge_date",
    "enforcement_notified_on",
    "paid_on",
    "paid_cents",
    "paid_channel",
    "payment_reference",
)
MAX_LENGTH = {"name": 200, "period": 40, "object_label": 200, "payment_reference": 64}
# The object a tax is levied on (a fee may be on any: waste collection of a home, of a shop...).
OBJECT_OF_TAX = {Tax.IBI: ObjectKind.PROPERTY, Tax.IVTM: ObjectKind.VEHICLE}
YES = frozenset({"yes", "true", "1", "sí", "si", "s", "y"})
NO = frozenset({"no", "false", "0", "n", ""})
CHUNK = 500

_CENTS = re.compile(r"[0-9]{1,12}")
_YEAR = re.compile(r"[0-9]{4}")
_SPACES = re.compile(r"\s+")
_PLATE_SEPARATORS = re.compile(r"[\s\-]+")
# Spanish plates, loosely: the national series since 2000 (1234 BCD: no vowels, Ñ or Q), the
# provincial one before it (B 1234 XZ, M 123456), mopeds (C 1234 BCD) and special series
# (E 1234 BCD, trailers R 1234 BCD, historic H 1234 BCD).
_PLATE = re.compile(
    r"[0-9]{4}[BCDFGHJKLMNPRSTVWXYZ]{3}"
    r"|[CEHRPSTV][0-9]{4}[BCDFGHJKLMNPRSTVWXYZ]{3}"
    r"|[A-Z]{1,2}[0-9]{4}[A-Z]{1,2}"
    r"|[A-Z]{1,2}[0-9]{6}"
)
_ACTIVITY = re.compile(r"[A-Z0-9][A-Z0-9.\-/]{0,39}")


@dataclass
class ImportReport(Report):
    taxpayers_created: int = 0
    taxpayers_updated: int = 0
    receipts_created: int = 0
    receipts_updated: int = 0
    receipts_unchanged: int = 0
    payments_kept: int = 0  # paid in the register, the file says otherwise: kept paid

    @property
    def changed(self) -> bool:
        return bool(
            self.taxpayers_created
            or self.taxpayers_updated
            or self.receipts_created
            or self.receipts_updated
        )


@dataclass(frozen=True)
class ParsedRow:
    line: int
    reference: str
    nif: str
    name: str
    tax: Tax
    tax_code: str
    year: int
    period: str
    object_kind: ObjectKind
    object_id: str
    object_label: str
    principal: int
    voluntary_from: date
    voluntary_until: date
    state: ReceiptState
    domiciled: bool
    charge_date: date | None
    enforcement_notified_on: date | None
    paid_on: date | None
    paid_amount: int | None
    paid_channel: str | None
    payment_reference: str | None

    def receipt_fields(self) -> dict[str, object]:
        return {
            "tax": self.tax.value,
            "tax_code": self.tax_code,
            "year": self.year,
            "period": self.period,
            "object_kind": self.object_kind.value,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "principal": self.principal,
            "voluntary_from": self.voluntary_from,
            "voluntary_until": self.voluntary_until,
            "domiciled": self.domiciled,
            "charge_date": self.charge_date,
        }

    def state_fields(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "enforcement_notified_on": self.enforcement_notified_on,
            "paid_on": self.paid_on,
            "paid_amount": self.paid_amount,
            "paid_channel": self.paid_channel,
            "payment_reference": self.payment_reference,
        }


def import_csv(session: Session, path: Path | str, *, today: date | None = None) -> ImportReport:
    """Check every row of the file, then upsert it into the register (nothing if any row is
    bad). ``today`` (default: the current date) bounds the dates a row may carry."""
    report = ImportReport()
    parsed = parse_csv(Path(path), report, today or date.today())
    if report.errors or not parsed:
        return report
    _write(session, parsed, report)
    session.flush()
    return report


def format_report(report: ImportReport) -> str:
    """A few lines for the command line."""
    if not report.ok:
        lines = [f"Nothing imported: {len(report.errors)} problem(s) in {report.rows} row(s)"]
        lines += [f"  {error}" for error in report.errors]
        return "\n".join(lines)
    kept = f"; {report.payments_kept} payment(s) kept" if report.payments_kept else ""
    return (
        f"Imported {report.rows} receipt(s): {report.receipts_created} added, "
        f"{report.receipts_updated} updated, {report.receipts_unchanged} unchanged; "
        f"{report.taxpayers_created} taxpayer(s) added, {report.taxpayers_updated} renamed{kept}"
    )


# -- reading and checking -----------------------------------------------------------------


def parse_csv(path: Path, report: ImportReport, today: date) -> list[ParsedRow]:
    text = read_text(path, report)
    if text is None:
        return []
    parsed: list[ParsedRow] = []
    references: dict[str, int] = {}
    names: dict[str, tuple[int, str]] = {}
    for line, values in rows(text, COLUMNS, OPTIONAL_COLUMNS, report):
        row = _parse_row(line, values, today, report)
        if row is None:
            continue
        earlier = references.setdefault(row.reference, line)
        if earlier != line:
            report.errors.append(
                RowError(
                    line,
                    "reference",
                    "duplicate_reference",
                    f"receipt {row.reference} already appears on line {earlier}",
                )
            )
            continue
        first = names.setdefault(row.nif, (line, row.name))
        if first[1] != row.name:
            report.errors.append(
                RowError(
                    line,
                    "name",
                    "taxpayer_conflict",
                    f"the same NIF on line {first[0]} is named {first[1]!r}",
                )
            )
            continue
        parsed.append(row)
    return parsed


def _parse_row(
    line: int, raw: dict[str, str], today: date, report: ImportReport
) -> ParsedRow | None:
    problems = RowProblems(line, report)
    values = {name: _SPACES.sub(" ", raw.get(name, "")).strip() for name in raw}
    for name in COLUMNS + OPTIONAL_COLUMNS:
        values.setdefault(name, "")
        if not values[name] and name in COLUMNS:
            problems.add(name, "missing_field", f"{name} is empty")
        elif name in MAX_LENGTH and len(values[name]) > MAX_LENGTH[name]:
            problems.add(name, "too_long", f"{name} is longer than {MAX_LENGTH[name]} characters")

    reference = values["reference"]
    if reference and not REFERENCE.fullmatch(reference):
        problems.add("reference", "bad_value", f"a reference is 10 digits, not {reference!r}")
    nif = ""
    if values["nif"]:
        try:
            nif = parse_nif(values["nif"])
        except FinestretaError:
            problems.add("nif", "invalid_nif", f"not a valid NIF, NIE or DNI: {values['nif']!r}")
    tax = choice_field(values, "tax", Tax, problems)
    if values["tax_code"] and not TAX_CODE.fullmatch(values["tax_code"]):
        problems.add("tax_code", "bad_value", f"a tax code is 3 digits, not {values['tax_code']!r}")
    year = _year(values, problems)
    kind = choice_field(values, "object_kind", ObjectKind, problems)
    if tax is not None and kind is not None and OBJECT_OF_TAX.get(tax, kind) is not kind:
        problems.add(
            "object_kind",
            "object_mismatch",
            f"{tax.value} is levied on a {OBJECT_OF_TAX[tax].value}, not a {kind.value}",
        )
        kind = None  # which object it is is unclear: its id cannot be checked
    object_id = _object_id(values["object_id"], kind, problems) if values["object_id"] else ""
    principal = _cents(values, "principal_cents", problems)
    state = choice_field(values, "state", ReceiptState, problems)
    domiciled = _yes_no(values, "domiciled", problems)

    first = date_field(values, "voluntary_from", problems)
    last = date_field(values, "voluntary_until", problems)
    charge = date_field(values, "charge_date", problems)
    notified = date_field(values, "enforcement_notified_on", problems)
    paid_on = date_field(values, "paid_on", problems)
    paid = _cents(values, "paid_cents", problems)
    channel = values["paid_channel"] or None
    if channel is not None and channel not in CHANNELS:
        allowed = ", ".join(sorted(CHANNELS))
        problems.add(
            "paid_channel", "bad_value", f"paid_channel is one of {allowed}, not {channel!r}"
        )

    if first and last and first > last:
        problems.add("voluntary_until", "date_order", "the voluntary period ends before it starts")
    if year is not None and last is not None and not year - 1 <= last.year <= year + 8:
        # the payment slip writes the deadline's year with one digit (cuaderno60.py)
        problems.add(
            "voluntary_until",
            "date_order",
            f"a voluntary period of {year} cannot end in {last.year} (years {year - 1}–{year + 8})",
        )
    if domiciled and charge is None:
        problems.add("charge_date", "missing_field", "a domiciled receipt needs its charge date")
    if not domiciled and charge is not None:
        problems.add("charge_date", "bad_value", "only a domiciled receipt has a charge date")
    if charge and first and last and not first <= charge <= last:
        problems.add("charge_date", "date_order", "the charge date is outside the voluntary period")
    if notified is not None:
        if state not in (ReceiptState.ENFORCEMENT, ReceiptState.PAID):
            problems.add(
                "enforcement_notified_on",
                "bad_value",
                "only a receipt in enforcement (or paid after it) has a notification date",
            )
        if last and notified <= last:
            problems.add(
                "enforcement_notified_on",
                "date_order",
                "the enforcement order is notified after the voluntary period ends",
            )
        if notified > today:
            problems.add("enforcement_notified_on", "date_order", f"{notified} is in the future")
    if state is ReceiptState.ENFORCEMENT and last and last >= today:
        problems.add("state", "date_order", "in enforcement before its voluntary period ended")
    paid_fields = {"paid_on": paid_on, "paid_cents": paid, "paid_channel": channel}
    if state is ReceiptState.PAID:
        for name, value in paid_fields.items():
            if value is None:
                problems.add(name, "missing_field", f"a paid receipt needs its {name}")
        if paid_on and paid_on > today:
            problems.add("paid_on", "date_order", f"paid_on {paid_on} is in the future")
    elif state is not None:
        given = [name for name, value in paid_fields.items() if value is not None]
        if values["payment_reference"]:
            given.append("payment_reference")
        for name in given:
            problems.add(name, "bad_value", f"a {state.value} receipt has no {name}")

    if problems.count:
        return None
    assert tax and kind and state and year and first and last and principal  # checked above
    return ParsedRow(
        line=line,
        reference=reference,
        nif=nif,
        name=values["name"],
        tax=tax,
        tax_code=values["tax_code"],
        year=year,
        period=values["period"],
        object_kind=kind,
        object_id=object_id,
        object_label=values["object_label"],
        principal=principal,
        voluntary_from=first,
        voluntary_until=last,
        state=state,
        domiciled=domiciled,
        charge_date=charge,
        enforcement_notified_on=notified,
        paid_on=paid_on,
        paid_amount=paid,
        paid_channel=channel,
        payment_reference=values["payment_reference"] or None,
    )


def plate(text: str) -> str | None:
    """A Spanish plate, upper case without spaces or hyphens (``1234-bcd`` → ``1234BCD``), or
    None when it has none of the Spanish shapes."""
    value = _PLATE_SEPARATORS.sub("", text).upper()
    return value if _PLATE.fullmatch(value) else None


def _object_id(value: str, kind: ObjectKind | None, problems: RowProblems) -> str:
    if kind is ObjectKind.PROPERTY:
        try:
            return str(referenciacatastral.validate(value))
        except ValidationError as exc:
            problems.add("object_id", "invalid_cadastral_reference", f"{value!r}: {exc}")
            return ""
    if kind is ObjectKind.VEHICLE:
        normalised = plate(value)
        if normalised is None:
            problems.add("object_id", "invalid_plate", f"not a Spanish plate: {value!r}")
            return ""
        return normalised
    activity = value.upper()
    if kind is ObjectKind.ACTIVITY and not _ACTIVITY.fullmatch(activity):
        problems.add(
            "object_id",
            "bad_value",
            f"an activity code is up to 40 letters, digits, dots, hyphens, slashes: {value!r}",
        )
    return activity


def _yes_no(values: dict[str, str], name: str, problems: RowProblems) -> bool:
    value = values[name].lower()
    if value in YES:
        return True
    if value not in NO:
        problems.add(name, "bad_value", f"{name} is yes or no, not {value!r}")
    return False


def _year(values: dict[str, str], problems: RowProblems) -> int | None:
    value = values["year"]
    if not value:
        return None
    if not _YEAR.fullmatch(value) or not 2000 <= int(value) <= 2099:
        problems.add("year", "bad_value", f"a tax year is 2000–2099, not {value!r}")
        return None
    return int(value)


def _cents(values: dict[str, str], name: str, problems: RowProblems) -> int | None:
    """Whole cents (``1234`` is 12,34 €): no decimals, no sign, 1 to MAX_CENTS."""
    value = values[name]
    if not value:
        return None
    if not _CENTS.fullmatch(value) or not 1 <= int(value) <= MAX_CENTS:
        problems.add(
            name, "bad_amount", f"{name} is whole cents from 1 to {MAX_CENTS}, not {value!r}"
        )
        return None
    return int(value)


# -- writing ------------------------------------------------------------------------------


def _write(session: Session, rows: list[ParsedRow], report: ImportReport) -> None:
    """Rows are matched against the database a chunk at a time and written in one flush at
    the end (new rows are linked by relationship, so no flush is needed for their ids)."""
    taxpayers: dict[str, TaxpayerRow] = {}
    with session.no_autoflush:
        for chunk in chunks(rows, CHUNK):
            wanted = sorted({row.nif for row in chunk} - taxpayers.keys())
            for found in session.scalars(select(TaxpayerRow).where(TaxpayerRow.nif.in_(wanted))):
                taxpayers[found.nif] = found
            receipts = {
                found.reference: found
                for found in session.scalars(
                    select(ReceiptRow).where(
                        ReceiptRow.reference.in_(sorted({row.reference for row in chunk}))
                    )
                )
            }
            for row in chunk:
                taxpayer = _upsert_taxpayer(session, taxpayers, row, report)
                _upsert_receipt(session, receipts.get(row.reference), taxpayer, row, report)


def _upsert_taxpayer(
    session: Session, cache: dict[str, TaxpayerRow], row: ParsedRow, report: ImportReport
) -> TaxpayerRow:
    taxpayer = cache.get(row.nif)
    if taxpayer is None:
        taxpayer = TaxpayerRow(nif=row.nif, name=row.name)
        session.add(taxpayer)
        cache[row.nif] = taxpayer
        report.taxpayers_created += 1
    elif taxpayer.name != row.name:
        taxpayer.name = row.name
        report.taxpayers_updated += 1
    return taxpayer


def _upsert_receipt(
    session: Session,
    receipt: ReceiptRow | None,
    taxpayer: TaxpayerRow,
    row: ParsedRow,
    report: ImportReport,
) -> None:
    fields = row.receipt_fields()
    if receipt is None:
        session.add(
            ReceiptRow(reference=row.reference, taxpayer=taxpayer, **fields, **row.state_fields())
        )
        report.receipts_created += 1
        return
    if receipt.state != ReceiptState.PAID.value:
        fields.update(row.state_fields())
    elif row.state_fields() != _current(receipt, row.state_fields()):
        report.payments_kept += 1
    changed = receipt.taxpayer is not taxpayer
    receipt.taxpayer = taxpayer
    for name, value in fields.items():
        if getattr(receipt, name) != value:
            setattr(receipt, name, value)
            changed = True
    if changed:
        report.receipts_updated += 1
    else:
        report.receipts_unchanged += 1


def _current(receipt: ReceiptRow, like: dict[str, object]) -> dict[str, object]:
    return {name: getattr(receipt, name) for name in like}
