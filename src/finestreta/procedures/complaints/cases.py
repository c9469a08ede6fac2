"""Cases in the database: opened at the booth, moved and answered by staff, read by the public
with their code (docs/complaints.md).

Every change is a conditional UPDATE (``WHERE state = <the state read>``) plus an event in the
same transaction: of two handlers moving one case at once, one wins and the other gets
``case_moved``, and the history has one event. The caller's session is the transaction.

A case's code is a verification-style code (85 random bits and a check character, Crockford's
base 32: :mod:`finestreta.documents.verification`), printed at the booth; it is the only key
the public has, so a typo is told apart from an unknown code.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finestreta.documents.verification import CodeError, format_code, new_code, parse_code
from finestreta.errors import INVALID, N_, Conflict, InvalidInput, NotAllowed, NotFound, declare
from finestreta.mail import plain_address
from finestreta.procedures.complaints.lifecycle import (
    CASE_MOVE_NOT_ALLOWED,
    CaseState,
    Role,
    check_move,
    due_date,
)
from finestreta.procedures.complaints.records import CaseEventRow, CaseRow
from finestreta.procedures.complaints.settings import ComplaintsSettings
from finestreta.procedures.complaints.types import DOMAIN, THEMES, TYPES, published
from finestreta.streets.port import StreetRegister

MAX_DESCRIPTION = 4_000  # Open311 GeoReport v2's limit, so that every case can be published
MAX_PLACE = 300
MAX_ANSWER = 10_000
MAX_NOTE = 4_000
MAX_NAME = 200
MAX_LIST = 200
LANGUAGES = ("ca", "es", "en")
DEFAULT_TIMEZONE = "Europe/Madrid"

_PHONE = re.compile(r"\+?[0-9]{9,15}")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
# Control characters other than tab and line breaks (PostgreSQL refuses NUL in text outright).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNIT = re.compile(r"[a-z][a-z0-9_-]{1,39}")

# ------------------------------------------------------------------------------ refusals
CASE_UNKNOWN_TYPE = declare(
    "case_unknown_type", InvalidInput, N_("There is no such type of case."), domain=DOMAIN
)
CASE_UNKNOWN_THEME = declare(
    "case_unknown_theme", InvalidInput, N_("There is no such theme."), domain=DOMAIN
)
CASE_TEXT_MISSING = declare(
    "case_text_missing", InvalidInput, N_("Write the text: it cannot be empty."), domain=DOMAIN
)
CASE_TEXT_TOO_LONG = declare(
    "case_text_too_long",
    InvalidInput,
    N_("The text is too long: at most {max} characters."),
    N_("The text is too long: at most {max} characters."),
    domain=DOMAIN,
)
CASE_TEXT_BAD_CHARACTERS = declare(
    "case_text_bad_characters",
    InvalidInput,
    N_("The text has characters that cannot be kept (control characters)."),
    domain=DOMAIN,
)
CASE_LOCATION_MISSING = declare(
    "case_location_missing",
    InvalidInput,
    N_("Say where: an address from the street register or a description of the place."),
    domain=DOMAIN,
)
CASE_UNKNOWN_ADDRESS = declare(
    "case_unknown_address",
    InvalidInput,
    N_("That address is not in the street register: check the street and the number."),
    domain=DOMAIN,
)
CASE_CONTACT_NEEDED = declare(
    "case_contact_needed",
    InvalidInput,
    N_("This type of case cannot be anonymous: give an e-mail address or a phone number."),
    N_("This cannot be anonymous: we need an e-mail address or a phone number to answer you."),
    domain=DOMAIN,
)
CASE_BAD_EMAIL = declare(
    "case_bad_email", InvalidInput, N_("That is not a valid e-mail address."), domain=DOMAIN
)
CASE_BAD_PHONE = declare(
    "case_bad_phone",
    InvalidInput,
    N_("That is not a valid phone number (9 to 15 digits, optionally with +)."),
    domain=DOMAIN,
)
CASE_BAD_LANGUAGE = declare(
    "case_bad_language",
    InvalidInput,
    N_("Cases are answered in Catalan, Spanish or English."),
    domain=DOMAIN,
)
CASE_CODE_MALFORMED = declare(
    "case_code_malformed",
    InvalidInput,
    N_("This is not a case code: it has 18 letters and digits."),
    N_("This is not a case code: it has 18 letters and digits."),
    domain=DOMAIN,
)
CASE_CODE_TYPO = declare(
    "case_code_typo",
    InvalidInput,
    N_("This case code has a typing mistake. Check it against your receipt."),
    N_("This case code has a typing mistake. Check it against your receipt."),
    domain=DOMAIN,
)
CASE_NOT_FOUND = declare(
    "case_not_found",
    NotFound,
    N_("There is no case with this code."),
    N_("There is no case with this code."),
    domain=DOMAIN,
)
CASE_MOVED = declare(
    "case_moved",
    Conflict,
    N_("Someone else changed this case meanwhile: reload it and check."),
    domain=DOMAIN,
)
CASE_ANSWER_NEEDED = declare(
    "case_answer_needed",
    InvalidInput,
    N_("A case is answered by writing the answer, not by changing its state."),
    domain=DOMAIN,
)
CASE_NOT_PUBLISHABLE = declare(
    "case_not_publishable",
    Conflict,
    N_("Cases of this type or theme are never published."),
    domain=DOMAIN,
)
CASE_SUPERVISORS_ONLY = declare(
    "case_supervisors_only", NotAllowed, N_("Only a supervisor may do this."), domain=DOMAIN
)


# ------------------------------------------------------------------------------ values
@dataclass(frozen=True)
class AddressLocation:
    """An address of the street register (the street's code and the building's number)."""

    street_code: str
    number: str


@dataclass(frozen=True)
class DescribedPlace:
    """A place the citizen describes ("the bench by the fountain in Plaça del Sol")."""

    text: str


Location = AddressLocation | DescribedPlace


@dataclass(frozen=True)
class Contact:
    """How to reach the citizen: an e-mail address, a phone number or both; a name optional."""

    email: str = ""
    phone: str = ""
    name: str = ""


@dataclass(frozen=True)
class Handler:
    """Who acts on a case: a staff member's id and the role they act in."""

    staff_id: int
    role: Role

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "role", Role(self.role))
        except ValueError:
            raise CASE_MOVE_NOT_ALLOWED(f"{self.role!r} does not work cases") from None


