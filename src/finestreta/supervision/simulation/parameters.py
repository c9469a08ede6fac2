"""The simulation's model, as numbers: when citizens come, what they ask, how long it takes, how
patient they are, how clerks work. Every default is explained in ``docs/simulation.md``.

The defaults describe a small pilot like Barcelona's 2012 one at the Casa del Mig: a few booths
in civic centres open on weekday mornings and afternoons, a handful of clerks at the central
office on a split shift, and information questions the most common topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

# Weekdays are numbered as ``date.weekday()``: Monday 0 … Sunday 6.
MONDAY, FRIDAY = 0, 4


@dataclass(frozen=True)
class Lognormal:
    """A duration in seconds whose logarithm is normal: ``median`` and ``sigma`` (of the log),
    cut to [``low``, ``high``] so that one draw from the long tail cannot hold a clerk all day."""

    median: float
    sigma: float
    low: float
    high: float


@dataclass(frozen=True)
class Step:
    """A step a procedure records in ``procedure_steps`` during a call: its name, the outcomes
    it may end with (weights), and its ``detail`` (codes only, never personal data): a tuple is
    a choice among codes, a bool or an int is written as it is, and ``lang`` is the citizen's
    language."""

    step: str
    outcomes: Mapping[str, float] = field(default_factory=lambda: {"ok": 1.0})
    detail: Mapping[str, tuple[str, ...] | bool | int] = field(default_factory=dict)
    # the next steps run only when this one ended in one of these outcomes (None: any)
    goes_on_if: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Script:
    """What a clerk does for one kind of request: the procedure, its steps in order, how long
    the call lasts, and the wrap-up outcome when it went through (else ``outcome_if_stopped``)."""

    procedure: str
    steps: tuple[Step, ...]
    talk: Lognormal
    outcome: str = "procedure_completed"
    outcome_if_stopped: str = "referred_to_office"


@dataclass(frozen=True)
class Parameters:
    # ---- opening hours and arrivals: a non-homogeneous Poisson process per booth
    timezone: str = "Europe/Madrid"
    # local opening periods of a weekday (0 Monday … 6 Sunday); missing days are closed
    opening: Mapping[int, tuple[tuple[time, time], ...]] = field(
        default_factory=lambda: {
            day: ((time(9, 0), time(14, 0)), (time(16, 0), time(19, 0))) for day in range(5)
        }
    )
    # closed days as (month, day): Barcelona's public holidays that fall on fixed dates
    holidays: tuple[tuple[int, int], ...] = (
        (1, 1),
        (1, 6),
        (5, 1),
        (6, 24),
        (8, 15),
        (9, 11),
        (9, 24),
        (10, 12),
        (11, 1),
        (12, 6),
        (12, 8),
        (12, 25),
        (12, 26),
    )
    # citizens asking at one booth in one hour, by local hour (an average weekday)
    arrivals_per_booth_hour: Mapping[int, float] = field(
        default_factory=lambda: {
            9: 1.2,
            10: 2.0,
            11: 2.2,
            12: 1.8,
            13: 1.2,
            16: 0.9,
            17: 1.2,
            18: 1.0,
        }
    )
    # by weekday: Monday is the busiest day, Friday afternoon the quietest (see afternoon_from)
    weekday_factor: Mapping[int, float] = field(
        default_factory=lambda: {0: 1.25, 1: 1.0, 2: 1.0, 3: 0.95, 4: 0.9}
    )
    friday_afternoon_factor: float = 0.55  # on top of Friday's factor, from afternoon_from
    afternoon_from: time = time(15, 0)
    # ---- what citizens ask (topic codes are the procedures' topics)
    languages: Mapping[str, float] = field(
        default_factory=lambda: {"ca": 0.55, "es": 0.38, "en": 0.07}
    )
    topics: Mapping[str, float] = field(
        default_factory=lambda: {
            "general": 0.40,
            "census": 0.25,
            "taxes": 0.15,
            "complaints": 0.10,
            "works": 0.10,
        }
    )
    # ---- the citizen at the booth
    patience: float = 300.0  # mean seconds a citizen waits before cancelling (exponential)
    # share of waits in which the booth's connection drops for good, at a moment within the
    # first ``booth_lost_within`` seconds of the wait (if the citizen still waits then); higher
    # than a civic centre's network drops, so that a 90-day history has a handful of lost booths
    booth_lost: float = 0.02
    booth_lost_within: float = 60.0
    booth_back: float = 300.0  # seconds until a lost booth connects again
    rating_rate: float = 0.45  # share of served citizens who rate the attention
    ratings: Mapping[int, float] = field(
        default_factory=lambda: {5: 0.55, 4: 0.25, 3: 0.10, 2: 0.05, 1: 0.05}
    )
    long_wait: float = 120.0  # a citizen who waited longer rates one star lower, half the time
    citizen_hangs_up: float = 0.45  # share of calls the citizen ends (else the clerk)
    leave_after: float = 15.0  # seconds from hang-up (and rating) until the booth is free again
    # ---- the clerk's side of an offer
    answer_delay: Lognormal = Lognormal(median=4.0, sigma=0.5, low=1.0, high=15.0)
    ring_no_answer: float = 0.04  # offers nobody answers before the ring timeout
    decline: float = 0.02  # offers declined (a clerk about to leave, on the phone…)
    wrap_up: Lognormal = Lognormal(median=40.0, sigma=0.6, low=5.0, high=600.0)
    # ---- the clerks' day: split shift, a morning break, short aways, absences
    login_early: float = 600.0  # a clerk logs in up to this many seconds before opening
    morning_break: time = time(10, 45)  # the first clerk's break; the next one's staggered
    break_stagger: float = 25 * 60.0
    break_length: float = 20 * 60.0
    short_aways: float = 1.0  # short aways (phone, printer…) per clerk per day, on average
    short_away: float = 5 * 60.0
    absence: float = 0.04  # share of days a clerk is absent (leave, sickness)
    friday_afternoon_off: bool = True  # every other clerk leaves at lunch on Fridays
    overtime: float = 30 * 60.0  # at most this long after closing for who was already waiting
    # ---- what each topic's procedure does in the call
    scripts: Mapping[str, Script] = field(default_factory=lambda: dict(SCRIPTS))


# entries of the demo catalogue (catalogue/data/demo.json) citizens ask about most
ENTRIES = (
    "alta-padro",
    "cita-previa-oac",
    "ibi",
    "taxa-residus",
    "comunicat-obres",
    "objectes-perduts",
    "serveis-socials",
    "idcat-certificat-digital",
)

INFORMATION = Script(
    "information",
    (
        Step("shown", detail={"entry": ENTRIES}),
        Step(
            "sheet",
            detail={"entry": ENTRIES, "lang": True, "printed": True},
        ),
    ),
    Lognormal(median=210.0, sigma=0.5, low=40.0, high=1500.0),
    outcome="information_given",
)

SCRIPTS: Mapping[str, Script] = {
    "general": INFORMATION,
    "census": Script(
        "census",
        (
            Step(
                "identified",
                {"registered": 0.88, "not_found": 0.07, "moved_out": 0.05},
                {"method": ("document", "scan"), "id_type": ("dni", "nie", "passport")},
                goes_on_if=("registered",),
            ),
            Step(
                "checked",
                {
                    "own_residence": 0.5,
                    "own_household": 0.35,
                    "household_authorised": 0.05,
                    "authorisation_required": 0.06,
                    "minor_not_cohabiting": 0.04,
                },
                {"kind": ("residence", "household"), "about_self": True},
                goes_on_if=("own_residence", "own_household", "household_authorised"),
            ),
            Step("issued", detail={"kind": ("residence", "household"), "lang": True, "persons": 1}),
        ),
        Lognormal(median=300.0, sigma=0.45, low=60.0, high=1800.0),
    ),
    "taxes": Script(
        "taxes",
        (
            Step(
                "identified",
                {"found": 0.92, "not_found": 0.08},
                {"method": ("document", "scan")},
                goes_on_if=("found",),
            ),
            Step(
                "pay_started",
                detail={"receipts": 1},
            ),
            Step("certificate_payment", detail={"on_behalf": False}),
        ),
        Lognormal(median=360.0, sigma=0.5, low=60.0, high=2400.0),
    ),
    "works": Script(
        "works",
        (
            Step(
                "decided",
                {
                    "interior_notice": 0.62,
                    "garden_notice": 0.08,
                    "facade_works": 0.14,
                    "layout_change": 0.12,
                    "catalogued": 0.04,
                },
                goes_on_if=("interior_notice", "garden_notice"),
            ),
            Step("identified", detail={"method": ("document",), "id_type": ("dni", "nie")}),
            Step("asked", detail={"kind": ("interior", "garden")}),
            Step("registered", {"signed": 0.93, "oral_consent": 0.07}, {"kind": ("interior",)}),
        ),
        Lognormal(median=540.0, sigma=0.45, low=120.0, high=3000.0),
    ),
    "complaints": Script(
        "complaints",
        (
            Step(
                "filed",
                detail={
                    "case_type": ("incident", "incident", "complaint", "suggestion"),
                    "theme": ("street_cleaning", "lighting", "roads", "green_spaces"),
                    "attachments": 1,
                    "anonymous": False,
                    "signed": True,
                },
            ),
        ),
        Lognormal(median=420.0, sigma=0.45, low=90.0, high=2400.0),
    ),
}


class BadParameters(ValueError):
    """A parameter outside what the model can run with (the message names it)."""


def check(parameters: Parameters) -> None:
    """Refuse parameters that would make no sense (shares outside 0–1, empty mixes…)."""
    shares = {
        "booth_lost": parameters.booth_lost,
        "rating_rate": parameters.rating_rate,
        "citizen_hangs_up": parameters.citizen_hangs_up,
        "ring_no_answer": parameters.ring_no_answer,
        "decline": parameters.decline,
        "absence": parameters.absence,
    }
    for name, value in shares.items():
        if not 0.0 <= value <= 1.0:
            raise BadParameters(f"{name} is a share from 0 to 1, got {value}")
    if parameters.ring_no_answer + parameters.decline > 1.0:
        raise BadParameters("ring_no_answer and decline together exceed 1")
    for name, mix in (
        ("languages", parameters.languages),
        ("topics", parameters.topics),
        ("ratings", parameters.ratings),
    ):
        if not mix or any(w < 0 for w in mix.values()) or sum(mix.values()) <= 0:
            raise BadParameters(f"{name} needs at least one positive weight")
    missing = [t for t in parameters.topics if t not in parameters.scripts]
    if missing:
        raise BadParameters(f"no script for the topics {', '.join(missing)}")
    if any(rate < 0 for rate in parameters.arrivals_per_booth_hour.values()):
        raise BadParameters("arrival rates cannot be negative")
    if parameters.booth_lost_within < 5.0:
        raise BadParameters("booth_lost_within must be at least 5 seconds")
    if parameters.patience <= 0:
        raise BadParameters("patience must be positive")
