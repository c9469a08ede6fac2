"""Importing the register from a CSV file: one row per person, all or nothing.

The format is documented in ``docs/padro.md``. Every row is checked before anything is written:
if any row is bad the report lists every bad row (line number, column, reason) and the
database is not touched. Importing the same file again changes nothing: people are matched by
their document, addresses by street, number, floor, door and postcode, registrations by
address and date.

Usage (the caller owns the transaction; ``Database.session()`` commits or rolls back)::

    with db.session() as session:
        report = import_csv(session, Path("padro.csv"))
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
from finestreta.padro.identity import DocumentType, IdDocument, InvalidId, parse_id
from finestreta.padro.model import AddressKind, EndReason, Sex
from finestreta.padro.records import AddressRow, PersonRow, RegistrationRow

COLUMNS = (
    "document_type",
    "document_number",
    "given_name",
    "surnames",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "street",
    "number",
    "floor",
    "door",
    "postcode",
    "district",
    "address_kind",
    "registered_since",
    "moved_out_on",
)
OPTIONAL_COLUMNS = ("deceased_on",)
OPTIONAL_VALUES = frozenset({"floor", "door", "moved_out_on", "deceased_on"})
MAX_LENGTH = {
    "given_name": 100,
    "surnames": 200,
    "birth_place": 200,
    "nationality": 100,
    "street": 200,
    "number": 10,
    "floor": 10,
    "door": 10,
    "district": 100,
}
IMPORT_REASON = "import"
CHUNK = 500

_POSTCODE = re.compile(r"[0-9]{5}")
_SPACES = re.compile(r"\s+")


@dataclass
class ImportReport(Report):
    persons_created: int = 0
    persons_updated: int = 0
    persons_unchanged: int = 0
    addresses_created: int = 0
    addresses_updated: int = 0
    registrations_opened: int = 0
    registrations_closed: int = 0
    registrations_updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.persons_created
            or self.persons_updated
            or self.addresses_created
            or self.addresses_updated
            or self.registrations_opened
            or self.registrations_closed
            or self.registrations_updated
        )


AddressKey = tuple[str, str, str, str, str]  # street, number, floor, door, postcode


@dataclass(frozen=True)
class ParsedRow:
    line: int
    document: IdDocument
    given_name: str
    surnames: str
    sex: Sex
    birth_date: date
    birth_place: str
    nationality: str
    address: AddressKey
    district: str
    kind: AddressKind
    registered_since: date
    ended_on: date | None
    end_reason: EndReason | None


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
    return (
        f"Imported {report.rows} row(s): {report.persons_created} person(s) added, "
        f"{report.persons_updated} updated, {report.persons_unchanged} unchanged; "
        f"{report.addresses_created} address(es) added; "
        f"{report.registrations_opened} registration(s) opened, "
        f"{report.registrations_closed} closed, {report.registrations_updated} corrected"
    )


# -- reading and checking -----------------------------------------------------------------


def parse_csv(path: Path, report: ImportReport, today: date) -> list[ParsedRow]:
    text = read_text(path, report)
    if text is None:
        return []
    parsed: list[ParsedRow] = []
    seen_documents: dict[IdDocument, int] = {}
    seen_addresses: dict[AddressKey, tuple[int, str, AddressKind]] = {}
    for line, values in rows(text, COLUMNS, OPTIONAL_COLUMNS, report):
        document, row = _parse_row(line, values, today, report)
        if document is not None:
            earlier = seen_documents.setdefault(document, line)
            if earlier != line:
                report.errors.append(
                    RowError(
                        line,
                        "document_number",
                        "duplicate_document",
                        f"{document.number} already appears on line {earlier}",
                    )
                )
                continue
        if row is None:
            continue
        first = seen_addresses.setdefault(row.address, (line, row.district, row.kind))
        if first[1:] != (row.district, row.kind):
            report.errors.append(
                RowError(
                    line,
                    "address_kind" if first[2] != row.kind else "district",
                    "address_conflict",
                    f"the same address on line {first[0]} has district {first[1]!r} "
                    f"and kind {first[2].value!r}",
                )
            )
            continue
        parsed.append(row)
    return parsed


def _parse_row(
    line: int, raw: dict[str, str], today: date, report: ImportReport
) -> tuple[IdDocument | None, ParsedRow | None]:
    """The row's document (when valid, to find duplicates) and the row (when all valid)."""
    problems = RowProblems(line, report)
    values = {name: _SPACES.sub(" ", raw.get(name, "")).strip() for name in raw}
    for name in COLUMNS + OPTIONAL_COLUMNS:
        value = values.get(name, "")
        if not value and name not in OPTIONAL_VALUES:
            problems.add(name, "missing_field", f"{name} is empty")
        elif name in MAX_LENGTH and len(value) > MAX_LENGTH[name]:
            problems.add(name, "too_long", f"{name} is longer than {MAX_LENGTH[name]} characters")

    document: IdDocument | None = None
    if values["document_type"] and values["document_number"]:
        try:
            document = parse_id(values["document_type"], values["document_number"])
        except InvalidId as exc:
            column = "document_type" if exc.code == "unknown_id_type" else "document_number"
            problems.add(column, "invalid_id", f"{exc.message} ({exc.code})")

    sex = choice_field(values, "sex", Sex, problems)
    kind = choice_field(values, "address_kind", AddressKind, problems)
    if values["postcode"] and not _POSTCODE.fullmatch(values["postcode"]):
        problems.add("postcode", "bad_value", f"a postcode is 5 digits, not {values['postcode']!r}")
    birth = date_field(values, "birth_date", problems)
    since = date_field(values, "registered_since", problems)
    moved_out = date_field(values, "moved_out_on", problems)
    deceased = date_field(values, "deceased_on", problems)

    for name, day in (
        ("birth_date", birth),
        ("registered_since", since),
        ("moved_out_on", moved_out),
        ("deceased_on", deceased),
    ):
        if day is not None and day > today:
            problems.add(name, "date_order", f"{name} {day} is in the future")
    if birth and since and since < birth:
        problems.add("registered_since", "date_order", "registered before being born")
    if moved_out and deceased:
        problems.add("deceased_on", "bad_value", "both moved_out_on and deceased_on are given")
    ended_on, end_reason = (
        (moved_out, EndReason.MOVED_OUT)
        if moved_out
        else (deceased, EndReason.DECEASED)
        if deceased
        else (None, None)
    )
    if ended_on and since and ended_on < since:
        column = "moved_out_on" if moved_out else "deceased_on"
        problems.add(column, "date_order", f"{column} {ended_on} is before registered_since")

    if problems.count:
        return document, None
    assert document and sex and kind and birth and since  # checked above
    return document, ParsedRow(
        line=line,
        document=document,
        given_name=values["given_name"],
        surnames=values["surnames"],
        sex=sex,
        birth_date=birth,
        birth_place=values["birth_place"],
        nationality=values["nationality"],
        address=(
            values["street"],
            values["number"],
            values["floor"],
            values["door"],
            values["postcode"],
        ),
        district=values["district"],
        kind=kind,
        registered_since=since,
        ended_on=ended_on,
        end_reason=end_reason,
    )


