"""The complaints desk: filing a case during a call, and the work on cases afterwards.

* :meth:`ComplaintDesk.file` — one transaction: the case (checked whole by ``cases.open_case``),
  its **incoming registry entry** (interested party or "anonymous", summary, the case's unit,
  the SHA-256 of every attached document) and the documents of the call filed with it; after
  the commit the registry receipt (with the case code and the tracking page's address, in the
  citizen's language) is stored as a document of the call and printed at the booth.
* :meth:`ComplaintDesk.read` — a case for staff, **audited** (``complaint_case_accesses``)
  before anything of it is returned.
* :meth:`ComplaintDesk.act` — the lifecycle's moves, the answer (with its e-mail put in the
  outbox in the same transaction and sent after the commit) and the moderated description.
* :meth:`ComplaintDesk.send_pending` — the outbox, tried again by the procedure's upkeep until
  every answer is sent; failures are recorded with the SMTP reason only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from finestreta.documents.pdf.signature import Signed
from finestreta.documents.records import DocumentRow
from finestreta.errors import INVALID, N_, Conflict, InvalidInput, NotAllowed, NotFound, declare
from finestreta.i18n import translator
from finestreta.mail import Mailer, MailFailed, MailNotConfigured
from finestreta.procedures.complaints import cases
from finestreta.procedures.complaints.casework_records import (
    AnswerMailRow,
    CaseAccessRow,
    CaseAttachmentRow,
)
from finestreta.procedures.complaints.lifecycle import CaseState, Role
from finestreta.procedures.complaints.records import CaseRow
from finestreta.procedures.complaints.settings import ALL_UNITS
from finestreta.procedures.complaints.types import DOMAIN, THEMES, TYPES, UNITS
from finestreta.registry.service import AttachedDocument, Direction, register
from finestreta.signatures.render import Drawable
from finestreta.signatures.sealing import SealedRequest

log = logging.getLogger(__name__)

LOCALE = Path(__file__).parent / "locale"
MAX_ATTACHMENTS = 10
SUMMARY_LENGTH = 500
ATTACHABLE_KINDS = ("scan", "upload")
FORM_KIND = "signature_draft"  # the form as the signature desk stored it (its hash sealed)
# The form with the signature drawn in (or the oral consent recorded), filed with the case.
SIGNED_KIND = "complaint_signed"
PURPOSE = "complaint"
SIGNING, FILED = "signing", "filed"  # keys in the call's memory
SENDING_LEASE = timedelta(minutes=2)  # longer than an SMTP conversation may take
# The outbox's back-off: 1, 2, 4 … 128 minutes after each failure (about 4 h in all), then the
# answer is given up (``failed_at``) and the case page says to reach the citizen otherwise.
FIRST_RETRY = timedelta(minutes=1)
MAX_ATTEMPTS = 8
# Per upkeep run: a slow server (each try may take the mailer's timeout) cannot stall it long.
BATCH = 10
# The request that answered waits this long for the first try, then leaves it running.
FIRST_SEND_WAIT_S = 2.0
NO_SERVER = "no mail server"

CASE_ATTACHMENT_NOT_OF_CALL = declare(
    "case_attachment_not_of_call",
    NotFound,
    N_("That document is not a scan or upload of this attention."),
    domain=DOMAIN,
)
CASE_TOO_MANY_ATTACHMENTS = declare(
    "case_too_many_attachments",
    InvalidInput,
    N_("Too many documents: at most {max} with one case."),
    domain=DOMAIN,
)
CASE_HANDLERS_ONLY = declare(
    "case_handlers_only",
    NotAllowed,
    N_("Only case handlers and supervisors work cases."),
    domain=DOMAIN,
)
CASE_UNKNOWN_UNIT = declare(
    "case_unknown_unit",
    InvalidInput,
    N_("There is no such unit: choose one from the list."),
    domain=DOMAIN,
)
CASE_SIGNATURE_NEEDED = declare(
    "case_signature_needed",
    Conflict,
    N_("A case with a contact is filed once the citizen has signed it."),
    domain=DOMAIN,
)
CASE_SIGNATURE_UNKNOWN = declare(
    "case_signature_unknown",
    NotFound,
    N_("No complaint of this call waits for that signature."),
    domain=DOMAIN,
)
CASE_NOT_YOURS = declare(
    "case_not_yours",
    NotFound,
    N_("There is no case with this code among those of your units."),
    domain=DOMAIN,
)

STATE_LABELS = {
    CaseState.RECEIVED: N_("Received"),
    CaseState.ASSIGNED: N_("Assigned"),
    CaseState.IN_PROGRESS: N_("In progress"),
    CaseState.ANSWERED: N_("Answered"),
    CaseState.CLOSED: N_("Closed"),
}


def texts(lang: str) -> Callable[[str], str]:
    return translator(lang, DOMAIN, LOCALE)


def signer_of(contact: cases.Contact) -> str:
    """Who signs, as the form and the signature request name them: the name, else how to
    reach them."""
    return contact.name or contact.email or contact.phone


def role_of(staff_role: str) -> Role:
    """The role a staff member works cases in (``case_handlers_only`` for anyone else)."""
    try:
        return Role(staff_role)
    except ValueError:
        raise CASE_HANDLERS_ONLY(f"a {staff_role} does not work cases") from None


@dataclass(frozen=True)
class Filing:
    """What the clerk filled in on the panel (``contact`` None: anonymous)."""

    case_type: str
    theme: str
    description: str
    location: cases.Location
    contact: cases.Contact | None
    language: str
    attachments: tuple[str, ...] = ()  # ids of documents of the call

    def to_memory(self) -> dict[str, Any]:
        """As kept in the call's memory while the citizen signs (JSON)."""
        where: dict[str, str] = (
            {"street_code": self.location.street_code, "number": self.location.number}
            if isinstance(self.location, cases.AddressLocation)
            else {"place": self.location.text}
        )
        contact = (
            None
            if self.contact is None
            else {
                "email": self.contact.email,
                "phone": self.contact.phone,
                "name": self.contact.name,
            }
        )
        return {
            "case_type": self.case_type,
            "theme": self.theme,
            "description": self.description,
            "where": where,
            "contact": contact,
            "language": self.language,
            "attachments": list(self.attachments),
        }

    @classmethod
    def from_memory(cls, kept: dict[str, Any]) -> Filing:
        where = kept["where"]
        location: cases.Location = (
            cases.AddressLocation(where["street_code"], where["number"])
            if "street_code" in where
            else cases.DescribedPlace(where["place"])
        )
        contact = kept.get("contact")
        return cls(
            case_type=kept["case_type"],
            theme=kept["theme"],
            description=kept["description"],
            location=location,
            contact=cases.Contact(**contact) if contact is not None else None,
            language=kept["language"],
            attachments=tuple(kept.get("attachments", ())),
        )


