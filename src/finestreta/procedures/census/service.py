"""Census volants during a call: identify the citizen, check who may ask for what, issue.

The console follows three steps, each one a method of :class:`CensusDesk`:

1. :meth:`~CensusDesk.identify`: the clerk types the number of the ID the citizen shows on
   camera (or that was scanned at the booth) and says how it was checked. The register is
   asked (audited), and the check is written to ``identity_checks`` (the platform's record of
   identifications, shared with every procedure that acts in the citizen's name).
2. :meth:`~CensusDesk.check`: a request (residence or household volant, about the citizen or
   about someone else, with the authorisations shown) gives the rules' :class:`Decision` and
   what the volant would show.
3. :meth:`~CensusDesk.issue`: checks again (the server never trusts an earlier answer the
   console holds), then renders, seals, registers and stores the volant in the attention.

Nothing of the citizen is held in this process between requests: the identification in force
is the call's last identity check (in the database, so another node or a restarted server goes
on), and the register is asked again, audited, whenever its answer is needed.

The rules themselves are :mod:`finestreta.procedures.census.eligibility`; :func:`assess` ties
them to the register's answers and is pure, so it is tested without a database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from finestreta.db import Database, utcnow
from finestreta.documents.issuing import IssuedCertificate
from finestreta.documents.pdf.heading import CityHeading
from finestreta.documents.service import Documents
from finestreta.errors import N_, Conflict, InvalidInput, NotAllowed, Unavailable, declare
from finestreta.identity.checks import Declared, last_check, record_check, validate_method
from finestreta.padro.identity import IdDocument
from finestreta.padro.lookups import LookupService
from finestreta.padro.model import Address, Household, LookupResult, Person, Status, age_on
from finestreta.padro.port import RegisterError
from finestreta.procedures.census import eligibility
from finestreta.procedures.census.eligibility import RULES, CertificateKind, Decision
from finestreta.procedures.census.volant import (
    CertifiedAddress,
    CertifiedPerson,
    Requester,
    issue_volant,
)

log = logging.getLogger(__name__)

DOMAIN = "census"
PURPOSE_IDENTIFY = "census volant: identify the citizen"
PURPOSE_SUBJECT = "census volant: the person the volant is about"


class CensusError(InvalidInput):
    """A census step refused for its input (kept as the base the census tests know)."""


class VolantRefused(NotAllowed):
    """The rules refuse the volant: ``decision`` says why (``code`` is the rule's)."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.code, decision.message)
        self.decision = decision


BIRTH_DATE_NEEDED = declare(
    "birth_date_needed",
    CensusError,
    N_(
        "The register does not know this person: enter the name and date of birth shown on "
        "their ID."
    ),
    domain=DOMAIN,
)
NOT_IDENTIFIED = declare(
    "not_identified", Conflict, N_("Identify the citizen first."), domain=DOMAIN
)
NO_SEAL = declare(
    "no_seal",
    Unavailable,
    N_(
        "The city's electronic seal is not configured: volants cannot be issued. Tell the "
        "administrator."
    ),
    domain=DOMAIN,
)
BAD_SEAL = declare(
    "bad_seal",
    Unavailable,
    N_(
        "The city's electronic seal cannot be loaded: volants cannot be issued. Tell the "
        "administrator."
    ),
    domain=DOMAIN,
)
REGISTER_CHANGED = declare(
    "register_changed",
    Conflict,
    N_("The register changed meanwhile: look the person up again."),
    domain=DOMAIN,
)
# Each refusing rule's code (the decision's own message says which case it was).
for _rule in RULES:
    if not _rule.allowed and _rule.code not in {
        "authorisation_required",
        "representative_required",
    }:
        declare(_rule.code, VolantRefused, _rule.message, domain=DOMAIN)
declare(
    "authorisation_required",
    VolantRefused,
    N_("The person must give express written authorisation (and show it with a copy of their ID)."),
    domain=DOMAIN,
)
declare(
    "representative_required",
    VolantRefused,
    N_("Only the person's accredited representative may ask for a volant about them."),
    domain=DOMAIN,
)


@dataclass(frozen=True)
class Identity:
    """Who the clerk is dealing with in one call, and how they know."""

    check_id: int
    method: str
    result: LookupResult
    household: Household | None = None
    declared: Declared | None = None

    @property
    def document(self) -> IdDocument:
        return self.result.document

    @property
    def name(self) -> str:
        if self.result.person is not None:
            return self.result.person.full_name
        if self.declared is not None:
            return f"{self.declared.given_name} {self.declared.surnames}".strip()
        return ""

    def age_on(self, today: date) -> int | None:
        if self.result.person is not None:
            return self.result.person.age_on(today)
        if self.declared is not None:
            return age_on(self.declared.birth_date, today)
        return None


@dataclass(frozen=True)
class VolantRequest:
    """``subject`` None: the volant is about the citizen (their household for ``household``).
    ``incapacitated``: person ids the clerk declares legally incapacitated."""

    kind: CertificateKind
    subject: IdDocument | None = None
    express_authorisation: bool = False
    accredited_representative: bool = False
    incapacitated: frozenset[str] = frozenset()
    subject_incapacitated: bool = False  # the clerk declares the other person incapacitated


@dataclass(frozen=True)
class Certified:
    person: Person
    registered_since: date


@dataclass(frozen=True)
class Assessment:
    """The rules' answer and, when allowed, what the volant would show."""

    decision: Decision
    subject: LookupResult
    persons: tuple[Certified, ...] = ()
    address: Address | None = None

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


def assess(
    identity: Identity,
    request: VolantRequest,
    today: date,
    subject: LookupResult | None = None,
    household: Household | None = None,
) -> Assessment:
    """Decide ``request`` of the identified citizen. ``subject`` and ``household`` are the
    register's answers about the other person (None when the volant is about the citizen)."""
    requester_age = identity.age_on(today)
    if requester_age is None:
        raise BIRTH_DATE_NEEDED(
            "The register does not know this person: enter the name and date of birth shown "
            "on their ID."
        )
    requester = eligibility.party(
        identity.result,
        today,
        age=requester_age,
        incapacitated=_id_of(identity.result) in request.incapacitated,
    )
    about_self = request.subject is None or request.subject == identity.document
    if about_self:
        subject, household = identity.result, identity.household
    if subject is None:
        raise ValueError("the register's answer about the subject is needed")
    if request.subject_incapacitated and not about_self:
        request = replace(request, incapacitated=request.incapacitated | {_id_of(subject)})
    # Someone the register does not know is refused by the first rule whatever their age.
    target = eligibility.party(
        subject, today, age=0, incapacitated=_id_of(subject) in request.incapacitated
    )
    residents: tuple[eligibility.Party, ...] = ()
    if household is not None and request.kind is CertificateKind.HOUSEHOLD:
        residents = eligibility.residents(household, today, request.incapacitated)
    decision = eligibility.decide(
        eligibility.Request(
            requester=requester,
            kind=request.kind,
            subject=None if about_self else target,
            residents=residents,
            express_authorisation=request.express_authorisation,
            accredited_representative=request.accredited_representative,
        )
    )
    if not decision.allowed:
        return Assessment(decision, subject)
    if request.kind is CertificateKind.HOUSEHOLD:
        assert household is not None  # an allowed household volant has residents
        persons = tuple(Certified(m.person, m.registered_since) for m in household.members)
        return Assessment(decision, subject, persons, household.address)
    assert subject.person is not None and subject.registered_since is not None
    return Assessment(
        decision, subject, (Certified(subject.person, subject.registered_since),), subject.address
    )


@contextmanager
def _register_answers() -> Iterator[None]:
    """A register that changes between two questions (the person moved out or was merged
    meanwhile) is a conflict the clerk resolves by looking the person up again."""
    try:
        yield
    except RegisterError:
        raise REGISTER_CHANGED(
            "The register changed meanwhile: look the person up again."
        ) from None


def _id_of(result: LookupResult) -> str:
    return result.person.id if result.person else str(result.document)


@dataclass(frozen=True)
class Issued:
    certificate: IssuedCertificate
    assessment: Assessment


class CensusDesk:
    """The census steps of the clerks' calls. ``seal`` is called when a volant is issued (the
    seal file may appear after start-up, e.g. ``finestreta seal init``)."""

    def __init__(
        self,
        db: Database,
        lookups: LookupService,
        documents: Documents,
        settings: Any,
        seal: Callable[[], Any],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.lookups = lookups
        self.documents = documents
        self.settings = settings
        self._seal = seal
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(ZoneInfo(self.settings.city_timezone)).date()

    # ------------------------------------------------------------------ 1. identify
    def identify(
        self,
        *,
        call_id: str,
        clerk_id: int,
        document: IdDocument,
        method: str,
        scan_document_id: str | None = None,
        declared: Declared | None = None,
    ) -> Identity:
        validate_method(method, scan_document_id)  # before the register is asked
        with _register_answers():
            result = self.lookups.find(
                document, clerk_id=clerk_id, call_id=call_id, purpose=PURPOSE_IDENTIFY
            )
            household = self._household(result, clerk_id, call_id, PURPOSE_IDENTIFY)
        declared = declared if result.person is None else None
        with self.db.session() as session:
            check_id = record_check(
                session,
                at=self._clock(),
                call_id=call_id,
                clerk_id=clerk_id,
                document=document,
                method=method,
                scan_document_id=scan_document_id,
                status=result.status.value,
                person_id=result.person.id if result.person else None,
                declared=declared,
            )
        return Identity(check_id, method, result, household, declared)

    def identity_of(self, call_id: str, clerk_id: int) -> Identity:
        """The identification in force in the call, with the register asked again (audited):
        an answer is never older than the question it serves."""
        with self.db.session() as session:
            check = last_check(session, call_id)
        if check is None:
            raise NOT_IDENTIFIED("Identify the citizen first.")
        with _register_answers():
            result = self.lookups.find(
                check.document, clerk_id=clerk_id, call_id=call_id, purpose=PURPOSE_IDENTIFY
            )
            household = self._household(result, clerk_id, call_id, PURPOSE_IDENTIFY)
        return Identity(check.id, check.method, result, household, check.declared)

    def options(self, identity: Identity) -> list[tuple[CertificateKind, Assessment]]:
        """What the citizen may ask about themself: their residence and household volants."""
        today = self.today()
        if identity.age_on(today) is None:
            return []
        return [(kind, assess(identity, VolantRequest(kind), today)) for kind in CertificateKind]

    # ------------------------------------------------------------------ 2. check
    def check(self, *, call_id: str, clerk_id: int, request: VolantRequest) -> Assessment:
        identity = self.identity_of(call_id, clerk_id)
        subject = household = None
        if request.subject is not None and request.subject != identity.document:
            with _register_answers():
                subject = self.lookups.find(
                    request.subject, clerk_id=clerk_id, call_id=call_id, purpose=PURPOSE_SUBJECT
                )
                if request.kind is CertificateKind.HOUSEHOLD:
                    household = self._household(subject, clerk_id, call_id, PURPOSE_SUBJECT)
        return assess(identity, request, self.today(), subject, household)

    # ------------------------------------------------------------------ 3. issue
    def issue(
        self,
        *,
        call_id: str,
        clerk_id: int,
        request: VolantRequest,
        lang: str,
        public_url: str,
    ) -> Issued:
        # The register is asked again (audited): a volant shows the register as it is now,
        # not as it was when the citizen was identified minutes ago.
        identity = self.identity_of(call_id, clerk_id)
        assessment = self.check(call_id=call_id, clerk_id=clerk_id, request=request)
        if not assessment.allowed:
            raise VolantRefused(assessment.decision)
        try:
            seal = self._seal()
        except Exception as exc:  # a wrong password, a damaged or unreadable file
            log.error("the city's seal cannot be loaded: %s", exc)
            raise BAD_SEAL(
                "The city's electronic seal cannot be loaded (wrong password or damaged "
                "file): tell the administrator."
            ) from None
        if seal is None:
            raise NO_SEAL(
                "The city's electronic seal is not configured (FINESTRETA_SEAL_PKCS12; "
                "`finestreta seal init` makes a demo one)."
            )
        assert assessment.address is not None
        municipality = self.settings.city_name
        with self.db.session() as session:
            certificate = issue_volant(
                session,
                kind=request.kind.value,
                persons=[
                    CertifiedPerson.from_padro(c.person, c.registered_since)
                    for c in assessment.persons
                ],
                address=CertifiedAddress.from_padro(assessment.address, municipality),
                requester=Requester(
                    identity.name, identity.document.type.value, identity.document.number
                ),
                city=CityHeading.from_settings(self.settings),
                lang=lang,
                seal=seal,
                documents=self.documents,
                public_url=public_url,
                created_by=f"clerk:{clerk_id}",
                tz=self.settings.city_timezone,
                call_id=call_id,
            )
        return Issued(certificate, assessment)

    # ------------------------------------------------------------------ helpers
    def _household(
        self, result: LookupResult, clerk_id: int, call_id: str, purpose: str
    ) -> Household | None:
        if result.status is not Status.REGISTERED or result.person is None:
            return None
        return self.lookups.household(
            result.person.id, clerk_id=clerk_id, call_id=call_id, purpose=purpose
        )