# -- writing ------------------------------------------------------------------------------


def _write(session: Session, rows: list[ParsedRow], report: ImportReport) -> None:
    """Rows are matched against the database a chunk at a time and written in one flush at
    the end (new rows are linked by relationship, so no flush is needed for their ids)."""
    addresses: dict[AddressKey, AddressRow] = {}
    with session.no_autoflush:
        for chunk in chunks(rows, CHUNK):
            persons = _existing_persons(session, {row.document for row in chunk})
            stays = _registrations(session, [p.id for p in persons.values()])
            _existing_addresses(session, {row.address for row in chunk}, addresses)
            for row in chunk:
                existing = persons.get(row.document)
                person = _upsert_person(session, existing, row, report)
                address = _upsert_address(session, addresses, row, report)
                history = stays.setdefault(person.id, []) if existing else []
                _upsert_registration(session, history, person, address, row, report)


def _existing_persons(session: Session, wanted: set[IdDocument]) -> dict[IdDocument, PersonRow]:
    numbers = sorted({document.number for document in wanted})
    found: dict[IdDocument, PersonRow] = {}
    for person in session.scalars(select(PersonRow).where(PersonRow.document_number.in_(numbers))):
        document = IdDocument(DocumentType(person.document_type), person.document_number)
        if document in wanted:
            found[document] = person
    return found


