"""The partial unique indexes of the attention tables (migration 0018).

They turn a double assignment into an integrity error. The store must never trip them itself:
when one batch ends a row and starts its successor (decline and re-offer, expiry and re-ring,
a call ending and the clerk's next one, a booth's request ending and its next one), the flush
must write the end before the start.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from finestreta.accounts import service
from finestreta.attention import ClerkState, RoutingRules, Switchboard
from finestreta.attention.events import (
    CallEnded,
    CallStarted,
    Event,
    OfferEnded,
    OfferMade,
    RequestCancelled,
    RequestQueued,
)
from finestreta.attention.records import (
    AttentionEventRow,
    AttentionRequestRow,
    CallRow,
    OfferRow,
)
from finestreta.attention.states import Party
from finestreta.attention.store import AttentionStore
from finestreta.db import Database
from finestreta.migrate import upgrade
from tests.conftest import PASSWORD, MakeBooth, MakeStaff

T0 = 1_800_000_000.0
WHEN = datetime.fromtimestamp(T0, UTC)


def _of(events: list[Event], kind: type[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, kind)]


def _live(db: Database) -> tuple[list[tuple[str, int]], list[int], list[int]]:
    """(request, clerk) of ringing offers, clerks of active calls, booths of live requests."""
    with db.session() as session:
        offers = session.execute(
            select(OfferRow.request_id, OfferRow.clerk_id).where(OfferRow.state == "ringing")
        ).all()
        calls = session.scalars(select(CallRow.clerk_id).where(CallRow.state == "active")).all()
        kiosks = session.scalars(
            select(AttentionRequestRow.kiosk_id).where(
                AttentionRequestRow.state.in_(("waiting", "ringing", "in_call"))
            )
        ).all()
    return [(r, c) for r, c in offers], list(calls), list(kiosks)


def _board(store: AttentionStore, *clerks: int) -> Switchboard:
    board = Switchboard(RoutingRules(ring_timeout=20))
    store.load(board, T0)
    for clerk in clerks:
        store.record(board.console_connected(clerk, T0))
    return board


def test_decline_and_re_offer_of_the_same_request_in_one_batch(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    anna, jordi = make_staff("anna"), make_staff("jordi")
    booth = make_booth("k1").id
    store = AttentionStore(db)
    board = _board(store, anna, jordi)
    store.record(board.request(booth, "ca", "general", T0))
    ring = board.set_clerk_state(anna, ClerkState.AVAILABLE, T0 + 1)
    store.record(ring)
    (first,) = _of(ring, OfferMade)
    # jordi becomes available and anna declines: the request rings jordi, all in one batch
    batch = board.set_clerk_state(jordi, ClerkState.AVAILABLE, T0 + 2)
    assert not _of(batch, OfferMade)  # the request is ringing anna still
    assert isinstance(first, OfferMade)
    batch += board.decline(anna, first.offer_id, T0 + 3)
    (second,) = _of(batch, OfferMade)
    assert isinstance(second, OfferMade)
    assert (second.request_id, second.clerk_id) == (first.request_id, jordi)
    store.record(batch)
    assert _live(db)[0] == [(first.request_id, jordi)]


def test_expiry_and_re_ring_of_the_same_clerk_in_one_batch(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    anna = make_staff("anna")
    booths = [make_booth(f"k{i}").id for i in (1, 2)]
    store = AttentionStore(db)
    board = _board(store, anna)
    for i, booth in enumerate(booths):
        store.record(board.request(booth, "ca", "general", T0 + i))
    ring = board.set_clerk_state(anna, ClerkState.AVAILABLE, T0 + 5)
    store.record(ring)
    (first,) = _of(ring, OfferMade)
    assert isinstance(first, OfferMade)
    batch = board.tick(T0 + 30)  # the ring times out; anna is rung for the other request
    assert [type(e) for e in batch if isinstance(e, OfferEnded | OfferMade)] == [
        OfferEnded,
        OfferMade,
    ]
    (second,) = _of(batch, OfferMade)
    assert isinstance(second, OfferMade)
    assert second.clerk_id == anna and second.request_id != first.request_id
    store.record(batch)
    assert _live(db)[0] == [(second.request_id, anna)]


def test_accept_then_call_end_and_the_clerks_next_call_in_one_batch(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    anna = make_staff("anna")
    booths = [make_booth(f"k{i}").id for i in (1, 2)]
    store = AttentionStore(db)
    board = _board(store, anna)
    for i, booth in enumerate(booths):
        store.record(board.request(booth, "ca", "general", T0 + i))
    ring = board.set_clerk_state(anna, ClerkState.AVAILABLE, T0 + 5)
    (first,) = _of(ring, OfferMade)
    assert isinstance(first, OfferMade)
    # ring and accept in one batch: the offer ends as the call starts
    accepted = board.accept(anna, first.offer_id, T0 + 6)
    store.record(ring + accepted)
    (call,) = _of(accepted, CallStarted)
    assert isinstance(call, CallStarted)
    assert _live(db)[:2] == ([], [anna])
    # the call ends, the wrap-up is done, the next booth rings and anna answers: one batch
    batch = board.hang_up(call.call_id, Party.CLERK, T0 + 60)
    batch += board.wrap_up(anna, call.call_id, "resolved", "", T0 + 70)
    if not _of(batch, OfferMade):
        batch += board.set_clerk_state(anna, ClerkState.AVAILABLE, T0 + 71)
    (second,) = _of(batch, OfferMade)
    assert isinstance(second, OfferMade)
    batch += board.accept(anna, second.offer_id, T0 + 72)
    assert len(_of(batch, CallEnded)) == 1 and len(_of(batch, CallStarted)) == 1
    store.record(batch)
    offers, calls, kiosks = _live(db)
    assert (offers, calls, kiosks) == ([], [anna], [booths[1]])


def test_a_booths_request_ending_and_its_next_one_in_one_batch(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    booth = make_booth("k1").id
    store = AttentionStore(db)
    board = _board(store)
    first = board.request(booth, "ca", "general", T0)
    store.record(first)
    (queued,) = _of(first, RequestQueued)
    assert isinstance(queued, RequestQueued)
    batch = board.cancel(queued.request_id, T0 + 5)
    batch += board.request(booth, "es", "census", T0 + 6)
    assert len(_of(batch, RequestCancelled)) == 1 and len(_of(batch, RequestQueued)) == 1
    store.record(batch)
    assert _live(db)[2] == [booth]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AttentionRequestRow)) == 2


# ---------------------------------------------------------------- the backstops do stop


def _request(session: Session, rid: str, seq: int, kiosk: int, state: str) -> None:
    session.add(
        AttentionRequestRow(
            id=rid,
            seq=seq,
            kiosk_id=kiosk,
            language="ca",
            topic="general",
            priority=0,
            state=state,
            created_at=WHEN,
        )
    )


def _offer(session: Session, oid: str, rid: str, clerk: int, state: str = "ringing") -> None:
    session.add(
        OfferRow(
            id=oid, request_id=rid, clerk_id=clerk, created_at=WHEN, deadline=WHEN, state=state
        )
    )


def _call(session: Session, cid: str, rid: str, kiosk: int, clerk: int, state: str) -> None:
    session.add(
        CallRow(
            id=cid, request_id=rid, kiosk_id=kiosk, clerk_id=clerk, state=state, started_at=WHEN
        )
    )


Wrong = Callable[[Session, int, int, int, int], None]


def _two_ringing_offers_for_one_clerk(s: Session, anna: int, jordi: int, k1: int, k2: int) -> None:
    _request(s, "r1", 1, k1, "ringing")
    _request(s, "r2", 2, k2, "ringing")
    s.flush()
    _offer(s, "o1", "r1", anna)
    _offer(s, "o2", "r2", anna)


def _two_ringing_offers_for_one_request(
    s: Session, anna: int, jordi: int, k1: int, k2: int
) -> None:
    _request(s, "r1", 1, k1, "ringing")
    s.flush()
    _offer(s, "o1", "r1", anna)
    _offer(s, "o2", "r1", jordi)


def _two_active_calls_for_one_clerk(s: Session, anna: int, jordi: int, k1: int, k2: int) -> None:
    _request(s, "r1", 1, k1, "in_call")
    _request(s, "r2", 2, k2, "in_call")
    s.flush()
    _call(s, "c1", "r1", k1, anna, "active")
    _call(s, "c2", "r2", k2, anna, "active")


def _two_live_requests_for_one_booth(s: Session, anna: int, jordi: int, k1: int, k2: int) -> None:
    _request(s, "r1", 1, k1, "waiting")
    _request(s, "r2", 2, k1, "in_call")


@pytest.mark.parametrize(
    "wrong",
    [
        _two_ringing_offers_for_one_clerk,
        _two_ringing_offers_for_one_request,
        _two_active_calls_for_one_clerk,
        _two_live_requests_for_one_booth,
    ],
)
def test_a_wrong_projection_is_an_integrity_error(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth, wrong: Wrong
) -> None:
    anna, jordi = make_staff("anna"), make_staff("jordi")
    k1, k2 = make_booth("k1").id, make_booth("k2").id
    with pytest.raises(IntegrityError), db.session() as session:
        wrong(session, anna, jordi, k1, k2)
        session.flush()
    with db.session() as session:  # nothing of it was kept
        assert session.scalar(select(func.count()).select_from(AttentionRequestRow)) == 0


def test_the_same_rows_once_ended_are_allowed(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    """The indexes cover live rows only: history keeps any number of ended ones."""
    anna = make_staff("anna")
    k1 = make_booth("k1").id
    with db.session() as session:
        for i in range(3):
            _request(session, f"r{i}", i, k1, "served")
        session.flush()
        for i in range(3):
            _offer(session, f"o{i}", f"r{i}", anna, "accepted")
            _call(session, f"c{i}", f"r{i}", k1, anna, "wrapped_up")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(CallRow)) == 3


def test_the_migration_ends_rows_that_break_the_backstops(empty_database_url: str) -> None:
    url = empty_database_url
    upgrade(url, "0017")
    db = Database(url)
    try:
        with db.session() as session:
            anna, jordi = (
                service.add_user(session, name, PASSWORD, "clerk", name, ["ca"], ["general"]).id
                for name in ("anna", "jordi")
            )
            k1, k2, k3 = (
                service.add_kiosk(session, code, code, "Casa del Mig").kiosk.id
                for code in ("k1", "k2", "k3")
            )
            _request(session, "r1", 1, k1, "in_call")
            _request(session, "r2", 2, k1, "ringing")  # the same booth, newer
            _request(session, "r3", 3, k2, "ringing")
            _request(session, "r4", 4, k3, "waiting")
            _request(session, "r5", 5, k3, "waiting")  # the same booth, newer
            session.flush()
            _offer(session, "o1", "r2", anna)
            _offer(session, "o2", "r3", anna)  # the same clerk, newer (the ids break the tie)
            _offer(session, "o3", "r3", jordi)  # the same request, newer still
            _call(session, "c1", "r1", k1, jordi, "active")
            _call(session, "c2", "r3", k2, jordi, "active")  # the same clerk, newer
        upgrade(url)
        with db.session() as session:
            offers = {i: st for i, st in session.execute(select(OfferRow.id, OfferRow.state))}
            assert offers == {"o1": "expired", "o2": "expired", "o3": "ringing"}
            calls = {i: st for i, st in session.execute(select(CallRow.id, CallRow.state))}
            assert calls == {"c1": "ended", "c2": "active"}
            requests = {
                i: st
                for i, st in session.execute(
                    select(AttentionRequestRow.id, AttentionRequestRow.state)
                )
            }
            # r1: abandoned as the older live request of k1, then served as its call ended
            assert requests == {
                "r1": "served",
                "r2": "waiting",  # its offer expired
                "r3": "ringing",
                "r4": "abandoned",
                "r5": "waiting",
            }
            ended = session.scalars(
                select(AttentionEventRow).where(AttentionEventRow.kind == "offer_ended")
            ).all()
            assert sorted((e.data["offer_id"], e.data["reason"], e.clerk_id) for e in ended) == [
                ("o1", "expired", anna),
                ("o2", "expired", anna),
            ]
    finally:
        db.dispose()
