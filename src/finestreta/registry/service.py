"""Registering, and reading entries back. There is no update and no delete: an entry, once
written, stays as it is (the database refuses changes too, see migration 0003).

``register`` checks everything it is given before it takes a number, so a ``ValueError`` never
leaves a number taken; after the number is taken, the only failures are database errors, after
which the session must be rolled back (SQLAlchemy insists), which gives the number back.

A correction is registered like any entry, with ``corrects`` naming the code of the earlier
entry (of the same registry) that it puts right; the earlier entry is not touched, and may be
corrected more than once. A correction of an entry that does not exist, or of another
registry's, is refused with a declared error (``CORRECTED_ENTRY_UNKNOWN``,
``CORRECTION_OTHER_REGISTRY``) before a number is taken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.attention.records import CallRow
from finestreta.db import utcnow
from finestreta.errors import N_, InvalidInput, NotFound, declare
from finestreta.registry.numbering import allocate
from finestreta.registry.records import (
    DEFAULT_REGISTRY,
    RegistryAttachment,
    RegistryEntry,
    format_code,
)

__all__ = [
    "CORRECTED_ENTRY_UNKNOWN",
    "CORRECTION_OTHER_REGISTRY",
    "DEFAULT_REGISTRY",
    "AttachedDocument",
    "Direction",
    "PartyDocument",
    "attached_documents",
    "corrections_of",
    "entries_of_call",
    "get_by_code",
    "register",
    "registered_hashes",
]

CORRECTED_ENTRY_UNKNOWN = declare(
    "corrected_entry_unknown",
    NotFound,
    N_("There is no registry entry with that number to correct."),
)
CORRECTION_OTHER_REGISTRY = declare(
    "correction_other_registry",
    InvalidInput,
    N_("A correction is registered in the same registry as the entry it corrects."),
)


class Direction(StrEnum):
    IN = "in"  # entrada: received by the city
    OUT = "out"  # sortida: issued by the city


ID_TYPES = ("nif", "nie", "passport", "other")
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_REGISTRY = re.compile(r"[a-z][a-z0-9_-]{0,19}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_DNI = re.compile(r"(\d{8})([A-Z])")
_NIE = re.compile(r"([XYZ])(\d{7})([A-Z])")
# NIF of companies and bodies (letter, 7 digits, control), and K/L/M NIFs of people without DNI:
# checked for shape only.
_OTHER_NIF = re.compile(r"[ABCDEFGHJKLMNPQRSUVW]\d{7}[0-9A-J]")
_FREE_ID = re.compile(r"[A-Z0-9]{1,30}")
_SEPARATORS = re.compile(r"[\s.\-/]")


@dataclass(frozen=True)
class PartyDocument:
    """The interested party's identity document: ``type`` is one of nif, nie, passport, other."""

    type: str
    number: str


NO_DOCUMENT = PartyDocument("none", "")


@dataclass(frozen=True)
class AttachedDocument:
    """A document that goes with the entry, as the receipt lists it."""

    title: str
    sha256: str
    size: int
    media_type: str

    @classmethod
    def of(cls, document: Any) -> AttachedDocument:
        """From anything with these four attributes, such as a ``DocumentRow``."""
        return cls(document.title, document.sha256, document.size, document.media_type)


