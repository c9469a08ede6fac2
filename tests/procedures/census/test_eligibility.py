"""Who may ask for which volant: one row per rule and refusal reason."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from finestreta.padro.identity import DocumentType, IdDocument
from finestreta.padro.model import (
    Address,
    AddressKind,
    Household,
    LookupResult,
    Member,
    Person,
    Sex,
    Status,
)
from finestreta.procedures.census.eligibility import (
    REASON_CODES,
    CertificateKind,
    Party,
    Request,
    decide,
    party,
    residents,
)

RESIDENCE = CertificateKind.RESIDENCE
HOUSEHOLD = CertificateKind.HOUSEHOLD
HOME, ELSEWHERE, CARE_HOME = "home", "elsewhere", "care"


def at(person_id: str, age: int, address: str = HOME, *, incapacitated: bool = False) -> Party:
    kind = AddressKind.COLLECTIVE if address == CARE_HOME else AddressKind.DWELLING
    return Party(person_id, age, Status.REGISTERED, address, kind, incapacitated)


def gone(person_id: str, age: int, status: Status) -> Party:
    return Party(person_id, age, status)


# at HOME: an adult, their partner and their child of 9; a 16-year-old and a 15-year-old
ADULT = at("adult", 40)
PARTNER = at("partner", 41)
CHILD = at("child", 9)
HOME_RESIDENTS = (ADULT, PARTNER, CHILD)
SIXTEEN = at("sixteen", 16)
FIFTEEN = at("fifteen", 15)
SEVENTEEN = at("seventeen", 17)
INCAPACITATED = at("incapacitated", 50, incapacitated=True)
# ELSEWHERE: two adults; a family with a minor lives at "family"
NEIGHBOUR = at("neighbour", 35, ELSEWHERE)
NEIGHBOUR_2 = at("neighbour2", 33, ELSEWHERE)
FAMILY_ADULT = at("family_adult", 38, "family")
FAMILY_MINOR = at("family_minor", 6, "family")
WARD = at("ward", 60, "ward_home", incapacitated=True)
WARD_CARER = at("carer", 58, "ward_home")
CARE_RESIDENT = at("care_resident", 88, CARE_HOME)
CARE_RESIDENT_2 = at("care_resident2", 91, CARE_HOME)
MOVED = gone("moved", 35, Status.MOVED_OUT)
UNKNOWN = gone("unknown", 30, Status.NOT_FOUND)
DEAD = gone("dead", 80, Status.DECEASED)


@dataclass(frozen=True)
class Case:
    name: str
    request: Request
    allowed: bool
    code: str


def household(
    requester: Party,
    subject: Party | None,
    members: tuple[Party, ...],
    *,
    covering: frozenset[str] | None = None,
    express_authorisation: bool = False,
    accredited_representative: bool = False,
) -> Request:
    return Request(
        requester,
        HOUSEHOLD,
        subject,
        members,
        covering,
        express_authorisation,
        accredited_representative,
    )


def residence(
    requester: Party,
    subject: Party | None = None,
    *,
    covering: frozenset[str] | None = None,
    express_authorisation: bool = False,
    accredited_representative: bool = False,
) -> Request:
    return Request(
        requester,
        RESIDENCE,
        subject,
        (),
        covering,
        express_authorisation,
        accredited_representative,
    )


CASES = [
    # own residence volant
    Case("adult, own residence", residence(ADULT), True, "own_residence"),
    Case("16-year-old, own residence", residence(SIXTEEN), True, "own_residence"),
    Case("15-year-old, own residence", residence(FIFTEEN), False, "under_16"),
    Case("care-home resident, own residence", residence(CARE_RESIDENT), True, "own_residence"),
    Case("not in the register", residence(UNKNOWN), False, "not_registered"),
    Case("moved out, own residence", residence(MOVED), False, "moved_out"),
    # someone else's residence volant
    Case(
        "about a deceased person, authorised",
        residence(ADULT, DEAD, express_authorisation=True),
        False,
        "deceased",
    ),
    Case(
        "about someone who moved out, authorised",
        residence(ADULT, MOVED, express_authorisation=True),
        False,
        "moved_out",
    ),
    Case(
        "about an unknown person, authorised",
        residence(ADULT, UNKNOWN, express_authorisation=True),
        False,
        "not_registered",
    ),
    # without authorisation nothing is told about a stranger, not even that they moved out
    Case(
        "about someone who moved out, no authorisation",
        residence(ADULT, MOVED),
        False,
        "authorisation_first",
    ),
    Case(
        "about a deceased person, no authorisation",
        residence(ADULT, DEAD),
        False,
        "authorisation_first",
    ),
    Case("the ID shown is of someone deceased", residence(DEAD), False, "requester_deceased"),
    Case("partner at the same address", residence(ADULT, PARTNER), True, "same_address"),
    Case(
        "adult elsewhere, authorised",
        residence(ADULT, NEIGHBOUR, express_authorisation=True),
        True,
        "express_authorisation",
    ),
    Case(
        "adult elsewhere, no authorisation",
        residence(ADULT, NEIGHBOUR),
        False,
        "authorisation_first",
    ),
    Case(
        "adult elsewhere, a representation that does not apply to an adult",
        residence(ADULT, NEIGHBOUR, accredited_representative=True),
        False,
        "authorisation_required",
    ),
    Case(
        "unregistered adult with authorisation",
        residence(UNKNOWN, NEIGHBOUR, express_authorisation=True),
        True,
        "express_authorisation",
    ),
    Case("own child, no accreditation", residence(ADULT, CHILD), False, "representative_required"),
    Case(
        "own child, accredited parent",
        residence(ADULT, CHILD, accredited_representative=True),
        True,
        "accredited_representative",
    ),
    Case(
        "minor elsewhere, accredited guardian",
        residence(NEIGHBOUR, FAMILY_MINOR, accredited_representative=True),
        True,
        "accredited_representative",
    ),
    Case(
        "incapacitated adult at the same address",
        residence(ADULT, INCAPACITATED),
        False,
        "representative_required",
    ),
    Case(
        "incapacitated adult elsewhere, authorisation is not enough",
        residence(ADULT, WARD, express_authorisation=True),
        False,
        "representative_required",
    ),
    Case(
        "a 17-year-old asks about a flatmate", residence(SEVENTEEN, ADULT), False, "requester_minor"
    ),
    Case(
        "a residence volant naming two people",
        residence(ADULT, covering=frozenset({"adult", "partner"})),
        False,
        "subset_not_allowed",
    ),
    # household volants
    Case(
        "own household with a minor", household(ADULT, None, HOME_RESIDENTS), True, "own_household"
    ),
    Case(
        "household asked 'for' the partner: issued to the requester",
        household(ADULT, PARTNER, HOME_RESIDENTS),
        True,
        "own_household",
    ),
    Case(
        "household by a 17-year-old",
        household(SEVENTEEN, None, (*HOME_RESIDENTS, SEVENTEEN)),
        False,
        "household_under_18",
    ),
    Case(
        "household by a 16-year-old",
        household(SIXTEEN, None, (*HOME_RESIDENTS, SIXTEEN)),
        False,
        "household_under_18",
    ),
    Case(
        "household by someone not registered",
        household(UNKNOWN, NEIGHBOUR, (NEIGHBOUR, NEIGHBOUR_2), express_authorisation=True),
        False,
        "requester_not_registered",
    ),
    Case("own household after moving out", household(MOVED, None, ()), False, "moved_out"),
    Case(
        "household of a care home",
        household(CARE_RESIDENT, None, (CARE_RESIDENT, CARE_RESIDENT_2)),
        False,
        "collective_establishment",
    ),
    Case(
        "household leaving the child out",
        household(ADULT, None, HOME_RESIDENTS, covering=frozenset({"adult", "partner"})),
        False,
        "subset_not_allowed",
    ),
    Case(
        "household naming everyone explicitly",
        household(ADULT, None, HOME_RESIDENTS, covering=frozenset({"adult", "partner", "child"})),
        True,
        "own_household",
    ),
    Case(
        "household of another family with a minor, even authorised",
        household(ADULT, FAMILY_ADULT, (FAMILY_ADULT, FAMILY_MINOR), express_authorisation=True),
        False,
        "minor_not_cohabiting",
    ),
    Case(
        "household of other adults, authorised",
        household(ADULT, NEIGHBOUR, (NEIGHBOUR, NEIGHBOUR_2), express_authorisation=True),
        True,
        "household_authorised",
    ),
    Case(
        "household of other adults, no authorisation",
        household(ADULT, NEIGHBOUR, (NEIGHBOUR, NEIGHBOUR_2)),
        False,
        "authorisation_first",
    ),
    Case(
        "household of other adults, a representation but no authorisation",
        household(ADULT, NEIGHBOUR, (NEIGHBOUR, NEIGHBOUR_2), accredited_representative=True),
        False,
        "authorisation_required",
    ),
    Case(
        "household with an incapacitated adult elsewhere",
        household(ADULT, WARD_CARER, (WARD_CARER, WARD), express_authorisation=True),
        False,
        "representative_required",
    ),
    Case(
        "household with an incapacitated adult, by their representative",
        household(
            ADULT,
            WARD_CARER,
            (WARD_CARER, WARD),
            express_authorisation=True,
            accredited_representative=True,
        ),
        True,
        "household_authorised",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_rule(case: Case) -> None:
    decision = decide(case.request)
    assert (decision.allowed, decision.code) == (case.allowed, case.code)
    assert decision.message


def test_every_reason_code_has_a_row() -> None:
    assert {case.code for case in CASES} == REASON_CODES
    assert len(CASES) >= 15


def test_a_household_request_needs_the_residents() -> None:
    with pytest.raises(ValueError, match="residents"):
        decide(Request(ADULT, HOUSEHOLD))


def test_parties_from_the_register() -> None:
    today = date(2026, 11, 28)
    home = Address(
        "7", "Carrer de Mallorca", "401", "3r", "2a", "08013", "Eixample", AddressKind.DWELLING
    )

    def person(pid: str, born: date) -> Person:
        return Person(
            pid,
            IdDocument(DocumentType.DNI, f"{pid}"),
            "A",
            "B C",
            Sex.FEMALE,
            born,
            "Barcelona",
            "Spain",
        )

    marta, pol = person("1", date(1984, 10, 2)), person("2", date(2017, 11, 29))
    found = party(
        LookupResult(Status.REGISTERED, marta.document, marta, home, date(2014, 1, 1)), today
    )
    assert found == Party("1", 42, Status.REGISTERED, "7", AddressKind.DWELLING)
    moved = party(
        LookupResult(Status.MOVED_OUT, marta.document, marta, home, ended_on=today), today
    )
    assert (moved.status, moved.address_id) == (Status.MOVED_OUT, None)
    stranger = IdDocument(DocumentType.DNI, "12345678Z")
    with pytest.raises(ValueError):
        party(LookupResult(Status.NOT_FOUND, stranger), today)
    assert (
        party(LookupResult(Status.NOT_FOUND, stranger), today, age=30).person_id == "dni:12345678Z"
    )
    members = residents(
        Household(home, (Member(marta, date(2014, 1, 1)), Member(pol, date(2017, 11, 29)))),
        today,
        frozenset({"1"}),
    )
    assert [(p.person_id, p.age, p.incapacitated) for p in members] == [
        ("1", 42, True),
        ("2", 8, False),
    ]
    request = Request(replace(members[0], incapacitated=False), HOUSEHOLD, residents=members)
    assert decide(request).code == "own_household"
