"""The payment desk: orders from creation to settlement, for every procedure that charges.

A procedure creates an order (:meth:`PaymentDesk.create`), the booth posts the returned form to
the gateway, the gateway notifies us (:meth:`PaymentDesk.notify`) and the booth comes back
(:meth:`PaymentDesk.returned`, which proves nothing and settles nothing). The desk tells the
order's owner what happened through a :class:`PaymentListener` (the platform dispatches to the
procedure named by ``order.owner``: ``Procedure.payment_changed`` and
``Procedure.payment_settled``).

Exactly once: an authorised notification settles with one conditional ``UPDATE … WHERE number
= :n AND state != 'paid'``; the database lets one transaction change the row and the others
find it paid (PostgreSQL re-checks the condition after waiting for the row's lock; SQLite
serialises writers), so fifty identical notifications arriving at once settle once and call
``payment_settled`` once. The owner's posting happens after the settlement is committed; when it
fails, ``posted_at`` stays empty and :meth:`PaymentDesk.post_pending` tries again.

Every refused notification is recorded (``payment_events``: when, the order it named, the
code, the sender's address, the size; never the key or the signature) and re-raised.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from finestreta.clock import Clock
from finestreta.config import Settings
from finestreta.db import Database
from finestreta.errors import N_, FinestretaError, Unavailable, declare
from finestreta.payments import store
from finestreta.payments.errors import (
    BAD_PAYMENT,
    NO_SUCH_PAYMENT,
    PAYMENT_IN_PROGRESS,
    PaymentRefused,
)
from finestreta.payments.gateway import (
    Language,
    Notification,
    Order,
    PaymentForm,
    PaymentGateway,
    is_order_number,
    order_number,
)
from finestreta.payments.orders import (
    OrderItem,
    OrderState,
    PaymentOrder,
    Returned,
    check_move,
    checked_items,
)
from finestreta.payments.records import PaymentEventRow, PaymentItemRow, PaymentOrderRow
from finestreta.payments.tokens import Purpose, make_token, token_holds

log = logging.getLogger(__name__)

NOTIFY_PATH = "/api/payments/notifications"
RETURN_PATH = "/payments/return"
PAY_PATH = "/payments/pay"
LANGUAGES = ("ca", "es", "en")
_OWNER = re.compile(r"[a-z][a-z0-9_]{1,39}")

PAYMENTS_UNAVAILABLE = declare(
    "payments_unavailable",
    Unavailable,
    N_("Card payment is not configured on this server (it needs FINESTRETA_PUBLIC_URL)."),
    N_("Card payment is not available now. Please ask the staff of the centre."),
)


class PaymentListener(Protocol):
    """Who is told about orders: the platform dispatches to the owner's procedure. Both are
    called from a worker thread, after the change is committed, possibly at the same time for
    different orders."""

    def payment_changed(self, order: PaymentOrder, event: str) -> None: ...

    def payment_settled(self, order: PaymentOrder) -> bool: ...


class NoListener:
    """Nobody to tell (tools, tests): nothing is ever posted."""

    def payment_changed(self, order: PaymentOrder, event: str) -> None:
        return None

    def payment_settled(self, order: PaymentOrder) -> bool:
        return False


@dataclass(frozen=True)
class PaymentLinks:
    """Our own addresses for an order: ``pay`` (the booth frames it: it posts the form to the
    gateway), and where the gateway sends the browser back."""

    pay: str
    ok: str
    ko: str


class PaymentDesk:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        gateway: PaymentGateway,
        listener: PaymentListener | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.gateway = gateway
        self.listener: PaymentListener = listener or NoListener()
        self._secret: bytes | None = None

    def __repr__(self) -> str:
        return f"PaymentDesk(gateway={self.gateway.name!r})"

    # ------------------------------------------------------------------ addresses
    @property
    def gateway_origin(self) -> str:
        """The origin of the gateway's payment page (for ``frame-src`` and ``form-action``)."""
        parts = urlsplit(self.form_action)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def frame_sources(self) -> tuple[str, ...]:
        """What the booth page frames to pay: our pay page, then the gateway's page in its
        place (a card reader gateway frames nothing)."""
        return ("'self'", self.gateway_origin) if self.form_action else ()

    @property
    def form_action(self) -> str:
        endpoint: str = getattr(getattr(self.gateway, "settings", None), "endpoint", "")
        return endpoint

    def token(self, number: str, purpose: Purpose) -> str:
        return make_token(self._link_secret(), number, purpose)

    def token_holds(self, number: str, purpose: Purpose, token: str | None) -> bool:
        return token_holds(self._link_secret(), number, purpose, token)

    def links(self, number: str) -> PaymentLinks:
        base = self._public_url()
        back = urlencode({"order": number, "t": self.token(number, "return")})
        pay = urlencode({"t": self.token(number, "pay")})
        return PaymentLinks(
            pay=f"{PAY_PATH}/{number}?{pay}",  # relative: the booth frames it from our origin
            ok=f"{base}{RETURN_PATH}/ok?{back}",
            ko=f"{base}{RETURN_PATH}/ko?{back}",
        )

    def _public_url(self) -> str:
        if not self.settings.public_url:
            raise PAYMENTS_UNAVAILABLE("FINESTRETA_PUBLIC_URL is not set")
        return self.settings.public_url.rstrip("/")

    def _link_secret(self) -> bytes:
        if self._secret is None:
            with self.db.session() as session:
                self._secret = store.link_secret(session, self.clock.now())
        return self._secret

    # ------------------------------------------------------------------ orders
    def create(
        self,
        *,
        owner: str,
        items: Sequence[OrderItem],
        language: Language,
        call_id: str | None,
        kiosk_id: int | None,
        clerk_id: int | None,
    ) -> tuple[PaymentOrder, PaymentForm]:
        """A new open order for ``items`` and the form that sends the booth to pay it.

        Refused (``payment_in_progress``) when an item is in another open order; the amount is
        the items' sum. Orders past their time are expired first, so what they held is free."""
        cleaned, total = checked_items(items)
        if not isinstance(owner, str) or not _OWNER.fullmatch(owner):
            raise BAD_PAYMENT(f"an order's owner is a procedure's name, not {owner!r}")
        if language not in LANGUAGES:
            raise BAD_PAYMENT(f"a payment speaks ca, es or en, not {language!r}")
        base = self._public_url()
        self._link_secret()
        self.expire_due()
        now = self.clock.now()
        references = [item.reference for item in cleaned]
        prefix = self.settings.payments_order_prefix
        try:
            with self.db.session() as session:
                held = self._held(session, references)
                if held:
                    raise _in_progress(held)
                # the counter first: on SQLite the first write takes the write lock, waiting
                number = order_number(prefix, store.next_sequence(session, prefix))
                session.add(
                    PaymentOrderRow(
                        number=number,
                        owner=owner,
                        call_id=call_id,
                        kiosk_id=kiosk_id,
                        clerk_id=clerk_id,
                        language=language,
                        amount=total,
                        currency="978",
                        state=OrderState.OPEN.value,
                        gateway=self.gateway.name,
                        created_at=now,
                        expires_at=now
                        + timedelta(minutes=self.settings.payments_order_expiry_minutes),
                        refund_due=False,
                        note="",
                    )
                )
                session.flush()
                for position, item in enumerate(cleaned):
                    session.add(
                        PaymentItemRow(
                            order_number=number,
                            position=position,
                            reference=item.reference,
                            label=item.label,
                            amount=item.amount,
                            held_reference=item.reference,
                        )
                    )
                session.flush()  # the unique hold refuses a concurrent order here
                store.add_event(
                    session,
                    now,
                    number,
                    "created",
                    actor=_actor(clerk_id),
                    detail=f"{owner}: {len(cleaned)} items, {total} cents",
                )
        except IntegrityError:
            with self.db.session() as session:
                held = self._held(session, references)
            raise _in_progress(held) from None
        order = self.get(number)
        links = self.links(number)
        form = self.gateway.form(
            Order(
                number=number,
                amount_cents=total,
                notify_url=f"{base}{NOTIFY_PATH}",
                ok_url=links.ok,
                ko_url=links.ko,
                language=language,
            )
        )
        return order, form

    def _held(self, session: Session, references: Sequence[str]) -> list[str]:
        statement = select(PaymentItemRow.reference).where(
            PaymentItemRow.held_reference.in_(list(references))
        )
        return sorted(session.scalars(statement))

    def form(self, number: str) -> PaymentForm:
        """The form of an open order again (the booth's pay page posts it)."""
        order = _open(self.get(number))
        links = self.links(number)
        return self.gateway.form(self._gateway_order(order, links))

    def _gateway_order(self, order: PaymentOrder, links: PaymentLinks | None = None) -> Order:
        links = links or self.links(order.number)
        return Order(
            number=order.number,
            amount_cents=order.amount,
            notify_url=f"{self._public_url()}{NOTIFY_PATH}",
            ok_url=links.ok,
            ko_url=links.ko,
            language=order.language,
        )

    def find(self, number: str) -> PaymentOrder | None:
        if not isinstance(number, str) or not is_order_number(number):
            return None
        with self.db.session() as session:
            return store.load(session, number)

    def get(self, number: str) -> PaymentOrder:
        order = self.find(number)
        if order is None:
            raise NO_SUCH_PAYMENT(f"no order {number[:20]!r}", {"order": number[:20]})
        return order

    def open_order_for(self, reference: str) -> PaymentOrder | None:
        """The open order that holds ``reference``, if any (expired ones are expired first)."""
        return self.open_orders_for([reference]).get(reference)

    def open_orders_for(self, references: Sequence[str]) -> dict[str, PaymentOrder]:
        """reference → the open order holding it, for those held (one expiry pass and one
        query for a whole list of receipts)."""
        self.expire_due()
        with self.db.session() as session:
            held = session.execute(
                select(PaymentItemRow.held_reference, PaymentItemRow.order_number).where(
                    PaymentItemRow.held_reference.in_(sorted(set(references)))
                )
            ).all()
            orders = {number: store.load(session, number) for number in {n for _, n in held}}
        return {ref: order for ref, number in held if (order := orders[number]) is not None}

    def orders_of(self, clerk_id: int | None, day: date) -> list[PaymentOrder]:
        """The orders made or settled on ``day`` (the city's day): of one clerk, or of all
        (``None``, for supervisors). A notification that came after the citizen left shows here
        on the day it came."""
        start, end = self._day_range(day, day)
        with self.db.session() as session:
            statement = (
                select(PaymentOrderRow)
                .where(
                    or_(
                        (PaymentOrderRow.created_at >= start) & (PaymentOrderRow.created_at < end),
                        (PaymentOrderRow.settled_at >= start) & (PaymentOrderRow.settled_at < end),
                    )
                )
                .order_by(PaymentOrderRow.created_at, PaymentOrderRow.number)
            )
            if clerk_id is not None:
                statement = statement.where(PaymentOrderRow.clerk_id == clerk_id)
            return store.orders(session, session.scalars(statement))

    def reconcile(self, start: date, end: date) -> list[PaymentOrder]:
        """Every order created or settled from ``start`` to ``end`` (the city's days, both
        included), in number order: what the treasury compares with the bank's settlement file,
        which goes by the day the money moved (an order made late one day and settled the next,
        or settled long after it expired, is in both days' lists)."""
        if end < start:
            raise BAD_PAYMENT("the period ends before it starts")
        low, high = self._day_range(start, end)
        created = (PaymentOrderRow.created_at >= low) & (PaymentOrderRow.created_at < high)
        settled = (PaymentOrderRow.settled_at >= low) & (PaymentOrderRow.settled_at < high)
        with self.db.session() as session:
            rows = session.scalars(
                select(PaymentOrderRow).where(created | settled).order_by(PaymentOrderRow.number)
            )
            return store.orders(session, rows)

    def _day_range(self, start: date, end: date) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.settings.city_timezone)
        low = datetime.combine(start, time(), zone).astimezone(UTC)
        high = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)
        return low, high

    def refusals(self, limit: int = 100) -> list[store.PaymentEvent]:
        """The latest refused notifications, newest first (the supervisors' view)."""
        with self.db.session() as session:
            rows = session.scalars(
                select(PaymentEventRow)
                .where(PaymentEventRow.event == "refused")
                .order_by(PaymentEventRow.at.desc(), PaymentEventRow.id.desc())
                .limit(limit)
            )
            return [store.event_of(row) for row in rows]

    def events(self, number: str) -> list[store.PaymentEvent]:
        """What happened to one order, in order."""
        with self.db.session() as session:
            rows = session.scalars(
                select(PaymentEventRow)
                .where(PaymentEventRow.order_number == number)
                .order_by(PaymentEventRow.at, PaymentEventRow.id)
            )
            return [store.event_of(row) for row in rows]

    # ------------------------------------------------------------------ the booth
    def opened(self, number: str) -> PaymentOrder:
        """The booth shows the gateway's page for this open order."""
        _open(self.get(number))
        now = self.clock.now()
        with self.db.session() as session:
            session.execute(
                update(PaymentOrderRow)
                .where(PaymentOrderRow.number == number, PaymentOrderRow.opened_at.is_(None))
                .values(opened_at=now)
            )
            store.add_event(session, now, number, "opened", actor="booth")
        return self._changed(number, "opened")

    def returned(self, number: str, result: Returned, token: str | None) -> PaymentOrder:
        """The booth's browser came back through URL OK or KO. Recorded and told, never
        settled: only the notification settles. A link that is not ours is ``no_such_payment``."""
        if result not in ("ok", "ko") or not self.token_holds(number, "return", token):
            raise NO_SUCH_PAYMENT("no such payment link")
        order = self.find(number)
        if order is None:
            raise NO_SUCH_PAYMENT("no such payment link")
        now = self.clock.now()
        with self.db.session() as session:
            session.execute(
                update(PaymentOrderRow)
                .where(PaymentOrderRow.number == number)
                .values(returned=result, returned_at=now)
            )
            store.add_event(session, now, number, "returned", code=result, actor="booth")
        return self._changed(number, "returned")

    def cancel(self, number: str, by: str) -> PaymentOrder:
        """The clerk (``by``: ``clerk:3``) or the owner gives up an open order."""
        self.get(number)
        now = self.clock.now()
        with self.db.session() as session:
            changed = store.rows_changed(
                session,
                update(PaymentOrderRow)
                .where(
                    PaymentOrderRow.number == number,
                    PaymentOrderRow.state == OrderState.OPEN.value,
                )
                .values(state=OrderState.CANCELLED.value, ended_at=now),
            )
            if changed:
                store.release_holds(session, number)
                store.add_event(session, now, number, "cancelled", actor=by)
        if not changed:
            order = self.get(number)
            check_move(number, order.state, OrderState.CANCELLED)
        return self._changed(number, "cancelled")

    def flag_refund(self, number: str, note: str) -> PaymentOrder:
        """The owner found that what this paid order charged was paid otherwise (at a bank,
        in another order): it must be refunded. Idempotent."""
        order = self.get(number)
        if not order.paid:
            raise BAD_PAYMENT("only a paid order is refunded", {"order": number})
        now = self.clock.now()
        with self.db.session() as session:
            if note not in (order.note or ""):  # a second reason is kept beside the first
                session.execute(
                    update(PaymentOrderRow)
                    .where(PaymentOrderRow.number == number)
                    .values(refund_due=True, note=_joined(order.note, note))
                )
                store.add_event(session, now, number, "refund_due", actor=order.owner, detail=note)
        return self.get(number)

    # ------------------------------------------------------------------ the gateway
    def notify(self, fields: Mapping[str, str], *, remote: str) -> PaymentOrder:
        """The gateway's notification: verified, then settled exactly once (authorised) or the
        open order declined. A refusal is recorded and re-raised; a repeat of a settled order
        answers with the order as it is (the gateway must not be told it failed)."""
        size = sum(len(str(key)) + len(str(value)) for key, value in fields.items())
        try:
            notification = self.gateway.verify(fields, self._find_for_gateway)
        except PaymentRefused as refusal:
            self.record_refusal(refusal, remote=remote, size=size)
            raise
        if notification.authorised:
            return self._settle(notification, remote, size)
        return self._decline(notification, remote, size)

    def _find_for_gateway(self, number: str) -> Order | None:
        order = self.find(number)
        return self._gateway_order(order) if order is not None else None

    def record_refusal(self, refusal: FinestretaError, *, remote: str, size: int | None) -> None:
        """Audit a notification refused before or by the gateway's checks (an oversized or
        malformed body is refused by the web layer and recorded here too)."""
        named = refusal.details.get("order")
        log.warning(
            "payment notification refused (%s) from %s, %s bytes", refusal.code, remote, size
        )
        with self.db.session() as session:
            store.add_event(
                session,
                self.clock.now(),
                named if isinstance(named, str) else None,
                "refused",
                code=refusal.code,
                actor="gateway",
                remote=remote,
                size=size,
                detail=refusal.message,
            )

    def _settle(self, notification: Notification, remote: str, size: int) -> PaymentOrder:
        number = notification.order
        now = self.clock.now()
        with self.db.session() as session:
            was = session.scalar(
                select(PaymentOrderRow.state).where(PaymentOrderRow.number == number)
            )
            settled = store.rows_changed(
                session,
                update(PaymentOrderRow)
                .where(
                    PaymentOrderRow.number == number,
                    PaymentOrderRow.state != OrderState.PAID.value,
                )
                .values(
                    state=OrderState.PAID.value,
                    settled_at=now,
                    ended_at=now,
                    response_code=notification.response[:4],
                    authorisation_code=notification.authorisation_code[:12] or None,
                ),
            )
            if settled:
                store.release_holds(session, number)
                order = store.load(session, number)
                assert order is not None
                twice = store.paid_elsewhere(session, number, order.references)
                detail = f"authorised {notification.response}" + (
                    f" (late: the order was {was})" if was != OrderState.OPEN.value else ""
                )
                if twice:
                    note = f"also paid in order {', '.join(twice)}"
                    session.execute(
                        update(PaymentOrderRow)
                        .where(PaymentOrderRow.number == number)
                        .values(refund_due=True, note=_joined(order.note, note))
                    )
                    detail += f"; refund due: {note}"
                store.add_event(
                    session, now, number, "paid", actor="gateway", remote=remote, size=size,
                    detail=detail,
                )  # fmt: skip
            else:
                store.add_event(
                    session, now, number, "repeated", code=notification.response[:4],
                    actor="gateway", remote=remote, size=size, detail="already settled",
                )  # fmt: skip
        if not settled:
            return self.get(number)
        log.info("payment %s settled", number)
        order = self._changed(number, "paid")
        return self._post(order)

    def _decline(self, notification: Notification, remote: str, size: int) -> PaymentOrder:
        number = notification.order
        now = self.clock.now()
        with self.db.session() as session:
            declined = store.rows_changed(
                session,
                update(PaymentOrderRow)
                .where(
                    PaymentOrderRow.number == number,
                    PaymentOrderRow.state == OrderState.OPEN.value,
                )
                .values(
                    state=OrderState.DECLINED.value,
                    settled_at=now,
                    ended_at=now,
                    response_code=notification.response[:4],
                ),
            )
            if declined:
                store.release_holds(session, number)
            store.add_event(
                session, now, number, "declined", code=notification.response[:4],
                actor="gateway", remote=remote, size=size,
                detail="" if declined else "the order had already ended: unchanged",
            )  # fmt: skip
        if not declined:
            return self.get(number)
        return self._changed(number, "declined")

    # ------------------------------------------------------------------ time and posting
    def expire_due(self) -> list[PaymentOrder]:
        """Open orders past their time become expired; what they held is payable again."""
        now = self.clock.now()
        expired: list[str] = []
        with self.db.session() as session:
            due = list(
                session.scalars(
                    select(PaymentOrderRow.number).where(
                        PaymentOrderRow.state == OrderState.OPEN.value,
                        PaymentOrderRow.expires_at <= now,
                    )
                )
            )
        for number in due:
            with self.db.session() as session:
                changed = store.rows_changed(
                    session,
                    update(PaymentOrderRow)
                    .where(
                        PaymentOrderRow.number == number,
                        PaymentOrderRow.state == OrderState.OPEN.value,
                    )
                    .values(state=OrderState.EXPIRED.value, ended_at=now),
                )
                if changed:
                    store.release_holds(session, number)
                    store.add_event(session, now, number, "expired", actor="system")
                    expired.append(number)
        return [self._changed(number, "expired") for number in expired]

    def post_pending(self) -> list[PaymentOrder]:
        """Paid orders their owner has not posted yet, offered again; returns those posted now."""
        with self.db.session() as session:
            numbers = list(
                session.scalars(
                    select(PaymentOrderRow.number)
                    .where(
                        PaymentOrderRow.state == OrderState.PAID.value,
                        PaymentOrderRow.posted_at.is_(None),
                    )
                    .order_by(PaymentOrderRow.number)
                )
            )
        posted = [self._post(self.get(number)) for number in numbers]
        return [order for order in posted if order.posted_at is not None]

    def _post(self, order: PaymentOrder) -> PaymentOrder:
        try:
            done = self.listener.payment_settled(order) is True
        except Exception:  # the owner's failure: posting is retried, the settlement stands
            log.exception("posting payment %s to %s failed", order.number, order.owner)
            done = False
        if not done:
            return order
        now = self.clock.now()
        with self.db.session() as session:
            first = store.rows_changed(
                session,
                update(PaymentOrderRow)
                .where(PaymentOrderRow.number == order.number, PaymentOrderRow.posted_at.is_(None))
                .values(posted_at=now),
            )
            if first:
                store.add_event(session, now, order.number, "posted", actor=order.owner)
        return self.get(order.number)

    def _changed(self, number: str, event: str) -> PaymentOrder:
        order = self.get(number)
        try:
            self.listener.payment_changed(order, event)
        except Exception:  # the owner's screens; the change itself is committed
            log.exception("telling %s that payment %s was %s failed", order.owner, number, event)
        return order


def _open(order: PaymentOrder) -> PaymentOrder:
    """``order`` if it is open, else the ``payment_not_open`` refusal."""
    if order.state is not OrderState.OPEN:
        check_move(order.number, order.state, OrderState.EXPIRED)  # raises: not open
    return order


def _in_progress(held: Sequence[str]) -> PaymentRefused:
    error: PaymentRefused = PAYMENT_IN_PROGRESS(
        "an item is already in an open order", {"references": list(held)[:10]}
    )
    return error


def _actor(clerk_id: int | None) -> str | None:
    return f"clerk:{clerk_id}" if clerk_id is not None else None


def _joined(note: str, more: str) -> str:
    return f"{note}; {more}" if note else more