def _text(field: str, value: object, max_length: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be text, not {type(value).__name__}")
    value = value.strip()
    if not value:
        raise ValueError(f"{field} is empty")
    if len(value) > max_length:
        raise ValueError(f"{field} is longer than {max_length} characters ({len(value)})")
    allowed = "\n\t" if multiline else ""
    bad = [c for c in value if unicodedata.category(c) == "Cc" and c not in allowed]
    if bad:
        raise ValueError(f"{field} contains control characters ({bad[0]!r})")
    return value


def _optional_text(
    field: str, value: object, max_length: int, *, multiline: bool = False
) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(field, value, max_length, multiline=multiline)


def _direction(value: object) -> Direction:
    try:
        return Direction(value)  # type: ignore[arg-type]  # anything else is refused below
    except ValueError:
        raise ValueError(f"direction must be 'in' or 'out', not {value!r}") from None


def _registry(value: object) -> str:
    if not isinstance(value, str) or not _REGISTRY.fullmatch(value):
        raise ValueError(
            f"registry must be a short lower-case name such as {DEFAULT_REGISTRY!r}, not {value!r}"
        )
    return value


def _party_document(value: PartyDocument | tuple[str, str] | None) -> PartyDocument:
    if value is None:
        # Submissions that need no identification (an anonymous complaint, one whose author
        # only gave an e-mail address): the receipt says no document was shown.
        return NO_DOCUMENT
    if not isinstance(value, PartyDocument):
        try:
            kind, number = value
        except (TypeError, ValueError):
            raise ValueError(
                f"party_document must be a PartyDocument or (type, number), not {value!r}"
            ) from None
        value = PartyDocument(kind, number)
    kind = value.type.strip().lower() if isinstance(value.type, str) else value.type
    if kind not in ID_TYPES:
        raise ValueError(f"party_document type must be one of {', '.join(ID_TYPES)}, not {kind!r}")
    if not isinstance(value.number, str):
        raise ValueError("party_document number must be text")
    number = _SEPARATORS.sub("", value.number).upper()
    if not number:
        raise ValueError("party_document number is empty")
    if kind in ("nif", "nie"):
        dni = _DNI.fullmatch(number)
        nie = _NIE.fullmatch(number)
        if dni and kind == "nif":
            digits, letter = dni.groups()
        elif nie:
            digits, letter = str("XYZ".index(nie[1])) + nie[2], nie[3]
        elif kind == "nif" and _OTHER_NIF.fullmatch(number):
            return PartyDocument(kind, number)
        else:
            raise ValueError(f"party_document {number!r} is not a valid {kind.upper()}")
        if DNI_LETTERS[int(digits) % 23] != letter:
            raise ValueError(f"party_document {number!r}: the check letter is wrong")
    elif not _FREE_ID.fullmatch(number):
        raise ValueError(f"party_document {number!r}: letters and digits only, up to 30")
    return PartyDocument(kind, number)


def _document(index: int, value: AttachedDocument | Mapping[str, Any]) -> AttachedDocument:
    field = f"documents[{index}]"
    if isinstance(value, Mapping):
        missing = {"title", "sha256", "size", "media_type"} - set(value)
        if missing:
            raise ValueError(f"{field} lacks {', '.join(sorted(missing))}")
        value = AttachedDocument(
            value["title"], value["sha256"], value["size"], value["media_type"]
        )
    elif not isinstance(value, AttachedDocument):
        raise ValueError(f"{field} must be an AttachedDocument or a mapping, not {value!r}")
    sha256 = value.sha256
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"{field}.sha256 must be 64 hexadecimal characters, not {sha256!r}")
    size = value.size
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"{field}.size must be a whole number of bytes, not {size!r}")
    return AttachedDocument(
        title=_text(f"{field}.title", value.title, 200),
        sha256=sha256.lower(),
        size=size,
        media_type=_text(f"{field}.media_type", value.media_type, 100),
    )


def _corrected(session: Session, registry: str, code: object) -> str:
    """The code of the entry a correction refers to, once it is known to exist in
    ``registry``."""
    if not isinstance(code, str) or not code.strip() or len(code.strip()) > 40:
        raise CORRECTED_ENTRY_UNKNOWN(details={"corrects": str(code)[:60]})
    code = code.strip()
    earlier = session.scalar(select(RegistryEntry).where(RegistryEntry.code == code))
    if earlier is None:
        raise CORRECTED_ENTRY_UNKNOWN(details={"corrects": code})
    if earlier.registry_name != registry:
        raise CORRECTION_OTHER_REGISTRY(
            details={"corrects": code, "registry": earlier.registry_name}
        )
    return earlier.code


def _zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(f"unknown time zone {tz!r}") from None


