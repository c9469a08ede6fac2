"""The wallboard's figures, pure: what is happening now, read from the switchboard, and a day's
KPIs as JSON (docs/wallboard.md).

No I/O here: :mod:`finestreta.supervision.live` feeds these functions from the hub and the
database and pushes what they return to the supervisors' sockets. Citizens appear only as
counts and waits (by topic, language and booth): no request id, no person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, tzinfo
from typing import Any

from finestreta.attention import events as ev
from finestreta.attention.states import CallState, ClerkState
from finestreta.attention.store import event_row
from finestreta.attention.switchboard import Switchboard
from finestreta.realtime import frames as f
from finestreta.supervision.kpis import (
    NO_PROCEDURE,
    NO_SITE,
    Attention,
    Figures,
    LoggedEvent,
    Thresholds,
    breakdowns,
    figures,
)

# The order the tiles show them in.
CLERK_STATES = tuple(
    state.value
    for state in (
        ClerkState.AVAILABLE,
        ClerkState.RINGING,
        ClerkState.IN_CALL,
        ClerkState.WRAP_UP,
        ClerkState.AWAY,
        ClerkState.OFFLINE,
    )
)
BOOTH_STATES = ("idle", "waiting", "in_call", "offline")


def at_iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def logged(event: ev.Event) -> LoggedEvent:
    """``event`` as ``AttentionStore.record`` writes it to ``attention_events`` and
    ``event_log.read_log`` reads it back (one conversion: the store's own row)."""
    row = event_row(event)
    return LoggedEvent(
        kind=row.kind,
        at=row.at,
        request_id=row.request_id,
        call_id=row.call_id,
        clerk_id=row.clerk_id,
        kiosk_id=row.kiosk_id,
        data=row.data,
    )


# ---------------------------------------------------------------------- now


def now_view(
    board: Switchboard,
    now: float,
    kiosks: Mapping[int, Mapping[str, Any]],
    clerk_names: Mapping[int, str],
    clerk_since: Mapping[int, float],
    pages: Collection[int],
    problems: Mapping[int, str],
) -> f.WallboardNow:
    """The hub's state at ``now``.

    ``kiosks``: every booth (name, site, enabled), as the directory has them; ``pages``: the
    booths whose page is connected; ``problems``: why a booth's devices cannot serve (the
    fleet's ``printer_can_print`` reason), for those that cannot; shown only for connected
    booths (an offline booth is offline, not a device problem). ``clerk_since``: when each
    clerk entered their current state, as far as this process saw it.
    """
    queue = board.queue()
    by_topic = Counter(r.topic for r in queue)
    by_language = Counter(r.language for r in queue)
    oldest = min((r.created_at for r in queue), default=None)
    clerks = [
        f.ClerkNow(
            id=clerk.id,
            name=clerk_names.get(clerk.id, f"#{clerk.id}"),
            state=clerk.state.value,
            since=at_iso(clerk_since[clerk.id]) if clerk.id in clerk_since else None,
        )
        for clerk in sorted(
            board.clerks.values(), key=lambda c: (CLERK_STATES.index(c.state.value), c.id)
        )
    ]
    live = {request.kiosk_id: request for request in board.requests.values()}
    booths = []
    for kiosk_id, kiosk in sorted(kiosks.items(), key=lambda item: str(item[1].get("name"))):
        if not kiosk.get("enabled", True):
            continue
        request = live.get(kiosk_id)
        call = board.calls.get(request.call_id) if request and request.call_id else None
        if kiosk_id not in pages:
            state = "offline"
        elif call is not None and call.state == CallState.ACTIVE:
            state = "in_call"
        elif request is not None and request.state.is_queued:
            state = "waiting"
        else:
            state = "idle"
        booths.append(
            f.BoothNow(
                id=kiosk_id,
                name=str(kiosk.get("name", f"#{kiosk_id}")),
                site=str(kiosk.get("site", "")),
                state=state,
                # an offline booth's devices are not known (its agent is off with its page,
                # most likely): it counts as offline, not as a device problem too
                problem=None if state == "offline" else problems.get(kiosk_id),
            )
        )
    return f.WallboardNow(
        at=at_iso(now),
        waiting=len(queue),
        by_topic=[f.Count(key=k, count=n) for k, n in sorted(by_topic.items())],
        by_language=[f.Count(key=k, count=n) for k, n in sorted(by_language.items())],
        longest_since=at_iso(oldest) if oldest is not None else None,
        clerks=clerks,
        booths=booths,
    )


# ---------------------------------------------------------------------- a day's figures


def figures_json(figures: Figures) -> dict[str, Any]:
    """Every figure of one set of attentions, as JSON (the derived ASA, AHT and ring-no-answer
    named beside the distributions they come from)."""
    data = asdict(figures)
    data["average_speed_of_answer"] = figures.average_speed_of_answer
    data["average_handle_time"] = figures.average_handle_time
    data["ring_no_answer"] = figures.ring_no_answer
    data["satisfaction"]["distribution"] = {
        str(k): v for k, v in figures.satisfaction.distribution.items()
    }
    return data


def row_json(figures: Figures) -> dict[str, Any]:
    """The few figures a breakdown's row shows."""
    return {
        "offered": figures.offered,
        "answered": figures.answered,
        "abandoned": figures.abandoned,
        "service_level": figures.service_level,
        "average_speed_of_answer": figures.average_speed_of_answer,
        "average_handle_time": figures.average_handle_time,
        "ring_no_answer": figures.ring_no_answer,
        "satisfaction": figures.satisfaction.mean,
        "rated": figures.satisfaction.rated,
    }


def day_json(
    attentions: Sequence[Attention],
    start: datetime,
    end: datetime,
    sites: Mapping[int, str],
    kiosk_names: Mapping[int, str],
    clerk_names: Mapping[int, str],
    thresholds: Thresholds,
    tz: tzinfo,
) -> dict[str, Any]:
    """The figures of ``attentions`` (already cut to [start, end)) and their breakdowns, each
    group with its label (a booth's or clerk's name; staff, never a citizen)."""
    by = breakdowns(attentions, sites, thresholds, tz)

    def rows(groups: Mapping[Any, Figures], label: Callable[[Any], str]) -> list[dict[str, Any]]:
        return [{"key": str(k), "label": label(k), **row_json(v)} for k, v in groups.items()]

    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "answer_within_s": thresholds.answer_within,
        "total": figures_json(figures(attentions, thresholds)),
        "by": {
            "site": rows(by.site, lambda k: k or NO_SITE),
            "booth": rows(by.booth, lambda k: kiosk_names.get(k, f"#{k}")),
            "topic": rows(by.topic, str),
            "procedure": rows(by.procedure, lambda k: k or NO_PROCEDURE),
            "clerk": rows(by.clerk, lambda k: clerk_names.get(k, f"#{k}")),
            "hour": rows(by.hour, lambda k: f"{k:02d}"),
        },
    }


