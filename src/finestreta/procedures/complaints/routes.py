"""Filing a complaint during a call, over HTTP, for the clerk who holds the call.

* ``GET  /api/calls/{call_id}/complaints/form``: the types and themes (translated for the
  clerk, with which types may be anonymous), the call's scans and uploads that may be filed
  with the case, and the citizen's language;
* ``GET  /api/calls/{call_id}/complaints/streets?q=``: streets of the register, as one types;
* ``GET  /api/calls/{call_id}/complaints/address?street=&number=``: that the number exists;
* ``POST /api/calls/{call_id}/complaints/file``: an anonymous case, its incoming registry entry
  and its documents in one transaction, then the receipt printed at the booth and the code shown;
* ``POST /api/calls/{call_id}/complaints/sign``: a case with a contact, checked and its form
  shown at the booth for the citizen to sign; filed when signed (``signature_given``);
* ``GET  /api/calls/{call_id}/complaints/signed/{request_id}``: that case once filed.

Only the clerk of an active call may ask (``ActiveCall``: 404 for anyone else's call).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import select

from finestreta.devices.desk import summary
from finestreta.documents.records import DocumentRow
from finestreta.procedures.complaints import cases
from finestreta.procedures.complaints.service import (
    ATTACHABLE_KINDS,
    CASE_SIGNATURE_UNKNOWN,
    MAX_ATTACHMENTS,
    ComplaintDesk,
    Filing,
)
from finestreta.procedures.complaints.types import DOMAIN, THEMES, TYPES
from finestreta.procedures.texts import table
from finestreta.realtime.frames import DocumentSummary
from finestreta.web import security
from finestreta.web.calls import ActiveCall, OwnCall, still_active
from finestreta.web.contract import CALL, refusals

router = APIRouter()
SameOrigin = [Depends(security.require_same_origin)]
Lang = Literal["ca", "es", "en"]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


def _desk(access: ActiveCall) -> ComplaintDesk:
    desk: ComplaintDesk = access.ctx.procedure(DOMAIN).desk  # type: ignore[attr-defined]
    return desk


class Choice(BaseModel):
    code: str
    label: str
    description: str = ""
    anonymous_allowed: bool = True


class Scan(BaseModel):
    document_id: str
    title: str
    kind: str
    media_type: str
    size: int


class FormAnswer(BaseModel):
    ok: bool
    types: list[Choice]
    themes: list[Choice]
    scans: list[Scan]
    language: str
    max_description: int
    max_attachments: int


@router.get(
    "/api/calls/{call_id}/complaints/form", responses=refusals(*CALL), response_model=FormAnswer
)
def form(access: ActiveCall, lang: Lang = "ca") -> FormAnswer:
    from finestreta.procedures.complaints import procedure

    texts = table(procedure, lang)

    def _(text: str) -> str:
        return texts.get(text) or text

    with access.ctx.db.session() as session:
        rows = session.scalars(
            select(DocumentRow)
            .where(
                DocumentRow.call_id == access.call.id,
                DocumentRow.deleted_at.is_(None),
                DocumentRow.kind.in_(ATTACHABLE_KINDS),
            )
            .order_by(DocumentRow.created_at)
        )
        scans = [
            Scan(document_id=r.id, title=r.title, kind=r.kind, media_type=r.media_type, size=r.size)
            for r in rows
        ]
    language = access.call.language if access.call.language in cases.LANGUAGES else "ca"
    return FormAnswer(
        ok=True,
        types=[
            Choice(
                code=t.code,
                label=_(t.label),
                description=_(t.description),
                anonymous_allowed=t.anonymous_allowed,
            )
            for t in TYPES.values()
        ],
        themes=[Choice(code=t.code, label=_(t.label)) for t in THEMES.values()],
        scans=scans,
        language=language or "ca",
        max_description=cases.MAX_DESCRIPTION,
        max_attachments=MAX_ATTACHMENTS,
    )


class StreetShown(BaseModel):
    code: str
    name: str
    district: str


class StreetsAnswer(BaseModel):
    ok: bool
    streets: list[StreetShown]


@router.get("/api/calls/{call_id}/complaints/streets", responses=refusals(*CALL))
def streets(access: ActiveCall, q: Annotated[str, Query(max_length=100)] = "") -> StreetsAnswer:
    found = _desk(access).platform.streets.search(q, limit=10) if q.strip() else []
    return StreetsAnswer(
        ok=True,
        streets=[StreetShown(code=s.code, name=s.name, district=s.district) for s in found],
    )


class AddressAnswer(BaseModel):
    ok: bool
    label: str
    postcode: str


@router.get("/api/calls/{call_id}/complaints/address", responses=refusals(*CALL, 400))
def address(
    access: ActiveCall,
    street: Annotated[str, Query(min_length=1, max_length=20)],
    number: Annotated[str, Query(min_length=1, max_length=20)],
) -> AddressAnswer:
    found = _desk(access).platform.streets.address(street, number)
    if found is None:
        raise cases.CASE_UNKNOWN_ADDRESS("no such address in the street register")
    return AddressAnswer(ok=True, label=found.label, postcode=found.postcode)


class ContactBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(max_length=cases.MAX_NAME)] = ""
    email: Annotated[str, StringConstraints(max_length=254)] = ""
    phone: Annotated[str, StringConstraints(max_length=30)] = ""


class FileBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_type: Annotated[str, StringConstraints(max_length=20)]
    theme: Annotated[str, StringConstraints(max_length=40)]
    # No length limit here: cases.open_case says how long is too long, as a declared error
    # the panel shows (a 422 would say less); the platform's body limit still applies.
    description: str
    street_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    street_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    place: str | None = None
    anonymous: bool = False
    contact: ContactBody | None = None
    language: Lang
    attachments: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)] = []
    print: bool = True

    @model_validator(mode="after")
    def _one_location(self) -> FileBody:
        if self.anonymous and self.contact is not None:
            raise ValueError("an anonymous case has no contact")
        return self


class FileAnswer(BaseModel):
    ok: bool
    code: str
    track_url: str
    registry_code: str
    registry_number: str
    due_on: str
    receipt: DocumentSummary | None
    job_id: str | None
    # a signed case: the form with the signature drawn in, filed first, printed with the receipt
    signed_copy: DocumentSummary | None = None
    signed_copy_job_id: str | None = None
    # the case is filed either way; these say what did not follow it (the panel tells the clerk)
    warnings: list[str] = []


def _filing(body: FileBody) -> Filing:
    location: cases.Location
    if body.street_code:
        location = cases.AddressLocation(body.street_code, body.street_number or "")
    else:
        location = cases.DescribedPlace(body.place or "")
    contact = None
    if not body.anonymous:
        given = body.contact or ContactBody()
        contact = cases.Contact(email=given.email, phone=given.phone, name=given.name)
    return Filing(
        case_type=body.case_type,
        theme=body.theme,
        description=body.description,
        location=location,
        contact=contact,
        language=body.language,
        attachments=tuple(body.attachments),
    )


@router.post(
    "/api/calls/{call_id}/complaints/file",
    dependencies=SameOrigin,
    responses=refusals(*CALL, 400, 404),
)
def file(body: FileBody, access: ActiveCall) -> FileAnswer:
    """An anonymous case, filed at once (one with a contact is signed first: ``/sign``)."""
    filing = _filing(body)
    still_active(access)
    desk = _desk(access)
    filed = desk.file(
        call=access.call, clerk_id=access.staff.id, filing=filing, print_receipt=body.print
    )
    return FileAnswer(
        ok=True,
        code=filed.case.display_code,
        track_url=filed.track_url,
        registry_code=filed.registry_code,
        registry_number=filed.registry_number,
        due_on=filed.case.due_on.isoformat(),
        receipt=summary(filed.receipt) if filed.receipt is not None else None,
        job_id=filed.print_job,
        warnings=list(filed.warnings),
    )


class SignAnswer(BaseModel):
    ok: bool
    request_id: str
    document_id: str
    sha256: str


@router.post(
    "/api/calls/{call_id}/complaints/sign",
    dependencies=SameOrigin,
    responses=refusals(*CALL, 400, 404),
)
def sign(body: FileBody, access: ActiveCall) -> SignAnswer:
    """A case with a contact: checked whole, its form shown at the booth to be signed; it is
    filed when the citizen signs (or the clerk records oral consent): ``/signed/{request}``."""
    filing = _filing(body)
    if filing.contact is None:
        raise cases.CASE_CONTACT_NEEDED("an anonymous case is filed without signing: /file")
    still_active(access)
    asked = _desk(access).ask_to_sign(call=access.call, clerk_id=access.staff.id, filing=filing)
    return SignAnswer(
        ok=True, request_id=asked.request_id, document_id=asked.document_id, sha256=asked.sha256
    )


@router.get(
    "/api/calls/{call_id}/complaints/signed/{request_id}",
    responses=refusals(*CALL, 404),
)
def signed(
    request_id: Annotated[str, StringConstraints(max_length=64)], access: OwnCall
) -> FileAnswer:
    """The case filed once the form of ``request_id`` was signed (404
    ``case_signature_unknown`` until then)."""
    kept = _desk(access).filed_after_signing(access.call.id, request_id)
    if kept is None:
        raise CASE_SIGNATURE_UNKNOWN("not filed (yet) for that signature")
    receipt = copy = None
    with access.ctx.db.session() as session:
        if kept.get("receipt_id"):
            row = session.get(DocumentRow, kept["receipt_id"])
            receipt = summary(row) if row is not None else None
        if kept.get("signed_copy_id"):
            row = session.get(DocumentRow, kept["signed_copy_id"])
            copy = summary(row) if row is not None else None
    return FileAnswer(
        ok=True,
        code=kept["code"],
        track_url=kept["track_url"],
        registry_code=kept["registry_code"],
        registry_number=kept["registry_number"],
        due_on=kept["due_on"],
        receipt=receipt,
        job_id=kept.get("job_id"),
        signed_copy=copy,
        signed_copy_job_id=kept.get("signed_copy_job_id"),
        warnings=list(kept.get("warnings", [])),
    )
