"""Issuing a sealed document with a secure verification code, whatever its layout.

:func:`issue_sealed` does, inside the caller's transaction: a new code and its verification
address; an outgoing registry entry (its number is printed on the document); the layout's
``render`` called with what only the issuance knows (:class:`Issuance`: registry number, code,
address, time); the PDF sealed; stored as a ``certificate`` document; and its issued-document
record (:mod:`finestreta.documents.issued`). A layout is any function of an :class:`Issuance`
to PDF bytes; the census volant is one (:func:`finestreta.procedures.census.volant.issue_volant`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.documents.issued import IssuedDocument
from finestreta.documents.pdf.qr import qr_matrix
from finestreta.documents.seal import Seal
from finestreta.documents.service import Documents
from finestreta.documents.verification import format_code, issue, new_code, verify_url
from finestreta.registry.records import DEFAULT_REGISTRY, RegistryEntry
from finestreta.registry.service import PartyDocument, register

KIND_LENGTH = 20  # issued_documents.kind
LANG_LENGTH = 5  # issued_documents.lang


@dataclass(frozen=True)
class Issuance:
    """What only the issuance knows, for the layout to print."""

    registry_number: str  # e.g. 2026/0000042
    code: str  # the secure verification code, formatted: 7K3M9Q-XD2RTP-4HWZN1
    verify_url: str  # where the code is checked (what the QR code encodes)
    issued_at: datetime  # aware: the registry entry's time


# A layout: the document's PDF bytes, given its issuance.
Render = Callable[[Issuance], bytes]


@dataclass(frozen=True)
class IssuedCertificate:
    """What :func:`issue_sealed` made: hand ``pdf`` to the citizen (print, e-mail)."""

    code: str  # formatted, e.g. 7K3M9Q-XD2RTP-4HWZN1
    verify_url: str
    registry_code: str
    registry_number: str
    issued_at: datetime
    document_id: str
    sha256: str
    title: str
    pdf: bytes


def _unused_code(session: Session) -> str:
    for _ in range(5):
        code = new_code()
        if session.scalar(select(IssuedDocument.id).where(IssuedDocument.code == code)) is None:
            return code
    raise RuntimeError("five random codes in a row were taken: the random source is broken")


def _check(kind: str, lang: str) -> None:
    """What the issued-document record needs, checked before a number is taken (the database
    would refuse it only after)."""
    if not isinstance(kind, str) or not 0 < len(kind) <= KIND_LENGTH:
        raise ValueError(f"kind must be 1 to {KIND_LENGTH} characters, not {kind!r}")
    if not isinstance(lang, str) or not 0 < len(lang) <= LANG_LENGTH:
        raise ValueError(f"lang must be a language code such as 'ca', not {lang!r}")


def issue_sealed(
    session: Session,
    *,
    render: Render,
    kind: str,
    title: str,
    party_name: str,
    party_document: PartyDocument | tuple[str, str],
    sending_body: str,
    location: str,
    lang: str,
    seal: Seal,
    documents: Documents,
    public_url: str,
    created_by: str,
    destination_unit: str | None = None,
    tz: str = "Europe/Madrid",
    call_id: str | None = None,
    registry: str | None = None,
    now: datetime | None = None,
    entry: RegistryEntry | None = None,
) -> IssuedCertificate:
    """Issue a sealed document in the session's transaction (see the module's notes).

    ``kind`` is what the issued-document record and the verification page call it
    (``household``); ``title`` (in the citizen's language) is the registry entry's subject, the
    seal's reason and, with the number, the stored document's title. The entry is outgoing,
    from ``sending_body`` to ``party_name`` (or ``destination_unit``); ``location`` is the
    seal's (the city's name).

    Everything is flushed, nothing committed: the caller commits (and a rollback undoes it
    all, the registry number included). Bad input raises ``ValueError`` before a number is
    taken; validate the layout's own data before calling. The registry entry lists no attached
    document: its number is inside the PDF, so the PDF's hash cannot be in the entry; the
    issued-document record ties the two together.

    ``entry``: a registry entry already made in this transaction (an incoming one: what the
    citizen filed, e.g. a works notice) that the sealed document prints and is tied to, instead
    of a new outgoing entry; the party, unit and registry arguments are then not used.

    CPU-bound (tens of milliseconds): from async code, run it in a worker thread."""
    _check(kind, lang)
    code = _unused_code(session)
    shown = format_code(code)
    url = verify_url(public_url, code)
    # Every sealed document prints the QR code of its address: encoded now, before the
    # registry number (and its lock) is taken.
    qr_matrix(url)
    moment = now or utcnow()
    entry = entry or register(  # checks everything it is given before it takes a number
        session,
        registry=registry or DEFAULT_REGISTRY,
        direction="out",
        party_name=party_name,
        party_document=party_document,
        subject=title,
        destination_unit=destination_unit or party_name,
        sending_body=sending_body,
        call_id=call_id,
        created_by=created_by,
        now=moment,
        tz=tz,
    )
    issuance = Issuance(entry.number_text, shown, url, entry.registered_at)
    sealed = seal.sign(render(issuance), reason=title, location=location)
    row = documents.add(
        session,
        sealed,
        kind="certificate",
        title=f"{title} {entry.number_text}",
        created_by=created_by,
        call_id=call_id,
    )
    issue(
        session,
        code=code,
        kind=kind,
        sha256=row.sha256,
        size=row.size,
        lang=lang,
        seal_sha256=seal.info.sha256,
        issued_by=created_by,
        issued_at=entry.registered_at,
        document_id=row.id,
        registry_code=entry.code,
    )
    return IssuedCertificate(
        code=shown,
        verify_url=url,
        registry_code=entry.code,
        registry_number=entry.number_text,
        issued_at=entry.registered_at,
        document_id=row.id,
        sha256=row.sha256,
        title=title,
        pdf=sealed,
    )
