"""Log lines never carry secrets or personal data: every record passes through a filter that
replaces what matches a redaction pattern with ``[redacted]``. The platform's patterns cover
credentials (device secrets, session tokens, passwords); each procedure adds the personal data
it handles (``Procedure.redact``: census adds DNI and NIE numbers)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"

PLATFORM: tuple[re.Pattern[str], ...] = (
    # the kiosk agent's credentials: "Authorization: Kiosk <code>:<secret>"
    re.compile(r"(?i)(kiosk\s+[\w.-]+:)\S+"),
    # cookies and form fields that hold tokens or passwords
    re.compile(r"(?i)\b((?:fs_staff|fs_kiosk|password|secret|token)=)[^\s;&,]+"),
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
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install(patterns: Iterable[re.Pattern[str]] = ()) -> RedactingFilter:
    """Redact on every handler of the root logger: ``serve`` runs uvicorn without a logging
    configuration of its own, so its records reach these handlers too."""
    redacting = RedactingFilter((*PLATFORM, *patterns))
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)
    return redacting