def register(
    session: Session,
    *,
    registry: str = DEFAULT_REGISTRY,
    direction: Direction | str,
    party_name: str,
    party_document: PartyDocument | tuple[str, str] | None,
    subject: str,
    summary: str = "",
    destination_unit: str,
    sending_body: str | None = None,
    documents: Sequence[AttachedDocument | Mapping[str, Any]] = (),
    call_id: str | None = None,
    created_by: str,
    now: datetime | None = None,
    tz: str | tzinfo,
    corrects: str | None = None,
) -> RegistryEntry:
    """Write a new entry with the next number of ``registry`` in the year of its registration
    time in the city's time zone ``tz`` (e.g. "Europe/Madrid"), and flush it.

    The entry is part of the session's transaction: committed with it, or undone (with its
    number) by its rollback. ``now`` (aware) defaults to the current time, read once the number
    is taken, so that numbers and times go up together. Bad input raises ``ValueError`` before
    anything is written.

    ``corrects``: the code of the earlier entry of ``registry`` this one corrects; an unknown
    code raises ``CORRECTED_ENTRY_UNKNOWN``, another registry's ``CORRECTION_OTHER_REGISTRY``
    (both before a number is taken)."""
    registry = _registry(registry)
    kind = _direction(direction)
    party_name = _text("party_name", party_name, 200)
    party = _party_document(party_document)
    subject = _text("subject", subject, 300)
    summary = _optional_text("summary", summary, 4000, multiline=True) or ""
    destination_unit = _text("destination_unit", destination_unit, 200)
    sending_body = _optional_text("sending_body", sending_body, 200)
    created_by = _text("created_by", created_by, 100)
    if isinstance(documents, (str, bytes, Mapping)):
        raise ValueError("documents must be a list of documents")
    attached = [_document(i, d) for i, d in enumerate(documents)]
    zone = _zone(tz)
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if call_id is not None and session.get(CallRow, call_id) is None:
        raise ValueError(f"there is no call {call_id!r}")
    corrected = None if corrects is None else _corrected(session, registry, corrects)

    asked_at = now if now is not None else utcnow()
    year = asked_at.astimezone(zone).year
    # From here on nothing raises ValueError: the number is taken.
    number = allocate(session, registry, year)
    registered_at = asked_at
    if now is None:
        current = utcnow()  # after waiting for the number: later than the previous entry's
        if current.astimezone(zone).year == year:
            registered_at = current
    entry = RegistryEntry(
        registry_name=registry,
        year=year,
        number=number,
        code=format_code(registry, year, number),
        direction=kind.value,
        registered_at=registered_at,
        party_name=party_name,
        party_id_type=party.type,
        party_id_number=party.number,
        sending_body=sending_body,
        destination_unit=destination_unit,
        subject=subject,
        summary=summary,
        call_id=call_id,
        created_by=created_by,
        documents=[asdict(d) for d in attached],
        corrects=corrected,
    )
    session.add(entry)
    session.flush()
    session.add_all(
        RegistryAttachment(entry_id=entry.id, position=i, sha256=d.sha256)
        for i, d in enumerate(attached)
    )
    session.flush()
    return entry


def get_by_code(session: Session, code: str) -> RegistryEntry | None:
    """The entry with this code (``2026/0000042``, or ``urbanisme:2026/0000042``), if any.

    Codes are sequential and guessable: never let the public look entries up by code."""
    return session.scalar(select(RegistryEntry).where(RegistryEntry.code == code.strip()))


def entries_of_call(session: Session, call_id: str) -> list[RegistryEntry]:
    """The entries registered during an attention call, in the order they were registered."""
    statement = (
        select(RegistryEntry)
        .where(RegistryEntry.call_id == call_id)
        .order_by(RegistryEntry.registered_at, RegistryEntry.id)
    )
    return list(session.scalars(statement))


def attached_documents(entry: RegistryEntry) -> list[AttachedDocument]:
    """The entry's documents as ``AttachedDocument`` values."""
    return [AttachedDocument(**d) for d in entry.documents]


def corrections_of(session: Session, entry: RegistryEntry | str) -> list[RegistryEntry]:
    """The entries that correct ``entry`` (or the entry with that code), oldest first."""
    code = entry if isinstance(entry, str) else entry.code
    statement = (
        select(RegistryEntry)
        .where(RegistryEntry.corrects == code)
        .order_by(RegistryEntry.registered_at, RegistryEntry.id)
    )
    return list(session.scalars(statement))


def registered_hashes(session: Session, sha256s: Sequence[str]) -> set[str]:
    """Which of these SHA-256 fingerprints belong to a document attached to some entry: their
    files must be kept (the receipt promises that the document can be checked against them)."""
    if not sha256s:
        return set()
    statement = select(RegistryAttachment.sha256).where(
        RegistryAttachment.sha256.in_({h.lower() for h in sha256s})
    )
    return set(session.scalars(statement))
