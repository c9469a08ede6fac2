"""Prometheus metrics (``GET /metrics``, docs/operations.md "Metrics").

Two kinds, in one exposition:

* what happens, counted as it happens: the hub hands every batch of switchboard events to
  :meth:`Metrics.observe` (ring latency, waits, how calls, offers and requests end);
* what is, read at scrape time: the live queue, clerks, sockets and calls from the hub (read on
  the event loop, where the hub changes them), and booths' device health, payment events and
  documents from the database (those counts survive restarts and hold for every worker).

The registry is the app's own, never prometheus_client's global one (tests build many apps).
Labels carry topics, languages, states, booth codes and outcomes: never a citizen, a clerk or a
request id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finestreta.accounts.models import Kiosk
from finestreta.attention import events as ev
from finestreta.attention.states import CallState, ClerkState
from finestreta.db import Database, utcnow
from finestreta.devices.records import DeviceHealthRow, DeviceJobRow
from finestreta.devices.service import printer_can_print
from finestreta.documents.records import DocumentRow
from finestreta.payments.records import PaymentEventRow
from finestreta.realtime.hub import Hub

# Ringing lasts up to the ring timeout (20 s by default); waits run to tens of minutes.
RING_BUCKETS = (1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 60.0)
WAIT_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0)


@dataclass(frozen=True)
class Live:
    """The hub's state at one instant (copied on the event loop, rendered on a thread)."""

    queue: dict[tuple[str, str], int]  # (topic, language) -> requests waiting or ringing
    oldest_wait_s: float
    clerks: dict[str, int]  # state -> clerks known in it
    clerks_connected: dict[str, int]  # state -> clerks with a console open
    sockets: dict[str, int]  # party -> open sockets
    calls: dict[str, int]  # active / ended (wrap-up pending)
    pages: frozenset[int] = field(default_factory=frozenset)  # kiosk ids with a page open
    agents: frozenset[int] = field(default_factory=frozenset)  # kiosk ids with an agent


