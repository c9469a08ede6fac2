"""How street names, numbers, postcodes and cadastral references are written and compared.

Plain functions, no I/O: the SQL register, the importer and a city's adapter share them so that
"Plaça" and "placa", "12 BIS" and "12 bis" are one and the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.es import referenciacatastral
from stdnum.exceptions import ValidationError

from finestreta.errors import InvalidInput
from finestreta.streets.port import INVALID_CADASTRAL_REFERENCE, INVALID_STREET_NUMBER

# Kinds of street in Barcelona's street guide; a name starts with its kind.
KINDS = frozenset(
    {
        "avinguda",
        "baixada",
        "camí",
        "carrer",
        "carreró",
        "costa",
        "gran via",
        "jardins",
        "moll",
        "parc",
        "passatge",
        "passeig",
        "plaça",
        "placeta",
        "pujada",
        "rambla",
        "riera",
        "ronda",
        "travessera",
        "via",
    }
)
MAX_SEARCH_WORDS = 8

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"([0-9]{1,4})(?:-([0-9]{1,4}))?(?: ?(bis|ter|[a-z]))?")
_POSTCODE = re.compile(r"(0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}")  # Spanish provinces 01-52


def folded(text: str) -> str:
    """Lower case, accents dropped, anything but letters and digits turned into one space:
    ``"Carrer de l'Hospital"`` → ``"carrer de l hospital"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    # the Catalan middle dot joins one word: "Paral·lel" is searched as "parallel"
    return _NOT_WORD.sub(" ", bare.replace("\u00b7", "")).strip()


def search_key(name: str) -> str:
    """What a street's name is searched by: its folded words, with a leading space so that
    ``LIKE '% word%'`` matches the start of any word, the first one included."""
    return " " + folded(name)


def search_words(text: str) -> list[str]:
    """The words of a search, folded; repeated words once (a sane bound on their number)."""
    return list(dict.fromkeys(folded(text).split()))[:MAX_SEARCH_WORDS]


def street_number(text: str) -> str:
    """The canonical form of a street number: ``"12"``, ``"12-14"``, ``"12 bis"``, ``"12a"``."""
    compact = " ".join(text.lower().split()).replace(" -", "-").replace("- ", "-")
    match = _NUMBER.fullmatch(compact)
    if match is None:
        raise InvalidInput(
            INVALID_STREET_NUMBER.code,
            f"Expected a street number such as 12, 12-14 or 12 bis, got {text[:20]!r}",
        )
    first, last, suffix = match.groups()
    number = str(int(first)) + (f"-{int(last)}" if last else "")
    if suffix:
        number += f" {suffix}" if len(suffix) > 1 else suffix
    return number


def cadastral_reference(text: str) -> str:
    """The 20-character cadastral reference, upper case without spaces, its two check letters
    verified (python-stdnum); a 14-character parcel reference alone is not enough to name a
    property."""
    compact = referenciacatastral.compact(text)
    if len(compact) != 20:
        raise InvalidInput(
            INVALID_CADASTRAL_REFERENCE.code,
            f"Expected a cadastral reference of 20 characters, got {len(compact)}",
        )
    try:
        return str(referenciacatastral.validate(compact))
    except ValidationError as exc:
        raise InvalidInput(
            INVALID_CADASTRAL_REFERENCE.code, f"Not a valid cadastral reference: {exc}"
        ) from None


def is_postcode(text: str) -> bool:
    return _POSTCODE.fullmatch(text) is not None


def name_has_kind(name: str, kind: str) -> bool:
    """Whether ``name`` starts with its ``kind`` ("Carrer de Blai" with ``carrer``)."""
    return (folded(name) + " ").startswith(folded(kind) + " ")
