"""Importing the street register from a CSV file: one row per address, all or nothing.

The header (``docs/streets.md``; commas or semicolons, UTF-8)::

    street_code,street_kind,street_name,district,number,floor,door,postcode,cadastral_reference,catalogued

Every row is checked before anything is written: if any row is bad the report lists every bad
row (line number, column, reason) and the database is not touched. Importing the same file again
changes nothing: streets are matched by their code, addresses by street, number, floor and door.

Usage (the caller owns the transaction; ``Database.session()`` commits or rolls back)::

    with db.session() as session:
        report = import_csv(session, Path("streets.csv"))
    if not report.ok:
        print(format_report(report))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.csvrows import Report, RowError, read_text, rows
from finestreta.errors import InvalidInput
from finestreta.streets.names import (
    KINDS,
    cadastral_reference,
    is_postcode,
    name_has_kind,
    search_key,
    street_number,
)
from finestreta.streets.records import StreetAddressRow, StreetRow

COLUMNS = (
    "street_code",
    "street_kind",
    "street_name",
    "district",
    "number",
    "floor",
    "door",
    "postcode",
    "cadastral_reference",
    "catalogued",
)
OPTIONAL_VALUES = frozenset({"floor", "door", "cadastral_reference", "catalogued"})
MAX_LENGTH = {"street_code": 20, "street_name": 200, "district": 100, "floor": 10, "door": 10}
YES = frozenset({"yes", "true", "1", "sí", "si", "s", "y"})
NO = frozenset({"no", "false", "0", "n", ""})

AddressKey = tuple[str, str, str, str]  # street code, number, floor, door


@dataclass
class ImportReport(Report):
    streets_created: int = 0
    streets_updated: int = 0
    addresses_created: int = 0
    addresses_updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.streets_created
            or self.streets_updated
            or self.addresses_created
            or self.addresses_updated
        )


@dataclass(frozen=True)
class ParsedStreet:
    code: str
    kind: str
    name: str
    district: str


@dataclass(frozen=True)
class ParsedAddress:
    line: int
    street: ParsedStreet
    number: str
    floor: str
    door: str
    postcode: str
    cadastral_reference: str | None
    catalogued: bool

    @property
    def key(self) -> AddressKey:
        return (self.street.code, self.number, self.floor, self.door)


def import_csv(session: Session, path: Path | str) -> ImportReport:
    """Check every row of the file, then upsert it into the register (nothing if any row is
    bad, including a cadastral reference the register already gives another address)."""
    report = ImportReport()
    text = read_text(path, report)
    if text is None:
        return report
    return import_text(session, text, report)


def import_text(session: Session, text: str, report: ImportReport | None = None) -> ImportReport:
    """The same as :func:`import_csv` for the file's text (the demo seeds from memory)."""
    report = ImportReport() if report is None else report
    parsed = parse_csv(text, report)
    if report.errors or not parsed:
        return report
    _check_against_register(session, parsed, report)
    if report.errors:
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
    return (
        f"Imported {report.rows} row(s): {report.streets_created} street(s) added, "
        f"{report.streets_updated} updated; {report.addresses_created} address(es) added, "
        f"{report.addresses_updated} updated"
    )


# -- reading and checking -----------------------------------------------------------------


def parse_csv(text: str, report: ImportReport) -> list[ParsedAddress]:
    parsed: list[ParsedAddress] = []
    streets: dict[str, tuple[int, ParsedStreet]] = {}
    addresses: dict[AddressKey, int] = {}
    references: dict[str, int] = {}
    for line, values in rows(text, COLUMNS, (), report):
        row = {name: " ".join(value.split()) for name, value in values.items()}
        address = _parse_row(line, row, report)
        if address is None:
            continue
        street = address.street
        earlier = streets.setdefault(street.code, (line, street))
        if earlier[1] != street:
            report.errors.append(
                RowError(
                    line,
                    "street_code",
                    "street_differs",
                    f"Street {street.code} is described otherwise on line {earlier[0]}",
                )
            )
            continue
        first = addresses.setdefault(address.key, line)
        if first != line:
            report.errors.append(
                RowError(line, "number", "duplicate_address", f"Same address as line {first}")
            )
            continue
        if address.cadastral_reference is not None:
            first = references.setdefault(address.cadastral_reference, line)
            if first != line:
                report.errors.append(
                    RowError(
                        line,
                        "cadastral_reference",
                        "duplicate_cadastral_reference",
                        f"Same cadastral reference as line {first}",
                    )
                )
                continue
        parsed.append(address)
    return parsed