@dataclass(frozen=True)
class Case:
    code: str  # canonical (``display_code`` groups it as printed)
    case_type: str
    theme: str
    state: CaseState
    unit: str
    handler_id: int | None
    description: str
    public_description: str | None
    street_code: str | None
    street_number: str | None
    address_label: str | None
    place: str | None
    contact: Contact | None  # None: anonymous
    language: str
    registry_code: str | None
    call_id: str | None
    received_at: datetime
    due_on: date
    answer: str | None
    answered_at: datetime | None
    closed_at: datetime | None

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    def overdue(self, today: date) -> bool:
        return self.state.open and today > self.due_on


@dataclass(frozen=True)
class CaseEvent:
    at: datetime
    action: str  # opened | moved | answered | published
    from_state: CaseState | None
    to_state: CaseState
    by_id: int | None
    by_role: str | None
    unit: str | None
    note: str


@dataclass(frozen=True)
class PublicView:
    """What anyone holding the code may read: never the description as written, the location,
    the contact or the handler (docs/complaints.md says why)."""

    code: str  # as printed
    case_type: str
    theme: str
    state: CaseState
    received_at: datetime
    due_on: date
    answered_at: datetime | None
    closed_at: datetime | None
    answer: str | None
    description: str | None  # the moderated text, and only for a published type and theme