@dataclass(frozen=True)
class SignedForm:
    """The form the citizen signed: the draft the signature desk stored (``form``, its id),
    when it was drawn (the time it prints) and how it was signed."""

    form: str
    prepared_at: datetime
    signed: Signed


@dataclass(frozen=True)
class Filed:
    case: cases.Case
    registry_code: str
    registry_number: str
    track_url: str
    receipt_id: str | None
    receipt: Any  # the DocumentRow of the receipt (None: not stored, see warnings)
    print_job: str | None  # the receipt's
    # after the commit: receipt_not_stored, receipt_not_printed, code_not_shown
    warnings: tuple[str, ...] = ()
    signed_copy: str | None = None  # the document id of the signed copy (a signed case)
    signed_copy_job: str | None = None  # its print job at the booth


@dataclass(frozen=True)
class Attachment:
    position: int
    document_id: str
    title: str
    sha256: str
    size: int
    media_type: str


@dataclass(frozen=True)
class CaseFile:
    """A case as staff read it: the whole case, its history and its documents."""

    case: cases.Case
    history: list[cases.CaseEvent]
    attachments: list[Attachment]
    mail: AnswerMailRow | None  # the last answer's e-mail, if one was due


class ComplaintDesk:
    def __init__(self, *, platform: Any, settings: Any, mailer: Mailer | None = None) -> None:
        self.platform = platform
        self.settings = settings  # ComplaintsSettings
        self.mailer = mailer if mailer is not None else Mailer.from_settings(platform.settings)

    # ------------------------------------------------------------------ shared
    @property
    def city(self) -> Any:
        return self.platform.settings

    def now(self) -> datetime:
        moment: datetime = self.platform.clock.now()
        return moment

    def today(self) -> date:
        return self.now().astimezone(ZoneInfo(self.city.city_timezone)).date()

    def track_url(self, display_code: str) -> str:
        base = (self.city.public_url or "").rstrip("/")
        return f"{base}/track/{display_code}"

    # ------------------------------------------------------------------ filing at the booth
    def _open_case(
        self, session: Session, call_id: str, filing: Filing, now: datetime
    ) -> cases.Case:
        """The case of ``filing``, checked whole (``cases.open_case``), in ``session``."""
        return cases.open_case(
            session,
            case_type=filing.case_type,
            theme=filing.theme,
            description=filing.description,
            location=filing.location,
            contact=filing.contact,
            language=filing.language,
            registry_code=None,
            call_id=call_id,
            now=now,
            streets=self.platform.streets,
            settings=self.settings,
            timezone=self.city.city_timezone,
        )

    def _attachments(self, session: Session, call_id: str, ids: Sequence[str]) -> list[Any]:
        if len(ids) > MAX_ATTACHMENTS:
            raise CASE_TOO_MANY_ATTACHMENTS(
                f"{len(ids)} documents, at most {MAX_ATTACHMENTS}", {"max": MAX_ATTACHMENTS}
            )
        rows: list[Any] = []
        for document_id in dict.fromkeys(ids):  # once each, in the order picked
            row = session.get(DocumentRow, document_id) if isinstance(document_id, str) else None
            if (
                row is None
                or row.call_id != call_id
                or row.deleted_at is not None
                or row.kind not in ATTACHABLE_KINDS
            ):
                raise CASE_ATTACHMENT_NOT_OF_CALL("No scan or upload of this call with that id")
            rows.append(row)
        return rows

    def file(
        self,
        *,
        call: Any,
        clerk_id: int,
        filing: Filing,
        print_receipt: bool = True,
        signed_form: SignedForm | None = None,
    ) -> Filed:
        """The case, its registry entry and its documents in one transaction; then the
        receipt, printed at the booth. Nothing is stored when anything is refused.
        ``signed_form``: the complaint form the citizen signed (a case with a contact): its
        signed copy is drawn and filed first among the case's documents, then the draft they
        were shown, both hashes in the registry entry; the copy is printed with the receipt."""
        if filing.contact is not None and signed_form is None:
            raise CASE_SIGNATURE_NEEDED("a case with a contact is signed before it is filed")
        now = self.now()
        with self.platform.db.session() as session:
            scans = documents = self._attachments(session, call.id, filing.attachments)
            form = None
            if signed_form is not None:
                form = session.get(DocumentRow, signed_form.form)
                if form is None or form.call_id != call.id or form.kind != FORM_KIND:
                    raise CASE_ATTACHMENT_NOT_OF_CALL("the signed form is not of this call")
            case = self._open_case(session, call.id, filing, now)
            signed_copy = None
            if signed_form is not None and form is not None:
                signed_copy = self._signed_copy(session, call, clerk_id, case, scans, signed_form)
                documents = [signed_copy, form, *scans]
            # The registry book is the city's, in its language; only the receipt (below) is
            # in the citizen's.
            _ = texts(self.settings.registry_language)
            party = (filing.contact.name if filing.contact else "") or (
                _("Anonymous") if filing.contact is None else _("Not given")
            )
            summary_text = case.description
            if len(summary_text) > SUMMARY_LENGTH:
                summary_text = summary_text[: SUMMARY_LENGTH - 1].rstrip() + "…"
            where = case.address_label or case.place or ""
            entry = register(
                session,
                direction=Direction.IN,
                party_name=party,
                party_document=None,
                subject=f"{_(TYPES[case.case_type].label)}: {_(THEMES[case.theme].label)}",
                summary=f"{summary_text}\n{_('Where')}: {where}",
                destination_unit=_(UNITS.get(case.unit, case.unit)),
                documents=[AttachedDocument.of(d) for d in documents],
                call_id=call.id,
                created_by=f"clerk:{clerk_id}",
                tz=self.city.city_timezone,
            )
            session.execute(
                update(CaseRow)
                .where(CaseRow.code == case.code)
                .values(registry_code=entry.code)
                .execution_options(synchronize_session=False)
            )
            case_id = session.scalar(select(CaseRow.id).where(CaseRow.code == case.code))
            session.add_all(
                CaseAttachmentRow(
                    case_id=case_id,
                    position=index,
                    document_id=d.id,
                    title=d.title,
                    sha256=d.sha256,
                    size=d.size,
                    media_type=d.media_type,
                )
                for index, d in enumerate(documents)
            )
            registry_code, number_text = entry.code, entry.number_text
            copy_id = signed_copy.id if signed_copy is not None else None
            case = cases.get_case(session, case.code)
        # Committed: the case exists and its code is the clerk's to give. Nothing from here on
        # may raise (the citizen may have hung up, a printer may be gone): each failure is a
        # warning in the answer, never an error that hides the code and invites a second case.
        track = self.track_url(case.display_code)
        warnings: list[str] = []
        receipt = None
        try:
            receipt = self._receipt(call, clerk_id, registry_code, case, track)
        except Exception:
            log.exception("receipt of a filed case not stored")
            warnings.append("receipt_not_stored")
        job = copy_job = None
        if copy_id is not None:
            try:
                with self.platform.db.session() as session:
                    row = session.get(DocumentRow, copy_id)
                    assert row is not None  # committed just before
                    self.platform.devices.attached(call, row)  # the console lists it
                if print_receipt:
                    # printed first, as the works notice: the citizen's copy of what they signed
                    printing = self.platform.devices.request_print(clerk_id, call.id, copy_id, 1)
                    copy_job = printing.id
            except Exception as error:  # call_ended above all: nothing to print at
                log.warning("signed copy of a filed case not printed: %s", type(error).__name__)
                warnings.append("signed_copy_not_printed")
        if print_receipt and receipt is not None:
            try:
                job = self.platform.devices.request_print(clerk_id, call.id, receipt.id, 1).id
            except Exception as error:  # call_ended above all: nothing to print at
                log.warning("receipt of a filed case not printed: %s", type(error).__name__)
                warnings.append("receipt_not_printed")
        from finestreta.procedures.complaints.frames import ComplaintsFiled

        try:
            # through the screen's memory: a booth page that comes back shows the code again
            self.platform.screen.show(call, ComplaintsFiled(code=case.display_code, url=track))
        except Exception as error:
            log.warning("case code not shown at the booth: %s", type(error).__name__)
            warnings.append("code_not_shown")
        try:
            self.platform.steps.record(
                DOMAIN,
                "filed",
                call_id=call.id,
                clerk_id=clerk_id,
                case_type=case.case_type,
                theme=case.theme,
                attachments=len(filing.attachments),
                anonymous=case.contact is None,
                signed=signed_form is not None,
            )
        except Exception:
            log.exception("step of a filed case not recorded")
        return Filed(
            case,
            registry_code,
            number_text,
            track,
            receipt.id if receipt is not None else None,
            receipt,
            job,
            tuple(warnings),
            copy_id,
            copy_job,
        )

    def _signed_copy(
        self,
        session: Session,
        call: Any,
        clerk_id: int,
        case: cases.Case,
        scans: Sequence[Any],
        signed_form: SignedForm,
    ) -> Any:
        """The form as the citizen was shown it (the same data, time and documents), with
        their signature drawn in: stored in the filing's transaction."""
        from finestreta.documents.pdf.heading import CityHeading
        from finestreta.procedures.complaints.form import form_title, render_form

        assert case.contact is not None
        pdf = render_form(
            city=CityHeading.from_settings(self.city),
            lang=case.language,
            tz=self.city.city_timezone,
            now=signed_form.prepared_at,
            case_type=case.case_type,
            theme=case.theme,
            where=case.address_label or case.place or "",
            description=case.description,
            name=case.contact.name,
            email=case.contact.email,
            phone=case.contact.phone,
            documents=[(d.title, d.sha256) for d in scans],
            signer=signer_of(case.contact),
            signed=signed_form.signed,
        )
        title = f"{form_title(case.language)} ({texts(case.language)('signed copy')})"
        return self.platform.documents.add(
            session,
            pdf,
            kind=SIGNED_KIND,
            title=title,
            created_by=f"clerk:{clerk_id}",
            call_id=call.id,
            kiosk_id=call.kiosk_id,
        )

    # ------------------------------------------------------------------ signed by the citizen
    def ask_to_sign(self, *, call: Any, clerk_id: int, filing: Filing) -> Any:
        """A case with a contact: check it whole (nothing kept), put the complaint form on the
        booth for the citizen to sign, and keep the filing in the call's memory until the
        signature (or the clerk's record of oral consent) comes: ``signed`` files it."""
        if filing.contact is None:
            raise INVALID("an anonymous case is filed without a signature")
        now = self.now()
        with self.platform.db.session() as session:
            documents = self._attachments(session, call.id, filing.attachments)
            case = self._open_case(session, call.id, filing, now)
            session.rollback()  # only checked: the case is opened once signed
            attached = [(d.title, d.sha256) for d in documents]
        from finestreta.documents.pdf.heading import CityHeading
        from finestreta.procedures.complaints.form import form_title, render_form
        from finestreta.signatures.desk import Signer

        assert case.contact is not None
        pdf = render_form(
            city=CityHeading.from_settings(self.city),
            lang=case.language,
            tz=self.city.city_timezone,
            now=now,
            case_type=case.case_type,
            theme=case.theme,
            where=case.address_label or case.place or "",
            description=case.description,
            name=case.contact.name,
            email=case.contact.email,
            phone=case.contact.phone,
            documents=attached,
            signer=signer_of(case.contact),
        )
        name = signer_of(case.contact)
        asked = self.platform.signatures.ask(
            call,
            procedure=DOMAIN,
            purpose=PURPOSE,
            title=form_title(case.language),
            pdf=pdf,
            # no identity document is asked of a complainant: the signer is who they say
            signer=Signer(name, "none", ""),
        )
        # One form at a time per call (asking again withdraws the open request): one key.
        self.platform.memory.put(
            call.id,
            DOMAIN,
            SIGNING,
            {
                "request_id": asked.request_id,
                "filing": filing.to_memory(),
                "clerk_id": clerk_id,
                "form": asked.document_id,
                # the signed copy is drawn again from the same data, as of the same time
                "prepared_at": now.isoformat(),
            },
        )
        return asked

    def signed(
        self, call_id: str, request: SealedRequest, signature: Drawable | None = None
    ) -> Filed | None:
        """The citizen signed (``signature``: the strokes) or consented orally to the form of
        ``request``: the case is filed with it and its signed copy. None when no filing waits
        for it (already filed, or not ours)."""
        request_id = request.id
        kept = self.platform.memory.get(call_id, DOMAIN, SIGNING)
        if not isinstance(kept, dict) or kept.get("request_id") != request_id:
            return None
        # The hook may be offered again (a delivery at least once): filed once, by its form.
        with self.platform.db.session() as session:
            done = session.scalar(
                select(CaseAttachmentRow.case_id).where(
                    CaseAttachmentRow.document_id == str(kept["form"])
                )
            )
        if done is not None:
            self.platform.memory.drop(call_id, DOMAIN, SIGNING)
            return None
        call = self.platform.calls.get(call_id)
        if call is None:
            log.warning("a signed complaint's call is gone: not filed")
            return None
        filed = self.file(
            call=call,
            clerk_id=int(kept["clerk_id"]),
            filing=Filing.from_memory(kept["filing"]),
            signed_form=SignedForm(
                form=str(kept["form"]),
                prepared_at=datetime.fromisoformat(str(kept["prepared_at"])),
                signed=Signed(
                    draft_sha256=request.document_sha256,
                    sealed_at=request.sealed_at,
                    signature=signature if request.state == "signed" else None,
                    official=request.official_name,
                    reason=request.consent_reason,
                ),
            ),
        )
        # Forgotten once filed only: a failure above (logged by the desk) leaves it kept.
        self.platform.memory.drop(call_id, DOMAIN, SIGNING)
        self.platform.memory.put(
            call_id,
            DOMAIN,
            FILED,
            {
                "request_id": request_id,
                "code": filed.case.display_code,
                "track_url": filed.track_url,
                "registry_code": filed.registry_code,
                "registry_number": filed.registry_number,
                "due_on": filed.case.due_on.isoformat(),
                "receipt_id": filed.receipt_id,
                "job_id": filed.print_job,
                "signed_copy_id": filed.signed_copy,
                "signed_copy_job_id": filed.signed_copy_job,
                "warnings": list(filed.warnings),
            },
        )
        return filed

    def filed_after_signing(self, call_id: str, request_id: str) -> dict[str, Any] | None:
        """What ``signed`` filed for ``request_id`` (None: not yet, or not at all)."""
        kept = self.platform.memory.get(call_id, DOMAIN, FILED)
        if isinstance(kept, dict) and kept.get("request_id") == request_id:
            return kept
        # The call's memory goes with the call: after a hang-up the case is found by the
        # signed form filed with it.
        from finestreta.registry.service import get_by_code
        from finestreta.signatures.records import SignatureRequestRow

        with self.platform.db.session() as session:
            request = session.get(SignatureRequestRow, request_id)
            if request is None or request.call_id != call_id or not request.document_id:
                return None
            case_id = session.scalar(
                select(CaseAttachmentRow.case_id).where(
                    CaseAttachmentRow.document_id == request.document_id
                )
            )
            row = session.get(CaseRow, case_id) if case_id is not None else None
            if row is None or row.registry_code is None:
                return None
            case = cases.get_case(session, row.code)
            entry = get_by_code(session, row.registry_code)
            copy = session.scalar(
                select(CaseAttachmentRow.document_id)
                .join(DocumentRow, DocumentRow.id == CaseAttachmentRow.document_id)
                .where(CaseAttachmentRow.case_id == case_id, DocumentRow.kind == SIGNED_KIND)
            )
            return {
                "code": case.display_code,
                "track_url": self.track_url(case.display_code),
                "registry_code": row.registry_code,
                "registry_number": entry.number_text if entry is not None else "",
                "due_on": case.due_on.isoformat(),
                "receipt_id": None,
                "job_id": None,
                "signed_copy_id": copy,
                "signed_copy_job_id": None,
                "warnings": [],
            }

    def _receipt(
        self, call: Any, clerk_id: int, registry_code: str, case: cases.Case, track: str
    ) -> Any:
        from finestreta.documents.pdf.heading import CityHeading
        from finestreta.registry import receipt as receipts
        from finestreta.registry.service import get_by_code

        _ = texts(case.language)
        with self.platform.db.session() as session:
            entry = get_by_code(session, registry_code)
            assert entry is not None  # committed just before
            pdf = receipts.render_receipt(
                entry,
                city=CityHeading.from_settings(self.city),
                lang=case.language,
                tz=self.city.city_timezone,
                follow_up=receipts.FollowUp(
                    _("Case code"), case.display_code, _("Follow it at"), track
                ),
            )
            title = f"{receipts.receipt_title(case.language)} {entry.number_text}"
        return self.platform.devices.attach(
            call, pdf, kind="receipt", title=title, by=f"clerk:{clerk_id}"
        )

    # ------------------------------------------------------------------ staff's work
    def units_of(self, username: str) -> tuple[str, ...] | None:
        """The units whose cases a handler works; None: every unit (``*``). A handler not
        named in the settings works none: cases hold personal data, so access is granted,
        never assumed."""
        units = tuple(self.settings.handler_units.get(username, ()))
        return None if ALL_UNITS in units else units

    def _may_see(self, role: Role, username: str, case: cases.Case) -> bool:
        if role is Role.SUPERVISOR:
            return True
        units = self.units_of(username)
        return units is None or case.unit in units

    def listing(
        self,
        *,
        staff_id: int,
        username: str,
        role: str,
        which: str = "units",
        state: str | None = None,
        limit: int = 100,
    ) -> list[cases.Case]:
        """``which``: ``units`` (my units' cases, every case for a supervisor or a handler
        given ``*``; none for a handler given no unit), ``mine`` (assigned to me) or ``overdue``; ``state`` narrows."""
        acting = role_of(role)
        units: tuple[str, ...] | None = None
        if acting is Role.CASE_HANDLER:
            units = self.units_of(username)
        states = None
        if state:
            try:
                states = [CaseState(state)]
            except ValueError:
                raise INVALID(f"no case state {state!r}") from None
        with self.platform.db.session() as session:
            return list(
                cases.cases_for_handler(
                    session,
                    units=units,
                    states=states,
                    handler_id=staff_id if which == "mine" else None,
                    overdue_on=self.today() if which == "overdue" else None,
                    limit=limit,
                )
            )

    def read(
        self, *, staff_id: int, username: str, role: str, code: str, view: str = "case_page"
    ) -> CaseFile:
        """The case with its personal data, once the read is written down."""
        acting = role_of(role)
        with self.platform.db.session() as session:
            case = cases.get_case(session, code)
            if not self._may_see(acting, username, case):
                raise CASE_NOT_YOURS("Not a case of the handler's units")
            row_id = session.scalar(select(CaseRow.id).where(CaseRow.code == case.code))
            session.add(
                CaseAccessRow(
                    case_id=row_id, staff_id=staff_id, role=acting.value, at=self.now(), view=view
                )
            )
            session.flush()
            attachments = [
                Attachment(a.position, a.document_id, a.title, a.sha256, a.size, a.media_type)
                for a in session.scalars(
                    select(CaseAttachmentRow)
                    .where(CaseAttachmentRow.case_id == row_id)
                    .order_by(CaseAttachmentRow.position)
                )
            ]
            mail = session.scalar(
                select(AnswerMailRow)
                .where(AnswerMailRow.case_id == row_id)
                .order_by(AnswerMailRow.id.desc())
                .limit(1)
            )
            if mail is not None:
                session.expunge(mail)
            return CaseFile(case, cases.history(session, code), attachments, mail)

    def attachment(
        self, *, staff_id: int, username: str, role: str, code: str, position: int
    ) -> tuple[Attachment, bytes]:
        """A document filed with the case (its read audited as ``attachment``)."""
        found = self.read(
            staff_id=staff_id, username=username, role=role, code=code, view="attachment"
        )
        for attachment in found.attachments:
            if attachment.position == position:
                with self.platform.db.session() as session:
                    row = session.get(DocumentRow, attachment.document_id)
                    if row is None or row.deleted_at is not None:
                        break
                    return attachment, self.platform.documents.content(row)
        raise CASE_ATTACHMENT_NOT_OF_CALL("No such document with this case")

    def act(
        self,
        *,
        staff_id: int,
        username: str,
        role: str,
        code: str,
        action: str,
        text: str = "",
        unit: str | None = None,
    ) -> cases.Case:
        """``action``: ``assign``, ``start``, ``answer`` (``text``), ``close``, ``reopen``,
        ``publish`` (``text``: the moderated description). An answer to a case with an
        e-mail address is sent after the commit, and kept in the outbox until it is."""
        acting = role_of(role)
        by = cases.Handler(staff_id, acting)
        now = self.now()
        mail_id: int | None = None
        with self.platform.db.session() as session:
            current = cases.get_case(session, code)
            if not self._may_see(acting, username, current):
                raise CASE_NOT_YOURS("Not a case of the handler's units")
            if action == "assign" and unit is not None and unit not in self.settings.known_units():
                raise CASE_UNKNOWN_UNIT(f"no unit {unit!r}")
            if action == "answer":
                case = cases.answer(session, code, text, by=by, now=now)
                if case.contact is not None and case.contact.email:
                    row_id = session.scalar(select(CaseRow.id).where(CaseRow.code == case.code))
                    mail = AnswerMailRow(case_id=row_id, created_at=now, attempts=0)
                    session.add(mail)
                    session.flush()
                    mail_id = mail.id
            elif action == "publish":
                case = cases.publish_description(session, code, text, by=by, now=now)
            else:
                moves = {
                    "assign": CaseState.ASSIGNED,
                    "start": CaseState.IN_PROGRESS,
                    "close": CaseState.CLOSED,
                    "reopen": CaseState.IN_PROGRESS,
                }
                if action not in moves:
                    raise INVALID(f"no action {action!r}")
                case = cases.move(
                    session,
                    code,
                    moves[action],
                    by=by,
                    note=text,
                    now=now,
                    unit=unit if action == "assign" else None,
                )
        if mail_id is not None:
            # Tried at once, but in the background: a slow or dead mail server must not hold
            # the handler's page (the upkeep takes over if this one fails or dies).
            sender = threading.Thread(
                target=self._send_quietly, args=(mail_id,), name="answer-mail", daemon=True
            )
            sender.start()
            sender.join(FIRST_SEND_WAIT_S)
        return case

    def _send_quietly(self, mail_id: int) -> None:
        try:
            self.send_pending(only=mail_id)
        except Exception:  # the upkeep will try it again
            log.exception("answer mail %d: first try failed", mail_id)

    # ------------------------------------------------------------------ the outbox
    def send_pending(self, only: int | None = None, batch: int = BATCH) -> int:
        """Send the answers due in the outbox (or just ``only``), at most ``batch``; returns
        how many went. With no mail server configured they stay, ``last_error`` saying so."""
        sent = 0
        now = self.now()
        with self.platform.db.session() as session:
            query = select(AnswerMailRow.id).where(
                AnswerMailRow.sent_at.is_(None),
                AnswerMailRow.failed_at.is_(None),
                or_(AnswerMailRow.next_attempt_at.is_(None), AnswerMailRow.next_attempt_at <= now),
            )
            if only is not None:
                query = query.where(AnswerMailRow.id == only)
            waiting = list(session.scalars(query.order_by(AnswerMailRow.id).limit(batch)))
        for mail_id in waiting:
            if self._send_one(mail_id):
                sent += 1
        return sent

    def _send_one(self, mail_id: int) -> bool:
        from finestreta.procedures.complaints.mail import answer_message

        now = self.now()
        with self.platform.db.session() as session:
            # Take it (a conditional UPDATE): the request that answered and the upkeep may
            # reach one row at once, and only one of them sends it.
            claimed = session.execute(
                update(AnswerMailRow)
                .where(
                    AnswerMailRow.id == mail_id,
                    AnswerMailRow.sent_at.is_(None),
                    AnswerMailRow.failed_at.is_(None),
                    or_(
                        AnswerMailRow.sending_until.is_(None),
                        AnswerMailRow.sending_until < now,
                    ),
                )
                .values(sending_until=now + SENDING_LEASE)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                return False
            mail = session.get(AnswerMailRow, mail_id)
            assert mail is not None
            attempts_before = mail.attempts
            case_row = session.get(CaseRow, mail.case_id)
            assert case_row is not None
            case = cases.get_case(session, case_row.code)
        permanent = False
        if case.contact is None or not case.contact.email or case.answer is None:
            error: str | None = "nothing to send"
        else:
            message = answer_message(
                case, track_url=self.track_url(case.display_code), city=self.city.city_name
            )
            try:
                self.mailer.send(message)
                error = None
            except MailNotConfigured:
                error = NO_SERVER
            except MailFailed as failure:
                error = failure.reason[:200]
                permanent = failure.permanent
        done = self.now()
        attempts = attempts_before + 1
        given_up = error not in (None, "nothing to send", NO_SERVER) and (
            permanent or attempts >= MAX_ATTEMPTS
        )
        with self.platform.db.session() as session:
            session.execute(
                update(AnswerMailRow)
                .where(AnswerMailRow.id == mail_id, AnswerMailRow.sent_at.is_(None))
                .values(
                    # waiting for a server to be configured is not a failure of this answer
                    attempts=attempts_before if error == NO_SERVER else attempts,
                    last_attempt_at=done,
                    last_error=error,
                    sending_until=None,
                    # no server yet: due again at once, to go as soon as one is configured
                    next_attempt_at=None
                    if error in (None, NO_SERVER)
                    else done + retry_after(attempts),
                    failed_at=done if given_up else None,
                    # an answer set aside since (the case reopened) is not sent any more
                    sent_at=done if error in (None, "nothing to send") else None,
                )
                .execution_options(synchronize_session=False)
            )
        if error is None:
            log.info("answer mail %d of a case sent", mail_id)
        elif given_up:
            log.warning("answer mail %d given up after %d attempts: %s", mail_id, attempts, error)
        elif error != NO_SERVER:
            log.warning("answer mail %d not sent: %s", mail_id, error)
        return error is None


def retry_after(attempts: int) -> timedelta:
    """The wait before the next try, after ``attempts`` failed ones (1 min, doubling)."""
    if attempts <= 0:
        return FIRST_RETRY
    return FIRST_RETRY * (1 << min(attempts - 1, MAX_ATTEMPTS))
