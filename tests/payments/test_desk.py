"""The payment desk on a real database (SQLite and PostgreSQL): creating and holding, the
booth's steps, settlement from verified notifications only, refusals audited, expiry, posting."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from finestreta.clock import ManualClock
from finestreta.db import Database
from finestreta.payments.desk import PaymentDesk
from finestreta.payments.errors import PaymentBusy, PaymentNotFound, PaymentRefused
from finestreta.payments.gateway import PaymentForm
from finestreta.payments.orders import OrderState, PaymentOrder
from finestreta.payments.records import PaymentOrderRow
from finestreta.payments.redsys import encode_parameters
from tests.payments.conftest import Recorder, items


def create(
    desk: PaymentDesk, *amounts: int, prefix: str = "R", clerk: int = 7
) -> tuple[PaymentOrder, PaymentForm]:
    return desk.create(
        owner="shop",
        items=items(*amounts, prefix=prefix),
        language="ca",
        call_id="c1",
        kiosk_id=3,
        clerk_id=clerk,
    )


def authorised(
    desk: PaymentDesk, number: str, amount: int, response: str = "0000"
) -> dict[str, str]:
    fields: dict[str, str] = desk.gateway.notification(  # type: ignore[attr-defined]
        number, amount, response, when=desk.clock.now(), authorisation_code="654321"
    )
    return fields


def paid_rows(db: Database) -> int:
    with db.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(PaymentOrderRow)
                .where(PaymentOrderRow.state == "paid")
            )
            or 0
        )


# ------------------------------------------------------------------ creating


def test_an_order_is_open_holds_its_items_and_has_a_signed_form(desk: PaymentDesk) -> None:
    order, form = create(desk, 1234, 500)
    assert order.number == "000100000001" and order.amount == 1734
    assert order.state is OrderState.OPEN and order.owner == "shop" and order.gateway == "sandbox"
    assert order.expires_at - order.created_at == timedelta(minutes=20)
    assert form.action == "http://127.0.0.1:8001/sis/realizarPago"
    parameters = json.loads(base64.b64decode(form.fields["Ds_MerchantParameters"]))
    assert parameters["DS_MERCHANT_AMOUNT"] == "1734"
    assert parameters["DS_MERCHANT_MERCHANTURL"] == "http://testserver/api/payments/notifications"
    assert parameters["DS_MERCHANT_URLOK"].startswith(
        "http://testserver/payments/return/ok?order=000100000001&t="
    )
    assert parameters["DS_MERCHANT_CONSUMERLANGUAGE"] == "003"
    assert desk.open_order_for("R1") == order


def test_an_item_in_an_open_order_cannot_be_ordered_again(desk: PaymentDesk) -> None:
    first, _ = create(desk, 100, 200)
    with pytest.raises(PaymentBusy) as refused:
        desk.create(
            owner="shop", items=items(300, prefix="S") + items(1, prefix="R")[:1],
            language="es", call_id=None, kiosk_id=None, clerk_id=None,
        )  # fmt: skip
    assert refused.value.code == "payment_in_progress"
    assert refused.value.details == {"references": ["R1"]}
    second, _ = create(desk, 300, prefix="S")  # other receipts: fine
    assert second.number == "000100000002"  # the refused one took no number
    assert [o.number for o in desk.reconcile(date(2026, 12, 7), date(2026, 12, 7))] == [
        first.number,
        second.number,
    ]


def test_numbers_only_go_up_and_orders_are_never_deleted(desk: PaymentDesk, db: Database) -> None:
    order, _ = create(desk, 100)
    for statement in (
        "UPDATE payment_counters SET last_sequence = 0",
        f"DELETE FROM payment_orders WHERE number = '{order.number}'",
        "DELETE FROM payment_counters",
    ):
        with pytest.raises(DBAPIError), db.session() as session:
            session.execute(text(statement))
    assert desk.get(order.number).number == order.number


def test_an_expired_order_frees_its_items(
    desk: PaymentDesk, clock: ManualClock, recorder: Recorder
) -> None:
    old, _ = create(desk, 100)
    clock.advance(20 * 60 - 1)
    assert desk.expire_due() == []
    clock.advance(1)
    new, _ = create(desk, 100)  # expired lazily first, then held by the new order
    assert desk.get(old.number).state is OrderState.EXPIRED
    assert desk.open_order_for("R1") == new
    assert (old.number, "expired") in recorder.changes


# ------------------------------------------------------------------ the booth


def test_opening_and_returning_record_and_never_settle(
    desk: PaymentDesk, recorder: Recorder
) -> None:
    order, _ = create(desk, 100)
    desk.opened(order.number)
    token = desk.token(order.number, "return")
    back = desk.returned(order.number, "ok", token)
    assert back.state is OrderState.OPEN and back.returned == "ok" and back.opened_at is not None
    assert recorder.changes == [(order.number, "opened"), (order.number, "returned")]
    assert recorder.settled == []
    for number, token_ in ((order.number, "forged"), (order.number, None), ("000100000099", token)):
        with pytest.raises(PaymentNotFound):
            desk.returned(number, "ok", token_)
    with pytest.raises(PaymentNotFound):  # a pay link's token is not a return link's
        desk.returned(order.number, "ko", desk.token(order.number, "pay"))


def test_a_cancelled_order_frees_its_items_and_cannot_be_cancelled_twice(
    desk: PaymentDesk,
) -> None:
    order, _ = create(desk, 100)
    assert desk.cancel(order.number, by="clerk:7").state is OrderState.CANCELLED
    assert desk.open_order_for("R1") is None
    with pytest.raises(PaymentBusy):
        desk.cancel(order.number, by="clerk:7")
    with pytest.raises(PaymentBusy):
        desk.opened(order.number)


# ------------------------------------------------------------------ settlement


def test_an_authorised_notification_settles_once_and_is_posted(
    desk: PaymentDesk, recorder: Recorder, db: Database
) -> None:
    order, _ = create(desk, 1234, 500)
    note = authorised(desk, order.number, 1734)
    paid = desk.notify(note, remote="192.0.2.1")
    assert paid.state is OrderState.PAID and paid.response_code == "0000"
    assert paid.authorisation_code == "654321" and paid.posted_at is not None
    assert desk.open_order_for("R1") is None
    again = desk.notify(note, remote="192.0.2.1")  # Redsys retries; a replay changes nothing
    assert again.state is OrderState.PAID and again.settled_at == paid.settled_at
    assert recorder.settled == [order.number]
    assert recorder.changes == [(order.number, "paid")]
    assert paid_rows(db) == 1
    assert [e.event for e in desk.events(order.number)] == ["created", "paid", "posted", "repeated"]


def test_a_declined_notification_closes_the_order_and_frees_its_items(
    desk: PaymentDesk, recorder: Recorder
) -> None:
    order, _ = create(desk, 100)
    declined = desk.notify(authorised(desk, order.number, 100, "0190"), remote="192.0.2.1")
    assert declined.state is OrderState.DECLINED and declined.response_code == "0190"
    assert recorder.settled == [] and recorder.changes == [(order.number, "declined")]
    assert create(desk, 100)[0].state is OrderState.OPEN


@pytest.mark.parametrize("end", ["expire", "cancel", "decline"])
def test_a_late_authorised_notification_still_settles(
    end: str, desk: PaymentDesk, clock: ManualClock, recorder: Recorder
) -> None:
    order, _ = create(desk, 100)
    if end == "expire":
        clock.advance(21 * 60)
        desk.expire_due()
    elif end == "cancel":
        desk.cancel(order.number, by="clerk:7")
    else:
        desk.notify(authorised(desk, order.number, 100, "0190"), remote="192.0.2.1")
    assert desk.get(order.number).state is not OrderState.OPEN
    paid = desk.notify(authorised(desk, order.number, 100), remote="192.0.2.1")
    assert paid.state is OrderState.PAID and not paid.refund_due
    assert recorder.settled == [order.number]
    assert "late" in desk.events(order.number)[-2].detail  # paid, then posted


def test_a_receipt_paid_twice_is_flagged_for_refund(desk: PaymentDesk, clock: ManualClock) -> None:
    late, _ = create(desk, 100)
    clock.advance(21 * 60)
    again, _ = create(desk, 100)  # the first expired: the receipt is payable again
    desk.notify(authorised(desk, again.number, 100), remote="192.0.2.1")
    paid_late = desk.notify(authorised(desk, late.number, 100), remote="192.0.2.1")
    assert paid_late.refund_due and again.number in paid_late.note
    assert not desk.get(again.number).refund_due
    flagged = desk.flag_refund(again.number, "paid at the bank too")
    assert flagged.refund_due and flagged.note == "paid at the bank too"


def test_a_failed_posting_is_retried_until_it_is_posted(
    desk: PaymentDesk, recorder: Recorder
) -> None:
    order, _ = create(desk, 100)
    recorder.posts = RuntimeError("the register is down")
    paid = desk.notify(authorised(desk, order.number, 100), remote="192.0.2.1")
    assert paid.state is OrderState.PAID and paid.posted_at is None
    recorder.posts = False
    assert desk.post_pending() == []
    recorder.posts = True
    assert [o.number for o in desk.post_pending()] == [order.number]
    assert desk.post_pending() == []
    assert recorder.settled == [order.number] * 3


# ------------------------------------------------------------------ refusals


def _tampered_amount(desk: PaymentDesk, number: str) -> dict[str, str]:
    fields = authorised(desk, number, 100)
    values = json.loads(base64.b64decode(fields["Ds_MerchantParameters"]))
    values["Ds_Amount"] = "1"
    return {**fields, "Ds_MerchantParameters": encode_parameters(values)}


REFUSALS = {
    "tampered parameters": (_tampered_amount, "payment_forged"),
    "unknown order": (
        lambda desk, number: authorised(desk, "000100000999", 100),
        "payment_unknown_order",
    ),
    "one cent more": (lambda desk, number: authorised(desk, number, 101), "payment_mismatch"),
    "one cent less": (lambda desk, number: authorised(desk, number, 99), "payment_mismatch"),
    "malformed Base64": (
        lambda desk, number: {**authorised(desk, number, 100), "Ds_MerchantParameters": "%%%"},
        "payment_malformed",
    ),
    "no signature": (
        lambda desk, number: {
            k: v for k, v in authorised(desk, number, 100).items() if k != "Ds_Signature"
        },
        "payment_malformed",
    ),
    "far too large": (
        lambda desk, number: {**authorised(desk, number, 100), "Ds_Signature": "A" * 5000},
        "payment_too_large",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_bad_notification_is_refused_audited_and_settles_nothing(
    case: str, desk: PaymentDesk, recorder: Recorder, db: Database
) -> None:
    order, _ = create(desk, 100)
    make, code = REFUSALS[case]
    fields = make(desk, order.number)
    with pytest.raises(PaymentRefused) as refused:
        desk.notify(fields, remote="198.51.100.9")
    assert refused.value.code == code
    assert desk.get(order.number).state is OrderState.OPEN
    assert paid_rows(db) == 0 and recorder.settled == [] and recorder.changes == []
    [audit] = desk.refusals()
    assert (audit.code, audit.remote, audit.event) == (code, "198.51.100.9", "refused")
    assert audit.size is not None and audit.size > 0
    # what was posted, and the key, stay out of the audit
    assert all(value not in audit.detail for value in fields.values() if len(value) > 8)
    assert "sq7H" not in audit.detail
    if code in ("payment_unknown_order", "payment_mismatch", "payment_forged"):
        assert audit.order_number == ("000100000999" if "unknown" in case else order.number)


def test_the_day_views(desk: PaymentDesk, clock: ManualClock) -> None:
    mine, _ = create(desk, 100, clerk=7)
    theirs, _ = create(desk, 200, prefix="S", clerk=8)
    today = date(2026, 12, 7)
    assert [o.number for o in desk.orders_of(7, today)] == [mine.number]
    assert [o.number for o in desk.orders_of(None, today)] == [mine.number, theirs.number]
    assert desk.orders_of(7, today + timedelta(days=1)) == []
    clock.advance(86400)  # settled the next day, after the citizen left: shown that day too
    desk.notify(authorised(desk, mine.number, 100), remote="192.0.2.1")
    assert [o.number for o in desk.orders_of(7, today + timedelta(days=1))] == [mine.number]
