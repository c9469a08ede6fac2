"""Municipal taxes during a call over HTTP: identify the taxpayer (audited, recorded like a
volant's identification), see what is due today and what may be done, print a slip, pay by
card (settled only by the gateway's verified notification, posted to the register, with a sealed
payment receipt), certificates; only the clerk of the call may ask."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from finestreta.devices.records import DeviceJobRow
from finestreta.documents.issued import IssuedDocument
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import init_seal
from finestreta.identity.records import IdentityCheckRow
from finestreta.procedures.taxes import synthetic
from finestreta.procedures.taxes.importer import import_csv
from finestreta.procedures.taxes.records import TaxLookupRow
from finestreta.procedures.taxes.register import ReceiptState
from finestreta.registry.service import entries_of_call
from tests.api.conftest import ORIGIN

MARTA, JORDI, JOAN, CARME, YOUSSEF = "11111111H", "22222222J", "33333333P", "12345678Z", "X1234567L"


@pytest.fixture
def call(ctx: Any, tmp_path: Path, live_call: dict[str, Any]) -> dict[str, Any]:
    """A live call, the demo receipts dated from today, and the city's seal."""
    desk = ctx.procedure("taxes").desk
    path = tmp_path / "rebuts.csv"
    synthetic.write_csv(path, today=desk.today())
    with ctx.db.session() as session:
        assert import_csv(session, path, today=desk.today()).ok
    seal = tmp_path / "seal.p12"
    init_seal(seal, "seal password", "Barcelona")
    object.__setattr__(ctx.settings, "seal_pkcs12", str(seal))
    object.__setattr__(ctx.settings, "seal_password", SecretStr("seal password"))
    return live_call


def post(call: Any, step: str, **body: Any) -> Any:
    return call["clerk"].post(f"/api/calls/{call['id']}/taxes/{step}", json=body, headers=ORIGIN)


def identify(call: Any, number: str, id_type: str = "dni") -> Any:
    answer = post(call, "identify", id_type=id_type, number=number, method="id_on_camera")
    assert answer.status_code == 200, answer.text
    return answer.json()["taxpayer"]


def receipt_of(taxpayer: dict[str, Any], **match: Any) -> dict[str, Any]:
    found = [r for r in taxpayer["receipts"] if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, taxpayer["receipts"])
    one: dict[str, Any] = found[0]
    return one


def test_the_clerk_sees_each_receipt_with_what_is_due_and_may_be_done(call, ctx) -> None:  # type: ignore[no-untyped-def]
    marta = identify(call, MARTA)
    assert marta["name"] == "Marta Soler Puig" and marta["found"]
    year = ctx.procedure("taxes").desk.today().year
    ibi = receipt_of(marta, tax="ibi", year=year)
    assert (ibi["state"], ibi["card"], ibi["slip"]) == ("pending", True, True)
    assert ibi["due"] == {
        "principal": 45678,
        "surcharge_kind": "none",
        "surcharge": 0,
        "interest": 0,
        "total": 45678,
    }
    old = receipt_of(marta, tax="ibi", year=year - 1)
    assert (old["state"], old["card"], old["card_refusal"]) == ("paid", False, "already_paid")
    assert old["paid_channel"] == "bank" and old["due"] is None

    # Joan's last year's IBI: enforcement notified 10 days ago, so the reduced 10 % today
    joan = identify(call, JOAN)
    owed = receipt_of(joan, state="enforcement")
    assert owed["due"]["surcharge_kind"] == "reduced"
    assert owed["due"]["surcharge"] == 3877  # 10 % of 387.65 €, half-up to the cent
    assert owed["due"]["total"] == 38765 + 3877
    assert owed["card"] and not owed["slip"]
    assert owed["slip_refusal"] == "outside_voluntary_period"

    # Jordi's car tax is domiciled: not before its charge date, and the clerk reads why (ca)
    jordi = identify(call, JORDI)
    car = receipt_of(jordi, tax="ivtm", year=year)
    assert (car["card"], car["card_refusal"]) == (False, "domiciled_not_due")
    assert "domicili" in car["card_refusal_message"].lower()

    with ctx.db.session() as session:
        audited = session.scalars(
            select(TaxLookupRow).where(TaxLookupRow.call_id == call["id"])
        ).all()
        checks = session.scalars(
            select(IdentityCheckRow).where(IdentityCheckRow.call_id == call["id"])
        ).all()
    assert len(audited) >= 3 and all(r.clerk_id == call["clerk_id"] for r in audited)
    assert [c.document_number for c in checks] == [MARTA, JOAN, JORDI]
    assert all(c.method == "id_on_camera" for c in checks)


