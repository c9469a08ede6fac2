"""The attention loop over real sockets: request, ring, call, signalling, wrap-up, rating."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from finestreta.accounts.models import OfficeHours
from finestreta.attention.records import AttentionEventRow, AttentionRequestRow, CallRow
from finestreta.context import AppContext
from finestreta.db import Database
from tests.api.conftest import BoothBrowser, ClerkBrowser, open_socket, start_call, wanted

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def test_full_attention_loop(
    client: TestClient,
    ctx: AppContext,
    db: Database,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
) -> None:
    anna, anna_id = clerk_browser("anna")
    booth_client, booth = booth_browser("k1", site="Casa del Mig")
    other_booth, _ = booth_browser("k2")
    with (
        open_socket(anna, "/ws/console") as console,
        open_socket(booth_client, "/ws/kiosk") as kiosk,
        open_socket(other_booth, "/ws/kiosk") as stranger,
    ):
        hello = console.recv()
        assert (hello["type"], hello["state"], hello["call"]) == ("hello", "offline", None)
        console.send({"type": "set_state", "state": "available"})
        console.expect("state", state="available")

        kiosk.send({"type": "request_attention", "language": "es", "topic": "taxes"})
        ring = console.expect("ring")
        assert ring["topic"] == "taxes"
        assert ring["language"] == "es"
        assert ring["kiosk"] == "Booth k1"
        assert ring["site"] == "Casa del Mig"
        assert 0 < ring["expires_in_s"] <= 20
        console.expect("state", state="ringing")
        console.send({"type": "accept", "offer_id": ring["offer_id"]})

        clerk_call = console.expect("call_started")
        kiosk_call = kiosk.expect("call_started")
        call_id = clerk_call["call_id"]
        assert kiosk_call["call_id"] == call_id
        assert kiosk_call["request_id"] == clerk_call["request_id"] == ring["request_id"]
        assert (kiosk_call["role"], clerk_call["role"]) == ("polite", "impolite")
        assert kiosk_call["clerk"] == {"name": "Anna"}
        assert (clerk_call["kiosk"], clerk_call["site"]) == ("Booth k1", "Casa del Mig")
        assert (clerk_call["topic"], clerk_call["language"]) == ("taxes", "es")
        console.expect("state", state="in_call")

        # Signalling is relayed untouched, both ways.
        offer = {
            "description": {"type": "offer", "sdp": "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\n"},
            "nested": {"list": [1, 2.5, None, True, "ç€"], "empty": {}},
        }
        kiosk.send({"type": "signal", "call_id": call_id, "data": offer})
        assert console.expect("signal") == {"type": "signal", "call_id": call_id, "data": offer}
        answer = {"candidate": {"candidate": "candidate:1 1 UDP 2122 10.0.0.1 5000 typ host"}}
        console.send({"type": "signal", "call_id": call_id, "data": answer})
        assert kiosk.expect("signal") == {"type": "signal", "call_id": call_id, "data": answer}

        # The booth hangs up: both are told, the clerk goes to wrap-up.
        kiosk.send({"type": "hang_up", "call_id": call_id})
        ended = kiosk.expect("call_ended")
        assert (ended["call_id"], ended["ended_by"]) == (call_id, "kiosk")
        clerk_ended = console.expect("call_ended")
        assert (clerk_ended["call_id"], clerk_ended["wrap_up"]) == (call_id, True)
        console.expect("state", state="wrap_up")
        # Signals after the end go nowhere.
        kiosk.send({"type": "signal", "call_id": call_id, "data": {}})
        assert [e["code"] for e in wanted(kiosk.flush(), "error")] == ["no_call"]

        console.send(
            {"type": "wrap_up", "call_id": call_id, "outcome": "procedure_completed", "note": "ok"}
        )
        attentions = console.expect("attentions")
        state = console.expect("state")
        assert (state["state"], state["reason"]) == ("available", "wrapped_up")
        (item,) = [i for i in attentions["items"] if i["call_id"] == call_id]
        assert item["outcome"] == "procedure_completed"
        assert (item["topic"], item["language"], item["kiosk"]) == ("taxes", "es", "Booth k1")
        assert item["duration_s"] is not None and item["duration_s"] >= 0

        # The citizen rates the attention, once.
        request_id = ended["request_id"]
        stranger.send({"type": "rate", "request_id": request_id, "rating": 1})
        assert [e["code"] for e in wanted(stranger.flush(), "error")] == ["not_rateable"]
        kiosk.send({"type": "rate", "request_id": request_id, "rating": 4})
        assert kiosk.expect("rated") == {"type": "rated", "request_id": request_id}
        kiosk.send({"type": "rate", "request_id": request_id, "rating": 1})
        assert [e["code"] for e in wanted(kiosk.flush(), "error")] == ["not_rateable"]

    with db.session() as session:
        row = session.get(AttentionRequestRow, request_id)
        assert row is not None and (row.state, row.rating) == ("served", 4)
        call = session.get(CallRow, call_id)
        assert call is not None
        assert (call.state, call.outcome, call.note, call.ended_by) == (
            "wrapped_up",
            "procedure_completed",
            "ok",
            "kiosk",
        )
        rated = session.scalar(
            select(func.count())
            .select_from(AttentionEventRow)
            .where(AttentionEventRow.kind == "request_rated")
        )
        assert rated == 1
    items = anna.get("/api/console/attentions").json()["items"]
    assert [(i["call_id"], i["outcome"], i["rating"]) for i in items] == [
        (call_id, "procedure_completed", 4)
    ]
    assert ctx.hub.board.clerks[anna_id].state == "available"
    assert booth.id not in {r.kiosk_id for r in ctx.hub.board.requests.values()}


def test_clerk_hangs_up(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, _ = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    with (
        open_socket(anna, "/ws/console") as console,
        open_socket(booth_client, "/ws/kiosk") as kiosk,
    ):
        _ring, clerk_call, _ = start_call(console, kiosk)
        console.send({"type": "hang_up", "call_id": clerk_call["call_id"]})
        assert kiosk.expect("call_ended")["ended_by"] == "clerk"
        assert console.expect("call_ended")["ended_by"] == "clerk"
        kiosk.send({"type": "hang_up", "call_id": clerk_call["call_id"]})
        assert [e["code"] for e in wanted(kiosk.flush(), "error")] == ["call_ended"]
    # The wrap-up waits for the clerk across a reload of the console.
    with open_socket(anna, "/ws/console") as console:
        hello = console.recv()
        assert (hello["state"], hello["call"]) == ("wrap_up", None)
        assert hello["wrap_up"] == {"call_id": clerk_call["call_id"]}
        console.send(
            {"type": "wrap_up", "call_id": clerk_call["call_id"], "outcome": "call_dropped"}
        )
        assert console.expect("state")["state"] == "available"


def test_declined_request_rings_the_next_clerk_not_the_same_one_again(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, _ = clerk_browser("anna")
    jordi, _ = clerk_browser("jordi")
    booth_client, _ = booth_browser("k1")
    with (
        open_socket(anna, "/ws/console") as first,
        open_socket(jordi, "/ws/console") as second,
        open_socket(booth_client, "/ws/kiosk") as kiosk,
    ):
        first.send({"type": "set_state", "state": "available"})
        first.expect("state", state="available")
        second.send({"type": "set_state", "state": "available"})
        second.expect("state", state="available")

        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        kiosk.flush()
        ring = first.expect("ring")  # Anna has been idle longest
        assert not wanted(second.flush(), "ring")

        first.send({"type": "decline", "offer_id": ring["offer_id"]})
        ended = first.expect("ring_ended")
        assert (ended["offer_id"], ended["reason"]) == (ring["offer_id"], "declined")
        first.expect("state", state="available")
        next_ring = second.expect("ring")
        assert next_ring["request_id"] == ring["request_id"]
        assert next_ring["offer_id"] != ring["offer_id"]

        # Jordi declines too: Anna is not rung again for this request (within a ring timeout).
        second.send({"type": "decline", "offer_id": next_ring["offer_id"]})
        second.expect("ring_ended", reason="declined")
        second.flush()
        assert not wanted(first.flush(), "ring")
        assert kiosk.expect("queue", state="waiting")["request_id"] == ring["request_id"]


def test_only_clerks_with_the_language_and_topic_are_rung(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    catalan, _ = clerk_browser("anna", languages=("ca", "es"), topics=("general", "census"))
    english, _ = clerk_browser("marta", languages=("en",), topics=("taxes",))
    first_booth, _ = booth_browser("k1")
    second_booth, _ = booth_browser("k2")
    with (
        open_socket(catalan, "/ws/console") as anna,
        open_socket(english, "/ws/console") as marta,
        open_socket(first_booth, "/ws/kiosk") as k1,
        open_socket(second_booth, "/ws/kiosk") as k2,
    ):
        for console in (anna, marta):
            console.send({"type": "set_state", "state": "available"})
            console.expect("state", state="available")

        k1.send({"type": "request_attention", "language": "en", "topic": "general"})
        flushed = k1.flush()  # the request is handled (its place may already be in here)
        # Nobody speaks English about general matters: nobody rings, the wait is unknown.
        assert not wanted(anna.flush() + marta.flush(), "ring")
        queued = next(iter(wanted(flushed, "queue")), None) or k1.expect("queue")
        assert (queued["state"], queued["position"], queued["estimated_wait_s"]) == (
            "waiting",
            1,
            None,
        )

        k2.send({"type": "request_attention", "language": "en", "topic": "taxes"})
        ring = marta.expect("ring")
        assert (ring["language"], ring["topic"], ring["kiosk"]) == ("en", "taxes", "Booth k2")
        assert not wanted(anna.flush(), "ring")


def test_request_outside_opening_hours_is_refused(
    client: TestClient, ctx: AppContext, db: Database, booth_browser: BoothBrowser
) -> None:
    tomorrow = datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=1)
    with db.session() as session:
        hours = session.get(OfficeHours, 1)
        assert hours is not None
        hours.spec = f"{DAYS[tomorrow.weekday()]} 09:00-10:00"  # never today
    ctx.hub.directory.refresh()
    booth_client, _ = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        office = kiosk.expect("office")
        assert office["open"] is False
        assert office["hours"] == [
            {"day": DAYS[tomorrow.weekday()], "opens": "09:00", "closes": "10:00"}
        ]
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general", "ref": "a"})
        frames = kiosk.flush()
        errors = wanted(frames, "error")
        assert [(e["code"], e.get("ref")) for e in errors] == [("closed", "a")]
        offices = wanted(frames, "office")  # (the ticker may have sent one more meanwhile)
        assert offices and not any(office["open"] for office in offices)
        assert not wanted(frames, "queue")
    assert ctx.hub.board.queue() == []
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(AttentionRequestRow)) == 0


def test_queue_positions_are_pushed(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    # A clerk who cannot serve these requests is working: the positions are what matters here.
    clerk, _ = clerk_browser("anna", languages=("en",))
    first_client, _ = booth_browser("k1")
    second_client, _ = booth_browser("k2")
    with (
        open_socket(clerk, "/ws/console") as console,
        open_socket(first_client, "/ws/kiosk") as first,
        open_socket(second_client, "/ws/kiosk") as second,
    ):
        console.send({"type": "set_state", "state": "available"})
        first.send({"type": "request_attention", "language": "ca", "topic": "general"})
        one = first.expect("queue")
        assert (one["position"], one["state"]) == (1, "waiting")
        second.send({"type": "request_attention", "language": "es", "topic": "census"})
        two = second.expect("queue")
        assert two["position"] == 2
        summary = console.expect("queue_summary", waiting=2)
        assert summary["longest_wait_s"] >= 0

        first.send({"type": "cancel", "request_id": one["request_id"]})
        ended = first.expect("request_ended")
        assert ended == {
            "type": "request_ended",
            "request_id": one["request_id"],
            "reason": "cancelled",
        }
        moved = second.expect("queue")
        assert (moved["request_id"], moved["position"]) == (two["request_id"], 1)
        console.expect("queue_summary", waiting=1)
        assert not wanted(first.flush(), "queue")


def test_booth_reconnecting_within_grace_keeps_its_request_and_place(
    client: TestClient, ctx: AppContext, booth_browser: BoothBrowser
) -> None:
    first_client, first_booth = booth_browser("k1")
    second_client, _ = booth_browser("k2")
    with open_socket(second_client, "/ws/kiosk") as second:
        with open_socket(first_client, "/ws/kiosk") as first:
            first.send({"type": "request_attention", "language": "es", "topic": "works"})
            queued = first.expect("queue", position=1)
        second.send({"type": "request_attention", "language": "ca", "topic": "general"})
        assert second.expect("queue")["position"] == 2

        with open_socket(first_client, "/ws/kiosk") as first:
            hello = first.recv()
            assert hello["type"] == "hello"
            assert hello["request"] == {
                "request_id": queued["request_id"],
                "language": "es",
                "topic": "works",
            }
            again = first.expect("queue")
            assert (again["request_id"], again["position"]) == (queued["request_id"], 1)
        assert not wanted(second.flush(), "queue")  # nobody moved
    live = ctx.hub.board.live_request_of(first_booth.id)
    assert live is not None and live.id == queued["request_id"]


def test_console_reconnecting_during_a_call_gets_the_call_back(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, _ = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        with open_socket(anna, "/ws/console") as console:
            _ring, clerk_call, _ = start_call(console, kiosk)
        with open_socket(anna, "/ws/console") as console:
            hello = console.recv()
            assert hello["type"] == "hello"
            assert hello["state"] == "in_call"
            assert hello["call"]["call_id"] == clerk_call["call_id"]
            assert hello["call"]["role"] == "impolite"
            restart = kiosk.expect("call_restart")
            assert restart == {"type": "call_restart", "call_id": clerk_call["call_id"]}
            # The call goes on: signals still flow.
            console.send({"type": "signal", "call_id": clerk_call["call_id"], "data": {"x": 1}})
            assert kiosk.expect("signal")["data"] == {"x": 1}


def test_booth_reconnecting_during_a_call_gets_the_call_back(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, _ = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    with open_socket(anna, "/ws/console") as console:
        with open_socket(booth_client, "/ws/kiosk") as kiosk:
            _ring, _clerk_call, kiosk_call = start_call(console, kiosk)
        with open_socket(booth_client, "/ws/kiosk") as kiosk:
            hello = kiosk.recv()
            assert hello["call"]["call_id"] == kiosk_call["call_id"]
            assert hello["call"]["role"] == "polite"
            assert console.expect("call_restart")["call_id"] == kiosk_call["call_id"]


def test_second_console_replaces_the_first(
    client: TestClient, ctx: AppContext, clerk_browser: ClerkBrowser
) -> None:
    anna, anna_id = clerk_browser("anna")
    with ExitStack() as old_stack:
        old = old_stack.enter_context(open_socket(anna, "/ws/console"))
        old.flush()
        with open_socket(anna, "/ws/console") as new:
            assert new.recv()["type"] == "hello"
            assert old.expect("closed") == {"type": "closed", "reason": "replaced"}
            assert old.expect_close()[0] == 4409
            old_stack.close()  # the old page goes away while the new one stays
            new.send({"type": "set_state", "state": "available"})
            new.expect("state", state="available")
            assert ctx.hub.consoles.get(anna_id) is not None
            assert ctx.hub.board.clerks[anna_id].connected
    assert anna_id not in ctx.hub.consoles


def test_second_kiosk_socket_replaces_the_first(
    client: TestClient, ctx: AppContext, booth_browser: BoothBrowser
) -> None:
    booth_client, booth = booth_browser("k1")
    with ExitStack() as old_stack:
        old = old_stack.enter_context(open_socket(booth_client, "/ws/kiosk"))
        old.flush()
        with open_socket(booth_client, "/ws/kiosk") as new:
            assert new.recv()["type"] == "hello"
            assert old.expect("closed") == {"type": "closed", "reason": "replaced"}
            assert old.expect_close()[0] == 4409
            old_stack.close()
            new.send({"type": "request_attention", "language": "ca", "topic": "general"})
            assert new.expect("queue")["position"] == 1
            assert ctx.hub.board.kiosks[booth.id].connected


def test_console_reconnecting_while_rung_gets_the_ring_back(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, _ = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    with open_socket(booth_client, "/ws/kiosk") as kiosk:
        with open_socket(anna, "/ws/console") as console:
            console.send({"type": "set_state", "state": "available"})
            kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
            ring = console.expect("ring")
        with open_socket(anna, "/ws/console") as console:
            hello = console.recv()
            assert hello["state"] == "ringing"
            assert hello["offer"]["offer_id"] == ring["offer_id"]
            assert hello["offer"]["type"] == "ring"
            console.send({"type": "accept", "offer_id": ring["offer_id"]})
            assert console.expect("call_started")["request_id"] == ring["request_id"]
            assert kiosk.expect("call_started")["request_id"] == ring["request_id"]


@pytest.mark.settings(ring_timeout_seconds=1, missed_rings_before_away=1)
def test_unanswered_ring_expires_and_the_clerk_goes_away(
    client: TestClient, ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, anna_id = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    with (
        open_socket(anna, "/ws/console") as console,
        open_socket(booth_client, "/ws/kiosk") as kiosk,
    ):
        console.send({"type": "set_state", "state": "available"})
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ring = console.expect("ring")
        assert ring["ring_timeout_s"] == 1
        ended = console.expect("ring_ended", timeout=4)
        assert (ended["offer_id"], ended["reason"]) == (ring["offer_id"], "expired")
        away = console.expect("state", state="away")
        assert away["reason"] == "missed_rings"
        # Too late to accept; the citizen waits for somebody else.
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        assert [e["code"] for e in wanted(console.flush(), "error")] == ["no_offer"]
        assert kiosk.expect("queue", state="waiting")["request_id"] == ring["request_id"]
    assert ctx.hub.board.clerks[anna_id].state == "away"


def test_cancelling_while_ringing_withdraws_the_offer(
    client: TestClient, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna, _ = clerk_browser("anna")
    booth_client, _ = booth_browser("k1")
    with (
        open_socket(anna, "/ws/console") as console,
        open_socket(booth_client, "/ws/kiosk") as kiosk,
    ):
        console.send({"type": "set_state", "state": "available"})
        kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ring = console.expect("ring")
        kiosk.send({"type": "cancel"})
        assert kiosk.expect("request_ended")["reason"] == "cancelled"
        ended = console.expect("ring_ended")
        assert (ended["offer_id"], ended["reason"]) == (ring["offer_id"], "withdrawn")
        assert console.expect("state")["state"] == "available"
        console.send({"type": "accept", "offer_id": ring["offer_id"]})
        assert [e["code"] for e in wanted(console.flush(), "error")] == ["no_offer"]


@pytest.mark.settings(kiosk_grace_seconds=0.5)
def test_booth_gone_longer_than_its_grace(
    client: TestClient,
    ctx: AppContext,
    db: Database,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
) -> None:
    """A waiting request is abandoned; a call is ended by the system."""
    anna, anna_id = clerk_browser("anna")
    waiting_client, waiting_booth = booth_browser("k1")
    calling_client, _ = booth_browser("k2")
    with open_socket(anna, "/ws/console") as console:
        with open_socket(calling_client, "/ws/kiosk") as kiosk:
            _ring, clerk_call, _ = start_call(console, kiosk)
        with open_socket(waiting_client, "/ws/kiosk") as kiosk:
            kiosk.send({"type": "request_attention", "language": "ca", "topic": "general"})
            queued = kiosk.expect("queue")
        ended = console.expect("call_ended", timeout=5)
        assert (ended["call_id"], ended["ended_by"]) == (clerk_call["call_id"], "system")
        assert console.expect("state")["state"] == "wrap_up"
        console.expect("queue_summary", waiting=0, timeout=5)  # the request was abandoned
        with open_socket(waiting_client, "/ws/kiosk") as kiosk:
            hello = kiosk.recv()
            assert (hello["type"], hello["request"]) == ("hello", None)
    assert ctx.hub.board.live_request_of(waiting_booth.id) is None
    with db.session() as session:
        row = session.get(AttentionRequestRow, queued["request_id"])
        assert row is not None and row.state == "abandoned"
        call = session.get(CallRow, clerk_call["call_id"])
        assert call is not None and call.ended_by == "system"
    assert ctx.hub.board.clerks[anna_id].state == "wrap_up"
