"""Secure verification codes (CSV) and the records of the documents issued with them.

A code is 18 characters of Crockford's base 32 (digits and upper-case letters without I, L, O
and U), printed in three groups of six: ``7K3M9Q-XD2RTP-4HWZN1``. The first 17 are random
(85 bits from :mod:`secrets`: unguessable, and the public look-up is rate-limited on top); the
last is a check character, so that a mistyped code is recognised as such before any look-up.

Reading is tolerant: case does not matter, spaces, hyphens, dots and underscores are ignored,
and I and L are read as 1, O as 0 (Crockford's rule). The check character is the value that
makes Σ cᵢ·αⁱ = 0 in GF(32) (α a root of x⁵ + x² + 1, i the position from 0 to 17): every
position has a different non-zero weight, so any single wrong character and any swap of two
characters are detected, which a plain sum or Luhn's mod-N algorithm do not guarantee.

``issue``, ``lookup`` and ``revoke`` keep the issued-documents table, and ``verify`` does the
whole public check (record, stored bytes' SHA-256, the seal re-verified). Issuing a document
(registry entry, render, seal, store, record) is :mod:`finestreta.documents.issuing`'s.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.documents.issued import IssuedDocument
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import SealCheck, check_seal
from finestreta.documents.storage import BlobStore
from finestreta.errors import N_, InvalidInput, Unavailable, declare

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
RANDOM_LENGTH = 17  # 85 bits
CODE_LENGTH = RANDOM_LENGTH + 1
GROUP = 6
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_VALUE.update({"I": 1, "L": 1, "O": 0})
_SEPARATORS = re.compile(r"[\s\-._]+")

# GF(32) with the primitive polynomial x^5 + x^2 + 1.
_EXP = [0] * 62
_LOG = [0] * 32
_x = 1
for _i in range(31):
    _EXP[_i] = _EXP[_i + 31] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0b100000:
        _x ^= 0b100101
del _x, _i


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _syndrome(values: Sequence[int]) -> int:
    total = 0
    for position, value in enumerate(values):
        total ^= _mul(value, _EXP[position])
    return total


def check_character(body: str) -> str:
    """The check character of 17 code characters (canonical, without separators)."""
    if len(body) != RANDOM_LENGTH or any(c not in ALPHABET for c in body):
        raise ValueError(f"a code body is {RANDOM_LENGTH} base-32 characters")
    partial = _syndrome([_VALUE[c] for c in body])
    # value · α^17 must cancel the rest: value = partial · α^-17 (α^31 = 1).
    value = _mul(partial, _EXP[31 - RANDOM_LENGTH]) if partial else 0
    return ALPHABET[value]


def format_code(canonical: str) -> str:
    """``7K3M9QXD2RTP4HWZN1`` → ``7K3M9Q-XD2RTP-4HWZN1``."""
    return "-".join(canonical[i : i + GROUP] for i in range(0, len(canonical), GROUP))


def new_code() -> str:
    """A new random code, canonical (18 characters, no separators)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


class CodeError(InvalidInput):
    """A code that cannot be looked up: ``code`` (also ``reason``) is ``malformed`` (not 18
    base-32 characters) or ``typo`` (the check character does not match)."""

    @property
    def reason(self) -> str:
        return self.code


MALFORMED = declare(
    "malformed",
    CodeError,
    N_("This is not a verification code: it has 18 letters and digits."),
    N_("This is not a verification code: it has 18 letters and digits."),
)
TYPO = declare(
    "typo",
    CodeError,
    N_("This code has a typing mistake. Check it against the document."),
    N_("This code has a typing mistake. Check it against the document."),
)


def parse_code(text: str) -> str:
    """The canonical form of a typed code, or :class:`CodeError`."""
    if not isinstance(text, str) or len(text) > 80:
        raise MALFORMED("not a verification code")
    compact = _SEPARATORS.sub("", text).upper()
    if len(compact) != CODE_LENGTH or any(c not in _VALUE for c in compact):
        raise MALFORMED(f"a verification code has {CODE_LENGTH} letters and digits")
    canonical = "".join(ALPHABET[_VALUE[c]] for c in compact)
    if _syndrome([_VALUE[c] for c in canonical]) != 0:
        raise TYPO("the code has a typing mistake")
    return canonical


# ------------------------------------------------------------------------ issued documents


def issue(
    session: Session,
    *,
    code: str,
    kind: str,
    sha256: str,
    size: int,
    lang: str,
    seal_sha256: str,
    issued_by: str,
    issued_at: datetime | None = None,
    document_id: str | None = None,
    registry_code: str | None = None,
) -> IssuedDocument:
    """Record that the document with ``sha256`` was issued under ``code`` (and flush)."""
    canonical = parse_code(code)
    if issued_at is not None and issued_at.tzinfo is None:
        raise ValueError("issued_at must be an aware datetime")
    if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not re.fullmatch(r"[0-9a-f]{64}", seal_sha256):
        raise ValueError("sha256 and seal_sha256 are 64 lower-case hexadecimal characters")
    row = IssuedDocument(
        code=canonical,
        kind=kind,
        document_id=document_id,
        sha256=sha256,
        size=size,
        lang=lang,
        seal_sha256=seal_sha256,
        issued_at=issued_at or utcnow(),
        issued_by=issued_by,
        registry_code=registry_code,
    )
    session.add(row)
    session.flush()
    return row


