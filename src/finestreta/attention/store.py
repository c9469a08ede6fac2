"""Writing the switchboard's events down, and reading its state back after a restart.

Every event becomes a row of ``attention_events`` and updates the projection tables (requests,
offers, calls, clerk presence) in the same transaction, so a crash never leaves the two apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finestreta.accounts.models import Kiosk, StaffUser
from finestreta.attention.events import (
    CallEnded,
    CallStarted,
    CallWrappedUp,
    ClerkStateChanged,
    Event,
    OfferEnded,
    OfferMade,
    PresenceChanged,
    RequestAbandoned,
    RequestCancelled,
    RequestQueued,
    from_row,
)
from finestreta.attention.records import (
    AttentionEventRow,
    AttentionRequestRow,
    CallRow,
    ClerkPresenceRow,
    OfferRow,
)
from finestreta.attention.states import CallState, ClerkState, RequestState
from finestreta.attention.switchboard import Call, Request, Switchboard
from finestreta.db import Database, from_epoch

STAFF_WHO_ANSWER = ("clerk", "supervisor")


class AttentionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ writing
    def record(self, events: Sequence[Event]) -> None:
        if not events:
            return
        with self.db.session() as session:
            self.record_in(session, events)

    @staticmethod
    def record_in(session: Session, events: Sequence[Event], version: int | None = None) -> None:
        """``record`` inside the caller's transaction (the simulation writes a day at once);
        ``version``: the shared board's version the rows belong to (several nodes)."""
        for event in events:
            _project(session, event)
            row = event_row(event)
            row.board_version = version
            session.add(row)

    @staticmethod
    def events_since(session: Session, version: int) -> list[tuple[int, Event]]:
        """The switchboard events logged by the shared board after ``version``, in order."""
        rows = session.execute(
            select(
                AttentionEventRow.board_version,
                AttentionEventRow.kind,
                AttentionEventRow.data,
                AttentionEventRow.at,
                AttentionEventRow.note,
            )
            .where(AttentionEventRow.board_version > version)
            .order_by(AttentionEventRow.board_version, AttentionEventRow.id)
        ).all()
        return [(v, from_row(kind, data, at.timestamp(), note)) for v, kind, data, at, note in rows]

    # ------------------------------------------------------------------ reading back
    def load(self, board: Switchboard, now: float) -> list[Event]:
        """Fill ``board`` from the database; returns the events of offers that died with the
        previous process (they expire, and are recorded as such by the caller)."""
        with self.db.session() as session:
            return self.load_in(session, board, now)

    @staticmethod
    def load_in(session: Session, board: Switchboard, now: float) -> list[Event]:
        """``load`` inside the caller's transaction (the shared board holds its lock)."""
        expired: list[Event] = []
        presence = {p.clerk_id: p for p in session.scalars(select(ClerkPresenceRow))}
        for user in session.scalars(
            select(StaffUser).where(StaffUser.active, StaffUser.role.in_(STAFF_WHO_ANSWER))
        ):
            row = presence.get(user.id)
            state = ClerkState(row.state) if row else ClerkState.OFFLINE
            if state == ClerkState.RINGING:
                state = ClerkState.AVAILABLE
            idle = row.idle_since.timestamp() if row else now
            clerk = board.register_clerk(user.id, user.language_set, user.topic_set, state, idle)
            # As if every console had just blinked: they have the grace period to come back.
            clerk.connected, clerk.disconnected_since = False, now
        for call_row in session.scalars(
            select(CallRow).where(CallRow.state.in_(("active", "ended")))
        ):
            call = Call(
                call_row.id,
                call_row.request_id,
                call_row.kiosk_id,
                call_row.clerk_id,
                call_row.started_at.timestamp(),
                CallState(call_row.state),
                call_row.ended_at.timestamp() if call_row.ended_at else None,
            )
            board.restore_call(call)
            owner = board.clerks.get(call.clerk_id)
            if owner is not None:
                owner.call_id = call.id
                owner.state = (
                    ClerkState.IN_CALL if call.state == CallState.ACTIVE else ClerkState.WRAP_UP
                )
        live_calls = {c.request_id: c.id for c in board.calls.values() if c.state == "active"}
        for req_row in session.scalars(
            select(AttentionRequestRow)
            .where(AttentionRequestRow.state.in_(("waiting", "ringing", "in_call")))
            .order_by(AttentionRequestRow.seq)
        ):
            req_state = RequestState(req_row.state)
            if req_state == RequestState.IN_CALL and req_row.id not in live_calls:
                continue  # a call row is the truth for calls
            request = Request(
                req_row.id,
                req_row.kiosk_id,
                req_row.language,
                req_row.topic,
                req_row.priority,
                req_row.seq,
                req_row.created_at.timestamp(),
                req_state,
                call_id=live_calls.get(req_row.id),
            )
            board.restore_request(request)
            board.kiosk_disconnected(req_row.kiosk_id, now)
        for offer in session.scalars(select(OfferRow).where(OfferRow.state == "ringing")):
            expired.append(OfferEnded(now, offer.id, offer.request_id, offer.clerk_id, "expired"))
        top = session.scalar(select(func.max(AttentionRequestRow.seq)))
        board.note_next_seq((top or 0) + 1)
        return expired

    # ------------------------------------------------------------------ questions
    def rate(self, request_id: str, kiosk_id: int, rating: int, now: datetime) -> int | None:
        """Store the citizen's rating of a served request, once and only by its own booth;
        returns the id of the clerk who served it (None: refused)."""
        with self.db.session() as session:
            return self.rate_in(session, request_id, kiosk_id, rating, now)

    @staticmethod
    def rate_in(
        session: Session, request_id: str, kiosk_id: int, rating: int, now: datetime
    ) -> int | None:
        """``rate`` inside the caller's transaction."""
        row = session.get(AttentionRequestRow, request_id)
        if row is None or row.kiosk_id != kiosk_id or row.state != "served":
            return None
        if row.rating is not None:
            return None
        row.rating, row.rated_at = rating, now
        session.add(
            AttentionEventRow(
                at=now,
                kind="request_rated",
                request_id=request_id,
                kiosk_id=kiosk_id,
                data={"rating": rating},
            )
        )
        clerk_id = session.scalar(select(CallRow.clerk_id).where(CallRow.request_id == request_id))
        return clerk_id if clerk_id is not None else 0

    def stored_call(
        self,
        call_id: str | None = None,
        *,
        kiosk_id: int | None = None,
        clerk_id: int | None = None,
    ) -> dict[str, Any] | None:
        """A call as the database has it: by id, or the active call of a booth or a clerk.
        Several nodes: another node may have started it a moment ago, before this node folded
        it (an HTTP request lands on any node)."""
        query = select(CallRow, AttentionRequestRow).join(
            AttentionRequestRow, AttentionRequestRow.id == CallRow.request_id
        )
        if call_id is not None:
            query = query.where(CallRow.id == call_id)
        else:
            query = query.where(CallRow.state == CallState.ACTIVE.value)
            if kiosk_id is not None:
                query = query.where(CallRow.kiosk_id == kiosk_id)
            if clerk_id is not None:
                query = query.where(CallRow.clerk_id == clerk_id)
        with self.db.session() as session:
            found = session.execute(query.limit(1)).first()
            if found is None:
                return None
            call, request = found
            return {
                "id": call.id,
                "request_id": call.request_id,
                "kiosk_id": call.kiosk_id,
                "clerk_id": call.clerk_id,
                "active": call.state == CallState.ACTIVE.value,
                "topic": request.topic,
                "language": request.language,
                "started_at": call.started_at.timestamp(),
            }

    def attentions_of_day(self, clerk_id: int, day_start: datetime) -> list[dict[str, Any]]:
        """The clerk's calls since ``day_start`` that are over (wrapped up or waiting for the
        wrap-up): time, topic, language, wait, duration, outcome. The call in progress is not
        one of them yet."""
        with self.db.session() as session:
            rows = session.execute(
                select(CallRow, AttentionRequestRow, Kiosk)
                .join(AttentionRequestRow, AttentionRequestRow.id == CallRow.request_id)
                .join(Kiosk, Kiosk.id == CallRow.kiosk_id)
                .where(
                    CallRow.clerk_id == clerk_id,
                    CallRow.started_at >= day_start,
                    CallRow.state != "active",
                )
                .order_by(CallRow.started_at.desc())
            ).all()
            return [
                {
                    "call_id": call.id,
                    "started_at": call.started_at.isoformat(),
                    "topic": request.topic,
                    "language": request.language,
                    "kiosk": kiosk.name,
                    "site": kiosk.site.name,
                    "wait_s": round((call.started_at - request.created_at).total_seconds()),
                    "duration_s": (
                        round((call.ended_at - call.started_at).total_seconds())
                        if call.ended_at
                        else None
                    ),
                    "outcome": call.outcome,
                    "rating": request.rating,
                }
                for call, request, kiosk in rows
            ]

    def average_handle_seconds(self, since: datetime, default: float) -> float:
        """Mean talk time of calls ended since ``since`` (needs five calls to be trusted)."""
        with self.db.session() as session:
            rows = session.execute(
                select(CallRow.started_at, CallRow.ended_at).where(
                    CallRow.ended_at.is_not(None), CallRow.started_at >= since
                )
            ).all()
        durations = [(end - start).total_seconds() for start, end in rows if end]
        if len(durations) < 5:
            return default
        return float(max(30.0, sum(durations) / len(durations)))