# ------------------------------------------------------------------------------ checks
def _text(value: Any, limit: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise INVALID("a text was expected")
    stripped: str = value.strip()
    if required and not stripped:
        raise CASE_TEXT_MISSING("the text is empty")
    if len(stripped) > limit:
        raise CASE_TEXT_TOO_LONG(
            f"{len(stripped)} characters, at most {limit}",
            {"max": limit, "length": len(stripped)},
        )
    if _CONTROL.search(stripped):
        raise CASE_TEXT_BAD_CHARACTERS("control characters in the text")
    return stripped


def _location(location: Any, streets: StreetRegister) -> dict[str, str | None]:
    if isinstance(location, AddressLocation):
        address = streets.address(location.street_code, location.number)
        if address is None:
            raise CASE_UNKNOWN_ADDRESS("no such address in the street register")
        return {
            "street_code": address.street.code,
            "street_number": address.number,
            "address_label": address.label,
            "place": None,
        }
    if isinstance(location, DescribedPlace):
        if not isinstance(location.text, str) or not location.text.strip():
            raise CASE_LOCATION_MISSING("the place is not described")
        place = _text(location.text, MAX_PLACE)
        return {"street_code": None, "street_number": None, "address_label": None, "place": place}
    raise CASE_LOCATION_MISSING("no location")


def valid_email(address: str) -> bool:
    """The one check of a citizen's e-mail address (booth and Open311): a plain dot-atom
    ``local@domain`` that the mailer will send to as exactly one addressee."""
    return plain_address(address)


def _contact(contact: Contact | None, case_type: str) -> Contact | None:
    if contact is None:
        if not TYPES[case_type].anonymous_allowed:
            raise CASE_CONTACT_NEEDED(f"a {case_type} cannot be anonymous")
        return None
    email = contact.email.strip() if isinstance(contact.email, str) else ""
    phone = _PHONE_SEPARATORS.sub("", contact.phone) if isinstance(contact.phone, str) else ""
    if email and not valid_email(email):
        raise CASE_BAD_EMAIL("not an e-mail address")
    if phone and not _PHONE.fullmatch(phone):
        raise CASE_BAD_PHONE("not a phone number")
    if not email and not phone:
        raise CASE_CONTACT_NEEDED("a contact needs an e-mail address or a phone number")
    name = _text(contact.name, MAX_NAME, required=False)
    return Contact(email=email, phone=phone, name=name)


def canonical_code(code: str) -> str:
    """The canonical form of a typed case code (``case_code_malformed``, ``case_code_typo``)."""
    try:
        return parse_code(code)
    except CodeError as error:
        if error.reason == "typo":
            raise CASE_CODE_TYPO("the code has a typing mistake") from None
        raise CASE_CODE_MALFORMED("not a case code") from None


def _row(session: Session, code: str) -> CaseRow:
    row = session.scalar(select(CaseRow).where(CaseRow.code == canonical_code(code)))
    if row is None:
        raise CASE_NOT_FOUND("no case with this code")
    return row


def _case(row: CaseRow) -> Case:
    contact = (
        None
        if row.anonymous
        else Contact(
            email=row.contact_email or "",
            phone=row.contact_phone or "",
            name=row.contact_name or "",
        )
    )
    return Case(
        code=row.code,
        case_type=row.case_type,
        theme=row.theme,
        state=CaseState(row.state),
        unit=row.unit,
        handler_id=row.handler_id,
        description=row.description,
        public_description=row.public_description,
        street_code=row.street_code,
        street_number=row.street_number,
        address_label=row.address_label,
        place=row.place,
        contact=contact,
        language=row.language,
        registry_code=row.registry_code,
        call_id=row.call_id,
        received_at=row.received_at,
        due_on=row.due_on,
        answer=row.answer,
        answered_at=row.answered_at,
        closed_at=row.closed_at,
    )


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now


def _event(
    session: Session,
    row_id: int,
    *,
    at: datetime,
    action: str,
    from_state: str | None,
    to_state: str,
    by: Handler | None,
    unit: str | None,
    note: str,
) -> None:
    session.add(
        CaseEventRow(
            case_id=row_id,
            at=at,
            action=action,
            from_state=from_state,
            to_state=to_state,
            by_id=by.staff_id if by else None,
            by_role=str(by.role) if by else None,
            unit=unit,
            note=note,
        )
    )


def _conditional_update(session: Session, row: CaseRow, current: str, **values: Any) -> None:
    """Change the case only if it is still in the state it was read in."""
    result = session.execute(
        update(CaseRow)
        .where(CaseRow.id == row.id, CaseRow.state == current)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise CASE_MOVED("the case changed meanwhile", {"state_read": current})


# ------------------------------------------------------------------------------ operations
def open_case(
    session: Session,
    *,
    case_type: str,
    theme: str,
    description: str,
    location: Location,
    contact: Contact | None,
    language: str,
    registry_code: str | None,
    call_id: str | None,
    now: datetime,
    streets: StreetRegister,
    settings: ComplaintsSettings,
    holidays: Collection[date] = (),
    timezone: str = DEFAULT_TIMEZONE,
) -> Case:
    """A new case, received: checked whole before anything is written (``contact`` None is an
    anonymous case, refused for types that need a contact)."""
    now = _aware(now)
    if case_type not in TYPES:
        raise CASE_UNKNOWN_TYPE(f"no case type {case_type!r}")
    if theme not in THEMES:
        raise CASE_UNKNOWN_THEME(f"no theme {theme!r}")
    text = _text(description, MAX_DESCRIPTION)
    where = _location(location, streets)
    reach = _contact(contact, case_type)
    if language not in LANGUAGES:
        raise CASE_BAD_LANGUAGE(f"no language {language!r}")
    if registry_code is not None and (
        not isinstance(registry_code, str) or len(registry_code) > 40
    ):
        raise INVALID("a registry code has at most 40 characters")
    if call_id is not None and (not isinstance(call_id, str) or len(call_id) > 32):
        raise INVALID("a call id has at most 32 characters")
    received_on = now.astimezone(ZoneInfo(timezone)).date()
    unit = settings.unit_for(theme)
    row = CaseRow(
        code=new_code(),
        case_type=case_type,
        theme=theme,
        state=CaseState.RECEIVED.value,
        unit=unit,
        description=text,
        anonymous=reach is None,
        contact_name=(reach.name or None) if reach else None,
        contact_email=(reach.email or None) if reach else None,
        contact_phone=(reach.phone or None) if reach else None,
        language=language,
        registry_code=registry_code,
        call_id=call_id,
        received_at=now,
        due_on=due_date(received_on, case_type, settings, holidays),
        **where,
    )
    session.add(row)
    session.flush()
    _event(
        session,
        row.id,
        at=now,
        action="opened",
        from_state=None,
        to_state=CaseState.RECEIVED.value,
        by=None,
        unit=unit,
        note="",
    )
    session.flush()
    return _case(row)


def move(
    session: Session,
    code: str,
    new_state: CaseState | str,
    *,
    by: Handler,
    note: str = "",
    now: datetime,
    unit: str | None = None,
) -> Case:
    """Move a case (``unit``: hand it to another unit as it is assigned). A case handler who
    takes a case becomes its handler. Reopening an answered case sets its answer aside (the
    history keeps it)."""
    now = _aware(now)
    row = _row(session, code)
    try:
        new = CaseState(new_state)
    except ValueError:
        raise INVALID(f"no case state {new_state!r}") from None
    if new is CaseState.ANSWERED:
        raise CASE_ANSWER_NEEDED("answer the case with its answer")
    current = CaseState(row.state)
    check_move(current, new, by.role)
    text = _text(note, MAX_NOTE, required=False)
    values: dict[str, Any] = {"state": new.value}
    if unit is not None:
        if new is not CaseState.ASSIGNED or not isinstance(unit, str) or not _UNIT.fullmatch(unit):
            raise INVALID("a unit code is given only as a case is assigned")
        values["unit"] = unit
    if new is CaseState.ASSIGNED and by.role is Role.CASE_HANDLER:
        values["handler_id"] = by.staff_id
    if new is CaseState.CLOSED:
        values["closed_at"] = now
    if current is CaseState.ANSWERED and new is CaseState.IN_PROGRESS:
        values.update(answer=None, answered_at=None)
    _conditional_update(session, row, current.value, **values)
    _event(
        session,
        row.id,
        at=now,
        action="moved",
        from_state=current.value,
        to_state=new.value,
        by=by,
        unit=values.get("unit", row.unit),
        note=text,
    )
    session.flush()
    session.refresh(row)
    return _case(row)


def answer(session: Session, code: str, text: str, *, by: Handler, now: datetime) -> Case:
    """The city's answer to the citizen: the case goes from in progress to answered, and the
    answer is kept in the history too."""
    now = _aware(now)
    row = _row(session, code)
    current = CaseState(row.state)
    check_move(current, CaseState.ANSWERED, by.role)
    body = _text(text, MAX_ANSWER)
    _conditional_update(
        session,
        row,
        current.value,
        state=CaseState.ANSWERED.value,
        answer=body,
        answered_at=now,
    )
    _event(
        session,
        row.id,
        at=now,
        action="answered",
        from_state=current.value,
        to_state=CaseState.ANSWERED.value,
        by=by,
        unit=row.unit,
        note=body,
    )
    session.flush()
    session.refresh(row)
    return _case(row)


def publish_description(
    session: Session, code: str, text: str, *, by: Handler, now: datetime
) -> Case:
    """A supervisor's moderated version of the description (no names, no addresses of people),
    the only description the public ever sees; only for a published type and theme."""
    now = _aware(now)
    if by.role is not Role.SUPERVISOR:
        raise CASE_SUPERVISORS_ONLY("only a supervisor publishes a description")
    row = _row(session, code)
    if not published(row.case_type, row.theme):
        raise CASE_NOT_PUBLISHABLE(f"a {row.case_type} about {row.theme} is never published")
    body = _text(text, MAX_DESCRIPTION)
    _conditional_update(session, row, row.state, public_description=body)
    _event(
        session,
        row.id,
        at=now,
        action="published",
        from_state=row.state,
        to_state=row.state,
        by=by,
        unit=row.unit,
        note=body,
    )
    session.flush()
    session.refresh(row)
    return _case(row)


def get_case(session: Session, code: str) -> Case:
    """The whole case, for staff (its contact included)."""
    return _case(_row(session, code))


def history(session: Session, code: str) -> list[CaseEvent]:
    """What happened to the case, oldest first."""
    row = _row(session, code)
    events = session.scalars(
        select(CaseEventRow).where(CaseEventRow.case_id == row.id).order_by(CaseEventRow.id)
    )
    return [
        CaseEvent(
            at=event.at,
            action=event.action,
            from_state=CaseState(event.from_state) if event.from_state else None,
            to_state=CaseState(event.to_state),
            by_id=event.by_id,
            by_role=event.by_role,
            unit=event.unit,
            note=event.note,
        )
        for event in events
    ]


def public_view(session: Session, code: str) -> PublicView:
    """What the tracking page shows for a code."""
    row = _row(session, code)
    return PublicView(
        code=format_code(row.code),
        case_type=row.case_type,
        theme=row.theme,
        state=CaseState(row.state),
        received_at=row.received_at,
        due_on=row.due_on,
        answered_at=row.answered_at,
        closed_at=row.closed_at,
        answer=row.answer,
        description=row.public_description if published(row.case_type, row.theme) else None,
    )


def cases_for_handler(
    session: Session,
    *,
    units: Collection[str] | None = None,
    states: Collection[CaseState] | None = None,
    handler_id: int | None = None,
    case_type: str | None = None,
    theme: str | None = None,
    overdue_on: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[Case]:
    """Cases for the staff's list, soonest due first; each filter narrows it (``overdue_on``:
    only those still open and past their due day on that date)."""
    if not 1 <= limit <= MAX_LIST or offset < 0:
        raise INVALID(f"limit is 1 to {MAX_LIST}, offset not negative")
    if case_type is not None and case_type not in TYPES:
        raise CASE_UNKNOWN_TYPE(f"no case type {case_type!r}")
    if theme is not None and theme not in THEMES:
        raise CASE_UNKNOWN_THEME(f"no theme {theme!r}")
    query = select(CaseRow)
    if units is not None:
        query = query.where(CaseRow.unit.in_(list(units)))
    if states is not None:
        query = query.where(CaseRow.state.in_([CaseState(s).value for s in states]))
    if handler_id is not None:
        query = query.where(CaseRow.handler_id == handler_id)
    if case_type is not None:
        query = query.where(CaseRow.case_type == case_type)
    if theme is not None:
        query = query.where(CaseRow.theme == theme)
    if overdue_on is not None:
        still_open = [s.value for s in CaseState if s.open]
        query = query.where(CaseRow.state.in_(still_open), CaseRow.due_on < overdue_on)
    query = query.order_by(CaseRow.due_on, CaseRow.id).limit(limit).offset(offset)
    return [_case(row) for row in session.scalars(query)]
