"""The hub on the cluster seam (``docs/design/cluster.md`` §2, §3.3): every change of the board
goes through its keeper; events folded from other nodes become frames for the sockets held
here but are neither told to listeners nor counted; a frame for a socket held elsewhere goes to
the bus with the board's version."""

from __future__ import annotations

import json
from typing import Any, TypeVar, cast

from fastapi import WebSocket
from sqlalchemy import select

from finestreta.accounts.directory import Directory, load_directory
from finestreta.attention import ClerkState, RoutingRules, Switchboard, replica
from finestreta.attention.boards import Command, LocalBoard
from finestreta.attention.events import CallStarted, Event, OfferMade
from finestreta.attention.records import AttentionEventRow
from finestreta.attention.store import AttentionStore
from finestreta.clock import ManualClock
from finestreta.config import Settings
from finestreta.db import Database
from finestreta.realtime import frames as f
from finestreta.realtime.bus import LocalBus
from finestreta.realtime.connections import Connection, TokenBucket
from finestreta.realtime.hub import Hub
from finestreta.realtime.ports import CallListener, CallView
from tests.conftest import MakeBooth, MakeStaff

T0 = 1_780_000_000.0
E = TypeVar("E", bound=Event)


class Socket(Connection):
    """A socket that keeps the frames it is sent instead of writing them to a peer."""

    def __init__(self, party: str, party_id: int, clock: ManualClock) -> None:
        super().__init__(cast(WebSocket, None), party, party_id, TokenBucket(100, 100), clock)
        self.frames: list[dict[str, Any]] = []

    def send_text(self, text: str) -> None:
        self.frames.append(json.loads(text))

    def types(self) -> list[str]:
        return [frame["type"] for frame in self.frames]


class OtherNodes(LocalBoard):
    """This node's keeper, with what other nodes logged waiting to be folded: ``refresh``
    folds and returns ``logged``, ``execute`` first folds ``before`` through the callback."""

    def __init__(self, board: Switchboard, store: AttentionStore) -> None:
        super().__init__(board, store)
        self.logged: list[Event] = []
        self.before: list[Event] = []
        self.at = 0
        self.refreshed = 0
        self._callback: Any = None

    @property
    def version(self) -> int:
        return self.at

    def on_folded(self, callback: Any) -> None:
        self._callback = callback

    def _fold(self, events: list[Event]) -> list[Event]:
        self.store.record(events)  # as the node that executed them did, in the same database
        replica.fold_all(self.board, events)
        self.at += len(events)
        return events

    def refresh(self) -> list[Event]:
        self.refreshed += 1
        folded, self.logged = self._fold(self.logged), []
        return folded

    def execute(self, command: Command, now: float) -> list[Event]:
        for event in self.before:  # one at a time, as a shared board catching up would
            self._callback(self._fold([event]))
        self.before = []
        return super().execute(command, now)


class Bus(LocalBus):
    mode = "redis"

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, dict[str, Any], int]] = []
        self.listening: set[tuple[str, int]] = set()

    def send(self, party: str, party_id: int, text: str, version: int) -> None:
        self.sent.append((party, party_id, json.loads(text), version))

    def listen(self, party: str, party_id: int) -> None:
        self.listening.add((party, party_id))

    def unlisten(self, party: str, party_id: int) -> None:
        self.listening.discard((party, party_id))


class Told(CallListener):
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def call_started(self, call: CallView) -> None:
        self.calls.append(("started", call.id))

    def call_ended(self, call: CallView) -> None:
        self.calls.append(("ended", call.id))


class Node:
    def __init__(self, db: Database, settings: Settings, anna: int, booth: int) -> None:
        self.anna, self.booth = anna, booth
        self.clock = ManualClock(T0)
        store = AttentionStore(db)
        self.keeper = OtherNodes(Switchboard(RoutingRules(ring_timeout=20)), store)
        self.bus = Bus()
        directory = Directory(lambda: load_directory(db))
        self.hub = Hub(settings, self.keeper, store, directory, self.clock, bus=self.bus)
        self.told, self.counted, self.seen = Told(), [], []  # type: ignore[var-annotated]
        self.hub.subscribe(self.told)
        self.hub.observe(self.counted.extend)  # as the metrics
        self.hub.observe(self.seen.extend, folded=True)  # as the wallboard
        self.console = Socket(f.CONSOLE, anna, self.clock)

    def clerk_available(self) -> None:
        self.hub.clerk_joined(self.console, frozenset({"ca"}), frozenset({"general"}))
        self.hub.set_clerk_state(self.anna, ClerkState.AVAILABLE, "chosen")
        self.counted.clear()
        self.seen.clear()
        self.console.frames.clear()