def event_row(event: Event) -> AttentionEventRow:
    """The ``attention_events`` row of ``event`` (the wallboard folds the same values live)."""
    data = event.data()
    data.pop("at", None)
    # the exact time, which the column rounds: ``events.from_row`` rebuilds the event from it
    data["t"] = event.at
    note = data.pop("note", "") if isinstance(event, CallWrappedUp) else ""
    clerk_id, kiosk_id = data.get("clerk_id"), data.get("kiosk_id")
    if isinstance(event, PresenceChanged):
        clerk_id = event.party_id if event.party == "console" else None
        kiosk_id = event.party_id if event.party == "kiosk" else None
    return AttentionEventRow(
        at=from_epoch(event.at),
        kind=event.kind,
        request_id=data.get("request_id"),
        call_id=data.get("call_id"),
        clerk_id=clerk_id,
        kiosk_id=kiosk_id,
        data=data,
        note=note,
    )


def _project(session: Session, event: Event) -> None:
    at = from_epoch(event.at)
    match event:
        case RequestQueued():
            session.add(
                AttentionRequestRow(
                    id=event.request_id,
                    seq=event.seq,
                    kiosk_id=event.kiosk_id,
                    language=event.language,
                    topic=event.topic,
                    priority=event.priority,
                    state="waiting",
                    created_at=at,
                )
            )
        case RequestCancelled() | RequestAbandoned():
            request = session.get(AttentionRequestRow, event.request_id)
            if request is not None:
                request.state = "cancelled" if isinstance(event, RequestCancelled) else "abandoned"
                request.ended_at = at
        case OfferMade():
            session.add(
                OfferRow(
                    id=event.offer_id,
                    request_id=event.request_id,
                    clerk_id=event.clerk_id,
                    created_at=at,
                    deadline=from_epoch(event.deadline),
                    state="ringing",
                )
            )
            _set_request_state(session, event.request_id, "ringing")
        case OfferEnded():
            offer = session.get(OfferRow, event.offer_id)
            if offer is not None:
                offer.state, offer.ended_at = event.reason, at
            _set_request_state(session, event.request_id, "waiting", only_from="ringing")
        case CallStarted():
            offer = session.get(OfferRow, event.offer_id)
            if offer is not None:
                offer.state, offer.ended_at = "accepted", at
            session.add(
                CallRow(
                    id=event.call_id,
                    request_id=event.request_id,
                    kiosk_id=event.kiosk_id,
                    clerk_id=event.clerk_id,
                    state="active",
                    started_at=at,
                )
            )
            _set_request_state(session, event.request_id, "in_call")
        case CallEnded():
            call = session.get(CallRow, event.call_id)
            if call is not None:
                call.state, call.ended_at, call.ended_by = "ended", at, event.ended_by
            request = session.get(AttentionRequestRow, event.request_id)
            if request is not None:
                request.state, request.ended_at = "served", at
        case CallWrappedUp():
            call = session.get(CallRow, event.call_id)
            if call is not None:
                call.state, call.outcome, call.note = "wrapped_up", event.outcome, event.note
                call.wrapped_at = at
        case ClerkStateChanged():
            presence = session.get(ClerkPresenceRow, event.clerk_id)
            if presence is None:
                presence = ClerkPresenceRow(clerk_id=event.clerk_id, idle_since=at)
                session.add(presence)
            presence.state, presence.since = event.state, at
            if event.state == "available" and event.previous != "ringing":
                presence.idle_since = at
        case _:
            pass  # presence and registration: not projected (the replica folds them)


def _set_request_state(
    session: Session, request_id: str, state: str, only_from: str | None = None
) -> None:
    request = session.get(AttentionRequestRow, request_id)
    if request is not None and (only_from is None or request.state == only_from):
        request.state = state


def start_of_day(moment: datetime, tz: Any) -> datetime:
    local = moment.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(0)