def _parse_row(line: int, row: dict[str, str], report: ImportReport) -> ParsedAddress | None:
    errors: list[RowError] = []

    def refuse(column: str, code: str, message: str) -> None:
        errors.append(RowError(line, column, code, message))

    for name in COLUMNS:
        if not row[name] and name not in OPTIONAL_VALUES:
            refuse(name, "missing_value", "A value is required")
        elif len(row[name]) > MAX_LENGTH.get(name, 200):
            refuse(name, "too_long", f"At most {MAX_LENGTH.get(name, 200)} characters")
    kind = row["street_kind"].lower()
    if row["street_kind"] and kind not in KINDS:
        refuse("street_kind", "unknown_kind", f"Expected one of {', '.join(sorted(KINDS))}")
    elif row["street_name"] and kind and not name_has_kind(row["street_name"], kind):
        refuse("street_name", "name_without_kind", f"The name should start with {kind!r}")
    number = ""
    if row["number"]:
        try:
            number = street_number(row["number"])
        except InvalidInput:
            refuse("number", "bad_number", "Expected a number such as 12, 12-14 or 12 bis")
    if row["postcode"] and not is_postcode(row["postcode"]):
        refuse("postcode", "bad_postcode", "Expected five digits (a Spanish postcode)")
    reference: str | None = None
    if row["cadastral_reference"]:
        try:
            reference = cadastral_reference(row["cadastral_reference"])
        except InvalidInput as exc:
            refuse("cadastral_reference", "bad_cadastral_reference", exc.message)
    catalogued = row["catalogued"].lower()
    if catalogued not in YES | NO:
        refuse("catalogued", "bad_flag", "Expected yes or no (empty: no)")
    if errors:
        report.errors.extend(errors)
        return None
    return ParsedAddress(
        line=line,
        street=ParsedStreet(row["street_code"], kind, row["street_name"], row["district"]),
        number=number,
        floor=row["floor"],
        door=row["door"],
        postcode=row["postcode"],
        cadastral_reference=reference,
        catalogued=catalogued in YES,
    )


def _check_against_register(
    session: Session, parsed: list[ParsedAddress], report: ImportReport
) -> None:
    """A cadastral reference names one property: refuse a row giving one that the register
    holds for another address, unless the file gives that address another reference (the
    unique index would refuse it too, but without saying which line)."""
    wanted = {a.cadastral_reference: a for a in parsed if a.cadastral_reference is not None}
    in_file = {a.key: a.cadastral_reference for a in parsed}
    if not wanted:
        return
    held = session.execute(
        select(
            StreetAddressRow.cadastral_reference,
            StreetAddressRow.street_code,
            StreetAddressRow.number,
            StreetAddressRow.floor,
            StreetAddressRow.door,
        ).where(StreetAddressRow.cadastral_reference.in_(list(wanted)))
    ).all()
    for reference, *key in held:
        address = wanted[reference]
        holder = (key[0], key[1], key[2], key[3])
        if holder != address.key and in_file.get(holder, reference) == reference:
            report.errors.append(
                RowError(
                    address.line,
                    "cadastral_reference",
                    "cadastral_reference_taken",
                    f"The register gives {reference} to {key[0]} {key[1]} already",
                )
            )


# -- writing ------------------------------------------------------------------------------


def _write(session: Session, parsed: list[ParsedAddress], report: ImportReport) -> None:
    streets = {address.street.code: address.street for address in parsed}
    rows = {
        row.code: row
        for row in session.scalars(select(StreetRow).where(StreetRow.code.in_(list(streets))))
    }
    for code, street in streets.items():
        row = rows.get(code)
        values = {
            "kind": street.kind,
            "name": street.name,
            "district": street.district,
            "search_key": search_key(street.name),
        }
        if row is None:
            session.add(StreetRow(code=code, **values))
            report.streets_created += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            report.streets_updated += 1
    session.flush()
    _write_addresses(session, parsed, streets, report)


def _write_addresses(
    session: Session,
    parsed: list[ParsedAddress],
    streets: dict[str, ParsedStreet],
    report: ImportReport,
) -> None:
    existing = {
        (row.street_code, row.number, row.floor, row.door): row
        for row in session.scalars(
            select(StreetAddressRow).where(StreetAddressRow.street_code.in_(list(streets)))
        )
    }
    # a reference moving between two addresses of the file: clear it first, then set it, so
    # that the unique index never sees it twice mid-flush
    in_file = {address.key: address for address in parsed}
    for key, held in existing.items():
        wanted = in_file.get(key)
        if wanted is not None and held.cadastral_reference != wanted.cadastral_reference:
            held.cadastral_reference = None
    session.flush()
    for address in parsed:
        values: dict[str, object] = {
            "postcode": address.postcode,
            "cadastral_reference": address.cadastral_reference,
            "catalogued": address.catalogued,
        }
        found = existing.get(address.key)
        if found is None:
            session.add(
                StreetAddressRow(
                    street_code=address.street.code,
                    number=address.number,
                    floor=address.floor,
                    door=address.door,
                    **values,
                )
            )
            report.addresses_created += 1
        elif any(getattr(found, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(found, name, value)
            report.addresses_updated += 1
