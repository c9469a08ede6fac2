"""One node's board after a write the database refused (``attention/boards.py: LocalBoard``):
the board is reloaded from what is durable, so that it never decides on a state nobody
recorded; who is connected carries over, and the rings that were on end and are said so."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from finestreta.attention import ClerkState, RoutingRules, Switchboard, replica
from finestreta.attention.boards import LocalBoard
from finestreta.attention.events import Event, OfferEnded, OfferMade, RequestQueued
from finestreta.attention.records import AttentionRequestRow
from finestreta.attention.store import AttentionStore
from finestreta.db import Database
from tests.conftest import MakeBooth, MakeStaff

T0 = 1_780_000_000.0


def test_a_refused_write_reloads_the_board_and_keeps_who_is_connected(
    db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    anna, k1, k2 = make_staff("anna"), make_booth("k1").id, make_booth("k2").id
    keeper = LocalBoard(Switchboard(RoutingRules(ring_timeout=20)), AttentionStore(db))
    said: list[Event] = []
    keeper.on_folded(said.extend)
    keeper.start(T0)
    keeper.execute(lambda b, t: replica.console_joined(b, anna, {"ca"}, {"general"}, t), T0)
    keeper.execute(lambda b, t: b.set_clerk_state(anna, ClerkState.AVAILABLE, t), T0)
    keeper.execute(lambda b, t: replica.kiosk_joined(b, k1, t), T0)
    keeper.execute(lambda b, t: replica.kiosk_joined(b, k2, t), T0)
    asked = keeper.execute(lambda b, t: b.request(k1, "ca", "general", t), T0 + 1)
    (offer,) = [e for e in asked if isinstance(e, OfferMade)]
    first = keeper.board

    def clashing(board: Switchboard, now: float) -> list[Event]:
        # a bug's events: k2's request logged with k1's number (seq is unique in the table)
        events = board.request(k2, "ca", "general", now)
        return [
            dataclasses.replace(e, seq=1) if isinstance(e, RequestQueued) else e for e in events
        ]

    with pytest.raises(IntegrityError):
        keeper.execute(clashing, T0 + 2)

    board = keeper.board
    assert board is not first
    # the database's state: k2 never asked; k1 still waits, its ring ended (a reload is a
    # restart of the board) and said so, to be rung again
    assert board.live_request_of(k2) is None
    live = board.live_request_of(k1)
    assert live is not None and live.id == offer.request_id
    assert board.offers == {}
    assert [(e.offer_id, e.reason) for e in said if isinstance(e, OfferEnded)] == [
        (offer.offer_id, "expired")
    ]
    assert len(said) == 1
    # nobody's socket closed: no grace period runs for them
    assert board.clerks[anna].connected and board.clerks[anna].disconnected_since is None
    assert board.kiosks[k1].connected and board.kiosks[k2].connected
    # and it goes on: the next tick rings Anna again for k1
    again = keeper.execute(replica.tick, T0 + 3)
    assert [e.request_id for e in again if isinstance(e, OfferMade)] == [offer.request_id]
    with db.session() as session:
        kiosks = session.scalars(select(AttentionRequestRow.kiosk_id)).all()
    assert kiosks == [k1]
