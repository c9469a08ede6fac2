"""The issued-documents table: which secure verification code (CSV) stands for which document.

One row per document the city issued with a code (today: census certificates). The row keeps
the SHA-256 of the sealed PDF, so that a verification can tell that the stored bytes are the
issued ones even after the document's file has been purged, and the registry code of the
outgoing entry. Rows are never deleted; a document that must stop being valid is revoked (when
and why), which the public verification page shows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime


class IssuedDocument(Base):
    __tablename__ = "issued_documents"
    __table_args__ = (
        CheckConstraint(
            "(revoked_at IS NULL) = (revoked_reason IS NULL)", name="revoked_with_reason"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Canonical form without separators: 18 Crockford base-32 characters, upper case.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # residence | household (certificates)
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id"), nullable=True, index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the certificate that sealed it: a verification trusts exactly that seal, even
    # after the city has moved on to a new one.
    seal_sha256: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(5))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    issued_by: Mapped[str] = mapped_column(String(100))  # "clerk:3", "system"
    registry_code: Mapped[str | None] = mapped_column(
        ForeignKey("registry_entries.code"), nullable=True, index=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        state = " revoked" if self.revoked else ""
        return f"<IssuedDocument {self.kind} {self.registry_code}{state}>"
