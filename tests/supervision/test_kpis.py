"""Each KPI on a hand-made event log, its answer worked out by hand in the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from finestreta.supervision.kpis import (
    NO_PROCEDURE,
    NO_SITE,
    Bucket,
    Figures,
    LoggedEvent,
    ProcedureStep,
    Rings,
    Spread,
    Thresholds,
    attentions,
    breakdowns,
    figures,
    percentile,
    summarise,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Barcelona


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Log:
    """Writes events shaped as ``AttentionStore`` writes them (columns, and the event's fields
    in ``data``), at ``T0`` + seconds."""

    def __init__(self) -> None:
        self.events: list[LoggedEvent] = []
        self.steps: list[ProcedureStep] = []

    def _add(self, kind: str, t: float, **data: object) -> None:
        self.events.append(
            LoggedEvent(
                kind,
                at(t),
                request_id=data.get("request_id"),  # type: ignore[arg-type]
                call_id=data.get("call_id"),  # type: ignore[arg-type]
                clerk_id=data.get("clerk_id"),  # type: ignore[arg-type]
                kiosk_id=data.get("kiosk_id"),  # type: ignore[arg-type]
                data=data,
            )
        )

    def queued(self, req: str, t: float, kiosk: int = 1, topic: str = "general") -> None:
        self._add(
            "request_queued",
            t,
            request_id=req,
            kiosk_id=kiosk,
            language="ca",
            topic=topic,
            priority=0,
            seq=len(self.events) + 1,
        )

    def offered(self, req: str, offer: str, clerk: int, t: float, kiosk: int = 1) -> None:
        self._add(
            "offer_made",
            t,
            offer_id=offer,
            request_id=req,
            clerk_id=clerk,
            kiosk_id=kiosk,
            deadline=(at(t) + timedelta(seconds=20)).timestamp(),
        )

    def offer_ended(self, req: str, offer: str, clerk: int, t: float, reason: str) -> None:
        self._add("offer_ended", t, offer_id=offer, request_id=req, clerk_id=clerk, reason=reason)

    def answered(self, req: str, offer: str, clerk: int, t: float, kiosk: int = 1) -> str:
        call = f"call-{req}"
        self._add(
            "call_started",
            t,
            call_id=call,
            request_id=req,
            offer_id=offer,
            kiosk_id=kiosk,
            clerk_id=clerk,
        )
        return call

    def hung_up(self, req: str, clerk: int, t: float, kiosk: int = 1) -> None:
        self._add(
            "call_ended",
            t,
            call_id=f"call-{req}",
            request_id=req,
            kiosk_id=kiosk,
            clerk_id=clerk,
            ended_by="clerk",
        )

    def wrapped(self, req: str, clerk: int, t: float, outcome: str = "information_given") -> None:
        self._add("call_wrapped_up", t, call_id=f"call-{req}", clerk_id=clerk, outcome=outcome)

    def left(self, req: str, t: float, how: str = "cancelled", kiosk: int = 1) -> None:
        self._add(f"request_{how}", t, request_id=req, kiosk_id=kiosk)

    def rated(self, req: str, t: float, rating: int, kiosk: int = 1) -> None:
        self._add("request_rated", t, request_id=req, kiosk_id=kiosk, rating=rating)

    def step(self, req: str, t: float, procedure: str, step: str, outcome: str = "ok") -> None:
        self.steps.append(ProcedureStep(at(t), f"call-{req}", procedure, step, outcome))

    def served(
        self,
        req: str,
        queued: float,
        wait: float,
        talk: float,
        wrap_up: float | None,
        clerk: int = 1,
        kiosk: int = 1,
        topic: str = "general",
        outcome: str = "information_given",
    ) -> None:
        """Queued, rung at once and answered after ``wait``, hung up after ``talk``, wrapped up
        after ``wrap_up`` (None: never)."""
        self.queued(req, queued, kiosk, topic)
        self.offered(req, f"offer-{req}", clerk, queued, kiosk)
        self.answered(req, f"offer-{req}", clerk, queued + wait, kiosk)
        self.hung_up(req, clerk, queued + wait + talk, kiosk)
        if wrap_up is not None:
            self.wrapped(req, clerk, queued + wait + talk + wrap_up, outcome)

    def figures(self, thresholds: Thresholds | None = None) -> Figures:
        return figures(attentions(self.events, self.steps), thresholds)


def test_no_events_gives_zeros_and_none_not_division_errors() -> None:
    empty = figures([])
    assert (empty.offered, empty.answered, empty.abandoned, empty.waiting) == (0, 0, 0, 0)
    assert empty.service_level is None
    assert empty.abandon_rate is None
    assert empty.average_speed_of_answer is None
    assert empty.average_handle_time is None
    assert empty.speed_of_answer == Spread(0, None, None, None)
    assert empty.talk == empty.wrap_up == empty.handle == Spread(0, None, None, None)
    assert empty.ring_no_answer == 0 and empty.rings == Rings()
    assert empty.transfers == 0
    assert empty.satisfaction.mean is None and empty.satisfaction.response_rate is None
    assert empty.satisfaction.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert [b.count for b in empty.abandon_histogram] == [0, 0, 0, 0, 0, 0]
    assert empty.outcomes == {} and empty.procedures == {} and empty.procedure_outcomes == {}
    summary = summarise([], [], {}, T0, at(86400))
    assert summary.total == empty
    assert summary.by.site == {} and summary.by.hour == {} and summary.by.rings_by_clerk == {}


def test_offered_answered_abandoned_and_still_waiting() -> None:
    log = Log()
    log.served("a", 0, wait=5, talk=60, wrap_up=10)  # answered
    log.served("b", 10, wait=8, talk=60, wrap_up=10)  # answered
    log.queued("c", 20)
    log.left("c", 50, "cancelled")  # the citizen pressed cancel
    log.queued("d", 30, kiosk=2)
    log.left("d", 95, "abandoned", kiosk=2)  # the booth went past its grace period
    log.queued("e", 40, kiosk=3)  # still waiting when the log was read
    got = log.figures()
    # offered 5 = answered 2 + abandoned 2 (cancelled 1 + lost 1) + waiting 1
    assert (got.offered, got.answered, got.abandoned, got.waiting) == (5, 2, 2, 1)
    assert (got.cancelled, got.lost) == (1, 1)
    assert got.abandon_rate == pytest.approx(2 / 5)


def test_abandoned_before_any_offer() -> None:
    log = Log()
    log.queued("a", 0)
    log.left("a", 45)  # nobody was free: never rung, gone after 45 s
    got = log.figures()
    assert (got.offered, got.abandoned, got.answered) == (1, 1, 0)
    assert got.rings.offers == 0
    assert got.time_to_abandon == Spread(1, 45.0, 45.0, 45.0)
    # 45 s > 20 s: a failure of the service level, 0 within / (0 answered + 1 after) = 0
    assert got.abandoned_after == 1
    assert got.service_level == 0.0
    assert got.average_speed_of_answer is None


def test_time_to_abandon_distribution_and_short_abandons_reported_not_removed() -> None:
    log = Log()
    for n, seconds in enumerate([2, 4, 10, 30, 90, 400]):
        log.queued(f"r{n}", 0, kiosk=n + 1)
        log.left(f"r{n}", seconds, kiosk=n + 1)
    got = log.figures()
    # all six count as abandoned; the two under 5 s are also reported as short
    assert got.abandoned == 6
    assert got.abandoned_short == 2
    # mean (2+4+10+30+90+400)/6 = 536/6; p50: rank ⌈3⌉ = 3rd = 10; p90: rank ⌈5.4⌉ = 6th = 400
    spread = got.time_to_abandon
    assert (spread.count, spread.p50, spread.p90) == (6, 10.0, 400.0)
    assert spread.mean == pytest.approx(536 / 6)
    assert got.abandon_histogram == [
        Bucket(0.0, 5.0, 2),
        Bucket(5.0, 20.0, 1),
        Bucket(20.0, 60.0, 1),
        Bucket(60.0, 120.0, 1),
        Bucket(120.0, 300.0, 0),
        Bucket(300.0, None, 1),
    ]
    # the threshold is a parameter: under 15 s, three are short
    assert log.figures(Thresholds(short_abandon=15)).abandoned_short == 3


def test_service_level_answered_exactly_at_the_threshold_is_within() -> None:
    log = Log()
    log.served("a", 0, wait=10, talk=60, wrap_up=5)
    log.served("b", 0, wait=20, talk=60, wrap_up=5, kiosk=2)  # exactly 20 s: within
    log.served("c", 0, wait=21, talk=60, wrap_up=5, kiosk=3)  # 21 s: not within
    for req, kiosk, seconds in [("d", 4, 3), ("e", 5, 20), ("f", 6, 25)]:
        log.queued(req, 0, kiosk)
        log.left(req, seconds, kiosk=kiosk)
    got = log.figures()
    # answered within 20 s: a, b = 2. Abandons at 3 s and at exactly 20 s left before the
    # target was missed: out of the denominator; the one at 25 s is a miss.
    # SL = 2 / (3 answered + 1 abandoned after) = 0.5
    assert (got.answered_within, got.abandoned_within, got.abandoned_after) == (2, 2, 1)
    assert got.service_level == pytest.approx(0.5)
    # within 30 s: all three answered, no abandon after → 3 / 3
    assert log.figures(Thresholds(answer_within=30)).service_level == pytest.approx(1.0)


def test_speed_of_answer_runs_from_queued_to_answered_across_two_clerks() -> None:
    log = Log()
    log.queued("a", 0)
    log.offered("a", "o1", clerk=1, t=2)
    log.offer_ended("a", "o1", clerk=1, t=22, reason="expired")  # clerk 1 did not answer
    log.offered("a", "o2", clerk=2, t=22)
    log.answered("a", "o2", clerk=2, t=25)
    log.served("b", 100, wait=5, talk=60, wrap_up=5, clerk=1, kiosk=2)
    got = log.figures()
    # waits 25 (from queueing, ring time included) and 5: ASA 15; p50 rank 1 = 5; p90 rank 2 = 25
    assert got.speed_of_answer == Spread(2, 15.0, 5.0, 25.0)
    assert got.average_speed_of_answer == 15.0
    assert got.rings == Rings(offers=3, accepted=2, expired=1)
    by = breakdowns(attentions(log.events), {})
    # "a" is clerk 2's attention; clerk 1's missed ring shows in rings_by_clerk
    assert sorted(by.clerk) == [1, 2] and by.clerk[2].answered == 1
    assert by.rings_by_clerk == {
        1: Rings(offers=2, accepted=1, expired=1),
        2: Rings(offers=1, accepted=1),
    }


def test_ring_no_answer_declined_and_withdrawn_offers() -> None:
    log = Log()
    log.queued("a", 0)
    log.offered("a", "o1", 1, 0)
    log.offer_ended("a", "o1", 1, 20, "expired")  # ring-no-answer
    log.offered("a", "o2", 2, 20)
    log.offer_ended("a", "o2", 2, 23, "declined")
    log.offered("a", "o3", 3, 23)
    log.offer_ended("a", "o3", 3, 30, "withdrawn")  # the citizen cancelled while it rang
    log.left("a", 30)
    log.queued("b", 40, kiosk=2)
    log.offered("b", "o4", 1, 40, kiosk=2)  # still ringing when read
    got = log.figures()
    assert got.ring_no_answer == 1
    assert got.rings == Rings(offers=4, expired=1, declined=1, withdrawn=1, ringing=1)


def test_handle_time_is_talk_plus_wrap_up_and_a_call_without_wrap_up() -> None:
    log = Log()
    log.served("a", 0, wait=5, talk=100, wrap_up=30)
    log.served("b", 0, wait=5, talk=200, wrap_up=10, kiosk=2)
    log.served("c", 0, wait=5, talk=300, wrap_up=None, kiosk=3)  # wrap-up never recorded
    log.queued("d", 0, kiosk=4)
    log.offered("d", "od", 1, 0, kiosk=4)
    log.answered("d", "od", 1, 5, kiosk=4)  # still talking when read
    got = log.figures()
    # talk of hung-up calls 100, 200, 300: mean 200, p50 rank 2 = 200, p90 rank 3 = 300
    assert got.talk == Spread(3, 200.0, 200.0, 300.0)
    # wrap-ups 30 and 10: mean 20; c has none and is counted apart, not as 0
    assert got.wrap_up == Spread(2, 20.0, 10.0, 30.0)
    assert got.unwrapped == 1
    # handle times 130 and 210: AHT 170; p50 rank 1 = 130, p90 rank 2 = 210
    assert got.handle == Spread(2, 170.0, 130.0, 210.0)
    assert got.average_handle_time == 170.0


def test_transfers_are_zero_as_the_switchboard_has_none() -> None:
    log = Log()
    log.served("a", 0, wait=5, talk=100, wrap_up=30)
    assert log.figures().transfers == 0


def test_satisfaction_mean_distribution_and_response_rate() -> None:
    log = Log()
    for n, rating in enumerate([5, 4, 5, None]):
        log.served(f"r{n}", 0, wait=5, talk=60, wrap_up=5, kiosk=n + 1)
        if rating is not None:
            log.rated(f"r{n}", 100, rating, kiosk=n + 1)
    log.rated("r0", 101, 1)  # a second rating of one request: the first stands
    log.queued("x", 0, kiosk=9)
    log.offered("x", "ox", 1, 0, kiosk=9)
    log.answered("x", "ox", 1, 5, kiosk=9)  # in a call: not served yet, not asked
    got = log.figures().satisfaction
    # 4 served, 3 rated: mean (5+4+5)/3 = 14/3, response rate 3/4
    assert (got.served, got.rated) == (4, 3)
    assert got.mean == pytest.approx(14 / 3)
    assert got.distribution == {1: 0, 2: 0, 3: 0, 4: 1, 5: 2}
    assert got.response_rate == pytest.approx(0.75)


def test_outcomes_and_procedures() -> None:
    log = Log()
    log.served("a", 0, wait=5, talk=60, wrap_up=5, outcome="procedure_completed")
    log.step("a", 20, "census", "identified", "registered")
    log.step("a", 40, "census", "issued")
    log.served("b", 0, wait=5, talk=60, wrap_up=5, kiosk=2, outcome="procedure_completed")
    log.step("b", 20, "taxes", "slip")
    log.step("b", 30, "census", "identified", "not_found")
    log.served("c", 0, wait=5, talk=60, wrap_up=5, kiosk=3, outcome="referred_to_office")
    log.step("zzz", 30, "census", "issued")  # a step of a call not in the log: ignored
    got = log.figures()
    assert got.outcomes == {"procedure_completed": 2, "referred_to_office": 1}
    # census recorded steps in a and b, taxes in b; c used none
    assert got.procedures == {"census": 2, "taxes": 1}
    assert got.procedure_outcomes == {
        "census": {"identified:not_found": 1, "identified:registered": 1, "issued:ok": 1},
        "taxes": {"slip:ok": 1},
    }
    by = breakdowns(attentions(log.events, log.steps), {})
    assert {p: f.offered for p, f in by.procedure.items()} == {
        NO_PROCEDURE: 1,
        "census": 2,
        "taxes": 1,
    }
    assert by.procedure["taxes"].outcomes == {"procedure_completed": 1}
    assert by.procedure[NO_PROCEDURE].outcomes == {"referred_to_office": 1}


def test_breakdowns_by_site_booth_topic_clerk_and_local_hour() -> None:
    log = Log()
    log.served("a", 0, wait=5, talk=60, wrap_up=5, clerk=7, kiosk=1, topic="census")
    log.served("b", 3600, wait=30, talk=60, wrap_up=5, clerk=8, kiosk=2, topic="taxes")
    log.queued("c", 3700, kiosk=3, topic="taxes")
    log.left("c", 3710)
    sites = {1: "Casa del Mig", 2: "Casa del Mig"}  # booth 3's site is not known
    by = breakdowns(attentions(log.events), sites, tz=ZoneInfo("Europe/Madrid"))
    assert {k: f.offered for k, f in by.site.items()} == {NO_SITE: 1, "Casa del Mig": 2}
    assert by.site["Casa del Mig"].service_level == pytest.approx(1 / 2)  # a in 5 s, b in 30 s
    assert {k: f.offered for k, f in by.booth.items()} == {1: 1, 2: 1, 3: 1}
    assert {k: f.offered for k, f in by.topic.items()} == {"census": 1, "taxes": 2}
    assert by.topic["taxes"].abandoned == 1
    assert {k: f.answered for k, f in by.clerk.items()} == {7: 1, 8: 1}  # c answered by nobody
    # 09:00 UTC is 10:00 in Barcelona in March (CET)
    assert {k: f.offered for k, f in by.hour.items()} == {10: 1, 11: 2}


def test_period_cut_rule_counts_an_attention_in_the_period_it_was_queued() -> None:
    midnight = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    log = Log()
    before = (midnight - T0).total_seconds()
    log.served("late", before - 10, wait=15, talk=60, wrap_up=5)  # 23:59:50 → 00:00:05
    log.served("next", before + 600, wait=5, talk=60, wrap_up=5, kiosk=2)
    day = summarise(log.events, [], {}, midnight - timedelta(days=1), midnight).total
    assert (day.offered, day.answered) == (1, 1)
    assert day.speed_of_answer.mean == 15.0  # its wait and handle time count with it
    assert day.handle.mean == 65.0
    following = summarise(log.events, [], {}, midnight, midnight + timedelta(days=1)).total
    assert (following.offered, following.speed_of_answer.mean) == (1, 5.0)
    # events of a request whose queueing is not in the log (an earlier period) are dropped
    orphans = [e for e in log.events if e.kind != "request_queued" or e.request_id != "late"]
    assert [a.request_id for a in attentions(orphans)] == ["next"]


def test_events_are_taken_in_time_order_whatever_the_input_order() -> None:
    log = Log()
    log.served("a", 0, wait=5, talk=100, wrap_up=30)
    assert figures(attentions(reversed(log.events))) == log.figures()


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 90) == 7.0
    values = [float(n) for n in range(1, 11)]  # 1..10
    assert percentile(values, 50) == 5.0  # rank 5
    assert percentile(values, 90) == 9.0  # rank 9
    assert percentile(values, 91) == 10.0  # rank ⌈9.1⌉ = 10
