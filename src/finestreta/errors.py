"""The one exception tree: every refusal Finestreta makes on purpose is one of these.

Domain code raises them and knows no HTTP status or frame shape. The web layer maps each kind
to a status (``web/errors.py``) and the WebSocket layer builds ``error`` frames from the same
objects (``realtime/frames.py``: ``error_frame``), in one place each::

    FinestretaError(code, message, details)   a request refused; nothing changed
    ├── InvalidInput        the input is wrong or incomplete                   HTTP 400
    │   ├── Malformed       not the expected shape (unknown field, wrong type) HTTP 422
    │   ├── WrongMethod     a method the address does not take                 HTTP 405
    │   └── TooLarge        bigger than allowed (a file, a body, a frame)      HTTP 413
    ├── NotAuthenticated    nobody we know is asking: log in, pair the booth   HTTP 401
    ├── NotAllowed          this caller may not, or a rule refuses it          HTTP 403
    ├── NotFound            no such thing (for this caller: others' calls too) HTTP 404
    │   └── Gone            it existed, and is no longer kept or valid          HTTP 410
    ├── Conflict            not in the present state (the call ended, busy)    HTTP 409
    ├── TooManyRequests     too many attempts or frames: slow down             HTTP 429
    └── Unavailable         a part we depend on does not answer now            HTTP 503

``code`` is stable (machines and tests read it; ``docs/errors.md`` lists every one),
``message`` is English for logs and developers, ``details`` machine-readable extras (e.g. the
check letter an ID number would have). What a *person* reads comes from the catalogue of codes
(:data:`CODES`): each code is declared once with :func:`declare`, with its kind and the text a
clerk (and, where a citizen can meet it, a citizen) reads, translated like every other text and
served to the pages (``/i18n/errors/…``), so the pages keep no copies of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from finestreta.i18n import N_


class FinestretaError(Exception):
    """A refusal with a stable ``code``; subclasses say which kind of refusal."""

    kind: ClassVar[str] = "refused"

    def __init__(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class InvalidInput(FinestretaError):
    """The input is wrong or incomplete (a check letter, a missing name, a bad frame)."""

    kind = "invalid_input"


class Malformed(InvalidInput):
    """Not the expected shape: an unknown field, a wrong type, a frame that is not JSON."""

    kind = "malformed"


class WrongMethod(InvalidInput):
    """An HTTP method the address does not take."""

    kind = "wrong_method"


class TooLarge(InvalidInput):
    """Bigger than allowed: an upload, a request body, a frame."""

    kind = "too_large"


class NotAuthenticated(FinestretaError):
    """Nobody we know is asking: no session, no pairing, a wrong device secret."""

    kind = "not_authenticated"


class NotAllowed(FinestretaError):
    """The caller is known but may not do this, or a rule of a procedure refuses it."""

    kind = "not_allowed"


class NotFound(FinestretaError):
    """No such thing for this caller (another clerk's call answers this too: its existence is
    not confirmed)."""

    kind = "not_found"


class Gone(NotFound):
    """It existed and is no longer available: a revoked document, a file past retention."""

    kind = "gone"


class Conflict(FinestretaError):
    """Not possible in the present state: the call has ended, the clerk is busy, the register
    changed meanwhile."""

    kind = "conflict"


class TooManyRequests(FinestretaError):
    """Too many attempts or frames in a short time."""

    kind = "too_many_requests"


class Unavailable(FinestretaError):
    """A part Finestreta depends on does not answer now (the population register, the seal's
    file, a booth's device service): try again later."""

    kind = "unavailable"


KINDS: tuple[type[FinestretaError], ...] = (
    InvalidInput,
    Malformed,
    WrongMethod,
    TooLarge,
    NotAuthenticated,
    NotAllowed,
    NotFound,
    Gone,
    Conflict,
    TooManyRequests,
    Unavailable,
)


# ---------------------------------------------------------------------------- the catalogue

__all__ = ["N_"]  # re-exported: declarations mark their texts with it


@dataclass(frozen=True)
class ErrorCode:
    """One code: its kind, what a clerk reads and, when a citizen can meet it, what the booth
    says. ``domain`` is the gettext domain the texts are translated in."""

    code: str
    kind: type[FinestretaError]
    clerk: str
    citizen: str = ""
    domain: str = "errors"

    def __call__(self, message: str = "", details: Mapping[str, Any] | None = None) -> Any:
        """The exception of this code (``raise NO_CALL("...")``), with ``clerk`` as the
        message when none is given."""
        return self.kind(self.code, message or self.clerk, details)


CODES: dict[str, ErrorCode] = {}


def declare(
    code: str,
    kind: type[FinestretaError],
    clerk: str,
    citizen: str = "",
    *,
    domain: str = "errors",
) -> ErrorCode:
    """Add ``code`` to the catalogue (once: a second declaration with another kind or text is a
    programming error, so two packages cannot give one code two meanings)."""
    entry = ErrorCode(code, kind, clerk, citizen, domain)
    known = CODES.get(code)
    if known is not None and known != entry:
        raise ValueError(f"error code {code!r} is declared twice, differently")
    CODES[code] = entry
    return entry


# ---------------------------------------------------------------------------- shared codes
# Codes any layer may raise (HTTP and WebSocket alike); each layer declares its own besides.

INVALID = declare("invalid", Malformed, N_("Some data is not valid or not as expected."))
TOO_LARGE = declare("too_large", TooLarge, N_("It is too large to be accepted."))
INTERNAL = declare(
    "internal",
    FinestretaError,
    N_("Something went wrong on the server. Try again."),
    N_("Something went wrong. Please try again or ask the staff of the centre."),
)
