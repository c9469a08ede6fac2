"""The works notice during a call, over HTTP, for the clerk who holds the call (``ActiveCall``:
404 for anyone else's call, 409 once it ended). docs/works.md lists the endpoints.

* ``POST …/works/decide``: the answers so far → the decision, its message, the next question
  (and, outside the scope, the procedure that applies instead and its catalogue entry);
* ``GET …/works/streets?q=``: streets of the register whose name matches (search as you type);
* ``POST …/works/address``: street, number (floor, door, cadastral reference) → the address;
* ``POST …/works/identify``: the citizen's ID, how it was checked, the name on it;
* ``POST …/works/sign``: the notice form → the draft shown on the booth to be signed;
* ``DELETE …/works/sign``: take the draft back;
* ``POST …/works/register``: register again a signed notice whose registration failed;
* ``POST …/works/sheet``: print the information sheet of the procedure that applies instead;
* ``GET …/works/state``: the questionnaire, the citizen and the notice's outcome.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finestreta.catalogue.service import catalogue_of
from finestreta.catalogue.sheet import render_info_sheet
from finestreta.devices.desk import summary
from finestreta.documents.pdf.heading import CityHeading
from finestreta.padro.identity import parse_id
from finestreta.procedures.works import DOMAIN, scope
from finestreta.procedures.works.notice import money
from finestreta.procedures.works.service import (
    MAX_DESCRIPTION,
    NO_SHEET,
    NoticeForm,
    Progress,
    WorksDesk,
)
from finestreta.realtime.frames import DocumentSummary
from finestreta.web import security
from finestreta.web.calls import ActiveCall, CallAccess, scan_of_call, still_active
from finestreta.web.contract import CALL, refusals

router = APIRouter()
SameOrigin = [Depends(security.require_same_origin)]
Lang = Literal["ca", "es", "en"]
PREFIX = "/api/calls/{call_id}/works"

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
# Printed on the sealed notice and registered: letters, marks, spaces, apostrophes, hyphens and
# dots only (no control or bidirectional characters that could disguise what the PDF says).
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=150, pattern=r"^[\w\s'’.·-]+$"
    ),
]
DocId = Annotated[str, Field(max_length=64)]


def desk_of(access: CallAccess) -> WorksDesk:
    desk: WorksDesk = access.ctx.procedure(DOMAIN).desk  # type: ignore[attr-defined]
    return desk


class DecideBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: Annotated[dict[Annotated[str, Field(max_length=40)], Short], Field(max_length=12)]
    lang: Lang = "ca"


class IdentifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_type: Literal["dni", "nie", "passport"]
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
    method: Literal["id_on_camera", "id_scanned"]
    scan_document_id: DocId | None = None
    name: Name


class AddressBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street_code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
    ]
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    floor: Short = ""
    door: Short = ""
    cadastral_reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = (
        ""
    )


class SignBody(AddressBody):
    # Longer than allowed is refused by the desk with its own code (the limit said), not 422.
    description: Annotated[str, Field(max_length=4 * MAX_DESCRIPTION)]
    start: date
    duration_days: int
    scans: Annotated[list[DocId], Field(max_length=10)] = []
    lang: Lang = "ca"


class SheetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lang: Lang = "ca"


# ------------------------------------------------------------------------ JSON shapes


class OptionShown(BaseModel):
    value: str
    label: str
    ends: bool


class QuestionShown(BaseModel):
    id: str
    text: str
    kinds: list[str]
    options: list[OptionShown]


class DecisionShown(BaseModel):
    within_scope: bool
    code: str
    message: str
    instead: str | None
    sheet: str | None  # the catalogue entry of the procedure that applies instead


class ProgressAnswer(BaseModel):
    ok: bool
    answers: dict[str, str]
    next: str | None
    decision: DecisionShown | None
    questions: list[QuestionShown]


class StreetShown(BaseModel):
    code: str
    name: str
    district: str


class StreetsAnswer(BaseModel):
    ok: bool
    streets: list[StreetShown]


class AddressShown(BaseModel):
    label: str
    postcode: str
    district: str
    cadastral_reference: str | None


class AddressAnswer(BaseModel):
    ok: bool
    address: AddressShown


class CitizenShown(BaseModel):
    name: str
    id_type: str
    number: str


class IdentifyAnswer(BaseModel):
    ok: bool
    citizen: CitizenShown


class SignAnswer(BaseModel):
    ok: bool
    request_id: str
    document_id: str
    sha256: str
    fee: str | None


class CancelAnswer(BaseModel):
    ok: bool
    cancelled: bool


class SheetAnswer(BaseModel):
    ok: bool
    entry: str
    title: str
    document: DocumentSummary
    job_id: str
    printer_ready: bool | None = None
    printer_reason: str | None = None


class CitizenKept(BaseModel):
    name: str
    id_type: str
    id_number: str


class Outcome(BaseModel):
    state: str  # waiting | cancelled | registered | failed
    request_id: str | None = None
    signed: str | None = None  # signed | oral_consent
    registry_code: str | None = None
    registry_number: str | None = None
    code: str | None = None  # the verification code, or the error code when failed
    verify_url: str | None = None
    document_id: str | None = None
    print_jobs: list[str] = []
    draft_sha256: str | None = None


class StateAnswer(ProgressAnswer):
    citizen: CitizenKept | None
    outcome: Outcome | None
    fee: str | None
    earliest_start: date
    max_duration_days: int
    max_description: int


def _questions(lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": q.id,
            "text": q.text,
            "kinds": sorted(q.kinds),
            "options": [{"value": o.value, "label": o.label, "ends": o.ends} for o in q.options],
        }
        for q in scope.questions(lang)
    ]


def _progress(progress: Progress, lang: str) -> dict[str, Any]:
    decision = progress.decision
    shown: dict[str, Any] | None = None
    if decision is not None and decision.code != "unanswered":
        from finestreta.procedures.works.service import SHEETS

        instead = decision.instead
        shown = {
            "within_scope": decision.within_scope,
            "code": decision.code,
            "message": scope.message(decision, lang),
            "instead": instead.value if instead else None,
            "sheet": SHEETS[instead] if instead else None,
        }
    return {"answers": progress.answers, "next": progress.next_question, "decision": shown}


@router.post(
    f"{PREFIX}/decide",
    dependencies=SameOrigin,
    response_model=ProgressAnswer,
    responses=refusals(*CALL, 400),
)
def decide(body: DecideBody, access: ActiveCall) -> dict[str, Any]:
    desk = desk_of(access)
    progress = desk.decide(access.call.id, body.answers)
    desk.show_progress(access.call, progress)
    if progress.decision is not None and progress.next_question is None:
        access.ctx.steps.record(
            DOMAIN,
            "decided",
            progress.decision.code,
            call_id=access.call.id,
            clerk_id=access.staff.id,
        )
    return {"ok": True, **_progress(progress, body.lang), "questions": _questions(body.lang)}


@router.get(f"{PREFIX}/streets", response_model=StreetsAnswer, responses=refusals(*CALL))
def streets(access: ActiveCall, q: Annotated[str, Query(max_length=80)] = "") -> dict[str, Any]:
    found = desk_of(access).platform.streets.search(q, limit=10)
    return {
        "ok": True,
        "streets": [{"code": s.code, "name": s.name, "district": s.district} for s in found],
    }


def _address(address: Any) -> dict[str, Any]:
    return {
        "label": address.label,
        "postcode": address.postcode,
        "district": address.street.district,
        "cadastral_reference": address.cadastral_reference,
    }


@router.post(
    f"{PREFIX}/address",
    dependencies=SameOrigin,
    response_model=AddressAnswer,
    responses=refusals(*CALL, 400),
)
def address(body: AddressBody, access: ActiveCall) -> dict[str, Any]:
    found = desk_of(access).check_address(
        body.street_code, body.number, body.floor, body.door, body.cadastral_reference or None
    )
    return {"ok": True, "address": _address(found)}


@router.post(
    f"{PREFIX}/identify",
    dependencies=SameOrigin,
    response_model=IdentifyAnswer,
    responses=refusals(*CALL, 400),
)
def identify(body: IdentifyBody, access: ActiveCall) -> dict[str, Any]:
    document = parse_id(body.id_type, body.number)
    if body.scan_document_id:
        scan_of_call(access, body.scan_document_id)
    citizen = desk_of(access).identify(
        call_id=access.call.id,
        clerk_id=access.staff.id,
        document=document,
        name=body.name,
        method=body.method,
        scan_document_id=body.scan_document_id,
    )
    access.ctx.steps.record(
        DOMAIN,
        "identified",
        call_id=access.call.id,
        clerk_id=access.staff.id,
        method=body.method,
        id_type=body.id_type,
    )
    return {
        "ok": True,
        "citizen": {"name": citizen.name, "id_type": citizen.id_type, "number": citizen.id_number},
    }


@router.post(
    f"{PREFIX}/sign",
    dependencies=SameOrigin,
    response_model=SignAnswer,
    responses=refusals(*CALL, 400, 503),
)
def sign(body: SignBody, access: ActiveCall) -> dict[str, Any]:
    desk = desk_of(access)
    form = NoticeForm(
        street_code=body.street_code,
        number=body.number,
        floor=body.floor,
        door=body.door,
        cadastral_reference=body.cadastral_reference or None,
        description=body.description,
        start=body.start,
        duration_days=body.duration_days,
        scans=tuple(body.scans),
    )
    asked, data = desk.ask_signature(
        call=access.call, clerk_id=access.staff.id, form=form, lang=body.lang
    )
    still_active(access)
    access.ctx.steps.record(
        DOMAIN, "asked", call_id=access.call.id, clerk_id=access.staff.id, kind=data.kind
    )
    return {
        "ok": True,
        "request_id": asked.request_id,
        "document_id": asked.document_id,
        "sha256": asked.sha256,
        "fee": money(data.fee_cents, body.lang) if data.fee_cents else None,
    }


@router.delete(
    f"{PREFIX}/sign",
    dependencies=SameOrigin,
    response_model=CancelAnswer,
    responses=refusals(*CALL),
)
def cancel(access: ActiveCall) -> dict[str, Any]:
    return {"ok": True, "cancelled": desk_of(access).cancel(access.call)}


@router.post(
    f"{PREFIX}/register",
    dependencies=SameOrigin,
    response_model=Outcome,
    responses=refusals(*CALL, 503),
)
def register_again(access: ActiveCall) -> dict[str, Any]:
    """A signed notice whose registration failed (no seal), registered again."""
    return desk_of(access).register_again(access.call, access.staff.id)


@router.post(
    f"{PREFIX}/sheet",
    dependencies=SameOrigin,
    response_model=SheetAnswer,
    responses=refusals(*CALL),
)
def sheet(body: SheetBody, access: ActiveCall) -> dict[str, Any]:
    """The information sheet of the procedure that applies instead, printed at the booth."""
    ctx = access.ctx
    slug = desk_of(access).sheet_slug(access.call.id)
    entry = catalogue_of(ctx).entry(slug, body.lang)
    if entry is None:
        raise NO_SHEET(f"the catalogue has no entry {slug}")
    pdf = render_info_sheet(entry, body.lang, CityHeading.from_settings(ctx.settings))
    row = ctx.devices.attach(
        access.call, pdf, kind="info_sheet", title=entry.title, by=f"clerk:{access.staff.id}"
    )
    job = ctx.devices.request_print(access.staff.id, access.call.id, row.id, 1)
    ctx.steps.record(DOMAIN, "sheet", call_id=access.call.id, clerk_id=access.staff.id, entry=slug)
    return {
        "ok": True,
        "entry": slug,
        "title": entry.title,
        "document": summary(row).model_dump(),
        "job_id": job.id,
        **ctx.devices.printer_now(job.kiosk_id),
    }


@router.get(f"{PREFIX}/state", response_model=StateAnswer, responses=refusals(*CALL))
def state(access: ActiveCall, lang: Lang = "ca") -> dict[str, Any]:
    desk = desk_of(access)
    progress = desk.progress(access.call.id)
    citizen = desk.identified(access.call.id)
    return {
        "ok": True,
        **_progress(progress, lang),
        "questions": _questions(lang),
        "citizen": citizen,
        "outcome": desk.outcome(access.call.id),
        "fee": money(desk.settings.fee_cents, lang) if desk.settings.fee_cents else None,
        "earliest_start": date.fromordinal(desk.today().toordinal() + 1).isoformat(),
        "max_duration_days": desk.settings.max_duration_days,
        "max_description": MAX_DESCRIPTION,
    }