def test_a_slip_is_made_only_in_the_voluntary_period(call, ctx) -> None:  # type: ignore[no-untyped-def]
    marta = identify(call, MARTA)
    fee = receipt_of(marta, tax="fee", state="pending")
    answer = post(call, "slip", reference=fee["reference"], lang="es")
    assert answer.status_code == 200, answer.text
    document = answer.json()["document"]
    assert document["kind"] == "payment_slip"
    with ctx.db.session() as session:
        row = session.get(DocumentRow, document["document_id"])
        assert row is not None and row.call_id == call["id"]
    youssef = identify(call, YOUSSEF, id_type="nie")
    late = receipt_of(youssef, tax="fee")
    refused = post(call, "slip", reference=late["reference"], lang="ca")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "outside_voluntary_period"
    bad = post(call, "slip", reference="12345", lang="ca")
    assert bad.status_code == 422  # not a reference: refused at the edge


def test_two_receipts_paid_by_card_settle_on_the_notification_only(call, ctx) -> None:  # type: ignore[no-untyped-def]
    marta = identify(call, MARTA)
    pending = [r for r in marta["receipts"] if r["state"] == "pending" and r["card"]]
    assert len(pending) == 2
    references = [r["reference"] for r in pending]
    answer = post(call, "pay", references=references, lang="es")
    assert answer.status_code == 200, answer.text
    number = answer.json()["order"]
    assert answer.json()["amount"] == sum(r["due"]["total"] for r in pending)
    shown = call["kiosk"].expect("taxes_pay")
    assert shown["order"] == number and shown["url"].startswith(f"/payments/pay/{number}?t=")
    assert [i["amount"] for i in shown["items"]] == [r["due"]["total"] for r in pending]

    # while the order is open the receipts cannot be put in another one
    again = post(call, "pay", references=references[:1], lang="es")
    assert again.status_code == 409 and again.json()["error"]["code"] == "payment_in_progress"
    listed = receipt_of(identify(call, MARTA), reference=references[0])
    assert (listed["card_refusal"], listed["open_order"]) == ("payment_in_progress", number)

    # the browser's return to URL OK settles nothing
    desk = ctx.payments
    ok = desk.links(number).ok
    token = ok.split("t=")[1]
    desk.returned(number, "ok", token)
    register = ctx.procedure("taxes").register
    assert register.receipt(references[0]).state is ReceiptState.PENDING

    # the gateway's verified notification does: posted to the register, receipt issued
    order = desk.notify(
        desk.gateway.notification(number, answer.json()["amount"], "0000"), remote="192.0.2.9"
    )
    assert order.paid and order.posted_at is not None
    for reference in references:
        paid = register.receipt(reference)
        assert paid.state is ReceiptState.PAID
        assert (paid.paid_channel, paid.payment_reference) == ("card_booth", number)
    call["kiosk"].expect("taxes_pay_state", order=number, state="paid")
    call["console"].expect("taxes_pay_state", order=number, state="paid")
    with ctx.db.session() as session:
        issued = session.scalars(
            select(IssuedDocument).where(IssuedDocument.kind == "payment_receipt")
        ).one()
        receipt = session.get(DocumentRow, issued.document_id)
        assert receipt is not None and receipt.call_id == call["id"]
        entries = entries_of_call(session, call["id"])
        assert any("pagament" in e.subject.lower() or "pago" in e.subject.lower() for e in entries)
        job = session.scalars(select(DeviceJobRow).where(DeviceJobRow.kind == "print")).one()
        assert job.document_id == receipt.id  # printed at the booth at once
    # a replay changes nothing
    desk.notify(desk.gateway.notification(number, order.amount, "0000"), remote="192.0.2.9")
    with ctx.db.session() as session:
        kinds = session.scalars(select(IssuedDocument.kind)).all()
        assert kinds == ["payment_receipt"]


