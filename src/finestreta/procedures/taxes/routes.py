"""Municipal taxes during a call, over HTTP, for the clerk who holds the call.

* ``POST /api/calls/{call_id}/taxes/identify``: the taxpayer's ID and how it was checked → their
  receipts, each with what is due today and what may be done with it.
* ``GET  /api/calls/{call_id}/taxes/receipts``: the same list again (asked again, audited).
* ``POST /api/calls/{call_id}/taxes/slip``: a receipt in its voluntary period → its payment slip
  (PDF with the Cuaderno 60 barcode), a document of the attention (print, show, download).
* ``POST /api/calls/{call_id}/taxes/pay``: receipts (the taxpayer's, or any by its reference) →
  a card-payment order, opened on the booth beside the call.
* ``POST /api/calls/{call_id}/taxes/pay/{order}/cancel``: the clerk stops an open payment.
* ``POST /api/calls/{call_id}/taxes/certificate``: a payment certificate (a tax and year) or a
  certificate of being up to date, sealed, for the taxpayer or their accredited representative.

Only the clerk of an active call may ask (``ActiveCall``: 404 for anyone else's call). Every
register look-up behind them is audited in ``tax_lookups``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finestreta.devices.desk import summary
from finestreta.padro.identity import parse_id
from finestreta.procedures.taxes.register import Tax
from finestreta.procedures.taxes.service import (
    Identified,
    ReceiptView,
    TaxDesk,
    refusal_text,
    tax_label,
)
from finestreta.realtime.frames import DocumentSummary
from finestreta.web import security
from finestreta.web.calls import ActiveCall, CallAccess, scan_of_call, still_active
from finestreta.web.contract import CALL, refusals

router = APIRouter()
SameOrigin = [Depends(security.require_same_origin)]

Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{10}$")]
Lang = Literal["ca", "es", "en"]


class IdentifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_type: Literal["dni", "nie"]
    number: Number
    method: Literal["id_on_camera", "id_scanned"]
    scan_document_id: Annotated[str, Field(max_length=64)] | None = None
    lang: Lang = "ca"


class SlipBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: Reference
    lang: Lang


class PayBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    references: Annotated[list[Reference], Field(min_length=1, max_length=20)]
    lang: Lang


class CertificateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["payment", "up_to_date"]
    lang: Lang
    tax: Tax | None = None
    year: Annotated[int, Field(ge=2000, le=2099)] | None = None
    subject_type: Literal["dni", "nie", "nif"] | None = None  # nif: also a company's CIF
    subject_number: Number | None = None
    accredited_representative: bool = False


# ------------------------------------------------------------------------ JSON shapes
class Money(BaseModel):
    principal: int
    surcharge_kind: str
    surcharge: int
    interest: int
    total: int


class ReceiptShown(BaseModel):
    reference: str
    tax: str
    tax_label: str
    year: int
    period: str
    object_kind: str
    object_id: str
    object_label: str
    principal: int
    voluntary_until: str
    state: str
    domiciled: bool
    charge_date: str | None
    paid_on: str | None
    paid_amount: int | None
    paid_channel: str | None
    due: Money | None
    card: bool
    card_refusal: str | None
    card_refusal_message: str | None
    slip: bool
    slip_refusal: str | None
    slip_refusal_message: str | None
    open_order: str | None


class TaxpayerShown(BaseModel):
    check_id: int
    method: str
    document: dict[str, str]
    name: str | None
    found: bool
    receipts: list[ReceiptShown]


class IdentifyAnswer(BaseModel):
    ok: bool
    taxpayer: TaxpayerShown


class DocumentAnswer(BaseModel):
    ok: bool
    document: DocumentSummary


class PayAnswer(BaseModel):
    ok: bool
    order: str
    amount: int
    state: str
    expires_at: str


class CertificateAnswer(BaseModel):
    ok: bool
    document: DocumentSummary
    code: str
    verify_url: str
    registry_code: str
    registry_number: str


def desk_of(access: CallAccess) -> TaxDesk:
    desk: TaxDesk = access.ctx.procedure("taxes").desk  # type: ignore[attr-defined]
    return desk


def _receipt(view: ReceiptView, lang: str) -> dict[str, Any]:
    r = view.receipt
    due = view.due
    return {
        "reference": r.reference,
        "tax": r.tax.value,
        "tax_label": tax_label(r.tax, lang),
        "year": r.year,
        "period": r.period,
        "object_kind": r.object_kind.value,
        "object_id": r.object_id,
        "object_label": r.object_label,
        "principal": r.principal,
        "voluntary_until": r.voluntary_until.isoformat(),
        "state": r.state.value,
        "domiciled": r.domiciled,
        "charge_date": r.charge_date.isoformat() if r.charge_date else None,
        "paid_on": r.paid_on.isoformat() if r.paid_on else None,
        "paid_amount": r.paid_amount,
        "paid_channel": r.paid_channel,
        "due": {
            "principal": due.principal,
            "surcharge_kind": due.surcharge_kind.value,
            "surcharge": due.surcharge,
            "interest": due.interest,
            "total": due.total,
        }
        if due is not None
        else None,
        "card": view.card_refusal is None,
        "card_refusal": view.card_refusal,
        "card_refusal_message": refusal_text(view.card_refusal, lang),
        "slip": view.slip_refusal is None,
        "slip_refusal": view.slip_refusal,
        "slip_refusal_message": refusal_text(view.slip_refusal, lang),
        "open_order": view.open_order,
    }


def _taxpayer(identified: Identified, lang: str) -> dict[str, Any]:
    return {
        "check_id": identified.check_id,
        "method": identified.method,
        "document": {
            "type": identified.document.type.value,
            "number": identified.document.number,
        },
        "name": identified.taxpayer.name if identified.taxpayer else None,
        "found": identified.taxpayer is not None,
        "receipts": [_receipt(v, lang) for v in identified.receipts],
    }


# ------------------------------------------------------------------------ endpoints
@router.post(
    "/api/calls/{call_id}/taxes/identify",
    dependencies=SameOrigin,
    response_model=IdentifyAnswer,
    responses=refusals(*CALL, 400, 503),
)
def identify(body: IdentifyBody, access: ActiveCall) -> dict[str, Any]:
    desk = desk_of(access)
    document = parse_id(body.id_type, body.number)
    if body.scan_document_id:
        scan_of_call(access, body.scan_document_id)
    identified = desk.identify(
        call_id=access.call.id,
        clerk_id=access.staff.id,
        document=document,
        method=body.method,
        scan_document_id=body.scan_document_id,
    )
    still_active(access)
    access.ctx.steps.record(
        "taxes",
        "identified",
        "found" if identified.taxpayer else "not_found",
        call_id=access.call.id,
        clerk_id=access.staff.id,
        method=body.method,
    )
    return {"ok": True, "taxpayer": _taxpayer(identified, body.lang)}


@router.get(
    "/api/calls/{call_id}/taxes/receipts",
    response_model=IdentifyAnswer,
    responses=refusals(*CALL, 400, 503),
)
def receipts(access: ActiveCall, lang: Lang = "ca") -> dict[str, Any]:
    identified = desk_of(access).identified(access.call.id, access.staff.id)
    still_active(access)
    return {"ok": True, "taxpayer": _taxpayer(identified, lang)}


@router.post(
    "/api/calls/{call_id}/taxes/slip",
    dependencies=SameOrigin,
    response_model=DocumentAnswer,
    responses=refusals(*CALL, 400, 409, 503),
)
def slip(body: SlipBody, access: ActiveCall) -> dict[str, Any]:
    row = desk_of(access).slip(
        call_id=access.call.id,
        clerk_id=access.staff.id,
        reference=body.reference,
        lang=body.lang,
    )
    return {"ok": True, "document": summary(row).model_dump()}


@router.post(
    "/api/calls/{call_id}/taxes/pay",
    dependencies=SameOrigin,
    response_model=PayAnswer,
    responses=refusals(*CALL, 400, 409, 503),
)
def pay(body: PayBody, access: ActiveCall) -> dict[str, Any]:
    order, _form = desk_of(access).pay(
        call_id=access.call.id,
        clerk_id=access.staff.id,
        references=body.references,
        lang=body.lang,
    )
    return {
        "ok": True,
        "order": order.number,
        "amount": order.amount,
        "state": order.state.value,
        "expires_at": order.expires_at.isoformat(),
    }


@router.post(
    "/api/calls/{call_id}/taxes/pay/{order}/cancel",
    dependencies=SameOrigin,
    response_model=PayAnswer,
    responses=refusals(*CALL, 400, 409),
)
def cancel(order: str, access: ActiveCall) -> dict[str, Any]:
    cancelled = desk_of(access).cancel(
        call_id=access.call.id, clerk_id=access.staff.id, kiosk_id=None, number=order
    )
    return {
        "ok": True,
        "order": cancelled.number,
        "amount": cancelled.amount,
        "state": cancelled.state.value,
        "expires_at": cancelled.expires_at.isoformat(),
    }


@router.post(
    "/api/calls/{call_id}/taxes/certificate",
    dependencies=SameOrigin,
    response_model=CertificateAnswer,
    responses=refusals(*CALL, 400, 409, 503),
)
def certificate(body: CertificateBody, access: ActiveCall) -> dict[str, Any]:
    from finestreta.documents.records import DocumentRow
    from finestreta.procedures.taxes.service import TAX_AND_YEAR_NEEDED

    if body.kind == "payment" and (body.tax is None or body.year is None):
        raise TAX_AND_YEAR_NEEDED("Choose the tax and the year")
    subject = None
    if body.subject_number:
        from finestreta.procedures.taxes.register import parse_nif

        # a person's DNI or NIE, or a company's NIF (CIF): whoever the register taxes
        subject = parse_nif(body.subject_number)
    issued = desk_of(access).certificate(
        call_id=access.call.id,
        clerk_id=access.staff.id,
        kind=body.kind,
        lang=body.lang,
        tax=body.tax,
        year=body.year,
        subject_nif=subject,
        representative=body.accredited_representative,
    )
    with access.ctx.db.session() as session:
        row = session.get(DocumentRow, issued.document_id)
        assert row is not None
        document = summary(row).model_dump()
    return {
        "ok": True,
        "document": document,
        "code": issued.code,
        "verify_url": issued.verify_url,
        "registry_code": issued.registry_code,
        "registry_number": issued.registry_number,
    }
