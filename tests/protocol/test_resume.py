"""A fresh ``hello`` tells a client what every frame before it told, in the spirit of zulip's
``verify_action``.

A small pure reducer applies the frames a console (and a booth) received, in order, to the
state a client keeps (docs/protocol.md, "Resuming"). At several points of a scenario the state
reduced from everything received so far must equal the state reduced from a fresh ``hello``
and the frames that follow it on a new socket, as the hub would send them now. A frame the hub
forgot (a ``ring_ended``, a ``request_ended``, a ``queue_summary``…) leaves the two apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import reduce
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from finestreta.context import AppContext
from finestreta.realtime import frames as f
from tests.api.conftest import BoothBrowser, ClerkBrowser, Socket, open_socket
from tests.protocol.wire import check

Frame = dict[str, Any]
View = TypeVar("View")

# ------------------------------------------------------------------------------ the reducers


@dataclass(frozen=True)
class ConsoleView:
    state: str | None = None
    offer: str | None = None  # the offer ringing
    call: str | None = None  # the call in progress
    wrap_up: str | None = None  # the call waiting for its wrap-up
    waiting: int | None = None  # citizens in the queue
    attentions: tuple[tuple[str, str | None, int | None], ...] = ()  # (call, outcome, rating)


def console_step(view: ConsoleView, frame: Frame) -> ConsoleView:
    match frame["type"]:
        case "hello":
            return ConsoleView(
                state=frame["state"],
                offer=_id(frame["offer"], "offer_id"),
                call=_id(frame["call"], "call_id"),
                wrap_up=_id(frame["wrap_up"], "call_id"),
            )
        case "state":
            wrapped = frame["reason"] == "wrapped_up"
            return replace(view, state=frame["state"], wrap_up=None if wrapped else view.wrap_up)
        case "ring":
            return replace(view, offer=frame["offer_id"])
        case "ring_ended" if frame["offer_id"] == view.offer:
            return replace(view, offer=None)
        case "call_started":
            return replace(view, offer=None, call=frame["call_id"])
        case "call_ended" if frame["call_id"] == view.call:
            return replace(view, call=None, wrap_up=frame["call_id"] if frame["wrap_up"] else None)
        case "queue_summary":
            return replace(view, waiting=frame["waiting"])
        case "attentions":
            items = tuple((i["call_id"], i["outcome"], i["rating"]) for i in frame["items"])
            return replace(view, attentions=items)
    return view


@dataclass(frozen=True)
class BoothView:
    request: str | None = None  # the live request (waiting, ringing or in a call)
    call: str | None = None
    open: bool | None = None  # the office


def booth_step(view: BoothView, frame: Frame) -> BoothView:
    match frame["type"]:
        case "hello":
            return BoothView(
                request=_id(frame["request"], "request_id"), call=_id(frame["call"], "call_id")
            )
        case "office":
            return replace(view, open=frame["open"])
        case "queue":
            return replace(view, request=frame["request_id"])
        case "request_ended" if frame["request_id"] == view.request:
            return replace(view, request=None)
        case "call_started":
            return replace(view, request=frame["request_id"], call=frame["call_id"])
        case "call_ended" if frame["call_id"] == view.call:
            return replace(view, request=None, call=None)
    return view


def _id(part: Frame | None, key: str) -> str | None:
    return None if part is None else str(part[key])


def reduced(step: Callable[[View, Frame], View], frames: Iterable[Frame], start: View) -> View:
    return reduce(step, frames, start)


# ------------------------------------------------------------------------------ the parties


@dataclass
class Party:
    """A party's sockets, one after the other, and every frame they received."""

    party: str  # "kiosk" or "console"
    id: int  # kiosk or clerk id
    client: TestClient
    earlier: list[Frame] = field(default_factory=list)
    socket: Socket | None = None
    _stack: ExitStack = field(default_factory=ExitStack)

    def connect(self) -> Socket:
        self.disconnect()
        self.socket = self._stack.enter_context(open_socket(self.client, f"/ws/{self.party}"))
        return self.socket

    def disconnect(self) -> None:
        if self.socket is not None:
            self.earlier += self.socket.log
            self._stack.close()
            self.socket = None

    @property
    def s(self) -> Socket:
        assert self.socket is not None
        return self.socket

    @property
    def received(self) -> list[Frame]:
        return self.earlier + (self.socket.log if self.socket else [])


def fresh(ctx: AppContext, party: Party) -> list[Frame]:
    """What a new socket of ``party`` would get now, as the hub builds it."""
    hub = ctx.hub
    if party.party == "console":
        made: list[f.Outbound] = [
            hub.console_hello(party.id),
            hub.attentions_frame(party.id),
            hub.queue_summary(ctx.clock.time()),
        ]
    else:
        made = [hub.kiosk_hello(party.id), hub.office_frame()]
    return [frame.to_dict() for frame in made]


def differences(live: Any, again: Any) -> list[str]:
    now, then = asdict(live), asdict(again)
    return [
        f"{k}: live {now[k]!r}, from a fresh hello {then[k]!r}" for k in now if now[k] != then[k]
    ]