def test_a_declined_card_settles_nothing_and_frees_the_receipt(call, ctx) -> None:  # type: ignore[no-untyped-def]
    youssef = identify(call, YOUSSEF, id_type="nie")
    van = receipt_of(youssef, tax="ivtm")
    answer = post(call, "pay", references=[van["reference"]], lang="ca")
    assert answer.status_code == 200, answer.text
    number = answer.json()["order"]
    desk = ctx.payments
    order = desk.notify(desk.gateway.notification(number, van["due"]["total"], "0190"), remote="x")
    assert order.state.value == "declined"
    register = ctx.procedure("taxes").register
    assert register.receipt(van["reference"]).state is ReceiptState.PENDING
    assert receipt_of(identify(call, YOUSSEF, id_type="nie"), reference=van["reference"])["card"]
    # the citizen's "cancel" on the booth cancels a new open order
    second = post(call, "pay", references=[van["reference"]], lang="ca").json()["order"]
    call["kiosk"].send({"type": "taxes_pay_cancel", "order": second})
    frame = call["kiosk"].expect("taxes_pay_state", order=second, state="cancelled")
    assert frame["amount"] == van["due"]["total"]
    assert desk.get(second).state.value == "cancelled"


def test_certificates_for_the_taxpayer_or_their_representative(call, ctx) -> None:  # type: ignore[no-untyped-def]
    year = ctx.procedure("taxes").desk.today().year
    identify(call, MARTA)
    paid = post(call, "certificate", kind="payment", lang="ca", tax="ibi", year=year - 1)
    assert paid.status_code == 200, paid.text
    assert paid.json()["registry_number"] and paid.json()["code"]
    assert paid.json()["document"]["title"].startswith("Certificat de pagament")
    nothing = post(call, "certificate", kind="payment", lang="ca", tax="ibi", year=year)
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "nothing_paid"
    # Carme's certificate asked by Marta: only as her accredited representative
    other = {"subject_type": "dni", "subject_number": CARME}
    refused = post(call, "certificate", kind="up_to_date", lang="es", **other)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "not_the_taxpayer"
    standing = post(
        call, "certificate", kind="up_to_date", lang="es", accredited_representative=True, **other
    )
    assert standing.status_code == 200, standing.text
    assert standing.json()["document"]["title"].startswith("Certificado de estar al corriente")
    # Joan has a receipt in enforcement: refused, with the receipts named for the clerk
    identify(call, JOAN)
    joan = post(call, "certificate", kind="up_to_date", lang="ca")
    assert joan.status_code == 409 and joan.json()["error"]["code"] == "not_up_to_date"


def test_only_the_clerk_of_the_call_reaches_its_taxes(call, clerk_browser) -> None:  # type: ignore[no-untyped-def]
    bea, _ = clerk_browser("bea")
    answer = bea.post(
        f"/api/calls/{call['id']}/taxes/identify",
        json={"id_type": "dni", "number": MARTA, "method": "id_on_camera"},
        headers=ORIGIN,
    )
    assert answer.status_code == 404
    assert call["clerk"].get(f"/api/calls/{call['id']}/taxes/receipts").status_code == 400


