"""Cases as Open311 GeoReport v2 services and service requests (docs/open311.md).

**Services** are the publishable type × theme pairs (``incident-lighting``,
``complaint-street_cleaning``, …): what a client shows as a category is then one list, as
GeoReport clients expect, and a type or theme that may never be published (suggestions,
queries, thanks; themes about people) is simply not a service. Each has one attribute, the
language the city answers in.

**Service requests** are the cases of those services, wherever they were filed (at the booth or
through the API). What is public of a case: its number (``service_request_id``, the row's id —
never the case's code, which is the key to the tracking page and its answer), service, state
(open/closed and a fixed note), the unit, its dates, the address when it is one of the street
register's (a street and a number when an API client sent it; only the street for a case filed
at the booth; never a place the citizen described in their own words) or the coordinates an API
client sent, and the description *only* as a supervisor moderated it.
Never the contact, the name, the description as written, the answer or the ``media_url``.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from finestreta.errors import N_, InvalidInput, NotFound, declare
from finestreta.procedures.complaints.cases import (
    CASE_LOCATION_MISSING,
    AddressLocation,
    Case,
    Contact,
    DescribedPlace,
    Location,
    open_case,
)
from finestreta.procedures.complaints.lifecycle import CaseState
from finestreta.procedures.complaints.open311.keys import ApiKey, check_rate
from finestreta.procedures.complaints.open311.records import RequestRow
from finestreta.procedures.complaints.records import CaseEventRow, CaseRow
from finestreta.procedures.complaints.service import texts
from finestreta.procedures.complaints.settings import ComplaintsSettings
from finestreta.procedures.complaints.types import DOMAIN, THEMES, TYPES, UNITS, published
from finestreta.registry.service import Direction, register
from finestreta.streets.port import StreetRegister

MAX_REQUESTS = 1000  # the spec's default cap on one answer
WINDOW = timedelta(days=90)  # the spec's default and widest date range
MAX_MEDIA_URL = 2000
MAX_ID = 2**31 - 1  # the cases' ids are 32-bit: a larger number is no case (and PostgreSQL
# refuses to compare the column with it)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # the dates a filter may name (see _when)
LATEST = datetime(2101, 1, 1, tzinfo=UTC)
# The registry book is kept in its own language, not the client's: the routes pass
# FINESTRETA_COMPLAINTS_REGISTRY_LANGUAGE, as the booth's filing does; Catalan by default.
REGISTRY_LANGUAGE = "ca"
SUMMARY_LENGTH = 500  # as the booth's entries (complaints/service.py)
MAX_FIELD = 4_000  # any single form value (the description's limit: the largest we take)

OPEN311_UNKNOWN_SERVICE = declare(
    "open311_unknown_service",
    InvalidInput,
    N_("There is no such service code."),
    domain=DOMAIN,
)
OPEN311_SERVICE_NOT_FOUND = declare(
    "open311_service_not_found", NotFound, N_("There is no such service."), domain=DOMAIN
)
OPEN311_REQUEST_NOT_FOUND = declare(
    "open311_request_not_found",
    NotFound,
    N_("There is no public service request with this number or token."),
    domain=DOMAIN,
)
OPEN311_BAD_PARAMETER = declare(
    "open311_bad_parameter",
    InvalidInput,
    N_("A parameter of the request is not valid."),
    domain=DOMAIN,
)
OPEN311_BAD_ATTRIBUTE = declare(
    "open311_bad_attribute",
    InvalidInput,
    N_("An attribute is unknown or has a value the service does not take."),
    domain=DOMAIN,
)

# ---------------------------------------------------------------------------- services


@dataclass(frozen=True)
class Value:
    key: str
    name: str


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    required: bool
    description: str
    order: int
    datatype_description: str = ""
    variable: bool = True  # false: an informational text, not asked for
    values: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Service:
    code: str
    case_type: str
    theme: str
    name: str
    description: str
    group: str
    keywords: tuple[str, ...]
    attributes: tuple[Attribute, ...]

    metadata = True  # every service has its language attribute
    type = "realtime"  # the request is a case at once (not batched)


LANGUAGE = Attribute(
    code="language",
    datatype="singlevaluelist",
    required=False,
    description="The language the city answers in (Catalan when not given).",
    order=1,
    datatype_description="One of the keys listed.",
    values=(Value("ca", "Català"), Value("es", "Español"), Value("en", "English")),
)
DEFAULT_LANGUAGE = "ca"


def _services() -> dict[str, Service]:
    found: dict[str, Service] = {}
    for case_type in TYPES.values():
        for theme in THEMES.values():
            if not published(case_type.code, theme.code):
                continue
            code = f"{case_type.code}-{theme.code}"
            found[code] = Service(
                code=code,
                case_type=case_type.code,
                theme=theme.code,
                name=f"{case_type.label}: {theme.label}",
                description=case_type.description,
                group=case_type.label,
                keywords=(case_type.code, theme.code),
                attributes=(LANGUAGE,),
            )
    return found


SERVICES: Mapping[str, Service] = _services()


def service(code: str) -> Service:
    """The service of ``code`` (``open311_service_not_found``: 404, for its definition)."""
    found = SERVICES.get(code)
    if found is None:
        raise OPEN311_SERVICE_NOT_FOUND(f"no service {code!r}")
    return found


# ---------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class ServiceRequest:
    """One case as the public reads it (nothing else of the case is here)."""

    service_request_id: str
    status: str  # open | closed
    status_notes: str
    service_name: str
    service_code: str
    description: str | None  # the moderated text only
    agency_responsible: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime
    address: str | None
    address_id: str | None
    lat: float | None
    long: float | None


STATUS_NOTES: Mapping[CaseState, str] = {
    CaseState.RECEIVED: "Received: waiting for the unit to take it.",
    CaseState.ASSIGNED: "Assigned to the unit responsible.",
    CaseState.IN_PROGRESS: "In progress.",
    CaseState.ANSWERED: "Answered.",
    CaseState.CLOSED: "Closed.",
}


def status_of(state: CaseState) -> str:
    """``open`` while the city has yet to answer; ``closed`` once answered or closed."""
    return "open" if state.open else "closed"


def _expected(due_on: date, zone: ZoneInfo) -> datetime:
    """The end of the due day in the city (the due day itself is in time)."""
    return datetime.combine(due_on, time(23, 59, 59), zone)


def _street(row: CaseRow) -> str | None:
    """The street of a case filed at the booth, without its number: the citizen there did not
    choose to publish where they are (often their home or a neighbour's door), and a case is
    public before any moderation. Nothing when the label is not plainly "street number" (a
    flat or door after it, another register's form): nothing below street level is shown."""
    label, number = row.address_label or "", row.street_number or ""
    suffix = f" {number}"
    if not number or not label.endswith(suffix) or "," in label:
        return None
    return label.removesuffix(suffix).strip() or None


def _public(
    row: CaseRow, updated: datetime | None, extra: RequestRow | None, zone: ZoneInfo
) -> ServiceRequest:
    state = CaseState(row.state)
    code = f"{row.case_type}-{row.theme}"
    on_register = row.street_code is not None and row.address_label is not None
    if extra is None:  # filed at the booth: the street only (see _street)
        address, address_id = _street(row) if on_register else None, None
    else:  # an API client sent this address to publish it
        address = row.address_label if on_register else None
        address_id = f"{row.street_code}/{row.street_number}" if on_register else None
    return ServiceRequest(
        service_request_id=str(row.id),
        status=status_of(state),
        status_notes=STATUS_NOTES[state],
        service_name=SERVICES[code].name,
        service_code=code,
        description=row.public_description,
        agency_responsible=UNITS.get(row.unit, row.unit),
        requested_datetime=row.received_at.astimezone(zone),
        updated_datetime=(updated or row.received_at).astimezone(zone),
        expected_datetime=_expected(row.due_on, zone),
        address=address,
        address_id=address_id,
        lat=extra.lat if extra else None,
        long=extra.long if extra else None,
    )


def _published_pairs() -> list[tuple[str, str]]:
    return [(s.case_type, s.theme) for s in SERVICES.values()]


def _query(
    session: Session, *conditions: object, limit: int, zone: ZoneInfo
) -> list[ServiceRequest]:
    updated = (
        select(CaseEventRow.case_id, func.max(CaseEventRow.at).label("at"))
        .group_by(CaseEventRow.case_id)
        .subquery()
    )
    pairs = _published_pairs()
    public = or_(*(and_(CaseRow.case_type == t, CaseRow.theme == h) for t, h in pairs))
    query = (
        select(CaseRow, updated.c.at, RequestRow)
        .outerjoin(updated, updated.c.case_id == CaseRow.id)
        .outerjoin(RequestRow, RequestRow.case_id == CaseRow.id)
        .where(public, *conditions)  # type: ignore[arg-type]
        .order_by(CaseRow.received_at.desc(), CaseRow.id.desc())
        .limit(limit)
    )
    return [_public(row, at, extra, zone) for row, at, extra in session.execute(query)]


_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() takes "²", int() not


def _ids(text: str) -> list[int]:
    ids: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not _NUMBER.fullmatch(part):
            raise OPEN311_BAD_PARAMETER(f"service_request_id: {part!r} is not a request number")
        ids.append(int(part))
    if len(ids) > MAX_REQUESTS:
        raise OPEN311_BAD_PARAMETER(f"service_request_id: at most {MAX_REQUESTS}")
    return ids


def _when(name: str, text: str, zone: ZoneInfo) -> datetime:
    """A W3C date-time (``2026-12-07T10:30:00Z``, ``…+01:00``); a date or a time without zone is
    the city's. Only moments from 1970 to 2100 are taken: at the ends of Python's calendar
    (year 1, year 9999) the zone's offset or the 90 days' window would overflow it."""
    try:
        value = datetime.fromisoformat(text.strip())
        value = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        in_utc = value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise OPEN311_BAD_PARAMETER(
            f"{name}: not an ISO 8601 date-time (e.g. 2026-12-07T10:30:00Z)"
        ) from None
    if not EARLIEST <= in_utc < LATEST:
        raise OPEN311_BAD_PARAMETER(f"{name}: not between {EARLIEST.year} and {LATEST.year - 1}")
    return value


@dataclass(frozen=True)
class Filters:
    service_request_ids: tuple[int, ...] | None = None
    service_codes: tuple[str, ...] | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] | None = None


def parse_filters(params: Mapping[str, str], zone: ZoneInfo) -> Filters:
    """``GET requests``' parameters, checked (``open311_bad_parameter``,
    ``open311_unknown_service``)."""
    ids = params.get("service_request_id")
    codes = params.get("service_code")
    statuses = params.get("status")
    start = params.get("start_date")
    end = params.get("end_date")
    filters = Filters(
        service_request_ids=tuple(_ids(ids)) if ids else None,
        service_codes=tuple(c.strip() for c in codes.split(",")) if codes else None,
        start=_when("start_date", start, zone) if start else None,
        end=_when("end_date", end, zone) if end else None,
        statuses=tuple(s.strip() for s in statuses.split(",")) if statuses else None,
    )
    for code in filters.service_codes or ():
        if code not in SERVICES:
            raise OPEN311_UNKNOWN_SERVICE(f"no service {code!r}")
    for status in filters.statuses or ():
        if status not in ("open", "closed"):
            raise OPEN311_BAD_PARAMETER(f"status: {status!r} is neither open nor closed")
    if filters.start and filters.end:
        if filters.end < filters.start:
            raise OPEN311_BAD_PARAMETER("end_date is before start_date")
        if filters.end - filters.start > WINDOW:
            raise OPEN311_BAD_PARAMETER("start_date to end_date spans more than 90 days")
    return filters


def requests(
    session: Session, filters: Filters, *, now: datetime, zone: ZoneInfo
) -> list[ServiceRequest]:
    """The public requests the filters select, newest first, at most 1,000. Numbers given
    override every other filter (the spec's rule); otherwise the dates default to the 90 days
    up to now (or 90 days from the one date given)."""
    if filters.service_request_ids is not None:
        ids = [i for i in filters.service_request_ids if i <= MAX_ID]  # others are no case
        return _query(session, CaseRow.id.in_(ids), limit=MAX_REQUESTS, zone=zone)
    start, end = filters.start, filters.end
    if start is None and end is None:
        end = now
        start = end - WINDOW
    elif start is None:
        assert end is not None
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    conditions: list[object] = [CaseRow.received_at >= start, CaseRow.received_at <= end]
    if filters.service_codes is not None:
        conditions.append(
            or_(
                *(
                    and_(
                        CaseRow.case_type == SERVICES[c].case_type,
                        CaseRow.theme == SERVICES[c].theme,
                    )
                    for c in filters.service_codes
                )
            )
        )
    if filters.statuses is not None:
        states = [s.value for s in CaseState if status_of(s) in filters.statuses]
        conditions.append(CaseRow.state.in_(states))
    return _query(session, *conditions, limit=MAX_REQUESTS, zone=zone)


def request(session: Session, service_request_id: str, *, zone: ZoneInfo) -> ServiceRequest:
    """One public request by its number (``open311_request_not_found`` for an unknown number
    and for a case that is not public alike)."""
    if not _NUMBER.fullmatch(service_request_id) or int(service_request_id) > MAX_ID:
        raise OPEN311_REQUEST_NOT_FOUND("not a request number")
    found = _query(session, CaseRow.id == int(service_request_id), limit=1, zone=zone)
    if not found:
        raise OPEN311_REQUEST_NOT_FOUND("no public request with this number")
    return found[0]


def by_token(session: Session, token: str) -> str:
    """The request number a token stands for."""
    if not _TOKEN.fullmatch(token):  # nothing else was ever one (nor reaches the database)
        raise OPEN311_REQUEST_NOT_FOUND("no request with this token")
    case_id = session.scalar(select(RequestRow.case_id).where(RequestRow.token == token))
    if case_id is None:
        raise OPEN311_REQUEST_NOT_FOUND("no request with this token")
    return str(case_id)


# ---------------------------------------------------------------------------- filing one

_LATITUDE = (-90.0, 90.0)
_LONGITUDE = (-180.0, 180.0)
_ATTRIBUTE = re.compile(r"attribute\[([A-Za-z0-9_.-]{1,60})\]")
_URL = re.compile(r"https?://[^\s<>\"\x00-\x1f\x7f]+", re.IGNORECASE)
_TOKEN = re.compile(r"[0-9a-f]{32}")  # secrets.token_hex(16)
# What POST takes besides attributes; device_id and account_id are taken and dropped: we keep
# no identifier of the citizen's device or account.
FIELDS = frozenset(
    {
        "api_key",
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    }
)


@dataclass(frozen=True)
class Filed:
    service_request_id: str
    token: str
    registry_code: str


def _coordinate(name: str, text: str, bounds: tuple[float, float]) -> float:
    try:
        value = float(text)
    except ValueError:
        raise OPEN311_BAD_PARAMETER(f"{name}: not a number") from None
    if not math.isfinite(value) or not bounds[0] <= value <= bounds[1]:
        raise OPEN311_BAD_PARAMETER(f"{name}: out of range")
    return value


def single_values(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Form pairs as a dict; a name given twice, or a value longer than any we take, is refused
    (which of two values counts would be a guess)."""
    values: dict[str, str] = {}
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:  # no field takes one; PostgreSQL cannot store it
            raise OPEN311_BAD_PARAMETER(f"{name[:60]!r} has a NUL character")
        if name in values:
            raise OPEN311_BAD_PARAMETER(f"{name[:60]!r} is given twice")
        if len(value) > MAX_FIELD + 100:  # room for spaces the description's check strips
            raise OPEN311_BAD_PARAMETER(f"{name[:60]!r} is too long")
        values[name] = value
    return values


def _attributes(form: Mapping[str, str], svc: Service) -> dict[str, str]:
    known = {a.code: a for a in svc.attributes}
    given: dict[str, str] = {}
    for name, value in form.items():
        if name in FIELDS:
            continue
        match = _ATTRIBUTE.fullmatch(name)
        if match is None:
            raise OPEN311_BAD_PARAMETER(f"unknown parameter {name[:60]!r}")
        attribute = known.get(match.group(1))
        if attribute is None:
            raise OPEN311_BAD_ATTRIBUTE(f"the service has no attribute {match.group(1)!r}")
        if attribute.values and value not in {v.key for v in attribute.values}:
            raise OPEN311_BAD_ATTRIBUTE(f"{attribute.code}: {value[:40]!r} is not one of its keys")
        given[attribute.code] = value
    for attribute in svc.attributes:
        if attribute.required and attribute.code not in given:
            raise OPEN311_BAD_ATTRIBUTE(f"{attribute.code} is required")
    return given


def _location(form: Mapping[str, str]) -> tuple[Location, float | None, float | None]:
    """lat+long, address_string or address_id (``STREET/NUMBER`` of the street register)."""
    lat_text, long_text = form.get("lat", "").strip(), form.get("long", "").strip()
    lat = long = None
    if lat_text or long_text:
        if not (lat_text and long_text):
            raise OPEN311_BAD_PARAMETER("lat and long go together")
        lat = _coordinate("lat", lat_text, _LATITUDE)
        long = _coordinate("long", long_text, _LONGITUDE)
    address_id = form.get("address_id", "").strip()
    address_string = form.get("address_string", "").strip()
    location: Location
    if address_id:
        street, sep, number = address_id.partition("/")
        if not sep or not street or not number:
            raise OPEN311_BAD_PARAMETER("address_id is STREET/NUMBER of the street register")
        location = AddressLocation(street, number)
    elif address_string:
        location = DescribedPlace(address_string)
    elif lat is not None and long is not None:
        location = DescribedPlace(f"{lat:.6f}, {long:.6f}")
    else:
        raise CASE_LOCATION_MISSING("lat and long, address_string or address_id is required")
    return location, lat, long


def _contact(form: Mapping[str, str]) -> Contact | None:
    email = form.get("email", "").strip()
    phone = form.get("phone", "").strip()
    if not email and not phone:
        return None  # anonymous (a name alone reaches nobody: it is not kept)
    name = " ".join(
        p for p in (form.get("first_name", "").strip(), form.get("last_name", "").strip()) if p
    )
    return Contact(email=email, phone=phone, name=name)


def file_request(
    session: Session,
    form: Mapping[str, str],
    *,
    key: ApiKey,
    now: datetime,
    streets: StreetRegister,
    settings: ComplaintsSettings,
    per_minute: int,
    timezone: str,
    registry_language: str = REGISTRY_LANGUAGE,
) -> Filed:
    """A request filed through the API becomes a case like any other (checked whole by
    ``open_case`` before anything is written) and an incoming registry entry (the issue: every
    complaint is one; no documents: ``media_url`` is never fetched), beside a row saying which
    key filed it. The caller's session is the transaction: a refusal leaves nothing behind."""
    check_rate(session, key, now=now, per_minute=per_minute)
    code = form.get("service_code", "").strip()
    if not code:
        raise OPEN311_UNKNOWN_SERVICE("service_code is required")
    svc = SERVICES.get(code)
    if svc is None:
        raise OPEN311_UNKNOWN_SERVICE(f"no service {code[:60]!r}")
    attributes = _attributes(form, svc)
    location, lat, long = _location(form)
    media_url = form.get("media_url", "").strip() or None
    if media_url is not None and (len(media_url) > MAX_MEDIA_URL or not _URL.fullmatch(media_url)):
        raise OPEN311_BAD_PARAMETER("media_url: not an http(s) address")
    case = open_case(
        session,
        case_type=svc.case_type,
        theme=svc.theme,
        description=form.get("description", ""),
        location=location,
        contact=_contact(form),
        language=attributes.get("language", DEFAULT_LANGUAGE),
        registry_code=None,
        call_id=None,
        now=now,
        streets=streets,
        settings=settings,
        timezone=timezone,
    )
    entry = _register(session, case, key=key, timezone=timezone, language=registry_language)
    session.execute(
        update(CaseRow)
        .where(CaseRow.code == case.code)
        .values(registry_code=entry)
        .execution_options(synchronize_session=False)
    )
    case_id = session.scalar(select(CaseRow.id).where(CaseRow.code == case.code))
    assert case_id is not None
    token = secrets.token_hex(16)
    session.add(
        RequestRow(
            case_id=case_id,
            key_id=key.id,
            key_name=key.name,
            token=token,
            lat=lat,
            long=long,
            media_url=media_url,
            created_at=now,
        )
    )
    session.flush()
    return Filed(str(case_id), token, entry)


def _register(session: Session, case: Case, *, key: ApiKey, timezone: str, language: str) -> str:
    """The case's incoming registry entry, in ``language``; its code. The party is the
    contact's name, or "Anonymous" (no contact: a name alone is not kept, as on the case)."""
    _ = texts(language)
    party = _("Anonymous") if case.contact is None else case.contact.name or _("Not given")
    text = case.description
    if len(text) > SUMMARY_LENGTH:
        text = text[: SUMMARY_LENGTH - 1].rstrip() + "…"
    where = case.address_label or case.place or ""
    try:
        entry = register(
            session,
            direction=Direction.IN,
            party_name=party,
            party_document=None,
            subject=f"{_(TYPES[case.case_type].label)}: {_(THEMES[case.theme].label)}",
            summary=f"{text}\n{_('Where')}: {where}",
            destination_unit=_(UNITS.get(case.unit, case.unit)),
            documents=(),
            call_id=None,
            created_by=f"open311:{key.name}",
            tz=timezone,
        )
    except ValueError as refused:  # input the case took but the registry does not
        raise OPEN311_BAD_PARAMETER(f"the registry refused the request ({refused})") from None
    return entry.code
