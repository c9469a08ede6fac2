"""The sweep of calls whose node died between the commit of their end and its listeners
(``app._calls_sweep``, every 30 s under the ``calls`` singleton lock): the rows are written as
such a node leaves them (call ``ended``, jobs still waiting, a signature request open, the call
memory kept), and one round does what the listeners would have done; a second changes nothing;
an active call, and one that ended a moment ago (its listeners may still run), are untouched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from finestreta import app as app_module
from finestreta.attention.records import AttentionRequestRow, CallMemoryRow, CallRow
from finestreta.config import Settings
from finestreta.context import AppContext, build_context
from finestreta.db import Database, utcnow
from finestreta.devices.records import DeviceJobRow
from finestreta.realtime import frames as f
from finestreta.realtime.ports import CallView
from finestreta.signatures.records import SignatureRequestRow
from finestreta.signatures.sealing import open_request
from tests.conftest import MakeBooth, MakeStaff


@dataclass(frozen=True)
class Leftovers:
    call_id: str
    queued: str  # a print job the agent never got
    sent: str  # a print job delivered, not started yet
    started: str  # a print job the booth is printing: it goes on
    request: str  # a signature request open


@pytest.fixture
def ctx(settings: Settings, db: Database) -> Iterator[AppContext]:
    context = build_context(settings)
    app_module.create_app(settings, context)
    yield context
    context.db.dispose()


def _call(
    db: Database, kiosk_id: int, clerk_id: int, *, ended: datetime | None, seq: int
) -> Leftovers:
    """A call and its leftovers, as a node that died before the end-of-call listeners left
    them (``ended`` None: the call is still active)."""
    now = utcnow()
    call_id, request_id = uuid.uuid4().hex, uuid.uuid4().hex
    with db.session() as session:
        session.add(
            AttentionRequestRow(
                id=request_id,
                seq=seq,
                kiosk_id=kiosk_id,
                language="ca",
                topic="general",
                state="in_call" if ended is None else "served",
                created_at=now - timedelta(minutes=10),
                ended_at=ended,
            )
        )
        session.flush()
        session.add(
            CallRow(
                id=call_id,
                request_id=request_id,
                kiosk_id=kiosk_id,
                clerk_id=clerk_id,
                state="active" if ended is None else "ended",
                started_at=now - timedelta(minutes=9),
                ended_at=ended,
                ended_by=None if ended is None else "clerk",
            )
        )
        session.flush()
        jobs = {}
        for state in ("queued", "sent", "processing"):
            job = DeviceJobRow(
                id=uuid.uuid4().hex,
                kiosk_id=kiosk_id,
                call_id=call_id,
                kind="print",
                params={},
                state=state,
                created_by=f"clerk:{clerk_id}",
                history=[{"state": state, "at": now.isoformat(), "by": "server"}],
            )
            session.add(job)
            jobs[state] = job.id
        request = open_request(
            session,
            call_id=call_id,
            document_sha256="ab" * 32,
            signer_name="Maria Puig",
            signer_id_type="dni",
            signer_id_number="12345678Z",
            now=now,
        )
        session.add(
            CallMemoryRow(
                call_id=call_id, owner="screen", key="shown", value={"id": "d1"}, updated_at=now
            )
        )
    return Leftovers(call_id, jobs["queued"], jobs["sent"], jobs["processing"], request)


def _state(db: Database, call: Leftovers) -> dict[str, Any]:
    with db.session() as session:
        jobs = {
            name: session.get(DeviceJobRow, job_id)
            for name, job_id in (
                ("queued", call.queued),
                ("sent", call.sent),
                ("started", call.started),
            )
        }
        request = session.get(SignatureRequestRow, call.request)
        memory = session.scalar(
            select(func.count())
            .select_from(CallMemoryRow)
            .where(CallMemoryRow.call_id == call.call_id)
        )
        assert request is not None
        return {
            **{
                name: (job.state, job.reason, len(job.history))
                for name, job in jobs.items()
                if job is not None
            },
            "request": request.state,
            "memory": memory,
        }


class _Agent:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, frame: Any) -> None:
        self.sent.append(frame)


def test_one_round_does_what_the_dead_nodes_listeners_did_not(
    ctx: AppContext,
    db: Database,
    make_staff: MakeStaff,
    make_booth: MakeBooth,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    anna, jordi, pere = make_staff("anna"), make_staff("jordi"), make_staff("pere")
    k1, k2, k3 = make_booth("k1").id, make_booth("k2").id, make_booth("k3").id
    dead = _call(db, k1, anna, ended=utcnow() - timedelta(minutes=2), seq=1)
    live = _call(db, k2, jordi, ended=None, seq=2)
    just = _call(db, k3, pere, ended=utcnow() - timedelta(seconds=5), seq=3)
    before = {"live": _state(db, live), "just": _state(db, just)}
    # this node holds k1's agent socket: it alone tells it to cancel what it was sent
    agent = _Agent()
    monkeypatch.setattr(ctx.devices.agents, "get", lambda kiosk: agent if kiosk == k1 else None)

    assert app_module._once(ctx, "calls", app_module._calls_sweep) is True

    after = _state(db, dead)
    assert after["queued"] == ("expired", "call_ended", 2)
    assert after["sent"] == ("expired", "call_ended", 2)
    assert after["started"] == ("processing", "", 1)  # the booth finishes what it started
    assert after["request"] == "cancelled"
    assert after["memory"] == 0
    assert [frame.job_id for frame in agent.sent if isinstance(frame, f.AgentCancel)] == [
        dead.sent  # the queued one never reached the agent
    ]
    assert {"live": _state(db, live), "just": _state(db, just)} == before
    assert before["live"]["queued"] == ("queued", "", 1) and before["live"]["memory"] == 1

    # a second round (this node or another) finds nothing left
    agent.sent.clear()
    app_module._calls_sweep(ctx)
    assert _state(db, dead) == after
    assert {"live": _state(db, live), "just": _state(db, just)} == before
    assert agent.sent == []


def test_the_listeners_and_the_sweep_share_one_move(
    ctx: AppContext, db: Database, make_staff: MakeStaff, make_booth: MakeBooth
) -> None:
    """The listener of a call's end, on its own node, leaves the sweep nothing to do."""
    anna = make_staff("anna")
    k1 = make_booth("k1").id
    call = _call(db, k1, anna, ended=utcnow() - timedelta(minutes=2), seq=1)
    view = CallView(call.call_id, "r", k1, anna, False, "general", "ca", 0.0)
    ctx.devices.call_ended(view)
    assert ctx.signatures.call_ended(view) == 1
    ctx.memory.forget(call.call_id)
    listened = _state(db, call)
    assert listened["queued"] == ("expired", "call_ended", 2)
    assert listened["request"] == "cancelled"
    app_module._calls_sweep(ctx)
    assert _state(db, call) == listened