class Metrics:
    def __init__(self, hub: Hub, db: Database) -> None:
        self.hub = hub
        self.db = db
        self.registry = CollectorRegistry(auto_describe=True)
        self.ring_latency = Histogram(
            "finestreta_ring_latency_seconds",
            "From an offer made to a clerk to the clerk accepting it.",
            buckets=RING_BUCKETS,
            registry=self.registry,
        )
        self.wait = Histogram(
            "finestreta_wait_seconds",
            "From a request queued to its call starting, by topic.",
            ["topic"],
            buckets=WAIT_BUCKETS,
            registry=self.registry,
        )
        self.calls_started = Counter(
            "finestreta_calls_started", "Calls started.", registry=self.registry
        )
        self.calls_ended = Counter(
            "finestreta_calls_ended",
            "Calls ended, by who ended them (kiosk, clerk, system).",
            ["ended_by"],
            registry=self.registry,
        )
        self.calls_wrapped_up = Counter(
            "finestreta_calls_wrapped_up",
            "Calls wrapped up, by the outcome the clerk chose.",
            ["outcome"],
            registry=self.registry,
        )
        self.offers_ended = Counter(
            "finestreta_offers_ended",
            "Offers that did not become a call, by reason (declined, expired, withdrawn).",
            ["reason"],
            registry=self.registry,
        )
        self.requests_queued = Counter(
            "finestreta_requests_queued",
            "Requests for attention queued, by topic.",
            ["topic"],
            registry=self.registry,
        )
        self.requests_ended = Counter(
            "finestreta_requests_unserved",
            "Requests that left the queue unserved: cancelled, or abandoned (booth gone).",
            ["reason"],
            registry=self.registry,
        )
        self._offered_at: dict[str, float] = {}  # offer id -> when it started ringing

    # ------------------------------------------------------------------ what happens
    def observe(self, events: Iterable[ev.Event]) -> None:
        """One batch of switchboard events, as the hub applies them."""
        for event in events:
            match event:
                case ev.RequestQueued():
                    self.requests_queued.labels(event.topic).inc()
                case ev.OfferMade():
                    self._offered_at[event.offer_id] = event.at
                case ev.OfferEnded():
                    self._offered_at.pop(event.offer_id, None)
                    self.offers_ended.labels(event.reason).inc()
                case ev.CallStarted():
                    offered = self._offered_at.pop(event.offer_id, None)
                    if offered is not None:
                        self.ring_latency.observe(max(0.0, event.at - offered))
                    # the request is still live when its call starts (it leaves at hang-up)
                    request = self.hub.board.requests.get(event.request_id)
                    if request is not None:
                        self.wait.labels(request.topic).observe(
                            max(0.0, event.at - request.created_at)
                        )
                    self.calls_started.inc()
                case ev.CallEnded():
                    self.calls_ended.labels(event.ended_by).inc()
                case ev.CallWrappedUp():
                    self.calls_wrapped_up.labels(event.outcome).inc()
                case ev.RequestCancelled():
                    self.requests_ended.labels("cancelled").inc()
                case ev.RequestAbandoned():
                    self.requests_ended.labels("abandoned").inc()
                case _:
                    pass

    # ------------------------------------------------------------------ what is
    def live(self) -> Live:
        """The hub's state now; call it on the event loop (the hub is not locked)."""
        board = self.hub.board
        now = self.hub.clock.time()
        queue: dict[tuple[str, str], int] = {}
        oldest = 0.0
        for request in board.queue():
            key = (request.topic, request.language)
            queue[key] = queue.get(key, 0) + 1
            oldest = max(oldest, now - request.created_at)
        clerks = {state.value: 0 for state in ClerkState}
        connected = dict(clerks)
        for clerk in board.clerks.values():
            clerks[clerk.state.value] += 1
            if clerk.connected:
                connected[clerk.state.value] += 1
        calls = {"active": 0, "wrap_up": 0}
        for call in board.calls.values():
            calls["active" if call.state == CallState.ACTIVE else "wrap_up"] += 1
        pages = frozenset(c.party_id for c in self.hub.kiosks)
        agents = frozenset(c.party_id for c in self.hub.agents)
        return Live(
            queue=queue,
            oldest_wait_s=oldest,
            clerks=clerks,
            clerks_connected=connected,
            sockets={
                "kiosk": len(pages),
                "console": sum(1 for _ in self.hub.consoles),
                "agent": len(agents),
            },
            calls=calls,
            pages=pages,
            agents=agents,
        )

    def render(self, live: Live) -> bytes:
        """The exposition (text format 0.0.4); reads the database, so call it off the loop."""
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(_Scrape(live, self.db))
        return generate_latest(self.registry) + generate_latest(scrape)


class _Scrape(Collector):
    """The gauges and database counts of one scrape."""

    def __init__(self, live: Live, db: Database) -> None:
        self.live = live
        self.db = db

    def collect(self) -> Iterator[Metric]:
        live = self.live
        queue = GaugeMetricFamily(
            "finestreta_queue_length",
            "Requests waiting or ringing, by topic and language.",
            labels=["topic", "language"],
        )
        for (topic, language), count in sorted(live.queue.items()):
            queue.add_metric([topic, language], count)
        yield queue
        yield GaugeMetricFamily(
            "finestreta_queue_oldest_wait_seconds",
            "How long the longest-waiting request has waited (0: nobody waits).",
            value=live.oldest_wait_s,
        )
        clerks = GaugeMetricFamily(
            "finestreta_clerks", "Clerks known to the switchboard, by state.", labels=["state"]
        )
        connected = GaugeMetricFamily(
            "finestreta_clerks_connected",
            "Clerks with a console open, by state.",
            labels=["state"],
        )
        for state, count in live.clerks.items():
            clerks.add_metric([state], count)
            connected.add_metric([state], live.clerks_connected[state])
        yield clerks
        yield connected
        sockets = GaugeMetricFamily(
            "finestreta_sockets", "Open WebSockets, by party.", labels=["party"]
        )
        for party, count in live.sockets.items():
            sockets.add_metric([party], count)
        yield sockets
        calls = GaugeMetricFamily(
            "finestreta_calls",
            "Calls held now: active, or ended awaiting wrap-up.",
            labels=["state"],
        )
        for state, count in live.calls.items():
            calls.add_metric([state], count)
        yield calls
        with self.db.session() as session:
            yield from _booths(session, live)
            yield from _counts(session)


