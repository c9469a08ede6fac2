"""The tables of signatures: one row per request (made before the citizen signs, sealed once
with the strokes or with oral consent), and the audit of every read of a signature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime


class SignatureRequestRow(Base):
    __tablename__ = "signature_requests"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)  # unguessable
    call_id: Mapped[str] = mapped_column(String(32), index=True)
    document_sha256: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(250))
    signer_id_type: Mapped[str] = mapped_column(String(10))
    signer_id_number: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # open | signed | oral_consent | cancelled (the clerk withdrew it before it was sealed)
    state: Mapped[str] = mapped_column(String(20), index=True)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # The strokes' x, y in pad pixels, in the clear: what is drawn and what a reader compares.
    pad_width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pad_height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paths: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    # Time and pressure of every point, AES-GCM (encryption.py).
    timing: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The alternative (Ley 39/2015 art. 12.2): the habilitated official and why.
    official_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    consent_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who asked and for what (told through ``Procedure.signature_given``), and the draft PDF
    # shown (a document of the call). Empty for requests opened outside a procedure.
    procedure: Mapped[str | None] = mapped_column(String(40), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(60), nullable=True)
    document_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # When the booth reported the citizen's first stroke: from then on the clerk may not
    # replace the document, only withdraw it explicitly (desk.py).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the procedure's ``signature_given`` returned without raising (at least once: the
    # desk's upkeep re-delivers sealed requests still without it, for a day).
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SignatureAccessRow(Base):
    __tablename__ = "signature_accesses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    request_id: Mapped[str] = mapped_column(String(43), index=True)
    reader_id: Mapped[int] = mapped_column(Integer, index=True)
    reader_role: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
