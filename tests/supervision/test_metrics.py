"""What ``Metrics.observe`` counts from the switchboard's events, with exact times (no web,
no database: the hub is only asked for its switchboard)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from finestreta.attention import ClerkState, Switchboard
from finestreta.attention.states import Party
from finestreta.db import Database
from finestreta.realtime.hub import Hub
from finestreta.supervision.metrics import Metrics


def value(metrics: Metrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def test_ring_latency_waits_and_outcomes() -> None:
    board = Switchboard()
    metrics = Metrics(cast(Hub, SimpleNamespace(board=board)), cast(Database, None))
    run = metrics.observe
    board.register_clerk(7, ["ca"], ["general"])
    run(board.console_connected(7, 0.0))
    run(board.set_clerk_state(7, ClerkState.AVAILABLE, 0.0))
    run(board.request(1, "ca", "general", 100.0))  # rings at once
    offer = next(iter(board.offers))
    run(board.decline(7, offer, 103.0))  # not rung again for this request for a while
    run(board.request(2, "ca", "general", 104.0))  # rings the clerk at once
    offer = next(iter(board.offers))
    events = board.accept(7, offer, 110.5)
    run(events)
    call_id = events[0].call_id  # type: ignore[attr-defined]
    run(board.cancel(board.live_request_of(1).id, 111.0))  # type: ignore[union-attr]
    run(board.hang_up(call_id, Party.KIOSK, 200.0))
    run(board.wrap_up(7, call_id, "information_given", "", 210.0))

    assert value(metrics, "finestreta_ring_latency_seconds_count") == 1
    assert value(metrics, "finestreta_ring_latency_seconds_sum") == 6.5
    assert value(metrics, "finestreta_wait_seconds_sum", topic="general") == 6.5
    assert value(metrics, "finestreta_requests_queued_total", topic="general") == 2
    assert value(metrics, "finestreta_offers_ended_total", reason="declined") == 1
    assert value(metrics, "finestreta_requests_unserved_total", reason="cancelled") == 1
    assert value(metrics, "finestreta_calls_started_total") == 1
    assert value(metrics, "finestreta_calls_ended_total", ended_by="kiosk") == 1
    assert value(metrics, "finestreta_calls_wrapped_up_total", outcome="information_given") == 1
    assert metrics._offered_at == {}  # nothing kept once every offer has ended
