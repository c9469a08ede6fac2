"""The works notice during a call, on the platform's services (no web plumbing here).

The console walks these steps, each a method of :class:`WorksDesk`:

1. :meth:`~WorksDesk.decide`: the questionnaire's answers so far → the decision and the next
   question (``scope``). Within scope the notice form opens; outside it, the console names the
   procedure that applies instead and may print its information sheet (:meth:`sheet`).
2. :meth:`~WorksDesk.identify`: the citizen's ID, how it was checked and the name on it (the
   platform's identity check, as census and taxes record it).
3. :meth:`~WorksDesk.check_address`: the street and number against the street register (and
   the cadastral reference, when given, checked and matched).
4. :meth:`~WorksDesk.ask_signature`: everything checked again, the draft notice drawn and shown
   on the booth to be signed (``platform.signatures.ask``).
5. :meth:`~WorksDesk.signature_given` (the signature desk's hook): the incoming registry entry
   listing the signed draft's SHA-256 (and the scans the clerk attached), the sealed notice
   with its verification code and the registry receipt, both printed at the booth.

What the desk remembers of a call (answers, the citizen's name, the notice waiting for its
signature, the outcome) is in the call memory (the database: another node or a restarted server
goes on), forgotten when the call ends.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from finestreta.documents.issuing import issue_sealed
from finestreta.documents.pdf.heading import CityHeading
from finestreta.errors import (
    N_,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    Unavailable,
    declare,
)
from finestreta.identity.checks import last_check, record_check, validate_method
from finestreta.padro.identity import IdDocument
from finestreta.procedures.works import DOMAIN, NOTICE_KIND, scope
from finestreta.procedures.works.frames import (
    QuestionAnswered,
    WorksQuestionnaire,
    WorksRegistered,
)
from finestreta.procedures.works.notice import NoticeData, Signed, notice_title, render_notice
from finestreta.procedures.works.settings import WorksSettings
from finestreta.signatures.desk import SignatureGiven, Signer
from finestreta.signatures.render import Drawable
from finestreta.signatures.sealing import SealedRequest
from finestreta.streets.port import Address

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 2000  # characters: a notice describes small works, not a project
PURPOSE = "works_notice"
# The catalogue entry whose information sheet the booth prints for each procedure that
# applies instead (catalogue/data/demo.json; a city's catalogue keeps these slugs).
SHEETS: Mapping[scope.Instead, str] = {
    scope.Instead.IMMEDIATE: "comunicat-immediat-obres",
    scope.Instead.DEFERRED: "comunicat-diferit-obres",
    scope.Instead.LICENCE: "llicencia-obres-majors",
    scope.Instead.CONSULTATION: "consulta-previa-obres",
}

BAD_ANSWERS = declare(
    "works_bad_answers",
    InvalidInput,
    N_("Those answers do not fit the questionnaire: answer the questions in the order shown."),
    domain=DOMAIN,
)
NOT_WITHIN_SCOPE = declare(
    "works_not_within_scope",
    NotAllowed,
    N_("These works are not within a notice's scope: the console says what applies instead."),
    domain=DOMAIN,
)
NOT_IDENTIFIED = declare(
    "works_not_identified", Conflict, N_("Identify the citizen first."), domain=DOMAIN
)
ADDRESS_UNKNOWN = declare(
    "works_address_unknown",
    InvalidInput,
    N_(
        "That address is not in the street register: choose the street from the list and a "
        "number that exists on it."
    ),
    domain=DOMAIN,
)
CADASTRAL_ELSEWHERE = declare(
    "works_cadastral_elsewhere",
    InvalidInput,
    N_("That cadastral reference belongs to another address."),
    domain=DOMAIN,
)
BUILDING_CATALOGUED = declare(
    "works_building_catalogued",
    NotAllowed,
    N_(
        "The street register says this building is catalogued or protected: a notice does not "
        "apply (a deferred communication with a technician's report does)."
    ),
    domain=DOMAIN,
)
START_TOO_SOON = declare(
    "works_start_too_soon",
    InvalidInput,
    N_("The works may start the day after the notice at the earliest."),
    domain=DOMAIN,
)
START_TOO_LATE = declare(
    "works_start_too_late",
    InvalidInput,
    N_("The start of the works is too far ahead: file the notice closer to the date."),
    domain=DOMAIN,
)
BAD_DURATION = declare(
    "works_bad_duration",
    InvalidInput,
    N_("The duration is out of range for a works notice."),
    domain=DOMAIN,
)
BAD_DESCRIPTION = declare(
    "works_bad_description",
    InvalidInput,
    N_("Describe the works in 1 to 2,000 characters."),
    domain=DOMAIN,
)
NO_PENDING = declare(
    "works_nothing_to_sign",
    NotFound,
    N_("No notice of this call waits for the citizen's signature."),
    domain=DOMAIN,
)
NOTHING_TO_REGISTER = declare(
    "works_nothing_to_register",
    Conflict,
    N_("No signed notice of this call waits to be registered."),
    domain=DOMAIN,
)
NO_SEAL = declare(
    "works_no_seal",
    Unavailable,
    N_("The city's electronic seal is not configured: notices cannot be registered."),
    domain=DOMAIN,
)
NO_SHEET = declare(
    "works_no_sheet",
    NotFound,
    N_("The catalogue has no information sheet for that procedure."),
    domain=DOMAIN,
)


# --------------------------------------------------------------------------- the questionnaire

_FIELDS = {q.id: q for q in scope.QUESTIONS}


@dataclass(frozen=True)
class Progress:
    """The questionnaire so far: the decision (None until the kind is chosen) and the next
    question (None once the answers decide)."""

    answers: dict[str, str]
    decision: scope.Decision | None
    next_question: str | None


def read_answers(given: Mapping[str, str]) -> Progress:
    """The answers in the order the questionnaire asks them; an answer to a question that is
    not asked (another kind's, one after the answers already decided) or a value that is not
    one of the question's options is refused, nothing kept."""
    for key, value in given.items():
        question = _FIELDS.get(key)
        if question is None or value not in {str(o.value) for o in question.options}:
            raise BAD_ANSWERS(details={"question": str(key)[:40]})
    if "kind" not in given:
        if given:
            raise BAD_ANSWERS(details={"question": "kind"})
        return Progress({}, None, "kind")
    answers = scope.Answers(kind=scope.Kind(given["kind"]))
    used = {"kind"}
    while (asked := scope.next_question(answers)) is not None and asked in given:
        answers = _with(answers, asked, given[asked])
        used.add(asked)
    extra = sorted(set(given) - used)
    if extra:
        raise BAD_ANSWERS(details={"question": extra[0]})
    kept = {key: given[key] for key in _FIELDS if key in used}
    return Progress(kept, scope.decide(answers), scope.next_question(answers))


def questionnaire_frame(progress: Progress, lang: str | None) -> WorksQuestionnaire:
    """What the booth shows of ``progress``: the texts in ``lang`` (ca when the call has none
    the booth speaks), the questions answered in the order asked, the decision in plain words."""
    lang = lang if lang in ("ca", "es", "en") else "ca"
    _ = _texts(lang)
    asked = {q.id: q for q in scope.questions(lang)}
    answered = [
        QuestionAnswered(
            question=asked[key].text,
            answer=next(o.label for o in asked[key].options if o.value == value),
        )
        for key, value in progress.answers.items()
    ]
    current = progress.next_question
    decision = progress.decision
    if decision is None or decision.code == "unanswered" or current is not None:
        return WorksQuestionnaire(
            lang=lang,
            answered=answered,
            current=asked[current].text if current else None,
            within_scope=None,
            decision=None,
            reason=None,
            instead=None,
        )
    instead = _(scope.INSTEAD_NAMES[decision.instead]) if decision.instead else None
    plain = (
        _("A works notice is enough: you will sign it here.")
        if decision.within_scope
        else _(
            "These works need another procedure: {name}. Its information sheet can be printed here."
        ).format(name=instead)
    )
    return WorksQuestionnaire(
        lang=lang,
        answered=answered,
        current=None,
        within_scope=decision.within_scope,
        decision=plain,
        reason=_(decision.message),
        instead=instead,
    )


def _with(answers: scope.Answers, question: str, value: str) -> scope.Answers:
    from dataclasses import replace

    typed: Any
    if question == "structure":
        typed = scope.Structure(value)
    elif question == "catalogued":
        typed = scope.Catalogued(value)
    else:
        typed = value == "yes"
    return replace(answers, **{question: typed})


# --------------------------------------------------------------------------- the notice


@dataclass(frozen=True)
class NoticeForm:
    """What the clerk fills in for a notice within scope."""

    street_code: str
    number: str
    floor: str
    door: str
    cadastral_reference: str | None
    description: str
    start: date
    duration_days: int
    scans: tuple[str, ...] = ()  # documents of the call (scans, uploads) to attach


@dataclass(frozen=True)
class Citizen:
    name: str
    id_type: str
    id_number: str


@dataclass(frozen=True)
class Asked:
    request_id: str
    document_id: str
    sha256: str


class WorksDesk:
    def __init__(self, platform: Any, settings: WorksSettings) -> None:
        self.platform = platform
        self.settings = settings

    # -------------------------------------------------------------- helpers
    @property
    def _tz(self) -> str:
        return str(self.platform.settings.city_timezone)

    def today(self) -> date:
        now: datetime = self.platform.clock.now()
        return now.astimezone(ZoneInfo(self._tz)).date()

    def _get(self, call_id: str, key: str) -> Any:
        return self.platform.memory.get(call_id, DOMAIN, key)

    def _put(self, call_id: str, key: str, value: Any) -> None:
        self.platform.memory.put(call_id, DOMAIN, key, value)

    # -------------------------------------------------------------- 1. decide
    def decide(self, call_id: str, answers: Mapping[str, str]) -> Progress:
        progress = read_answers(answers)
        self._put(call_id, "answers", progress.answers)
        return progress

    def show_progress(self, call: Any, progress: Progress) -> None:
        """The citizen follows the questionnaire on the booth, in their own language (the
        call's, whatever the clerk reads it in); the booth screen keeps it for a booth page that
        comes back, until the signature pad or anything else replaces it."""
        if call.active:
            self.platform.screen.show(call, questionnaire_frame(progress, call.language))

    def progress(self, call_id: str) -> Progress:
        return read_answers(self._get(call_id, "answers") or {})

    # -------------------------------------------------------------- 2. identify
    def identify(
        self,
        *,
        call_id: str,
        clerk_id: int,
        document: IdDocument,
        name: str,
        method: str,
        scan_document_id: str | None,
    ) -> Citizen:
        validate_method(method, scan_document_id)
        with self.platform.db.session() as session:
            record_check(
                session,
                at=self.platform.clock.now(),
                call_id=call_id,
                clerk_id=clerk_id,
                document=document,
                method=method,
                scan_document_id=scan_document_id,
                status="declared",
                person_id=None,
                declared=None,
            )
        citizen = Citizen(name, document.type.value, document.number)
        # The name read off the ID lives as long as the call (the check row keeps the ID).
        self._put(call_id, "citizen", asdict(citizen))
        return citizen

    def citizen(self, call_id: str) -> Citizen:
        """The citizen as identified now: the call's last identity check, with the name the
        clerk read off that same ID (a later check by another procedure needs it again)."""
        with self.platform.db.session() as session:
            check = last_check(session, call_id)
        kept = self._get(call_id, "citizen")
        if (
            check is None
            or kept is None
            or kept["id_number"] != check.document.number
            or kept["id_type"] != check.document.type.value
        ):
            raise NOT_IDENTIFIED("Identify the citizen first.")
        return Citizen(**kept)

    # -------------------------------------------------------------- 3. the address
    def check_address(
        self,
        street_code: str,
        number: str,
        floor: str = "",
        door: str = "",
        cadastral_reference: str | None = None,
    ) -> Address:
        """The address in the street register: the building must exist (a flat the register
        does not list is the building's, with the floor and door as given). A cadastral
        reference, when given, is checked (python-stdnum) and, if the register knows it, must be
        this building's. A catalogued building is refused: a notice does not apply there."""
        streets = self.platform.streets
        address: Address | None = streets.address(street_code, number, floor, door)
        if address is None:
            building = streets.address(street_code, number)
            if building is None:
                raise ADDRESS_UNKNOWN(details={"street": street_code[:20], "number": number[:20]})
            address = Address(
                building.street,
                building.number,
                building.postcode,
                floor.strip(),
                door.strip(),
                None,
                building.catalogued,
            )
        if cadastral_reference:
            known = streets.by_cadastral(cadastral_reference)  # raises when it is malformed
            if known is not None and (
                known.street.code != address.street.code or known.number != address.number
            ):
                raise CADASTRAL_ELSEWHERE("the cadastral reference is another address's")
            from finestreta.streets.names import cadastral_reference as canonical

            address = Address(
                address.street,
                address.number,
                address.postcode,
                address.floor,
                address.door,
                canonical(cadastral_reference),
                address.catalogued or bool(known and known.catalogued),
            )
        if address.catalogued:
            raise BUILDING_CATALOGUED("the building is catalogued")
        return address

    # -------------------------------------------------------------- 4. the draft, signed
    def check_form(self, form: NoticeForm) -> Address:
        description = form.description.strip()
        if not description or len(description) > MAX_DESCRIPTION:
            raise BAD_DESCRIPTION(details={"max": MAX_DESCRIPTION, "length": len(description)})
        today = self.today()
        if form.start <= today:
            raise START_TOO_SOON(details={"earliest": (today + timedelta(days=1)).isoformat()})
        if form.start > today + timedelta(days=self.settings.max_start_days):
            raise START_TOO_LATE(details={"latest_days": self.settings.max_start_days})
        if not 1 <= form.duration_days <= self.settings.max_duration_days:
            raise BAD_DURATION(details={"max": self.settings.max_duration_days})
        return self.check_address(
            form.street_code, form.number, form.floor, form.door, form.cadastral_reference
        )

    def ask_signature(
        self, *, call: Any, clerk_id: int, form: NoticeForm, lang: str
    ) -> tuple[Asked, NoticeData]:
        """Everything checked again (the server never trusts what the console held), the draft
        drawn and shown on the booth to be signed. A notice already waiting is cancelled first:
        the citizen signs only the last draft."""
        progress = self.progress(call.id)
        decision = progress.decision
        if decision is None or not decision.within_scope:
            raise NOT_WITHIN_SCOPE(details={"code": decision.code if decision else "unanswered"})
        citizen = self.citizen(call.id)
        address = self.check_form(form)
        self._check_scans(call.id, form.scans)
        data = NoticeData(
            kind=progress.answers["kind"],
            rule=decision.code,
            name=citizen.name,
            id_type=citizen.id_type,
            id_number=citizen.id_number,
            address=address.label,
            postcode=address.postcode,
            district=address.street.district,
            cadastral_reference=address.cadastral_reference,
            description=form.description.strip(),
            start=form.start,
            duration_days=form.duration_days,
            fee_cents=self.settings.fee_cents,
            prepared_at=self.platform.clock.now(),
        )
        pdf = render_notice(data, city=self._city(), lang=lang, tz=self._tz)
        self.cancel(call)
        asked = self.platform.signatures.ask(
            call,
            procedure=DOMAIN,
            purpose=PURPOSE,
            title=notice_title(lang),
            pdf=pdf,
            signer=Signer(citizen.name, citizen.id_type, citizen.id_number),
        )
        pending = {
            "request_id": asked.request_id,
            "document_id": asked.document_id,
            "sha256": asked.sha256,
            "lang": lang,
            "clerk_id": clerk_id,
            "scans": list(form.scans),
            "data": _data_json(data),
        }
        self._put(call.id, "pending", pending)
        self._put(call.id, "outcome", {"state": "waiting", "request_id": asked.request_id})
        return Asked(asked.request_id, asked.document_id, asked.sha256), data

    def cancel(self, call: Any) -> bool:
        """Take back the notice waiting for the citizen's signature, if any."""
        pending = self.platform.memory.drop(call.id, DOMAIN, "pending")
        if pending is None:
            return False
        try:
            self.platform.signatures.cancel(call, pending["request_id"])
        except Exception as exc:  # already signed or expired: nothing to take back there
            log.info("works: the signature request could not be cancelled: %s", exc)
        self._put(call.id, "outcome", {"state": "cancelled"})
        return True

    # -------------------------------------------------------------- 5. signed: register
    def signature_given(self, given: SignatureGiven) -> None:
        """The citizen signed the draft (or the clerk recorded their oral consent), committed:
        register the notice, seal it, and print it with its receipt at the booth."""
        if given.procedure != DOMAIN or given.purpose != PURPOSE:
            return
        self._signed(given.call_id, given.request, given.signature)

    def _signed(self, call_id: str, request: SealedRequest, signature: Drawable | None) -> None:
        pending = self._get(call_id, "pending")
        if pending is None or pending["request_id"] != request.id:
            log.warning("works: a signature for no pending notice of call %s", call_id)
            return
        try:
            outcome = self._register(call_id, pending, request, signature)
        except Exception as exc:
            code = getattr(exc, "code", "internal")
            log.error("works: the signed notice could not be registered: %s", code)
            self._put(call_id, "outcome", {"state": "failed", "code": str(code)})
            self.platform.steps.record(
                DOMAIN, "registered", str(code), call_id=call_id, clerk_id=pending["clerk_id"]
            )
            return
        self.platform.memory.drop(call_id, DOMAIN, "pending")
        self._put(call_id, "outcome", outcome)

    def _register(
        self,
        call_id: str,
        pending: Mapping[str, Any],
        request: SealedRequest,
        signature: Drawable | None,
    ) -> dict[str, Any]:
        from finestreta.documents.records import DocumentRow
        from finestreta.registry.service import AttachedDocument, register

        seal = self.platform.seal()
        if seal is None:
            raise NO_SEAL("FINESTRETA_SEAL_PKCS12 is not set")
        data = _data_of(pending["data"])
        lang = pending["lang"]
        clerk_id = int(pending["clerk_id"])
        official = None
        if request.state == "oral_consent":
            official = self._official(request.official_id)
        signed = Signed(
            draft_sha256=pending["sha256"],
            sealed_at=request.sealed_at,
            signature=signature,
            official=official,
            reason=request.consent_reason,
        )
        city = self._city()
        settings = self.platform.settings
        _ = _texts(lang)
        with self.platform.db.session() as session:
            draft = session.get(DocumentRow, pending["document_id"])
            if draft is None or draft.sha256 != pending["sha256"]:
                raise NO_PENDING("the signed draft is not stored")
            signed_draft = _("signed draft")
            attached = [
                AttachedDocument(
                    f"{notice_title(lang)} ({signed_draft})",
                    draft.sha256,
                    draft.size,
                    draft.media_type,
                )
            ]
            for scan_id in pending["scans"]:
                scan = session.get(DocumentRow, scan_id)
                if scan is not None and scan.call_id == call_id and scan.deleted_at is None:
                    attached.append(AttachedDocument.of(scan))
            entry = register(
                session,
                direction="in",
                party_name=data.name,
                party_document=(_party_type(data.id_type), data.id_number),
                subject=f"{notice_title(lang)}: {data.address}",
                summary=_summary(data, lang),
                destination_unit=self.settings.unit.format(district=data.district),
                documents=attached,
                call_id=call_id,
                created_by=f"clerk:{clerk_id}",
                tz=self._tz,
            )
            issued = issue_sealed(
                session,
                render=lambda issuance: render_notice(
                    data, city=city, lang=lang, tz=self._tz, signed=signed, issuance=issuance
                ),
                kind=NOTICE_KIND,
                title=notice_title(lang),
                party_name=data.name,
                party_document=(_party_type(data.id_type), data.id_number),
                sending_body=city.council,
                location=settings.city_name,
                lang=lang,
                seal=seal,
                documents=self.platform.documents,
                public_url=settings.public_url,
                created_by=f"clerk:{clerk_id}",
                tz=self._tz,
                call_id=call_id,
                entry=entry,
            )
            from finestreta.registry import receipt as receipts

            receipt_pdf = receipts.render_receipt(
                entry,
                city=city,
                lang=lang,
                tz=self._tz,
                verification=receipts.Verification(issued.code, issued.verify_url),
            )
            entry_code, entry_number = entry.code, entry.number_text
        call = self.platform.calls.get(call_id)
        printed: list[str] = []
        if call is not None and call.active:
            with self.platform.db.session() as session:
                row = session.get(DocumentRow, issued.document_id)
                assert row is not None
                self.platform.devices.attached(call, row)
            receipt = self.platform.devices.attach(
                call,
                receipt_pdf,
                kind="receipt",
                title=f"{receipts.receipt_title(lang)} {entry_number}",
                by=f"clerk:{clerk_id}",
            )
            for document_id in (issued.document_id, receipt.id):
                job = self.platform.devices.request_print(clerk_id, call_id, document_id, 1)
                printed.append(job.id)
            self.platform.screen.show(
                call,
                WorksRegistered(
                    registry_number=entry_number, start=data.start.isoformat(), printed=True
                ),
            )
        self.platform.steps.record(
            DOMAIN,
            "registered",
            request.state,
            call_id=call_id,
            clerk_id=clerk_id,
            kind=data.kind,
            lang=lang,
            attachments=len(pending["scans"]) + 1,
            fee=bool(data.fee_cents),
        )
        return {
            "state": "registered",
            "signed": request.state,
            "registry_code": entry_code,
            "registry_number": entry_number,
            "code": issued.code,
            "verify_url": issued.verify_url,
            "document_id": issued.document_id,
            "print_jobs": printed,
            "draft_sha256": pending["sha256"],
        }

    def identified(self, call_id: str) -> dict[str, Any] | None:
        """The citizen as the clerk identified them in this call (for the console), if any."""
        kept = self._get(call_id, "citizen")
        return dict(kept) if kept else None

    def register_again(self, call: Any, clerk_id: int) -> dict[str, Any]:
        """Register a notice that was signed but could not be registered (the seal was missing
        or broken): the same signed draft, without asking the citizen to sign again. The strokes
        are read back as the clerk of the call (their drawing only, audited)."""
        from finestreta.signatures.access import Reader, read_drawing

        outcome = self._get(call.id, "outcome")
        pending = self._get(call.id, "pending")
        if not outcome or outcome.get("state") != "failed" or pending is None:
            raise NOTHING_TO_REGISTER("no failed registration in this call")
        request = self.platform.signatures.request(pending["request_id"])
        if request is None:
            raise NOTHING_TO_REGISTER("the signature request is not sealed")
        signature = None
        if request.state == "signed":
            with self.platform.db.session() as session:
                try:
                    signature = read_drawing(
                        session,
                        request.id,
                        reader=Reader(clerk_id, "clerk"),
                        reason=None,
                        now=self.platform.clock.now(),
                    )
                except Exception:
                    session.commit()  # the refused read stays in the audit
                    raise
        self._signed(call.id, request, signature)
        return self.outcome(call.id) or {}

    def outcome(self, call_id: str) -> dict[str, Any] | None:
        value = self._get(call_id, "outcome")
        return dict(value) if value else None

    # -------------------------------------------------------------- the sheet instead
    def sheet_slug(self, call_id: str) -> str:
        decision = self.progress(call_id).decision
        if decision is None or decision.instead is None:
            raise NO_SHEET("no procedure applies instead (yet)")
        return SHEETS[decision.instead]

    # -------------------------------------------------------------- more helpers
    def _city(self) -> CityHeading:
        return CityHeading.from_settings(self.platform.settings)

    def _official(self, official_id: int | None) -> str:
        from finestreta.accounts.models import StaffUser

        if official_id is None:
            return ""
        with self.platform.db.session() as session:
            user = session.get(StaffUser, official_id)
            return user.display_name if user is not None else f"#{official_id}"

    def _check_scans(self, call_id: str, scans: Sequence[str]) -> None:
        from finestreta.devices.desk import NO_DOCUMENT
        from finestreta.documents.records import DocumentRow

        with self.platform.db.session() as session:
            for scan_id in scans:
                row = session.get(DocumentRow, scan_id)
                if (
                    row is None
                    or row.call_id != call_id
                    or row.deleted_at is not None
                    or row.kind not in ("scan", "upload")
                ):
                    raise NO_DOCUMENT("No such scan in this attention")


def _texts(lang: str) -> Any:
    from finestreta.i18n import translator
    from finestreta.procedures.works import LOCALE_DIR

    return translator(lang, DOMAIN, LOCALE_DIR)


def _party_type(id_type: str) -> str:
    return "nif" if id_type == "dni" else id_type


def _summary(data: NoticeData, lang: str) -> str:
    _ = _texts(lang)
    head = _("From {start}, {days} days.").format(
        start=data.start.isoformat(), days=data.duration_days
    )
    return f"{head} {data.description}"[:4000]


def _data_json(data: NoticeData) -> dict[str, Any]:
    value = asdict(data)
    value["start"] = data.start.isoformat()
    value["prepared_at"] = data.prepared_at.isoformat()
    return value


def _data_of(value: Mapping[str, Any]) -> NoticeData:
    return NoticeData(
        **{
            **value,
            "start": date.fromisoformat(value["start"]),
            "prepared_at": datetime.fromisoformat(value["prepared_at"]),
        }
    )
