"""The works notice's scope rules: a table of cases with their sources, and properties over every
possible answer set (there are few enough to try them all)."""

from __future__ import annotations

import itertools
from dataclasses import fields, replace
from typing import Any

import pytest

from finestreta.procedures.works.scope import (
    INSTEAD_NAMES,
    QUESTIONS,
    REASON_CODES,
    RULES,
    Answers,
    Catalogued,
    Decision,
    Instead,
    Kind,
    Structure,
    decide,
    message,
    next_question,
    questions,
)

INT, GAR, FAC, OTH = Kind.INTERIOR, Kind.GARDEN, Kind.FACADE, Kind.OTHER
NONE, PART, WHOLE = Structure.NONE, Structure.PARTIAL, Structure.WHOLE
NO, YES, UNKNOWN = Catalogued.NO, Catalogued.YES, Catalogued.UNKNOWN


def interior(**changes: Any) -> Answers:
    """Interior works that a notice covers, but for ``changes``."""
    answers = Answers(INT, NONE, NO, several_dwellings=False, facade=False, layout=False)
    return replace(answers, **changes)


def garden(**changes: Any) -> Answers:
    return replace(Answers(GAR, fells_trees=False, builds=False), **changes)


CASES = [
    # ORPIMO art. 8: the two kinds of works a notice covers
    (interior(), True, "interior_notice", None),
    (garden(), True, "garden_notice", None),
    # interior works that change what a notice may not change
    (interior(layout=True), False, "layout_change", Instead.IMMEDIATE),
    (interior(facade=True), False, "facade_works", Instead.IMMEDIATE),
    (interior(facade=True, layout=True), False, "facade_works", Instead.IMMEDIATE),
    (interior(structure=PART), False, "partial_structure", Instead.DEFERRED),
    (interior(structure=WHOLE), False, "whole_structure", Instead.LICENCE),
    (interior(several_dwellings=True), False, "several_dwellings", Instead.DEFERRED),
    # the building's protection comes before what the works change
    (interior(catalogued=YES), False, "catalogued", Instead.DEFERRED),
    (interior(catalogued=YES, layout=True), False, "catalogued", Instead.DEFERRED),
    (interior(catalogued=UNKNOWN), False, "catalogue_unknown", Instead.CONSULTATION),
    # ... but the structure as a whole always needs a licence
    (interior(catalogued=YES, structure=WHOLE), False, "whole_structure", Instead.LICENCE),
    # gardens and plots
    (garden(fells_trees=True), False, "tree_felling", Instead.DEFERRED),
    (garden(builds=True), False, "garden_building", Instead.CONSULTATION),
    (garden(fells_trees=True, builds=True), False, "tree_felling", Instead.DEFERRED),
    # the façade and everything else
    (Answers(FAC, NONE, NO), False, "facade_works", Instead.IMMEDIATE),
    (Answers(FAC, NONE, YES), False, "catalogued", Instead.DEFERRED),
    (Answers(FAC, PART), False, "partial_structure", Instead.DEFERRED),
    (Answers(OTH), False, "other_works", Instead.CONSULTATION),
    # not all answered yet
    (Answers(INT), False, "unanswered", None),
    (interior(layout=None), False, "unanswered", None),
    (Answers(GAR, fells_trees=False), False, "unanswered", None),
    (Answers(FAC, NONE), False, "unanswered", None),
]


@pytest.mark.parametrize(("answers", "within", "code", "instead"), CASES)
def test_the_rules(answers: Answers, within: bool, code: str, instead: Instead | None) -> None:
    assert decide(answers) == Decision(within, code, decide(answers).message, instead)
    assert decide(answers).message == next(r.message for r in RULES if r.code == code)


def test_one_question_per_answer() -> None:
    assert [q.id for q in QUESTIONS] == [f.name for f in fields(Answers)]


def every_answer_set() -> list[Answers]:
    flags = (None, False, True)
    return [
        Answers(kind, structure, catalogued, *booleans)
        for kind, structure, catalogued, *booleans in itertools.product(
            Kind, (None, *Structure), (None, *Catalogued), *[flags] * 5
        )
    ]


ALL = every_answer_set()


