"""The census step that ties the register's answers to the rules, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from finestreta.identity.checks import Declared
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
from finestreta.procedures.census.eligibility import CertificateKind
from finestreta.procedures.census.service import (
    CensusError,
    Identity,
    VolantRequest,
    assess,
)

TODAY = date(2026, 11, 28)
HOME = Address(
    "a1", "Carrer de Mallorca", "401", "3r", "2a", "08013", "Eixample", AddressKind.DWELLING
)
CARE = Address("a2", "Residència Sant Josep", "5", "", "", "08014", "Sants", AddressKind.COLLECTIVE)


def person(pid: str, number: str, born: date) -> Person:
    return Person(
        pid,
        IdDocument(DocumentType.DNI, number),
        pid.title(),
        "Puig",
        Sex.FEMALE,
        born,
        "Barcelona",
        "Spain",
    )


MARTA = person("marta", "11111111H", date(1984, 3, 1))
POL = person("pol", "77777777B", date(2017, 5, 2))
ROSA = person("rosa", "44444444A", date(1937, 1, 9))
SINCE = date(2014, 1, 1)


def registered(p: Person, address: Address = HOME) -> LookupResult:
    return LookupResult(Status.REGISTERED, p.document, p, address, SINCE)


FAMILY = Household(HOME, (Member(MARTA, SINCE), Member(POL, SINCE)))
CARE_HOME = Household(CARE, (Member(ROSA, SINCE),))


def identity(
    result: LookupResult, household: Household | None = None, declared: Declared | None = None
) -> Identity:
    return Identity(1, "id_on_camera", result, household, declared)


@pytest.mark.parametrize(
    ("who", "kind", "code", "names"),
    [
        (
            identity(registered(MARTA), FAMILY),
            CertificateKind.HOUSEHOLD,
            "own_household",
            ["Marta", "Pol"],
        ),
        (
            identity(registered(MARTA), FAMILY),
            CertificateKind.RESIDENCE,
            "own_residence",
            ["Marta"],
        ),
        (
            identity(registered(ROSA, CARE), CARE_HOME),
            CertificateKind.HOUSEHOLD,
            "collective_establishment",
            [],
        ),
        (identity(registered(POL), FAMILY), CertificateKind.RESIDENCE, "under_16", []),
        (
            identity(
                LookupResult(
                    Status.MOVED_OUT, MARTA.document, MARTA, HOME, ended_on=date(2026, 5, 1)
                )
            ),
            CertificateKind.RESIDENCE,
            "moved_out",
            [],
        ),
    ],
)
def test_the_citizens_own_volants(
    who: Identity, kind: CertificateKind, code: str, names: list[str]
) -> None:
    assessment = assess(who, VolantRequest(kind), TODAY)
    assert assessment.decision.code == code
    assert [c.person.given_name for c in assessment.persons] == names
    assert assessment.allowed == bool(names)


def test_someone_unknown_needs_the_data_on_their_id() -> None:
    unknown = LookupResult(Status.NOT_FOUND, IdDocument(DocumentType.DNI, "00000000T"))
    with pytest.raises(CensusError) as info:
        assess(identity(unknown), VolantRequest(CertificateKind.RESIDENCE), TODAY)
    assert info.value.code == "birth_date_needed"
    declared = identity(unknown, declared=Declared("Rosa", "Camps", date(1980, 5, 1)))
    assessment = assess(declared, VolantRequest(CertificateKind.RESIDENCE), TODAY)
    assert assessment.decision.code == "not_registered"


def test_a_household_with_a_minor_elsewhere_is_refused_and_names_nobody() -> None:
    outsider = person("joan", "33333333P", date(1959, 1, 1))
    flat = Address("a3", "Carrer de Sants", "1", "", "", "08014", "Sants", AddressKind.DWELLING)
    asker = identity(registered(outsider, flat), Household(flat, (Member(outsider, SINCE),)))
    request = VolantRequest(CertificateKind.HOUSEHOLD, MARTA.document, express_authorisation=True)
    assessment = assess(asker, request, TODAY, registered(MARTA), FAMILY)
    assert assessment.decision.code == "minor_not_cohabiting"
    assert assessment.persons == () and assessment.address is None


def test_an_incapacitated_adult_only_through_their_representative() -> None:
    joan = person("joan", "33333333P", date(1959, 1, 1))
    asker = identity(registered(MARTA), FAMILY)
    about_joan = VolantRequest(
        CertificateKind.RESIDENCE,
        joan.document,
        express_authorisation=True,
        subject_incapacitated=True,
    )
    refused = assess(asker, about_joan, TODAY, registered(joan))
    assert refused.decision.code == "representative_required"
    represented = replace(about_joan, accredited_representative=True)
    assert assess(asker, represented, TODAY, registered(joan)).allowed
