"""Is it a works notice (assabentat)? The guided questionnaire and its rules, pure and
table-driven like the census eligibility rules.

Barcelona's ORPIMO (2011) lets a citizen simply *notify* (assabentat, art. 8) two kinds of works,
with no documents, starting the day after the notice is registered:

- works inside a building that change neither its layout, nor its structure, nor its façade, in a
  building that is not catalogued or protected;
- cleaning and tidying a garden or plot without felling trees.

Anything else goes another way: an immediate communication (comunicat immediat), a deferred
communication with a technician's report (comunicat diferit, the "minor works type I" of
art. 3.3), a licence (obra major), or, when the booth cannot tell, the city's prior consultation
(consulta prèvia) that says which. ``decide(answers)`` walks :data:`RULES` in order and returns
the first that applies, as a :class:`Decision` with a stable ``code``, the English message the
clerk sees (translated by ``message(decision, lang)``) and the procedure that applies
``instead``. ``questions(lang)`` is the questionnaire the console shows; ``next_question``
says which question comes next. Sources and the rules table: docs/works.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from finestreta.i18n import N_, translator
from finestreta.procedures.works import DOMAIN, LOCALE_DIR

__all__ = [
    "INSTEAD_NAMES",
    "QUESTIONS",
    "REASON_CODES",
    "RULES",
    "Answers",
    "Catalogued",
    "Decision",
    "Instead",
    "Kind",
    "Option",
    "Question",
    "Rule",
    "Structure",
    "decide",
    "message",
    "next_question",
    "questions",
]


class Kind(StrEnum):
    INTERIOR = "interior"  # inside a dwelling, premises or building
    GARDEN = "garden"  # a garden or a plot (solar)
    FACADE = "facade"  # the façade: outer walls, balconies, windows, exterior carpentry
    OTHER = "other"  # new buildings, extensions, demolitions, scaffolding, anything else


class Catalogued(StrEnum):
    NO = "no"
    YES = "yes"  # catalogued or protected (any level, or inside a protected ensemble)
    UNKNOWN = "unknown"


class Structure(StrEnum):
    NONE = "none"
    PARTIAL = "partial"  # part of it: opening a load-bearing wall, reinforcing a beam
    WHOLE = "whole"  # the structure as a whole, the volume, or the building's use


class Instead(StrEnum):
    """The procedure that applies when the works are not within the notice's scope."""

    IMMEDIATE = "immediate_communication"  # comunicat immediat
    DEFERRED = "deferred_communication"  # comunicat diferit, with a technician's report
    LICENCE = "licence"  # llicència d'obra major
    CONSULTATION = "prior_consultation"  # consulta prèvia: the city says which


INSTEAD_NAMES: Mapping[Instead, str] = {
    Instead.IMMEDIATE: N_("Immediate communication of works"),
    Instead.DEFERRED: N_("Deferred communication of works with a technical report"),
    Instead.LICENCE: N_("Works licence"),
    Instead.CONSULTATION: N_("Prior consultation on works"),
}


@dataclass(frozen=True)
class Answers:
    """The questionnaire's answers; ``None``: not answered (yet). Which questions are asked
    depends on ``kind`` and on earlier answers (``questions``, ``next_question``)."""

    kind: Kind
    structure: Structure | None = None
    catalogued: Catalogued | None = None
    several_dwellings: bool | None = None
    facade: bool | None = None
    layout: bool | None = None
    fells_trees: bool | None = None
    builds: bool | None = None


@dataclass(frozen=True)
class Decision:
    within_scope: bool
    code: str
    message: str  # English: the clerk's text (``message(decision, lang)`` translates it)
    instead: Instead | None  # None within scope, and while questions remain unanswered


@dataclass(frozen=True)
class Rule:
    code: str
    within_scope: bool
    message: str
    instead: Instead | None
    applies: Callable[[Answers], bool]

    @property
    def decision(self) -> Decision:
        return Decision(self.within_scope, self.code, self.message, self.instead)


