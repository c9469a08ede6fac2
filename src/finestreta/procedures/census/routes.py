"""Census volants during a call, over HTTP, for the clerk who holds the call.

* ``POST /api/calls/{call_id}/census/identify``: the citizen's ID and how it was checked →
  what the register says and which volants they may ask for about themself.
* ``POST /api/calls/{call_id}/census/check``: a volant request → the rules' decision and, when
  allowed, the people and address it would show.
* ``POST /api/calls/{call_id}/census/issue``: the same request (checked again) → the sealed
  volant, added to the attention's documents (print, show, download like any other).

Only the clerk of an active call may ask (``ActiveCall``: 404 for anyone else's call, whose
existence is not confirmed). Personal data leaves the server only in these answers; every
look-up behind them is audited in ``padro_lookups``. The registry receipt of an issued volant is
the platform's (``POST /api/calls/{call_id}/receipts``, ``web/registry_api.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finestreta.devices.desk import summary
from finestreta.errors import N_, InvalidInput, declare
from finestreta.identity.checks import Declared
from finestreta.padro.identity import parse_id
from finestreta.padro.model import Household, LookupResult, Person, Status
from finestreta.procedures.census.eligibility import CertificateKind
from finestreta.procedures.census.service import (
    DOMAIN,
    Assessment,
    CensusDesk,
    Identity,
    VolantRequest,
)
from finestreta.realtime.frames import DocumentSummary
from finestreta.web import security
from finestreta.web.calls import ActiveCall, CallAccess, scan_of_call, still_active
from finestreta.web.contract import CALL, refusals

router = APIRouter()

# Printed on a sealed volant: letters, marks, spaces, apostrophes, hyphens and dots only (no
# control or bidirectional-override characters that could disguise what the PDF says).
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^[\w\s'’.·-]*$"),
]
EARLIEST_BIRTH = date(1900, 1, 1)
Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]

STATUS_MESSAGES = {
    Status.REGISTERED: "Registered in the city.",
    Status.MOVED_OUT: "No longer registered in the city: moved out.",
    Status.DECEASED: "The registration ended by death.",
    Status.NOT_FOUND: "Not registered in the city.",
}


class IdentifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_type: Literal["dni", "nie", "passport"]
    number: Number
    method: Literal["id_on_camera", "id_scanned"]
    scan_document_id: Annotated[str, Field(max_length=64)] | None = None
    # Read off the ID when the register does not know the person (optional otherwise).
    given_name: Name = ""
    surnames: Name = ""
    birth_date: date | None = None


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["residence", "household"]
    subject_type: Literal["dni", "nie", "passport"] | None = None
    subject_number: Number | None = None
    express_authorisation: bool = False
    accredited_representative: bool = False
    subject_incapacitated: bool = False
    incapacitated: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=30)] = []


class IssueBody(CheckBody):
    lang: Literal["ca", "es", "en"]


NAME_NEEDED = declare(
    "name_needed", InvalidInput, N_("Enter the given name and surnames on the ID."), domain=DOMAIN
)
BAD_BIRTH_DATE = declare(
    "bad_birth_date", InvalidInput, N_("The date of birth is not a plausible one."), domain=DOMAIN
)


def desk_of(access: CallAccess) -> CensusDesk:
    desk: CensusDesk = access.ctx.procedure("census").desk  # type: ignore[attr-defined]
    return desk


def _volant(body: CheckBody) -> VolantRequest:
    subject = None
    if body.subject_number:
        subject = parse_id(body.subject_type or "dni", body.subject_number)
    return VolantRequest(
        kind=CertificateKind(body.kind),
        subject=subject,
        express_authorisation=body.express_authorisation,
        accredited_representative=body.accredited_representative,
        incapacitated=frozenset(body.incapacitated),
        subject_incapacitated=body.subject_incapacitated,
    )


# ------------------------------------------------------------------------ JSON shapes


class IdDocument(BaseModel):
    type: str
    number: str


class PersonShown(BaseModel):
    name: str
    document: IdDocument
    age: int | None


class Member(PersonShown):
    registered_since: str


class HouseholdShown(BaseModel):
    address: str
    collective: bool
    members: list[Member]


class AssessmentShown(BaseModel):
    allowed: bool
    code: str
    message: str
    persons: list[Member]
    address: str | None


class Option(AssessmentShown):
    kind: str


class IdentityShown(BaseModel):
    check_id: int
    method: str
    name: str | None
    age: int | None
    status: str
    status_message: str
    document: IdDocument
    person: PersonShown | None
    address: str | None
    registered_since: str | None
    ended_on: str | None
    household: HouseholdShown | None
    options: list[Option]


class IdentifyAnswer(BaseModel):
    ok: bool
    identity: IdentityShown


class CheckAnswer(BaseModel):
    ok: bool
    assessment: AssessmentShown


class IssueAnswer(BaseModel):
    ok: bool
    document: DocumentSummary
    code: str
    verify_url: str
    registry_code: str
    registry_number: str
    issued_at: str
    assessment: AssessmentShown


def _person(person: Person, today: date) -> dict[str, Any]:
    """What the clerk's screen shows of a person, no more (birth date and nationality stay in
    the register and on the sealed volant)."""
    return {
        "name": person.full_name,
        "document": {"type": person.document.type.value, "number": person.document.number},
        "age": person.age_on(today),
    }


def _household(household: Household | None, today: date) -> dict[str, Any] | None:
    if household is None:
        return None
    return {
        "address": household.address.one_line(),
        "collective": household.is_collective,
        "members": [
            {**_person(m.person, today), "registered_since": m.registered_since.isoformat()}
            for m in household.members
        ],
    }


def _result(result: LookupResult, today: date) -> dict[str, Any]:
    return {
        "status": result.status.value,
        "status_message": STATUS_MESSAGES[result.status],
        "document": {"type": result.document.type.value, "number": result.document.number},
        "person": _person(result.person, today) if result.person else None,
        "address": result.address.one_line() if result.address else None,
        "registered_since": result.registered_since.isoformat()
        if result.registered_since
        else None,
        "ended_on": result.ended_on.isoformat() if result.ended_on else None,
    }


def _assessment(assessment: Assessment, today: date) -> dict[str, Any]:
    decision = assessment.decision
    return {
        "allowed": decision.allowed,
        "code": decision.code,
        "message": decision.message,
        # Only what the volant would show, and only when it may be issued: nothing about
        # another person leaves the server when the rules refuse (docs/procedures.md).
        "persons": [
            {**_person(c.person, today), "registered_since": c.registered_since.isoformat()}
            for c in assessment.persons
        ],
        "address": assessment.address.one_line() if assessment.address else None,
    }


def _identity(identity: Identity, options: list[Any], today: date) -> dict[str, Any]:
    return {
        "check_id": identity.check_id,
        "method": identity.method,
        "name": identity.name,
        "age": identity.age_on(today),
        **_result(identity.result, today),
        "household": _household(identity.household, today),
        "options": [
            {"kind": kind.value, **_assessment(assessment, today)} for kind, assessment in options
        ],
    }


# ------------------------------------------------------------------------ endpoints

SameOrigin = [Depends(security.require_same_origin)]


@router.post(
    "/api/calls/{call_id}/census/identify",
    dependencies=SameOrigin,
    response_model=IdentifyAnswer,
    responses=refusals(*CALL, 400, 503),
)
def identify(body: IdentifyBody, access: ActiveCall) -> dict[str, Any]:
    desk = desk_of(access)
    document = parse_id(body.id_type, body.number)
    if body.scan_document_id:
        scan_of_call(access, body.scan_document_id)
    declared = None
    if body.birth_date is not None:
        if not body.given_name or not body.surnames:
            raise NAME_NEEDED("Enter the given name and surnames on the ID.")
        if body.birth_date > desk.today() or body.birth_date < EARLIEST_BIRTH:
            raise BAD_BIRTH_DATE("The date of birth is not a plausible one.")
        declared = Declared(body.given_name, body.surnames, body.birth_date)
    identity = desk.identify(
        call_id=access.call.id,
        clerk_id=access.staff.id,
        document=document,
        method=body.method,
        scan_document_id=body.scan_document_id,
        declared=declared,
    )
    options = desk.options(identity)
    still_active(access)
    access.ctx.steps.record(
        "census",
        "identified",
        identity.result.status.value,
        call_id=access.call.id,
        clerk_id=access.staff.id,
        method=body.method,
        id_type=body.id_type,
    )
    return {"ok": True, "identity": _identity(identity, options, desk.today())}


@router.post(
    "/api/calls/{call_id}/census/check",
    dependencies=SameOrigin,
    response_model=CheckAnswer,
    responses=refusals(*CALL, 400, 503),
)
def check(body: CheckBody, access: ActiveCall) -> dict[str, Any]:
    desk = desk_of(access)
    assessment = desk.check(call_id=access.call.id, clerk_id=access.staff.id, request=_volant(body))
    still_active(access)
    access.ctx.steps.record(
        "census",
        "checked",
        assessment.decision.code,
        call_id=access.call.id,
        clerk_id=access.staff.id,
        kind=body.kind,
        about_self=not body.subject_number,
    )
    return {"ok": True, "assessment": _assessment(assessment, desk.today())}


@router.post(
    "/api/calls/{call_id}/census/issue",
    dependencies=SameOrigin,
    response_model=IssueAnswer,
    responses=refusals(*CALL, 400, 503),
)
def issue(body: IssueBody, request: Request, access: ActiveCall) -> dict[str, Any]:
    from finestreta.documents.records import DocumentRow

    ctx = access.ctx
    desk = desk_of(access)
    public_url = ctx.settings.public_url
    issued = desk.issue(
        call_id=access.call.id,
        clerk_id=access.staff.id,
        request=_volant(body),
        lang=body.lang,
        public_url=public_url,
    )
    certificate = issued.certificate
    with ctx.db.session() as session:
        row = session.get(DocumentRow, certificate.document_id)
        assert row is not None
        ctx.devices.attached(access.call, row)
        document = summary(row).model_dump()
    ctx.steps.record(
        "census",
        "issued",
        call_id=access.call.id,
        clerk_id=access.staff.id,
        kind=body.kind,
        lang=body.lang,
        persons=len(issued.assessment.persons),
    )
    return {
        "ok": True,
        "document": document,
        "code": certificate.code,
        "verify_url": certificate.verify_url,
        "registry_code": certificate.registry_code,
        "registry_number": certificate.registry_number,
        "issued_at": certificate.issued_at.isoformat(),
        "assessment": _assessment(issued.assessment, desk.today()),
    }