class Scene:
    def __init__(self, client: TestClient, ctx: AppContext, stack: ExitStack) -> None:
        self.client, self.ctx, self.stack = client, ctx, stack
        self.parties: list[Party] = []
        self.checkpoints = 0

    def add(self, party: str, id_: int, client: TestClient) -> Party:
        made = Party(party, id_, client)
        self.stack.callback(made.disconnect)
        self.parties.append(made)
        made.connect()
        return made

    def resumes(self, where: str) -> None:
        """Live state == state from a fresh hello, for every party, at ``where``."""
        portal = self.client.portal
        assert portal is not None, "the client is not running"
        portal.call(self.ctx.hub.tick)  # queue places and count go out now
        for party in self.parties:
            if party.socket is not None:
                party.s.flush()
        for party in self.parties:
            for frame in party.received:
                check(party.party, "outbound", frame)
            again = portal.call(fresh, self.ctx, party)
            live: Any
            anew: Any
            if party.party == "console":
                live = reduced(console_step, party.received, ConsoleView())
                anew = reduced(console_step, again, ConsoleView())
            else:
                live = reduced(booth_step, party.received, BoothView())
                anew = reduced(booth_step, again, BoothView())
            assert live == anew, f"{where}: {party.party} {party.id}: {differences(live, anew)}"
        self.checkpoints += 1


@contextmanager
def scene(client: TestClient, ctx: AppContext) -> Iterator[Scene]:
    with ExitStack() as stack:
        yield Scene(client, ctx, stack)


# ------------------------------------------------------------------------------ the scenario


def scenario(
    client: TestClient, ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> int:
    """Rings declined, withdrawn and accepted, reconnections during the call and the wrap-up,
    a second booth waiting meanwhile, the wrap-up and the rating. Returns the checkpoints."""
    anna_client, anna_id = clerk_browser("anna")
    k1_client, k1 = booth_browser("k1")
    k2_client, k2 = booth_browser("k2")
    with scene(client, ctx) as s:
        anna = s.add("console", anna_id, anna_client)
        booth = s.add("kiosk", k1.id, k1_client)
        s.resumes("connected")

        anna.s.send({"type": "set_state", "state": "available"})
        booth.s.send({"type": "request_attention", "language": "ca", "topic": "general"})
        ring = anna.s.expect("ring")
        s.resumes("ringing")

        anna.s.send({"type": "decline", "offer_id": ring["offer_id"]})
        anna.s.expect("state", state="available")
        s.resumes("declined")

        booth.s.send({"type": "cancel"})
        booth.s.expect("request_ended")
        s.resumes("cancelled")

        booth.s.send({"type": "request_attention", "language": "ca", "topic": "general"})
        anna.s.expect("ring")
        booth.s.send({"type": "cancel"})
        booth.s.expect("request_ended")
        s.resumes("cancelled while ringing")

        booth.s.send({"type": "request_attention", "language": "es", "topic": "census"})
        ring = anna.s.expect("ring")
        anna.s.send({"type": "accept", "offer_id": ring["offer_id"]})
        call = anna.s.expect("call_started")
        booth.s.expect("call_started")
        s.resumes("in a call")

        other = s.add("kiosk", k2.id, k2_client)
        other.s.send({"type": "request_attention", "language": "ca", "topic": "general"})
        other.s.expect("queue")
        s.resumes("a second booth waits")

        booth.connect()
        anna.s.expect("call_restart")
        s.resumes("the booth came back")

        anna.connect()
        booth.s.expect("call_restart")
        s.resumes("the console came back")

        booth.s.send({"type": "hang_up", "call_id": call["call_id"]})
        anna.s.expect("call_ended")
        s.resumes("waiting for the wrap-up")

        anna.connect()
        s.resumes("the console came back during the wrap-up")

        anna.s.send({"type": "wrap_up", "call_id": call["call_id"], "outcome": "information_given"})
        anna.s.expect("ring")  # the second booth's turn
        s.resumes("wrapped up, ringing for the second booth")

        booth.s.send({"type": "rate", "request_id": call["request_id"], "rating": 4})
        booth.s.expect("rated")
        anna.s.expect("attentions")
        s.resumes("rated")

        other.s.send({"type": "cancel"})
        anna.s.expect("ring_ended", reason="withdrawn")
        s.resumes("the second booth left")
        return s.checkpoints


def test_a_fresh_hello_tells_what_the_frames_told(
    client: TestClient, ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    assert scenario(client, ctx, clerk_browser, booth_browser) == 14


def test_a_forgotten_ring_ended_is_noticed(
    client: TestClient,
    ctx: AppContext,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check itself: a hub that does not send ``ring_ended`` fails it at once."""
    to_clerk = ctx.hub.to_clerk

    def forgetful(clerk_id: int, frame: f.Outbound) -> None:
        if not isinstance(frame, f.RingEnded):
            to_clerk(clerk_id, frame)

    monkeypatch.setattr(ctx.hub, "to_clerk", forgetful)
    with pytest.raises(AssertionError, match=r"^declined: console .*offer: live '"):
        scenario(client, ctx, clerk_browser, booth_browser)


def test_the_attentions_agree_during_a_call_and_after_it(
    client: TestClient, ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    anna_client, anna_id = clerk_browser("anna")
    k1_client, k1 = booth_browser("k1")
    with scene(client, ctx) as s:
        anna = s.add("console", anna_id, anna_client)
        booth = s.add("kiosk", k1.id, k1_client)
        anna.s.send({"type": "set_state", "state": "available"})
        booth.s.send({"type": "request_attention", "language": "ca", "topic": "general"})
        anna.s.send({"type": "accept", "offer_id": anna.s.expect("ring")["offer_id"]})
        started = anna.s.expect("call_started")
        s.resumes("in a call")  # not listed yet, by a fresh hello or by the live console
        booth.s.send({"type": "hang_up", "call_id": started["call_id"]})
        anna.s.expect("call_ended")
        s.resumes("in its wrap-up")  # listed, waiting for its outcome, either way
