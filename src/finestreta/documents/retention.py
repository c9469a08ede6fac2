"""How long each kind of document is kept before its file is deleted (its row, hash and any
registry entry stay). The platform's kinds, and those procedures add
(``Procedure.retention``); ``None`` keeps a kind for good."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

# The platform's kinds, by the setting that gives their days (None: kept for good).
PLATFORM = {
    "scan": "document_retention_days",
    "upload": "document_retention_days",
    "receipt": "document_retention_days",
    # the draft shown to be signed: the procedure keeps the signed document itself
    "signature_draft": "document_retention_days",
}


@dataclass(frozen=True)
class Retention:
    default_days: float
    by_kind: Mapping[str, float | None] = field(default_factory=dict)

    def period(self, kind: str) -> timedelta | None:
        """How long a document of ``kind`` is kept; None: for good."""
        days = self.by_kind.get(kind, self.default_days)
        return None if days is None else timedelta(days=days)

    @classmethod
    def from_settings(
        cls, settings: Any, more: Iterable[Mapping[str, float | str | None]] = ()
    ) -> Retention:
        """The platform's kinds and each procedure's, with setting names read as days."""
        by_kind: dict[str, float | None] = {}
        for table in (PLATFORM, *more):
            for kind, value in table.items():
                by_kind[kind] = float(getattr(settings, value)) if isinstance(value, str) else value
        return cls(float(settings.document_retention_days), by_kind)
