"""The signature desk: what the platform lends procedures (``Platform.signatures``) to have the
citizen sign a document on the booth's pad, or consent orally before the clerk.

A procedure asks (:meth:`SignatureDesk.ask`) with the draft PDF: it is stored as a document of
the call (kind ``signature_draft``), a request is opened for its SHA-256, and the booth shows
the document, its hash and the pad. The booth posts the strokes (:meth:`sign_at_booth`, from
``web/signatures_api.py``); the clerk may record oral consent instead (:meth:`consent_orally`)
or withdraw the request (:meth:`cancel`). Once the seal is committed the desk tells the booth,
the clerk's console (``signature_state``) and the procedure named on the request
(``Procedure.signature_given``); a procedure whose hook fails is logged, the seal stands, and
the hook is called again (:meth:`deliver_pending`, every upkeep round) until it returns without
raising (``delivered_at``), for a day: **at least once**, so a hook is idempotent per
``given.request.id``.

This module is domain: it reaches the booth and the console only through :class:`SignatureBooth`
(built on the booth screen in ``devices/signing.py``) and the procedures through
:class:`SignatureOwners`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from finestreta.attention.memory import ended_calls
from finestreta.clock import Clock
from finestreta.db import Database
from finestreta.documents.service import Documents
from finestreta.errors import N_, Conflict, FinestretaError, InvalidInput, declare
from finestreta.signatures.access import purge
from finestreta.signatures.encryption import SignatureKey
from finestreta.signatures.records import SignatureRequestRow
from finestreta.signatures.sealing import (
    ALREADY_SEALED,
    REQUEST_EXPIRED,
    REQUEST_UNKNOWN,
    SealedRequest,
    cancel,
    open_request,
    record_oral_consent,
    sealed,
    sign,
    start,
)
from finestreta.signatures.strokes import (
    SIGNATURE_MALFORMED,
    Point,
    Signature,
    Stroke,
    parse,
    simplify,
)

log = logging.getLogger(__name__)

DRAFT_KIND = "signature_draft"
# A sealed request whose procedure has not taken it is offered again for this long...
REDELIVER_FOR = timedelta(days=1)
# ...once this has passed since the seal (the first delivery, right after it, is not raced).
REDELIVER_AFTER = timedelta(seconds=60)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_PURPOSE = re.compile(r"[a-z][a-z0-9_.-]{0,59}")

NOT_SHOWN = declare(
    "signature_not_shown",
    InvalidInput,
    N_("The booth is not showing that document for signing: ask for the signature again."),
    N_("This document is no longer on the screen. The staff will show it to you again."),
)

IN_PROGRESS = declare(
    "signature_in_progress",
    Conflict,
    N_(
        "The citizen has started signing the document on the booth: to change it, withdraw "
        "it first."
    ),
)

CALL_NOT_ACTIVE = declare(
    "signature_call_ended",
    Conflict,
    N_("A signature is asked for during the call, and the call has ended."),
)


class Call(Protocol):
    """What the desk needs of a call (``realtime.ports.CallView`` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def kiosk_id(self) -> int: ...

    @property
    def clerk_id(self) -> int: ...

    @property
    def active(self) -> bool: ...


@dataclass(frozen=True)
class Signer:
    name: str
    id_type: str
    id_number: str


@dataclass(frozen=True)
class SignatureAsked:
    request_id: str
    document_id: str
    sha256: str


@dataclass(frozen=True)
class SignatureGiven:
    call_id: str
    procedure: str
    purpose: str
    request: SealedRequest  # state "signed" or "oral_consent"
    signature: Signature | None  # the strokes (simplified) when signed, for drawing


@dataclass(frozen=True)
class Shown:
    """What the booth is asked to show (becomes the ``signature_show`` frame)."""

    request_id: str
    document_id: str
    title: str
    sha256: str
    pages: int
    signer_name: str
    expires_at: datetime


class SignatureBooth(Protocol):
    """The booth and the clerk's console, as the desk sees them."""

    def show(self, call: Call, shown: Shown) -> None:
        """Show the document and the pad beside the call (a reloaded booth gets it again)."""

    def showing(self, call: Call) -> str | None:
        """The request whose pad the booth shows now, or None."""

    def hide(self, call: Call, request_id: str, tell: bool) -> None:
        """Stop showing that request's pad (if it is what is shown); ``tell``: send the booth
        ``hide_document`` (not when the booth's own post sealed it: its answer says so)."""

    def state(self, call: Call, row: SignatureRequestRow, state: str, at: datetime) -> None:
        """Tell the clerk's console (``signature_state``)."""

    def withdrawn(self, call: Call, request_id: str) -> None:
        """The clerk withdrew that request: if the booth shows it, it stops, saying so to the
        citizen (``signature_withdrawn``) rather than wiping the pad silently."""


class SignatureOwners(Protocol):
    """Dispatches to the procedure named on the request. Returning without raising delivers
    it; returning ``False`` (the procedure is not loaded) leaves it to be offered again."""

    def signature_given(self, given: SignatureGiven) -> bool | None: ...


class NoOwners:
    def signature_given(self, given: SignatureGiven) -> bool | None:
        return None


class _DeferredKey(SignatureKey):
    def __init__(self, secret: str) -> None:  # not super().__init__: that derives the key now
        self._secret = secret
        self._key: SignatureKey | None = None

    def _real(self) -> SignatureKey:
        if self._key is None:
            self._key = SignatureKey(self._secret)
        return self._key

    def seal(self, timing: Any, request_id: str) -> bytes:
        return self._real().seal(timing, request_id)

    def open(self, blob: bytes, request_id: str) -> Any:
        return self._real().open(blob, request_id)


class SignatureDesk:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        documents: Documents,
        booth: SignatureBooth,
        key: str,
        owners: SignatureOwners | None = None,
        retention_days: float = 3650,
    ) -> None:
        self.db = db
        self.retention_days = retention_days
        self.clock = clock
        self.documents = documents
        self.booth = booth
        self._secret = key
        self.owners: SignatureOwners = owners or NoOwners()

    def __repr__(self) -> str:
        return "SignatureDesk(…)"

    @property
    def key(self) -> SignatureKey:
        """Raises ``signature_key_missing`` when no key is configured."""
        return SignatureKey(self._secret)

    @property
    def deferred_key(self) -> SignatureKey:
        """The key, derived when first used: a read refused or of an unknown request answers
        its own code even on a server with no key."""
        return _DeferredKey(self._secret)

    def _now(self) -> datetime:
        return self.clock.now()

    # ------------------------------------------------------------------ the procedure asks
    def ask(
        self,
        call: Call,
        *,
        procedure: str,
        purpose: str,
        title: str,
        pdf: bytes,
        signer: Signer,
    ) -> SignatureAsked:
        """Show ``pdf`` on the booth for ``signer`` to sign. It replaces an open request of the
        call the citizen has not started signing (withdrawn) and whatever the booth showed;
        once the citizen has started (the first stroke), ``signature_in_progress`` until the
        clerk withdraws that request (:meth:`cancel`)."""
        if not _NAME.fullmatch(procedure) or not _PURPOSE.fullmatch(purpose):
            raise ValueError("procedure: a procedure's name; purpose: a short code")
        if not call.active:
            raise CALL_NOT_ACTIVE(f"call {call.id[:6]}… is not active")
        if not pdf.startswith(b"%PDF-"):
            raise SIGNATURE_MALFORMED("the document to sign is a PDF")
        self.key  # noqa: B018 -- no key, no signature: refuse before showing anything
        now = self._now()
        previous = self.booth.showing(call)
        with self.db.session() as session:
            signing = session.scalars(
                select(SignatureRequestRow.id).where(
                    SignatureRequestRow.call_id == call.id,
                    SignatureRequestRow.state == "open",
                    SignatureRequestRow.started_at.is_not(None),
                    SignatureRequestRow.expires_at > now,
                )
            ).first()
            if signing is not None:
                raise IN_PROGRESS(f"the citizen is signing request {signing[:6]}…")
            if previous is not None and cancel(session, previous, call_id=call.id):
                withdrawn = session.get(SignatureRequestRow, previous)
            else:
                withdrawn = None
            document = self.documents.add(
                session,
                pdf,
                kind=DRAFT_KIND,
                title=title,
                created_by=f"procedure:{procedure}",
                call_id=call.id,
                kiosk_id=call.kiosk_id,
            )
            request_id = open_request(
                session,
                call_id=call.id,
                document_sha256=document.sha256,
                signer_name=signer.name,
                signer_id_type=signer.id_type,
                signer_id_number=signer.id_number,
                now=now,
                procedure=procedure,
                purpose=purpose,
                document_id=document.id,
            )
            row = session.get(SignatureRequestRow, request_id)
            assert row is not None
            shown = Shown(
                request_id,
                document.id,
                document.title,
                document.sha256,
                document.pages,
                row.signer_name,
                row.expires_at,
            )
            session.commit()
        if withdrawn is not None:
            self.booth.state(call, withdrawn, "cancelled", now)
        self.booth.show(call, shown)
        return SignatureAsked(request_id, shown.document_id, shown.sha256)

    # ------------------------------------------------------------------ the citizen signs
    def started(self, call: Call | None, request_id: str) -> None:
        """The booth of ``call`` reports the citizen's first stroke on the pad of
        ``request_id``: the request is marked started (the console hears ``signing``)."""
        if call is None or not call.active:
            raise REQUEST_UNKNOWN("no active call at this booth")
        now = self._now()
        with self.db.session() as session:
            row = self._of_call(session, call, request_id)
            if self.booth.showing(call) != request_id and row.state == "open":
                raise NOT_SHOWN(f"signature request {request_id[:6]}… is not on the booth")
            first = start(session, request_id, now=now)
            session.commit()
        if first:
            self.booth.state(call, row, "signing", now)

    def sign_at_booth(
        self, call: Call | None, request_id: str, payload: Mapping[str, Any], document_sha256: str
    ) -> SignatureGiven:
        """The booth's pad, posted by the booth of ``call`` (its active call). Refused unless
        the booth is showing that very request; the strokes are checked, simplified, sealed
        and committed before anyone is told."""
        if call is None or not call.active:
            raise REQUEST_UNKNOWN("no active call at this booth")
        now = self._now()
        with self.db.session() as session:
            row = self._of_call(session, call, request_id)
            if self.booth.showing(call) != request_id and row.state == "open":
                raise NOT_SHOWN(f"signature request {request_id[:6]}… is not on the booth")
            signature = simplify(parse(dict(payload)))
            try:
                request = sign(
                    session,
                    request_id,
                    signature,
                    document_sha256=document_sha256,
                    key=self.key,
                    now=now,
                )
            except FinestretaError as error:
                session.rollback()
                if error.code == REQUEST_EXPIRED.code:
                    self.booth.hide(call, request_id, tell=False)
                    self.booth.state(call, row, "expired", now)
                raise
            session.commit()
            given = self._given(row, request, signature)
        self.booth.hide(call, request_id, tell=False)
        self.booth.state(call, row, "signed", request.sealed_at)
        self._tell_owner(given)
        return given

    # ------------------------------------------------------------------ the clerk
    def consent_orally(
        self, call: Call, request_id: str, *, official_id: int, reason: str
    ) -> SignatureGiven:
        """The citizen cannot sign and consents orally before the clerk of the call, who records
        why; the clerk must be a habilitated official (Ley 39/2015 art. 12.2-3: the
        ``habilitated`` flag of the account), else ``signature_not_habilitated``. The
        ``SignatureGiven.request`` names the official (``official_id``, ``official_name``)."""
        now = self._now()
        with self.db.session() as session:
            row = self._of_call(session, call, request_id)
            request = record_oral_consent(
                session, request_id, official_id=official_id, reason=reason, now=now
            )
            session.commit()
            given = self._given(row, request, None)
        self.booth.hide(call, request_id, tell=True)
        self.booth.state(call, row, "oral_consent", request.sealed_at)
        self._tell_owner(given)
        return given

    def cancel(self, call: Call, request_id: str) -> None:
        """The clerk withdraws an open request, started or not (the booth stops showing it and
        tells the citizen it was withdrawn)."""
        now = self._now()
        with self.db.session() as session:
            row = self._of_call(session, call, request_id)
            if not cancel(session, request_id, call_id=call.id):
                raise ALREADY_SEALED(f"signature request {request_id[:6]}… is {row.state}")
            session.commit()
            session.refresh(row)
        self.booth.withdrawn(call, request_id)
        self.booth.state(call, row, "cancelled", now)

    # ------------------------------------------------------------------ helpers
    def _of_call(self, session: Session, call: Call, request_id: str) -> SignatureRequestRow:
        """The request, if it is of ``call`` (else unknown: its existence is not confirmed)."""
        row = session.get(SignatureRequestRow, request_id) if len(request_id) <= 43 else None
        if row is None or row.call_id != call.id:
            raise REQUEST_UNKNOWN("no such signature request in this call")
        return row

    def _given(
        self, row: SignatureRequestRow, request: SealedRequest, signature: Signature | None
    ) -> SignatureGiven:
        return SignatureGiven(
            row.call_id, row.procedure or "", row.purpose or "", request, signature
        )

    def _tell_owner(self, given: SignatureGiven) -> bool:
        """Call the procedure's hook; True (and ``delivered_at`` set) when it returned without
        raising. A failure is logged: the seal stands, :meth:`deliver_pending` tries again."""
        try:
            taken = self.owners.signature_given(given)
        except Exception:
            # the signature is given whatever the procedure made of it; no personal data here
            log.exception(
                "procedure %s failed on signature %s… (%s); it will be offered again",
                given.procedure,
                given.request.id[:6],
                given.purpose,
            )
            return False
        if taken is False:
            return False
        with self.db.session() as session:
            session.execute(
                update(SignatureRequestRow)
                .where(
                    SignatureRequestRow.id == given.request.id,
                    SignatureRequestRow.delivered_at.is_(None),
                )
                .values(delivered_at=self._now())
                .execution_options(synchronize_session=False)
            )
        return True

    def deliver_pending(self) -> int:
        """Offer the procedures again the requests sealed in the last day (and at least a
        minute ago) whose hook has not returned without raising: a hook that failed, or a
        server stopped between the seal and the hook. Returns how many were delivered now.
        Called every upkeep round (``app.py``)."""
        now = self._now()
        with self.db.session() as session:
            rows = session.scalars(
                select(SignatureRequestRow)
                .where(
                    SignatureRequestRow.state.in_(("signed", "oral_consent")),
                    SignatureRequestRow.delivered_at.is_(None),
                    SignatureRequestRow.procedure.is_not(None),
                    SignatureRequestRow.sealed_at >= now - REDELIVER_FOR,
                    SignatureRequestRow.sealed_at <= now - REDELIVER_AFTER,
                )
                .order_by(SignatureRequestRow.sealed_at)
                .limit(100)
            )
            pending: list[SignatureGiven] = []
            for row in rows:
                try:
                    pending.append(self._given(row, sealed(row, session), self._kept(row)))
                except FinestretaError as error:  # a changed key: the others still go
                    log.warning("signature %s… cannot be offered again: %s", row.id[:6], error.code)
        return sum(1 for given in pending if self._tell_owner(given))

    def _kept(self, row: SignatureRequestRow) -> Signature | None:
        """The strokes as the procedure heard them first (None for an oral consent, or once
        purged). Server-side, for the procedure that asked: no reader, no audit row."""
        if row.paths is None or row.timing is None or row.pad_width is None:
            return None
        timing = self.key.open(row.timing, row.id)
        return Signature(
            tuple(
                Stroke(tuple(Point(x, y, t, p) for (x, y), (t, p) in zip(path, times, strict=True)))
                for path, times in zip(row.paths, timing, strict=True)
            ),
            row.pad_width,
            row.pad_height or 0,
        )

    def call_ended(self, call: Call) -> int:
        """The call is over: its open requests are withdrawn (nobody may sign them later)."""
        with self.db.session() as session:
            return withdraw_open(session, [call.id])

    def sweep_ended_calls(self, before: datetime) -> int:
        """The open requests of calls that ended before ``before`` whose process died before
        ``call_ended`` ran are withdrawn the same way (the periodic sweep, on one node)."""
        with self.db.session() as session:
            return withdraw_open(session, ended_calls(before))

    def purge_expired(self) -> int:
        """The strokes and timing of signatures past their retention go (the housekeeping
        task, hourly); the request stays as the record that the document was signed."""
        with self.db.session() as session:
            return purge(session, now=self._now(), retention_days=self.retention_days)

    def request(self, request_id: str) -> SealedRequest | None:
        """A sealed request (for tools and tests), or None when unknown or still open."""
        with self.db.session() as session:
            row = session.get(SignatureRequestRow, request_id)
            return sealed(row, session) if row is not None and row.sealed_at is not None else None


def withdraw_open(session: Session, call_ids: Iterable[str] | Select[tuple[str]]) -> int:
    """The open requests of these calls (ids, or a query of them) are cancelled; how many. One
    conditional UPDATE: idempotent, and a request sealed meanwhile stays sealed."""
    result = session.execute(
        update(SignatureRequestRow)
        .where(SignatureRequestRow.call_id.in_(call_ids), SignatureRequestRow.state == "open")
        .values(state="cancelled")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