def _existing_addresses(
    session: Session, wanted: set[AddressKey], cache: dict[AddressKey, AddressRow]
) -> None:
    missing = wanted - cache.keys()
    if not missing:
        return
    streets = sorted({key[0] for key in missing})
    postcodes = sorted({key[4] for key in missing})
    for address in session.scalars(
        select(AddressRow).where(AddressRow.street.in_(streets), AddressRow.postcode.in_(postcodes))
    ):
        key = (address.street, address.number, address.floor, address.door, address.postcode)
        if key in missing:
            cache[key] = address


def _registrations(session: Session, person_ids: list[int]) -> dict[int, list[RegistrationRow]]:
    result: dict[int, list[RegistrationRow]] = {}
    if not person_ids:
        return result
    for stay in session.scalars(
        select(RegistrationRow)
        .where(RegistrationRow.person_id.in_(person_ids))
        .order_by(RegistrationRow.from_date, RegistrationRow.id)
    ):
        result.setdefault(stay.person_id, []).append(stay)
    return result


def _upsert_person(
    session: Session, person: PersonRow | None, row: ParsedRow, report: ImportReport
) -> PersonRow:
    fields = {
        "given_name": row.given_name,
        "surnames": row.surnames,
        "sex": row.sex.value,
        "birth_date": row.birth_date,
        "birth_place": row.birth_place,
        "nationality": row.nationality,
    }
    if person is None:
        person = PersonRow(
            document_type=row.document.type.value, document_number=row.document.number, **fields
        )
        session.add(person)
        report.persons_created += 1
        return person
    changed = False
    for name, value in fields.items():
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed = True
    if changed:
        report.persons_updated += 1
    else:
        report.persons_unchanged += 1
    return person


def _upsert_address(
    session: Session, cache: dict[AddressKey, AddressRow], row: ParsedRow, report: ImportReport
) -> AddressRow:
    """The address of the row (``cache`` holds those already seen or found in the database);
    the file is the truth about its district and kind."""
    address = cache.get(row.address)
    if address is None:
        street, number, floor, door, postcode = row.address
        address = AddressRow(
            street=street,
            number=number,
            floor=floor,
            door=door,
            postcode=postcode,
            district=row.district,
            kind=row.kind.value,
        )
        session.add(address)
        cache[row.address] = address
        report.addresses_created += 1
    elif (address.district, address.kind) != (row.district, row.kind.value):
        address.district = row.district
        address.kind = row.kind.value
        report.addresses_updated += 1
    return address


def _upsert_registration(
    session: Session,
    stays: list[RegistrationRow],
    person: PersonRow,
    address: AddressRow,
    row: ParsedRow,
    report: ImportReport,
) -> None:
    """Make the row's stay the person's latest one; any other open stay is closed (a person is
    registered at one address at a time). Earlier, closed stays are kept as history."""
    end_reason = row.end_reason.value if row.end_reason else None
    here = [s for s in stays if s.address is address]
    stay = next((s for s in here if s.from_date == row.registered_since), None) or next(
        (s for s in here if s.to_date is None), None
    )
    if stay is None:
        stay = RegistrationRow(
            person=person,
            address=address,
            from_date=row.registered_since,
            to_date=row.ended_on,
            reason=IMPORT_REASON,
            end_reason=end_reason,
        )
        session.add(stay)
        stays.append(stay)
        report.registrations_opened += 1
    elif (stay.from_date, stay.to_date, stay.end_reason) != (
        row.registered_since,
        row.ended_on,
        end_reason,
    ):
        if stay.to_date is None and row.ended_on is not None:
            report.registrations_closed += 1
        else:
            report.registrations_updated += 1
        stay.from_date = row.registered_since
        stay.to_date = row.ended_on
        stay.end_reason = end_reason
    for other in stays:
        if other is not stay and other.to_date is None:
            other.to_date = max(row.registered_since, other.from_date)
            other.end_reason = EndReason.CHANGE_OF_ADDRESS.value
            report.registrations_closed += 1
