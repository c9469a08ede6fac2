"""Log lines never carry secrets or personal data, at any level: every record passes through a
filter that replaces what matches a redaction pattern with ``[redacted]``. The platform's
patterns cover credentials (device secrets, session and pairing tokens, passwords, cookies,
``Authorization``), verification codes, payment signatures and WebSocket frame texts (at debug
level uvicorn's websockets protocol logs each frame and handshake header to ``uvicorn.error``);
each procedure adds the personal data it handles (``Procedure.redact``: census adds DNI and NIE
numbers).

The filter sits on the root logger's handlers, not on loggers: a filter on a logger only sees
records logged to that very logger, while every record that propagates (uvicorn's, the
websockets library's, ours) passes through the handlers.

Lines are text by default, or JSON (``FINESTRETA_LOG_FORMAT=json``): one object a line with
the time, level, logger, the redacted message, the ids of the call and request being handled
(``log_context``) and any exception as redacted text (docs/operations.md, "Logs")."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from finestreta.log_context import FIELDS, ContextFilter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

REDACTED = "[redacted]"

PLATFORM: tuple[re.Pattern[str], ...] = (
    # the kiosk agent's credentials: "Authorization: Kiosk <code>:<secret>"
    re.compile(r"(?i)(kiosk\s+[\w.-]+:)\S+"),
    # any other Authorization header, and whole Cookie/Set-Cookie headers (WebSocket handshakes
    # are logged header by header at debug level)
    re.compile(r"(?im)(\bauthorization:\s*)(?!kiosk\s)\S.*$"),
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[\w.~+/=-]+"),
    re.compile(r"(?im)(\b(?:set-)?cookie:\s*).+$"),
    # cookies and form fields that hold tokens or passwords
    re.compile(r"(?i)\b((?:fs_staff|fs_kiosk|password|secret|token)=)[^\s;&,]+"),
    # verification codes: one downloads a sealed document with personal data (access log:
    # "/verify/<code>", "/api/verify/<code>", "?code=<code>"), also written anywhere else
    re.compile(r"(?i)(/verify/)[^\s/?#\"']+"),
    re.compile(r"(?i)([?&;]code=)[^\s&#\"']+"),
    re.compile(r"\b()[0-9A-Z]{6}-[0-9A-Z]{6}-[0-9A-Z]{6}\b"),
    # payment orders' signatures (Redsys: Ds_Signature, signature=…)
    re.compile(r"(?i)(\bDs_Signature[\"']?\s*[:=]\s*[\"']?)[^\s&\"',;]+"),
    re.compile(r"(?i)(\bsignature=)[^\s&;,]+"),
    # WebSocket frames as the websockets library logs them at debug level
    # ("< TEXT '{...}' [170 bytes]"): their texts hold wrap-up notes; the kind and size stay
    re.compile(r"(\b(?:TEXT|BINARY|CONT) ).*?(?= \[\d+ bytes?\])"),
)


class RedactingFilter(logging.Filter):
    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        super().__init__()
        self.patterns = tuple(patterns)

    def redact(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(lambda m: (m.group(1) if m.re.groups else "") + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def secret_values(values: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """Patterns for the configured secrets themselves (SMTP and seal passwords, signature and
    payment keys): whatever logs one, in whatever words, writes ``[redacted]``. Values too
    short to be a real secret are left out (they would redact ordinary words)."""
    return tuple(re.compile(re.escape(value)) for value in values if len(value) >= 6)


class JsonFormatter(logging.Formatter):
    """One JSON object a line. The message and exception text are already redacted by the
    handler's :class:`RedactingFilter`, and the ids copied by its :class:`ContextFilter`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(
    level: str, patterns: Iterable[re.Pattern[str]] = (), fmt: str = "text"
) -> RedactingFilter:
    """The server's logging: one root handler at ``level``, writing ``text`` or ``json``
    lines, redacting (see :func:`install`)."""
    logging.basicConfig(level=level.upper(), format=TEXT_FORMAT)
    # uvicorn logs through the root handlers (``serve`` passes it no logging configuration): a
    # handler of its own left on its loggers (a uvicorn started earlier with its default
    # configuration) would write unredacted, non-JSON lines beside them.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
    if fmt == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
    return install(patterns)


def install(patterns: Iterable[re.Pattern[str]] = ()) -> RedactingFilter:
    """Redact on every handler of the root logger, and give each record the ids of the work
    it is about: ``serve`` runs uvicorn without a logging configuration of its own, so its
    records reach these handlers too."""
    redacting = RedactingFilter((*PLATFORM, *patterns))
    context = ContextFilter()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)
        handler.addFilter(context)
    return redacting