def notice_covers(a: Answers) -> bool:
    """ORPIMO art. 8, written independently of the rules table."""
    if a.kind is Kind.INTERIOR:
        return (
            a.structure is Structure.NONE
            and a.catalogued is Catalogued.NO
            and a.several_dwellings is False
            and a.facade is False
            and a.layout is False
        )
    if a.kind is Kind.GARDEN:
        return a.fells_trees is False and a.builds is False
    return False


def test_every_answer_set_gets_exactly_one_decision_that_follows_the_ordinance() -> None:
    codes = set()
    for answers in ALL:
        decision = decide(answers)
        first = next(rule for rule in RULES if rule.applies(answers))
        assert decision == first.decision
        assert decision.within_scope == notice_covers(answers), answers
        # within scope: nothing instead; outside: something instead unless still unanswered
        assert (decision.instead is None) == (
            decision.within_scope or decision.code == "unanswered"
        ), answers
        assert (decision.code == "unanswered") == (next_question(answers) is not None)
        codes.add(decision.code)
    assert codes == REASON_CODES  # every rule decides some case: none is dead


def asked(answers: Answers) -> list[str]:
    """The questions the console asks for these answers, in order, until one ends it."""
    ids = []
    for question in QUESTIONS:
        if answers.kind not in question.kinds:
            continue
        ids.append(question.id)
        value = getattr(answers, question.id)
        value = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        if any(o.ends for o in question.options if o.value == value):
            break
    return ids


def test_an_answer_that_ends_the_questionnaire_decides_whatever_comes_after() -> None:
    complete = [a for a in ALL if next_question(a) is None]
    by_asked: dict[tuple[Any, ...], set[str]] = {}
    for answers in complete:
        ids = asked(answers)
        key = tuple(getattr(answers, i) for i in ids)
        by_asked.setdefault((answers.kind, *key), set()).add(decide(answers).code)
    assert all(len(codes) == 1 for codes in by_asked.values()), by_asked
    # and the questionnaire stops as soon as it can: fewest questions for a notice
    assert asked(interior()) == [
        "kind",
        "structure",
        "catalogued",
        "several_dwellings",
        "facade",
        "layout",
    ]
    assert asked(garden()) == ["kind", "fells_trees", "builds"]
    assert asked(Answers(OTH)) == ["kind"]
    assert asked(interior(catalogued=YES)) == ["kind", "structure", "catalogued"]


def test_next_question_walks_the_questionnaire() -> None:
    assert next_question(Answers(INT)) == "structure"
    assert next_question(Answers(INT, NONE)) == "catalogued"
    assert next_question(Answers(INT, NONE, NO)) == "several_dwellings"
    assert next_question(Answers(INT, PART)) is None
    assert next_question(Answers(GAR)) == "fells_trees"
    assert next_question(Answers(GAR, fells_trees=True)) is None
    assert next_question(Answers(FAC, NONE, NO)) is None
    assert next_question(Answers(OTH)) is None


EXPECTED_QUESTION = {
    "ca": "Es talarà algun arbre?",
    "es": "¿Se talará algún árbol?",
    "en": "Will any tree be felled?",
}


@pytest.mark.parametrize("lang", ["ca", "es", "en"])
def test_the_questionnaire_in_three_languages(lang: str) -> None:
    shown = questions(lang)
    assert [q.id for q in shown] == [q.id for q in QUESTIONS]
    by_id = {q.id: q for q in shown}
    assert by_id["fells_trees"].text == EXPECTED_QUESTION[lang]
    assert [o.value for o in by_id["kind"].options] == ["interior", "garden", "facade", "other"]
    assert [o.ends for o in by_id["kind"].options] == [False, False, False, True]
    for question in shown:
        assert question.text and all(o.label for o in question.options)
        assert len({o.value for o in question.options}) == len(question.options)
    if lang != "en":  # translated, not the English ids
        english = questions("en")
        assert all(a.text != b.text for a, b in zip(shown, english, strict=True))


def test_the_message_names_what_applies_instead() -> None:
    outside = decide(interior(layout=True))
    assert message(outside, "ca").startswith("Comunicat immediat d'obres: Canviar la distribució")
    assert message(outside, "es").startswith("Comunicado inmediato de obras: ")
    assert message(outside, "en") == f"Immediate communication of works: {outside.message}"
    inside = decide(interior())
    assert message(inside, "ca").startswith("Obres a l'interior")
    assert set(INSTEAD_NAMES) == set(Instead)
