"""ID numbers: Spanish DNI and NIE (validated with python-stdnum) and passports.

``parse_id(type, number)`` returns a normalised :class:`IdDocument` or raises :class:`InvalidId`
with a machine-readable ``code``. Input may be lower-case and contain spaces, hyphens or dots
(``12.345.678-z`` → ``12345678Z``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from stdnum.es import dni, nie
from stdnum.exceptions import InvalidChecksum, ValidationError

from finestreta.errors import N_, InvalidInput, declare

CHECK_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"

_DNI = re.compile(r"[0-9]{8}[A-Z]")
_NIE = re.compile(r"[XYZ][0-9]{7}[A-Z]")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_SEPARATORS = re.compile(r"[\s\-.]+")

TYPE_ALIASES = {
    "dni": "dni",
    "nif": "dni",
    "nie": "nie",
    "passport": "passport",
    "passaport": "passport",
    "pasaporte": "passport",
}


class DocumentType(StrEnum):
    DNI = "dni"
    NIE = "nie"
    PASSPORT = "passport"


class InvalidId(InvalidInput):
    """An ID that cannot be accepted; ``code`` is one of ``empty``, ``unknown_id_type``,
    ``bad_format`` and ``bad_check_letter`` (with ``details["expected"]``, the letter the
    number would have)."""


EMPTY = declare("empty", InvalidId, N_("Type the document number."))
UNKNOWN_ID_TYPE = declare(
    "unknown_id_type", InvalidId, N_("That kind of identity document is not accepted.")
)
BAD_FORMAT = declare(
    "bad_format", InvalidId, N_("That is not a valid number for this kind of document.")
)
BAD_CHECK_LETTER = declare(
    "bad_check_letter",
    InvalidId,
    N_("The check letter does not match the number (it would be {expected}): check the document."),
)


@dataclass(frozen=True, order=True)
class IdDocument:
    type: DocumentType
    number: str

    def __str__(self) -> str:
        return f"{self.type.value}:{self.number}"


def compact(number: str) -> str:
    """Upper-case and without spaces, hyphens or dots."""
    return _SEPARATORS.sub("", number).upper()


def check_letter(digits: str) -> str:
    """The DNI check letter of up to 8 digits, or of a NIE body (``X1234567``)."""
    if digits[:1] in ("X", "Y", "Z"):
        digits = str("XYZ".index(digits[0])) + digits[1:]
    return CHECK_LETTERS[int(digits) % 23]


def parse_type(value: str) -> DocumentType:
    key = value.strip().lower()
    if key not in TYPE_ALIASES:
        raise UNKNOWN_ID_TYPE(f"Unknown document type {value.strip()!r}")
    return DocumentType(TYPE_ALIASES[key])


def parse_id(type: str | DocumentType, number: str) -> IdDocument:
    """Validate and normalise ``number`` as a document of ``type`` (``dni``, ``nie``,
    ``passport``; also ``nif``, ``passaport``, ``pasaporte``)."""
    kind = type if isinstance(type, DocumentType) else parse_type(type)
    value = compact(number)
    if not value:
        raise EMPTY("The document number is empty")
    if kind is DocumentType.DNI:
        return IdDocument(
            kind, _validate(value, _DNI, dni.validate, "DNI", "8 digits and a letter")
        )
    if kind is DocumentType.NIE:
        return IdDocument(
            kind, _validate(value, _NIE, nie.validate, "NIE", "X, Y or Z, 7 digits and a letter")
        )
    if not _PASSPORT.fullmatch(value):
        raise BAD_FORMAT(f"A passport number is 5 to 20 letters and digits, not {number!r}")
    return IdDocument(kind, value)


def parse_any(number: str) -> IdDocument:
    """Guess the type: a DNI or NIE shape is validated as such (a wrong letter is an error,
    not a passport); anything else is read as a passport number."""
    value = compact(number)
    if _DNI.fullmatch(value):
        return parse_id(DocumentType.DNI, value)
    if _NIE.fullmatch(value):
        return parse_id(DocumentType.NIE, value)
    return parse_id(DocumentType.PASSPORT, value)


def _validate(
    value: str,
    shape: re.Pattern[str],
    validate: Callable[[str], str],
    name: str,
    expected: str,
) -> str:
    if not shape.fullmatch(value):
        raise BAD_FORMAT(f"A {name} is {expected}, not {value!r}")
    try:
        checked = validate(value)
    except InvalidChecksum:
        expected_letter = check_letter(value[:-1])
        raise BAD_CHECK_LETTER(
            f"The check letter of {name} {value} should be {expected_letter}",
            {"expected": expected_letter},
        ) from None
    except ValidationError as exc:  # the shape check comes first: not expected
        raise BAD_FORMAT(f"Not a valid {name}: {exc}") from None
    return str(checked)
