"""Census volants during a call, over HTTP, for the clerk who holds the call.

* ``POST /api/calls/{call_id}/census/identify``: the citizen's ID and how it was checked →
  what the register says and which volants they may ask for about themself.
* ``POST /api/calls/{call_id}/census/check``: a volant request → the rules' decision and, when
  allowed, the people and address it would show.
* ``POST /api/calls/{call_id}/census/issue``: the same request (checked again) → the sealed
  volant, added to the attention's documents (print, show, download like any other).
* ``POST /api/calls/{call_id}/receipts``: the receipt of a registry entry made in this call
  (``registry_code``), as a document of the attention.

Only the clerk of an active call may ask (404 for anyone else's call: the call's existence is
not confirmed). Personal data leaves the server only in these answers; every look-up behind
them is audited in ``padro_lookups``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finestreta.attention.states import CallState
from finestreta.padro.identity import InvalidId, check_letter, compact, parse_id
from finestreta.padro.model import Household, LookupResult, Person, Status
from finestreta.padro.port import RegisterError, RegisterUnavailable
from finestreta.procedures.census.eligibility import CertificateKind
from finestreta.procedures.census.service import (
    Assessment,
    CensusError,
    Declared,
    Identity,
    NotAllowed,
    VolantRequest,
)
from finestreta.realtime.device_desk import document_summary
from finestreta.web import security
from finestreta.web.devices_api import call_of_clerk
from finestreta.web.errors import Refused
from finestreta.web.security import ctx_of

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


def _still_active(ctx: Any, call: Any) -> None:
    """The call may have ended while the register answered: then nothing of the citizen may
    stay in memory for it (the hub's end-of-call hook has already run)."""
    if call.state != CallState.ACTIVE:
        ctx.census.forget(call.id)
        raise Refused(409, "call_ended", "The call has ended")


def _document(id_type: str, number: str) -> Any:
    try:
        return parse_id(id_type, number)
    except InvalidId as exc:
        details: dict[str, object] = {}
        if exc.code == "bad_check_letter":  # the clerk asks the citizen to read it again
            details["expected"] = check_letter(compact(number)[:-1])
        raise Refused(400, exc.code, exc.message, details) from None


def _volant(body: CheckBody) -> VolantRequest:
    subject = None
    if body.subject_number:
        subject = _document(body.subject_type or "dni", body.subject_number)
    return VolantRequest(
        kind=CertificateKind(body.kind),
        subject=subject,
        express_authorisation=body.express_authorisation,
        accredited_representative=body.accredited_representative,
        incapacitated=frozenset(body.incapacitated),
        subject_incapacitated=body.subject_incapacitated,
    )


BAD_INPUT = frozenset({"bad_method", "scan_needed", "birth_date_needed"})


def _refused(exc: CensusError) -> Refused:
    if isinstance(exc, NotAllowed):
        status = 403
    elif exc.code in ("no_seal", "bad_seal"):
        status = 503
    elif exc.code in BAD_INPUT:
        status = 400
    else:
        status = 409
    return Refused(status, exc.code, exc.message)


@contextmanager
def _register_errors() -> Iterator[None]:
    """The register's own failures, as answers the clerk can act on (never a 500)."""
    try:
        yield
    except CensusError as exc:
        raise _refused(exc) from None
    except RegisterUnavailable:
        raise Refused(
            503,
            "register_unavailable",
            "The population register does not answer. Try again in a moment.",
        ) from None
    except RegisterError:  # the person changed in the register between two questions
        raise Refused(
            409, "register_changed", "The register changed meanwhile: look the person up again."
        ) from None


# ------------------------------------------------------------------------ JSON shapes


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


@router.post(
    "/api/calls/{call_id}/census/identify", dependencies=[Depends(security.require_same_origin)]
)
def identify(call_id: str, body: IdentifyBody, request: Request) -> dict[str, Any]:
    staff, call = call_of_clerk(request, call_id)
    ctx = ctx_of(request)
    document = _document(body.id_type, body.number)
    if body.scan_document_id:
        _scan_of_call(ctx, call.id, body.scan_document_id)
    declared = None
    if body.birth_date is not None:
        if not body.given_name or not body.surnames:
            raise Refused(400, "name_needed", "Enter the given name and surnames on the ID.")
        if body.birth_date > ctx.census.today() or body.birth_date < EARLIEST_BIRTH:
            raise Refused(400, "bad_birth_date", "The date of birth is not a plausible one.")
        declared = Declared(body.given_name, body.surnames, body.birth_date)
    with _register_errors():
        identity = ctx.census.identify(
            call_id=call.id,
            clerk_id=staff.id,
            document=document,
            method=body.method,
            scan_document_id=body.scan_document_id,
            declared=declared,
        )
        options = ctx.census.options(identity)
    _still_active(ctx, call)
    return {"ok": True, "identity": _identity(identity, options, ctx.census.today())}


@router.post(
    "/api/calls/{call_id}/census/check", dependencies=[Depends(security.require_same_origin)]
)
def check(call_id: str, body: CheckBody, request: Request) -> dict[str, Any]:
    staff, call = call_of_clerk(request, call_id)
    ctx = ctx_of(request)
    volant = _volant(body)
    with _register_errors():
        assessment = ctx.census.check(call_id=call.id, clerk_id=staff.id, request=volant)
    _still_active(ctx, call)
    return {"ok": True, "assessment": _assessment(assessment, ctx.census.today())}


@router.post(
    "/api/calls/{call_id}/census/issue", dependencies=[Depends(security.require_same_origin)]
)
def issue(call_id: str, body: IssueBody, request: Request) -> dict[str, Any]:
    from finestreta.documents.records import DocumentRow

    staff, call = call_of_clerk(request, call_id)
    ctx = ctx_of(request)
    volant = _volant(body)
    public_url = ctx.settings.public_url or str(request.base_url)
    with _register_errors():
        issued = ctx.census.issue(
            call_id=call.id,
            clerk_id=staff.id,
            request=volant,
            lang=body.lang,
            public_url=public_url,
        )
    if call.state != CallState.ACTIVE:  # ended meanwhile: the volant stands, memory goes
        ctx.census.forget(call.id)
    certificate = issued.certificate
    with ctx.db.session() as session:
        row = session.get(DocumentRow, certificate.document_id)
        assert row is not None
        summary = document_summary(row)
    ctx.hub.send_to_clerk(staff.id, {"type": "document", **summary})
    return {
        "ok": True,
        "document": summary,
        "code": certificate.code,
        "verify_url": certificate.verify_url,
        "registry_code": certificate.registry_code,
        "registry_number": certificate.registry_number,
        "issued_at": certificate.issued_at.isoformat(),
        "assessment": _assessment(issued.assessment, ctx.census.today()),
    }


class ReceiptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    registry_code: Annotated[str, Field(min_length=1, max_length=40)]
    lang: Literal["ca", "es", "en"] = "ca"


@router.post("/api/calls/{call_id}/receipts", dependencies=[Depends(security.require_same_origin)])
def receipt(call_id: str, body: ReceiptBody, request: Request) -> dict[str, Any]:
    from sqlalchemy import select

    from finestreta.documents.issued import IssuedDocument
    from finestreta.documents.pdf.heading import CityHeading
    from finestreta.documents.verification import format_code, verify_url
    from finestreta.registry import receipt as receipts
    from finestreta.registry.service import get_by_code

    staff, call = call_of_clerk(request, call_id)
    ctx = ctx_of(request)
    with ctx.db.session() as session:
        entry = get_by_code(session, body.registry_code)
        if entry is None or entry.call_id != call.id:
            raise Refused(
                404, "no_registry_entry", "No registry entry of this attention with that code"
            )
        city = CityHeading.from_settings(ctx.settings)
        issued = session.scalar(
            select(IssuedDocument).where(IssuedDocument.registry_code == entry.code)
        )
        verification = None
        if issued is not None:
            public_url = ctx.settings.public_url or str(request.base_url)
            verification = receipts.Verification(
                format_code(issued.code), verify_url(public_url, issued.code)
            )
        pdf = receipts.render_receipt(
            entry,
            city=city,
            lang=body.lang,
            tz=ctx.settings.city_timezone,
            verification=verification,
        )
        row = ctx.devices.documents.add(
            session,
            pdf,
            kind="receipt",
            title=f"{receipts.receipt_title(body.lang)} {entry.number_text}",
            created_by=f"clerk:{staff.id}",
            call_id=call.id,
            kiosk_id=call.kiosk_id,
        )
        summary = document_summary(row)
    ctx.hub.send_to_clerk(staff.id, {"type": "document", **summary})
    return {"ok": True, "document": summary}


def _scan_of_call(ctx: Any, call_id: str, document_id: str) -> None:
    from finestreta.documents.records import DocumentRow

    with ctx.db.session() as session:
        row = session.get(DocumentRow, document_id)
        if (
            row is None
            or row.call_id != call_id
            or row.deleted_at is not None
            or row.kind not in ("scan", "upload")
        ):
            raise Refused(404, "no_document", "No scan or upload of this attention with that id")
