"""Adding, reading and expiring documents: the one place that ties a row to its bytes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.documents.naming import clean_title
from finestreta.documents.records import DocumentRow
from finestreta.documents.retention import Retention
from finestreta.documents.storage import BlobStore
from finestreta.documents.validation import DEFAULT_BUDGET, DecodeBudget, check
from finestreta.registry.service import registered_hashes


class Documents:
    """``retention``: days for every kind, or a :class:`Retention` by kind."""

    def __init__(
        self,
        blobs: BlobStore,
        retention: Retention | float,
        max_bytes: int,
        decoding: DecodeBudget = DEFAULT_BUDGET,
    ) -> None:
        self.blobs = blobs
        self.retention = (
            retention if isinstance(retention, Retention) else Retention(float(retention))
        )
        self.max_bytes = max_bytes
        self.decoding = decoding

    def add(
        self,
        session: Session,
        content: bytes,
        *,
        kind: str,
        title: str,
        created_by: str,
        call_id: str | None = None,
        kiosk_id: int | None = None,
    ) -> DocumentRow:
        """Check the bytes (raises ``RejectedDocument``), store them, then write the row.

        The row is written last: a crash in between leaves an unreferenced blob (swept by
        ``purge``), never a row without its bytes."""
        checked = check(content, self.max_bytes, self.decoding)
        period = self.retention.period(kind)
        digest = self.blobs.put(content)
        now = utcnow()
        row = DocumentRow(
            id=uuid.uuid4().hex,
            call_id=call_id,
            kiosk_id=kiosk_id,
            kind=kind,
            title=clean_title(title)[:200],
            media_type=checked.media_type,
            size=len(content),
            pages=checked.pages,
            sha256=digest,
            created_at=now,
            created_by=created_by,
            expires_at=now + period if period is not None else None,
        )
        session.add(row)
        session.flush()
        return row

    def content(self, row: DocumentRow) -> bytes:
        return self.blobs.get(row.sha256)

    def purge(self, session: Session, now: datetime | None = None) -> int:
        """Delete the bytes of documents past retention; rows stay, marked deleted (the
        registry and audit still say what existed and its hash).

        A document attached to a registry entry is never purged, whatever its kind: the
        receipt lists its fingerprint so that it can be checked later, which needs the file.
        Its row loses its expiry instead, so it is not looked at again."""
        now = now or utcnow()
        expired = session.scalars(
            select(DocumentRow).where(
                DocumentRow.expires_at <= now, DocumentRow.deleted_at.is_(None)
            )
        ).all()
        registered = registered_hashes(session, [row.sha256 for row in expired])
        for row in expired:
            if row.sha256 in registered:
                row.expires_at = None
        expired = [row for row in expired if row.sha256 not in registered]
        for row in expired:
            row.deleted_at = now
            still_used = session.scalar(
                select(DocumentRow.id).where(
                    DocumentRow.sha256 == row.sha256,
                    DocumentRow.deleted_at.is_(None),
                    DocumentRow.id != row.id,
                )
            )
            if still_used is None:
                self.blobs.delete(row.sha256)
        return len(expired)