def test_a_receipt_paid_at_a_bank_while_the_order_was_open_is_flagged_for_refund(call, ctx) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    marta = identify(call, MARTA)
    fee = receipt_of(marta, tax="fee", state="pending")
    number = post(call, "pay", references=[fee["reference"]], lang="ca").json()["order"]
    register = ctx.procedure("taxes").register
    register.record_payment(
        fee["reference"],
        paid_on=date.today(),
        amount=fee["due"]["total"],
        channel="bank",
        payment_reference="BANC-1",
    )
    desk = ctx.payments
    order = desk.notify(desk.gateway.notification(number, fee["due"]["total"], "0000"), remote="x")
    assert order.paid and order.refund_due  # the card's money goes back
    assert fee["reference"] in (order.note or "")
    kept = register.receipt(fee["reference"])
    assert (kept.paid_channel, kept.payment_reference) == ("bank", "BANC-1")  # untouched


def _paid_order(call: Any, ctx: Any) -> Any:
    marta = identify(call, MARTA)
    fee = receipt_of(marta, tax="fee", state="pending")
    number = post(call, "pay", references=[fee["reference"]], lang="ca").json()["order"]
    desk = ctx.payments
    return desk.notify(desk.gateway.notification(number, fee["due"]["total"], "0000"), remote="x")


def test_a_payment_gets_one_sealed_receipt_however_often_it_is_posted(call, ctx) -> None:  # type: ignore[no-untyped-def]
    import threading

    order = _paid_order(call, ctx)
    taxes = ctx.procedure("taxes")
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(taxes.payment_settled(order)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 4
    with ctx.db.session() as session:
        assert session.scalars(select(IssuedDocument.kind)).all() == ["payment_receipt"]
    # the browser's return after the notification does not undo "paid" on the booth
    desk = ctx.payments
    desk.returned(order.number, "ok", desk.links(order.number).ok.split("t=")[1])
    frame = call["kiosk"].expect("taxes_pay_state", order=order.number, state="paid")
    assert frame["state"] == "paid"


def test_without_a_seal_the_receipt_waits_and_comes_when_there_is_one(call, ctx) -> None:  # type: ignore[no-untyped-def]
    seal = ctx.settings.seal_pkcs12
    object.__setattr__(ctx.settings, "seal_pkcs12", None)
    order = _paid_order(call, ctx)
    assert order.paid and order.posted_at is None  # posting is retried
    register = ctx.procedure("taxes").register
    assert register.receipt(order.items[0].reference).state is ReceiptState.PAID
    object.__setattr__(ctx.settings, "seal_pkcs12", seal)
    [posted] = ctx.payments.post_pending()
    assert posted.number == order.number and posted.posted_at is not None
    with ctx.db.session() as session:
        assert session.scalars(select(IssuedDocument.kind)).all() == ["payment_receipt"]


def test_a_receipt_that_cannot_be_priced_is_refused_alone(call, ctx) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from finestreta.procedures.taxes.records import ReceiptRow

    joan = identify(call, JOAN)
    owed = receipt_of(joan, state="enforcement")
    desk = ctx.procedure("taxes").desk
    with ctx.db.session() as session:  # notified long ago: the 20 % and interest apply
        row = session.scalars(
            select(ReceiptRow).where(ReceiptRow.reference == owed["reference"])
        ).one()
        row.enforcement_notified_on = desk.today() - timedelta(days=90)
    object.__setattr__(desk.settings, "interest_rates", {})  # no rate for any year
    listed = identify(call, JOAN)
    unpriced = receipt_of(listed, reference=owed["reference"])
    assert (unpriced["due"], unpriced["card_refusal"]) == (None, "due_unknown")
    assert "tresoreria" in unpriced["card_refusal_message"]
    other = receipt_of(listed, state="pending")
    assert other["card"] and other["due"]["total"] == 39540  # the others are still shown
    refused = post(call, "pay", references=[owed["reference"]], lang="ca")
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "due_unknown"
