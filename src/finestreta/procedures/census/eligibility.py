"""Who may ask for which census volant, about whom: pure, table-driven rules.

``decide(request)`` walks :data:`RULES` in order and returns the first that applies, as a
:class:`Decision` with a stable ``code`` and the English message the clerk sees. The rules come
from the city's procedure (see ``docs/padro.md``):

- anyone 16 or over may ask for their own residence (individual) volant;
- a household volant needs a requester of 18 or over registered in the city, is always issued
  in the requester's name, never covers a minor they do not live with, and is never issued for
  a collective establishment (care homes, residences: individual volants only);
- an adult may ask about people registered at their own address, or about another adult who
  gives express authorisation; minors and incapacitated persons only through an accredited
  representative;
- a volant covers one person or everyone at the address, never a subset;
- nobody gets a volant about someone who is not (or no longer) registered;
- nothing is said about someone who does not live with the requester (not even whether they
  are registered) until their authorisation or the requester's representation is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from finestreta.padro.model import (
    Address,
    AddressKind,
    Household,
    LookupResult,
    Person,
    Status,
)

OWN_RESIDENCE_MIN_AGE = 16
ADULT_AGE = 18


class CertificateKind(StrEnum):
    RESIDENCE = "residence"  # volant de residència: one person
    HOUSEHOLD = "household"  # volant de convivència (col·lectiu): everyone at the address


@dataclass(frozen=True)
class Party:
    """A person as the rules see them: age today and where they are registered."""

    person_id: str
    age: int
    status: Status
    address_id: str | None = None  # current address, when registered
    address_kind: AddressKind | None = None
    incapacitated: bool = False  # legally incapacitated (declared by the clerk)

    @property
    def registered(self) -> bool:
        return self.status is Status.REGISTERED

    @property
    def minor(self) -> bool:
        return self.age < ADULT_AGE

    @property
    def protected(self) -> bool:
        """Only an accredited representative may ask about them."""
        return self.minor or self.incapacitated


@dataclass(frozen=True)
class Request:
    """``subject`` None (or the requester again) means the volant is about the requester.

    For a household volant ``residents`` lists everyone registered at the subject's address.
    ``covering`` is the set of person ids the volant would name (None: the subject for a
    residence volant, everyone at the address for a household one)."""

    requester: Party
    kind: CertificateKind
    subject: Party | None = None
    residents: tuple[Party, ...] = ()
    covering: frozenset[str] | None = None
    express_authorisation: bool = False  # the other adult's signed authorisation was shown
    accredited_representative: bool = False  # of the minor/incapacitated subject, checked

    @property
    def target(self) -> Party:
        return self.subject or self.requester

    @property
    def for_self(self) -> bool:
        return self.subject is None or self.subject.person_id == self.requester.person_id

    @property
    def same_address(self) -> bool:
        """The requester is registered at the address the volant is about."""
        return (
            self.requester.registered
            and self.requester.address_id is not None
            and self.requester.address_id == self.target.address_id
        )

    @property
    def household(self) -> bool:
        return self.kind is CertificateKind.HOUSEHOLD

    @property
    def residence(self) -> bool:
        return self.kind is CertificateKind.RESIDENCE

    @property
    def is_subset(self) -> bool:
        if self.covering is None:
            return False
        if self.household:
            return self.covering != frozenset(p.person_id for p in self.residents)
        return self.covering != frozenset({self.target.person_id})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str
    message: str


@dataclass(frozen=True)
class Rule:
    code: str
    allowed: bool
    message: str
    applies: Callable[[Request], bool]

    @property
    def decision(self) -> Decision:
        return Decision(self.allowed, self.code, self.message)


def _other_household(r: Request) -> bool:
    return r.household and not r.same_address


def _unauthorised_stranger(r: Request) -> bool:
    """A request about someone who does not live with the requester, with neither their
    authorisation nor an accredited representation: nothing about them may be told, not even
    whether they are registered, moved out or died."""
    return (
        not r.for_self
        and not r.same_address
        and not r.express_authorisation
        and not r.accredited_representative
    )


RULES: tuple[Rule, ...] = (
    # -- privacy first: whether the requester may hear anything about the person ------------
    Rule(
        "requester_deceased",
        False,
        "The register records the death of the holder of this ID: check the document shown "
        "and the citizen's identity again.",
        lambda r: r.requester.status is Status.DECEASED,
    ),
    Rule(
        "authorisation_first",
        False,
        "Nothing can be said about a person who does not live with the requester without "
        "their express written authorisation (shown with a copy of their ID) or proof that "
        "the requester is their legal representative.",
        _unauthorised_stranger,
    ),
    # -- the person the volant is about must be registered today --------------------------
    Rule(
        "not_registered",
        False,
        "Not registered in the city: there is nothing to certify. Check the document number.",
        lambda r: r.target.status is Status.NOT_FOUND,
    ),
    Rule(
        "moved_out",
        False,
        "No longer registered in the city (moved out): a volant shows current registration "
        "only. A historical certificate is requested from the register office.",
        lambda r: r.target.status is Status.MOVED_OUT,
    ),
    Rule(
        "deceased",
        False,
        "The registration ended by death: no volant can be issued.",
        lambda r: r.target.status is Status.DECEASED,
    ),
    # -- who may ask at all --------------------------------------------------------------
    Rule(
        "under_16",
        False,
        "Under 16: the residence volant must be asked for by a parent or legal guardian "
        "(accredited representative).",
        lambda r: r.residence and r.for_self and r.requester.age < OWN_RESIDENCE_MIN_AGE,
    ),
    Rule(
        "household_under_18",
        False,
        "A household volant can only be asked for by someone aged 18 or over.",
        lambda r: r.household and r.requester.age < ADULT_AGE,
    ),
    Rule(
        "requester_not_registered",
        False,
        "A household volant can only be asked for by someone registered in the city.",
        lambda r: r.household and not r.requester.registered,
    ),
    Rule(
        "requester_minor",
        False,
        "Only adults may ask for a volant about another person.",
        lambda r: r.residence and not r.for_self and r.requester.minor,
    ),
    # -- what a document may cover -------------------------------------------------------
    Rule(
        "collective_establishment",
        False,
        "The address is a collective establishment (care home, residence): only individual "
        "residence volants are issued there.",
        lambda r: r.household and r.target.address_kind is AddressKind.COLLECTIVE,
    ),
    Rule(
        "subset_not_allowed",
        False,
        "A volant covers one person or everyone registered at the address, never a "
        "selection of people. Issue individual volants instead.",
        lambda r: r.is_subset,
    ),
    # -- household volants -----------------------------------------------------------------
    Rule(
        "own_household",
        True,
        "Household volant of the requester's own address, issued in the requester's name.",
        lambda r: r.household and r.same_address,
    ),
    Rule(
        "minor_not_cohabiting",
        False,
        "A minor is registered at that address and the requester does not live there: a "
        "household volant is never issued for a minor the requester does not live with.",
        lambda r: _other_household(r) and any(p.minor for p in r.residents),
    ),
    Rule(
        "representative_required",
        False,
        "An incapacitated person is registered at that address: only their accredited "
        "representative may ask for a volant about them.",
        lambda r: (
            _other_household(r)
            and any(p.incapacitated for p in r.residents)
            and not r.accredited_representative
        ),
    ),
    Rule(
        "household_authorised",
        True,
        "Household volant of another adult's address with their express authorisation, "
        "issued in the requester's name. Keep a copy of the authorisation.",
        lambda r: _other_household(r) and r.express_authorisation,
    ),
    Rule(
        "authorisation_required",
        False,
        "The requester is not registered at that address: the adult concerned must give "
        "express written authorisation (and show it with a copy of their ID).",
        lambda r: _other_household(r),
    ),
    # -- residence volants -----------------------------------------------------------------
    Rule(
        "own_residence",
        True,
        "Residence volant of the requester.",
        lambda r: r.residence and r.for_self,
    ),
    Rule(
        "accredited_representative",
        True,
        "Residence volant of a minor or incapacitated person, asked for by their accredited "
        "representative.",
        lambda r: r.residence and r.target.protected and r.accredited_representative,
    ),
    Rule(
        "representative_required",
        False,
        "The person is a minor or incapacitated: only their accredited representative (parent, "
        "guardian, with the document that proves it) may ask for their volant.",
        lambda r: r.residence and r.target.protected,
    ),
    Rule(
        "same_address",
        True,
        "Residence volant of an adult registered at the requester's own address.",
        lambda r: r.residence and r.same_address,
    ),
    Rule(
        "express_authorisation",
        True,
        "Residence volant of another adult with their express authorisation. Keep a copy of "
        "the authorisation.",
        lambda r: r.residence and r.express_authorisation,
    ),
    Rule(
        "authorisation_required",
        False,
        "The person lives at another address: they must give express written authorisation "
        "(and show it with a copy of their ID).",
        lambda r: r.residence,
    ),
)

REASON_CODES: frozenset[str] = frozenset(rule.code for rule in RULES)


def decide(request: Request) -> Decision:
    """The first rule of :data:`RULES` that applies."""
    if request.household and not request.residents and request.target.registered:
        raise ValueError("a household request needs the residents of the address")
    for rule in RULES:
        if rule.applies(request):
            return rule.decision
    raise AssertionError("the last rule applies to every residence request")  # pragma: no cover


# -- from the register's answers to parties ---------------------------------------------------


def party_of(
    person: Person,
    status: Status,
    today: date,
    address: Address | None = None,
    *,
    incapacitated: bool = False,
) -> Party:
    current = address if status is Status.REGISTERED else None
    return Party(
        person_id=person.id,
        age=person.age_on(today),
        status=status,
        address_id=current.id if current else None,
        address_kind=current.kind if current else None,
        incapacitated=incapacitated,
    )


def party(
    result: LookupResult, today: date, *, age: int | None = None, incapacitated: bool = False
) -> Party:
    """The party for a look-up result. For someone not in the register the age comes from the
    ID document shown (``age``); their id is their document (``dni:12345678Z``)."""
    if result.person is None:
        if age is None:
            raise ValueError("not in the register: give the age read from the ID document")
        return Party(str(result.document), age, result.status, incapacitated=incapacitated)
    return party_of(
        result.person, result.status, today, result.address, incapacitated=incapacitated
    )


def residents(
    household: Household, today: date, incapacitated: frozenset[str] = frozenset()
) -> tuple[Party, ...]:
    """Everyone at the household's address as parties (``incapacitated``: their person ids)."""
    return tuple(
        party_of(
            member.person,
            Status.REGISTERED,
            today,
            household.address,
            incapacitated=member.person.id in incapacitated,
        )
        for member in household.members
    )