def lookup(session: Session, code: str) -> IssuedDocument | None:
    """The record of ``code`` as typed (raises :class:`CodeError` for a malformed or mistyped
    code), or ``None`` when no document was issued with it."""
    canonical = parse_code(code)
    return session.scalar(select(IssuedDocument).where(IssuedDocument.code == canonical))


class AlreadyRevoked(ValueError):
    """The document was revoked before; the first revocation stands."""


def revoke(
    session: Session, code: str, reason: str, *, by: str = "system", now: datetime | None = None
) -> IssuedDocument:
    """Mark the document of ``code`` revoked (raises ``LookupError`` for an unknown code and
    :class:`AlreadyRevoked` when it was revoked already)."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValueError("a revocation needs a reason")
    row = lookup(session, code)
    if row is None:
        raise LookupError("no document was issued with that code")
    if row.revoked_at is not None:
        raise AlreadyRevoked("the document was revoked already")
    row.revoked_at = now or utcnow()
    row.revoked_reason = reason[:500]
    row.revoked_by = by[:100]
    session.flush()
    return row


# ------------------------------------------------------------------------ addresses


NO_PUBLIC_URL = declare(
    "no_public_url",
    Unavailable,
    N_(
        "Documents cannot be issued: the server has no public address configured. "
        "Tell the administrator."
    ),
)


def verify_url(public_url: str, code: str) -> str:
    """``{public_url}/verify/{code}`` (what the QR code encodes). The address is the configured
    one only, never the request's ``Host``: a sealed document keeps it for ten years."""
    if not public_url:
        raise NO_PUBLIC_URL("Set FINESTRETA_PUBLIC_URL to issue documents")
    return f"{public_url.rstrip('/')}/verify/{format_code(parse_code(code))}"


# ------------------------------------------------------------------------ verifying


class Status(StrEnum):
    VALID = "valid"  # issued, not revoked, stored bytes and seal intact
    REVOKED = "revoked"
    UNAVAILABLE = "unavailable"  # issued, not revoked, but the file is gone (retention)
    DAMAGED = "damaged"  # the stored file does not match the record or its seal is broken


@dataclass(frozen=True)
class Verification:
    """What the public verification says about a code that exists."""

    code: str  # formatted
    kind: str
    lang: str
    issued_at: datetime
    registry_code: str | None
    revoked_at: datetime | None
    revoked_reason: str | None
    sha256: str
    document_available: bool
    hash_matches: bool | None  # None: no file to compare
    seal: SealCheck | None  # None: no file to check

    @property
    def seal_intact(self) -> bool:
        """The stored bytes are the issued ones and carry an intact seal of the city's."""
        return bool(self.hash_matches and self.seal is not None and self.seal.ok)

    @property
    def status(self) -> Status:
        if self.revoked_at is not None:
            return Status.REVOKED
        if not self.document_available:
            return Status.UNAVAILABLE
        return Status.VALID if self.seal_intact else Status.DAMAGED


def stored_document(session: Session, record: IssuedDocument, blobs: BlobStore) -> bytes | None:
    """The stored bytes of an issued document, or ``None`` once purged or missing."""
    if record.document_id is None:
        return None
    row = session.get(DocumentRow, record.document_id)
    if row is None or row.deleted_at is not None:
        return None
    try:
        return blobs.get(row.sha256)
    except (OSError, ValueError):
        return None


def verify(
    session: Session, code: str, blobs: BlobStore
) -> tuple[Verification, bytes | None] | None:
    """The verification of ``code`` and the stored document's bytes (``None`` when no document
    was issued with it; :class:`CodeError` for a malformed or mistyped code).

    The bytes are hashed and compared with the record, and their seal is re-verified: intact,
    covering the whole file, made with the seal certificate recorded at issue."""
    record = lookup(session, code)
    if record is None:
        return None
    content = stored_document(session, record, blobs)
    hash_matches: bool | None = None
    seal: SealCheck | None = None
    if content is not None:
        hash_matches = hashlib.sha256(content).hexdigest() == record.sha256
        seal = check_seal(content, trusted_sha256={record.seal_sha256})
    result = Verification(
        code=format_code(record.code),
        kind=record.kind,
        lang=record.lang,
        issued_at=record.issued_at,
        registry_code=record.registry_code,
        revoked_at=record.revoked_at,
        revoked_reason=record.revoked_reason,
        sha256=record.sha256,
        document_available=content is not None,
        hash_matches=hash_matches,
        seal=seal,
    )
    return result, content