def _booths(session: Session, live: Live) -> Iterator[Metric]:
    page = GaugeMetricFamily(
        "finestreta_booth_page_connected", "1 if the booth's page is connected.", labels=["booth"]
    )
    agent = GaugeMetricFamily(
        "finestreta_booth_agent_connected",
        "1 if the booth's device agent is connected.",
        labels=["booth"],
    )
    printer = GaugeMetricFamily(
        "finestreta_booth_printer_ready",
        "1 if the booth's printer can print now (agent connected, printer idle or printing).",
        labels=["booth"],
    )
    age = GaugeMetricFamily(
        "finestreta_booth_health_age_seconds",
        "Seconds since the booth's last health report (absent: never reported).",
        labels=["booth"],
    )
    error_at = GaugeMetricFamily(
        "finestreta_booth_last_error_timestamp_seconds",
        "Unix time of the booth's last device error (absent: none).",
        labels=["booth"],
    )
    now = utcnow()
    rows = session.execute(
        select(Kiosk.id, Kiosk.code, DeviceHealthRow)
        .outerjoin(DeviceHealthRow, DeviceHealthRow.kiosk_id == Kiosk.id)
        .where(Kiosk.enabled.is_(True))
        .order_by(Kiosk.code)
    )
    for kiosk_id, code, health in rows:
        online = kiosk_id in live.agents
        page.add_metric([code], 1.0 if kiosk_id in live.pages else 0.0)
        agent.add_metric([code], 1.0 if online else 0.0)
        ready, _ = printer_can_print(dict(health.agent) if health else None, online)
        printer.add_metric([code], 1.0 if ready else 0.0)
        if health is not None:
            age.add_metric([code], _seconds_between(health.reported_at, now))
            if health.last_error_at is not None:
                error_at.add_metric([code], health.last_error_at.timestamp())
    yield from (page, agent, printer, age, error_at)


def _counts(session: Session) -> Iterator[Metric]:
    payments = CounterMetricFamily(
        "finestreta_payment_events",
        "Payment events recorded, by kind (paid, declined, refused notifications, expired, ...).",
        labels=["event"],
    )
    for event, count in session.execute(
        select(PaymentEventRow.event, func.count()).group_by(PaymentEventRow.event)
    ):
        payments.add_metric([event], count)
    documents = CounterMetricFamily(
        "finestreta_documents",
        "Documents issued or received, by kind (certificate, scan, upload, ...).",
        labels=["kind"],
    )
    for kind, count in session.execute(
        select(DocumentRow.kind, func.count()).group_by(DocumentRow.kind)
    ):
        documents.add_metric([kind], count)
    jobs = GaugeMetricFamily(
        "finestreta_device_jobs",
        "Device jobs (print, scan) by kind and current state (printed: kind=print, state=done).",
        labels=["kind", "state"],
    )
    for kind, state, count in session.execute(
        select(DeviceJobRow.kind, DeviceJobRow.state, func.count()).group_by(
            DeviceJobRow.kind, DeviceJobRow.state
        )
    ):
        jobs.add_metric([kind, state], count)
    yield from (payments, documents, jobs)


def _seconds_between(then: datetime, now: datetime) -> float:
    return max(0.0, (now - then).total_seconds())