# -- the questionnaire --------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer: ``value`` as ``Answers`` holds it, its label, and whether choosing it ends
    the questionnaire (the decision no longer depends on later questions)."""

    value: str
    label: str
    ends: bool = False


@dataclass(frozen=True)
class Question:
    """``id`` is the field of ``Answers`` it fills; it is asked only for ``kinds``."""

    id: str
    text: str
    options: tuple[Option, ...]
    kinds: frozenset[Kind]


_INSIDE = frozenset({Kind.INTERIOR, Kind.FACADE})
_YES, _NO = N_("Yes"), N_("No")

# In the order they are asked. Texts are message ids, translated by ``questions(lang)``.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "kind",
        N_("What are the works about?"),
        (
            Option(Kind.INTERIOR, N_("Inside a dwelling, premises or building")),
            Option(Kind.GARDEN, N_("Cleaning or tidying a garden or plot")),
            Option(Kind.FACADE, N_("The façade, balconies or exterior windows")),
            Option(
                Kind.OTHER,
                N_("Something else (new building, extension, demolition, scaffolding…)"),
                ends=True,
            ),
        ),
        frozenset(Kind),
    ),
    Question(
        "structure",
        N_("Do the works touch the structure (load-bearing walls, pillars, beams, floor slabs)?"),
        (
            Option(Structure.NONE, N_("No")),
            Option(Structure.PARTIAL, N_("Yes, part of it"), ends=True),
            Option(
                Structure.WHOLE,
                N_("Yes, the structure as a whole, the volume or the building's use"),
                ends=True,
            ),
        ),
        _INSIDE,
    ),
    Question(
        "catalogued",
        N_("Is the building catalogued or protected (heritage), or in a protected ensemble?"),
        (
            Option(Catalogued.NO, N_("No")),
            Option(Catalogued.YES, N_("Yes"), ends=True),
            Option(Catalogued.UNKNOWN, N_("We do not know"), ends=True),
        ),
        _INSIDE,
    ),
    Question(
        "several_dwellings",
        N_("Do the works cover two or more dwellings of the building?"),
        (Option("no", _NO), Option("yes", _YES, ends=True)),
        frozenset({Kind.INTERIOR}),
    ),
    Question(
        "facade",
        N_("Do they change anything on the façade (exterior windows, balconies, outer walls)?"),
        (Option("no", _NO), Option("yes", _YES, ends=True)),
        frozenset({Kind.INTERIOR}),
    ),
    Question(
        "layout",
        N_("Do they change the layout (moving, opening or removing partition walls)?"),
        (Option("no", _NO, ends=True), Option("yes", _YES, ends=True)),
        frozenset({Kind.INTERIOR}),
    ),
    Question(
        "fells_trees",
        N_("Will any tree be felled?"),
        (Option("no", _NO), Option("yes", _YES, ends=True)),
        frozenset({Kind.GARDEN}),
    ),
    Question(
        "builds",
        N_("Will anything be built (walls, paving, sheds, pools) or the ground levels changed?"),
        (Option("no", _NO, ends=True), Option("yes", _YES, ends=True)),
        frozenset({Kind.GARDEN}),
    ),
)

_BOOLEAN = frozenset({"several_dwellings", "facade", "layout", "fells_trees", "builds"})


def _answer_value(answers: Answers, question: Question) -> str | None:
    value = getattr(answers, question.id)
    if value is None:
        return None
    if question.id in _BOOLEAN:
        return "yes" if value else "no"
    return str(value)


def next_question(answers: Answers) -> str | None:
    """The id of the next question to ask, or ``None`` once the answers decide."""
    for question in QUESTIONS:
        if answers.kind not in question.kinds:
            continue
        value = _answer_value(answers, question)
        if value is None:
            return question.id
        if any(option.ends for option in question.options if option.value == value):
            return None
    return None


def questions(lang: str) -> tuple[Question, ...]:
    """The questionnaire in ``lang`` (ca, es or en), in the order it is asked."""
    _ = translator(lang, DOMAIN, LOCALE_DIR)
    return tuple(
        Question(
            q.id,
            _(q.text),
            tuple(Option(str(o.value), _(o.label), o.ends) for o in q.options),
            q.kinds,
        )
        for q in QUESTIONS
    )


# -- the rules ----------------------------------------------------------------------------------


def _inside(a: Answers) -> bool:
    return a.kind in _INSIDE


RULES: tuple[Rule, ...] = (
    Rule(
        "unanswered",
        False,
        "Answer the remaining questions first.",
        None,
        lambda a: next_question(a) is not None,
    ),
    Rule(
        "other_works",
        False,
        "These works are not covered by a notice: new buildings, extensions, demolitions, "
        "scaffolding and the like need a communication or a licence. The city's prior "
        "consultation says which one.",
        Instead.CONSULTATION,
        lambda a: a.kind is Kind.OTHER,
    ),
    Rule(
        "whole_structure",
        False,
        "Works on the structure as a whole, the volume or the building's use need a works "
        "licence with a project.",
        Instead.LICENCE,
        lambda a: _inside(a) and a.structure is Structure.WHOLE,
    ),
    Rule(
        "partial_structure",
        False,
        "Works that touch part of the structure need a deferred communication with a "
        "technician's report.",
        Instead.DEFERRED,
        lambda a: _inside(a) and a.structure is Structure.PARTIAL,
    ),
    Rule(
        "catalogue_unknown",
        False,
        "A notice is only possible in a building that is not catalogued or protected: the "
        "city's prior consultation for the address says whether it is, and which procedure "
        "applies.",
        Instead.CONSULTATION,
        lambda a: _inside(a) and a.catalogued is Catalogued.UNKNOWN,
    ),
    Rule(
        "catalogued",
        False,
        "The building is catalogued or protected: the works need a deferred communication "
        "with a technician's report (or a licence, for the highest protection levels).",
        Instead.DEFERRED,
        lambda a: _inside(a) and a.catalogued is Catalogued.YES,
    ),
    Rule(
        "several_dwellings",
        False,
        "Works in two or more dwellings of a building need a deferred communication with a "
        "technician's report.",
        Instead.DEFERRED,
        lambda a: a.kind is Kind.INTERIOR and a.several_dwellings is True,
    ),
    Rule(
        "facade_works",
        False,
        "Works on the façade are not covered by a notice: they need an immediate communication.",
        Instead.IMMEDIATE,
        lambda a: a.kind is Kind.FACADE or (a.kind is Kind.INTERIOR and a.facade is True),
    ),
    Rule(
        "layout_change",
        False,
        "Changing the layout is not covered by a notice: it needs an immediate communication.",
        Instead.IMMEDIATE,
        lambda a: a.kind is Kind.INTERIOR and a.layout is True,
    ),
    Rule(
        "interior_notice",
        True,
        "Interior works that change neither layout, structure nor façade, in a building that "
        "is not catalogued or protected: a works notice. No documents needed; the works may "
        "start the day after it is registered.",
        None,
        lambda a: a.kind is Kind.INTERIOR,
    ),
    Rule(
        "tree_felling",
        False,
        "Felling trees is not covered by a notice: it needs a deferred communication with a "
        "technician's report.",
        Instead.DEFERRED,
        lambda a: a.kind is Kind.GARDEN and a.fells_trees is True,
    ),
    Rule(
        "garden_building",
        False,
        "Building in a garden or plot, or changing its ground levels, is more than tidying it: "
        "the city's prior consultation says which communication or licence applies.",
        Instead.CONSULTATION,
        lambda a: a.kind is Kind.GARDEN and a.builds is True,
    ),
    Rule(
        "garden_notice",
        True,
        "Cleaning and tidying a garden or plot without felling trees: a works notice. No "
        "documents needed; the works may start the day after it is registered.",
        None,
        lambda a: a.kind is Kind.GARDEN,
    ),
)

REASON_CODES: frozenset[str] = frozenset(rule.code for rule in RULES)


def decide(answers: Answers) -> Decision:
    """The first rule of :data:`RULES` that applies."""
    for rule in RULES:
        if rule.applies(answers):
            return rule.decision
    raise AssertionError(f"no rule for {answers!r}")  # pragma: no cover - the table is total


def message(decision: Decision, lang: str) -> str:
    """The decision's message in ``lang``, with the name of the procedure that applies
    instead, when there is one, before it."""
    _ = translator(lang, DOMAIN, LOCALE_DIR)
    text = _(decision.message)
    if decision.instead is None:
        return text
    return f"{_(INSTEAD_NAMES[decision.instead])}: {text}"