_DIMENSIONS = ("site", "booth", "topic", "procedure", "clerk", "hour")


# The breakdowns' keys of an attention, as ``kpis.breakdowns`` groups them.
def _keys(attention: Attention, sites: Mapping[int, str], tz: tzinfo) -> dict[str, list[Any]]:
    return {
        "site": [sites.get(attention.kiosk_id, NO_SITE)],
        "booth": [attention.kiosk_id],
        "topic": [attention.topic],
        "procedure": attention.procedures or [NO_PROCEDURE],
        "clerk": [attention.clerk_id] if attention.clerk_id is not None else [],
        "hour": [attention.queued_at.astimezone(tz).hour],
    }


class DayFigures:
    """``day_json`` kept up to date as events come: after the first call, only the groups of
    the attentions touched since (before and after the change: an answered call joins its
    clerk's group, a procedure step moves it out of "no procedure") are computed again, and the
    total. At the end of a busy day that is a few groups instead of every one (bench/wallboard.py);
    ``tests/supervision/test_wallboard.py`` checks it equals ``day_json`` computed afresh."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[Any, dict[str, Any]]] = {}
        self._keys: dict[str, dict[str, list[Any]]] = {}  # request id -> dimension -> keys
        # dimension -> key -> the request ids in that group
        self._members: dict[str, dict[Any, set[str]]] = {}

    def update(
        self,
        attentions: Sequence[Attention],
        touched: Collection[str] | None,
        start: datetime,
        end: datetime,
        sites: Mapping[int, str],
        kiosk_names: Mapping[int, str],
        clerk_names: Mapping[int, str],
        thresholds: Thresholds,
        tz: tzinfo,
    ) -> dict[str, Any]:
        """``touched``: the request ids changed since the last call (None: all)."""
        by_id = {a.request_id: a for a in attentions}
        if touched is None or not self._rows:
            self._rows, self._keys, self._members = {}, {}, {}
            changed: Collection[str] = list(by_id)
        else:
            changed = set(touched) | (by_id.keys() - self._keys.keys())
        stale: dict[str, set[Any]] = {}
        for request_id in changed:
            before = self._keys.pop(request_id, {})
            attention = by_id.get(request_id)
            after = _keys(attention, sites, tz) if attention is not None else {}
            if attention is not None:
                self._keys[request_id] = after
            for dimension in _DIMENSIONS:
                members = self._members.setdefault(dimension, {})
                for key in before.get(dimension, ()):
                    members[key].discard(request_id)
                    stale.setdefault(dimension, set()).add(key)
                for key in after.get(dimension, ()):
                    members.setdefault(key, set()).add(request_id)
                    stale.setdefault(dimension, set()).add(key)
        labels: dict[str, Callable[[Any], str]] = {
            "site": lambda k: k or NO_SITE,
            "booth": lambda k: kiosk_names.get(k, f"#{k}"),
            "topic": str,
            "procedure": lambda k: k or NO_PROCEDURE,
            "clerk": lambda k: clerk_names.get(k, f"#{k}"),
            "hour": lambda k: f"{k:02d}",
        }
        order = {request_id: index for index, request_id in enumerate(by_id)}
        total = figures(attentions, thresholds)
        by: dict[str, list[dict[str, Any]]] = {}
        for dimension in _DIMENSIONS:
            rows = self._rows.setdefault(dimension, {})
            members = self._members.setdefault(dimension, {})
            for key in stale.get(dimension, ()):
                ids = members.get(key)
                if not ids:
                    members.pop(key, None)
                    rows.pop(key, None)
                    continue
                if len(ids) == len(by_id):  # every attention (one topic, say): the total's
                    rows[key] = row_json(total)
                    continue
                group = sorted((by_id[i] for i in ids), key=lambda a: order[a.request_id])
                rows[key] = row_json(figures(group, thresholds))
            label = labels[dimension]
            by[dimension] = [
                {"key": str(key), "label": label(key), **rows[key]} for key in sorted(rows)
            ]
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "answer_within_s": thresholds.answer_within,
            "total": figures_json(total),
            "by": by,
        }