def _logged_elsewhere(node: Node) -> tuple[list[Event], list[Event]]:
    """What another node logs when its booth asks and Anna accepts the ring (that node's board
    knows Anna as this one does: available, connected): (asked, accepted)."""
    other = Switchboard(RoutingRules(ring_timeout=20))
    other.register_clerk(node.anna, ("ca",), ("general",), idle_since=T0)
    other.console_connected(node.anna, T0)
    other.set_clerk_state(node.anna, ClerkState.AVAILABLE, T0)
    asked = other.request(node.booth, "ca", "general", T0 + 1)
    (offer,) = _of(asked, OfferMade)
    return asked, other.accept(node.anna, offer.offer_id, T0 + 2)


def _of(events: list[Event], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


# ---------------------------------------------------------------------- tests


def test_folded_events_ring_the_local_console_but_are_not_told_nor_counted(
    db: Database, settings: Settings, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    node = Node(db, settings, make_staff("anna"), make_booth("k1").id)
    node.clerk_available()
    asked, accepted = _logged_elsewhere(node)
    (offer,), (started,) = _of(asked, OfferMade), _of(accepted, CallStarted)

    node.keeper.logged = list(asked)
    node.hub.refresh()
    assert node.console.types() == ["ring", "state"]
    ring = node.console.frames[node.console.types().index("ring")]
    assert (ring["offer_id"], ring["request_id"]) == (offer.offer_id, offer.request_id)

    node.console.frames.clear()
    node.keeper.logged = list(accepted)
    node.hub.refresh()
    assert node.console.types() == ["call_started", "state"]
    (call,) = [frame for frame in node.console.frames if frame["type"] == "call_started"]
    assert call["call_id"] == started.call_id
    # the booth is held by the node that executed: neither a frame here nor one across the bus
    assert node.bus.sent == []
    assert node.told.calls == []  # the executing node told its listeners
    assert node.counted == []  # and counted
    assert node.seen == asked + accepted  # the wallboard sees the whole office's


def test_events_folded_while_catching_up_before_a_command_are_delivered_first(
    db: Database, settings: Settings, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    node = Node(db, settings, make_staff("anna"), make_booth("k1").id)
    node.clerk_available()
    asked, _ = _logged_elsewhere(node)
    (offer,) = _of(asked, OfferMade)
    node.keeper.before = list(asked)
    # Anna accepts a ring another node made: the keeper catches up first, then accepts
    node.hub.console_frame(node.console, f.Accept(type="accept", offer_id=offer.offer_id))
    assert node.console.types() == ["ring", "state", "call_started", "state"]
    (started,) = _of(node.counted, CallStarted)
    assert node.told.calls == [("started", started.call_id)]  # only what this node executed
    assert node.seen == asked + node.counted


def test_whose_call_it_is_is_checked_on_the_board_caught_up(
    db: Database, settings: Settings, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    node = Node(db, settings, make_staff("anna"), make_booth("k1").id)
    node.clerk_available()
    asked, accepted = _logged_elsewhere(node)
    (started,) = _of(accepted, CallStarted)
    hang_up = f.HangUp(type="hang_up", call_id=started.call_id, ref="h1")
    booth = Socket(f.KIOSK, node.booth, node.clock)
    node.hub.kiosk_frame(booth, hang_up)  # nothing to catch up: a call unknown here
    assert [(x["type"], x["code"], x["ref"]) for x in booth.frames] == [("error", "no_call", "h1")]
    node.keeper.before = asked + accepted
    # Anna hangs up a call another node started, which this node has not folded yet
    node.hub.console_frame(node.console, hang_up)
    assert node.console.types()[:4] == ["ring", "state", "call_started", "state"]
    assert "call_ended" in node.console.types()
    assert node.told.calls == [("ended", started.call_id)]
    assert [e.kind for e in node.counted] == ["call_ended", "clerk_state_changed"]


def test_executed_commands_are_told_counted_and_recorded_without_presence(
    db: Database, settings: Settings, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    node = Node(db, settings, make_staff("anna"), make_booth("k1").id)
    node.clerk_available()
    booth = Socket(f.KIOSK, node.booth, node.clock)
    node.hub.kiosk_joined(booth)
    assert node.bus.listening == {(f.KIOSK, node.booth), (f.CONSOLE, node.anna)}
    node.hub.kiosk_frame(
        booth, f.RequestAttention(type="request_attention", language="ca", topic="general")
    )
    (ring,) = [frame for frame in node.console.frames if frame["type"] == "ring"]
    node.hub.console_frame(node.console, f.Accept(type="accept", offer_id=ring["offer_id"]))
    assert "call_started" in booth.types() and "call_started" in node.console.types()
    (call_id,) = {frame["call_id"] for frame in booth.frames if frame["type"] == "call_started"}
    assert node.told.calls == [("started", call_id)]
    assert [e.kind for e in node.counted] == [
        "request_queued",
        "offer_made",
        "clerk_state_changed",
        "call_started",
        "clerk_state_changed",
    ]
    assert node.seen == node.counted
    node.hub.kiosk_left(booth)
    node.hub.clerk_left(node.console)
    assert node.bus.listening == set()
    node.clock.advance(settings.console_grace_seconds + settings.kiosk_grace_seconds + 1)
    node.hub.tick()  # the grace periods run out: the call ends
    assert node.told.calls == [("started", call_id), ("ended", call_id)]
    with db.session() as session:
        kinds = set(session.scalars(select(AttentionEventRow.kind)))
    assert {"request_queued", "offer_made", "call_started"} <= kinds
    assert not kinds & {"presence_changed", "clerk_registered"}  # rebuilt from the sockets


def test_a_frame_for_a_socket_held_elsewhere_goes_to_the_bus_with_the_version(
    db: Database, settings: Settings, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    node = Node(db, settings, make_staff("anna"), make_booth("k1").id)
    node.clerk_available()
    node.keeper.at = 41
    node.hub.to_kiosk(node.booth, f.CallRestart(call_id="c1"))
    node.hub.to_clerk(node.anna, f.CallRestart(call_id="c2"))  # held here: straight to the socket
    assert node.bus.sent == [(f.KIOSK, node.booth, {"type": "call_restart", "call_id": "c1"}, 41)]
    assert node.console.frames == [{"type": "call_restart", "call_id": "c2"}]


def test_a_frame_from_a_node_ahead_waits_for_the_fold_it_follows(
    db: Database, settings: Settings, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    node = Node(db, settings, make_staff("anna"), make_booth("k1").id)
    node.clerk_available()
    asked, accepted = _logged_elsewhere(node)
    (started,) = _of(accepted, CallStarted)
    node.keeper.logged = asked + accepted
    signal = f.SignalOut(call_id=started.call_id, data={"sdp": "x"}).to_json()
    node.hub.from_bus(f.CONSOLE, node.anna, signal, len(asked + accepted))
    # what the signal follows came first (the ring for an offer accepted since is not sent)
    assert node.console.types() == ["state", "call_started", "state", "signal"]
    node.hub.from_bus(f.CONSOLE, node.anna, signal, len(asked + accepted))  # not ahead: no fold
    assert node.keeper.refreshed == 1
    node.hub.from_bus(f.KIOSK, node.booth, signal, 0)  # not held here (any more): dropped
    assert node.console.types().count("signal") == 2


def test_a_call_not_folded_yet_is_read_from_the_database_on_several_nodes_only(
    db: Database, settings: Settings, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    """An HTTP request (the call's ICE servers, a document) lands on any node: one that has not
    folded a call started elsewhere a moment ago reads it from the database (§4.4)."""
    node = Node(db, settings, make_staff("anna"), make_booth("k1").id)
    node.clerk_available()
    asked, accepted = _logged_elsewhere(node)
    (started,) = _of(accepted, CallStarted)
    node.keeper.store.record(asked + accepted)  # logged by the other node, not folded here
    assert started.call_id not in node.hub.board.calls
    view = node.hub.get(started.call_id)
    assert view is not None
    assert (view.kiosk_id, view.clerk_id, view.active, view.topic) == (
        node.booth,
        node.anna,
        True,
        "general",
    )
    assert node.hub.active_of_kiosk(node.booth) == view
    assert node.hub.active_of_clerk(node.anna) == view
    assert node.hub.get("nope") is None
    node.bus.mode = "none"  # one node: the board is the truth
    assert node.hub.get(started.call_id) is None
    assert node.hub.active_of_kiosk(node.booth) is None
