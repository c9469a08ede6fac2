"""Tables of the work on cases after they are opened (migrations ``c002``, ``c004``): the documents filed
with a case, every read of a case by staff, and the answers waiting to go out by e-mail.

* ``complaint_case_attachments``: the documents of the call filed with the case (their files
  outlive the call's retention: their SHA-256 is in the registry entry, which the purge keeps);
* ``complaint_case_accesses``: who read which case with its personal data, when and on what
  page (append-only, like the history);
* ``complaint_answer_mails``: the outbox of answers by e-mail, written in the transaction of the
  answer and sent after it commits, tried again with a growing wait until sent or given up
  (``failed_at``: a permanent refusal, or too many failures). It holds no address or text: the
  case has them; ``last_error`` is the SMTP reason without personal data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from finestreta.db import Base, UTCDateTime

ACCESSES_APPEND_ONLY = "complaint case accesses are append-only"


class CaseAttachmentRow(Base):
    __tablename__ = "complaint_case_attachments"
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint_cases.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))


class CaseAccessRow(Base):
    __tablename__ = "complaint_case_accesses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint_cases.id"), index=True)
    staff_id: Mapped[int] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    view: Mapped[str] = mapped_column(String(40))  # what was shown: case_page, attachment…


class AnswerMailRow(Base):
    __tablename__ = "complaint_answer_mails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint_cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # Who sends it holds it until then (the request that answered, or the upkeep): two never
    # send one answer twice; a sender that died lets it go when the time is up.
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Not before this (back-off after a failure, migration ``c004``); None: at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    # Given up (a permanent refusal, or too many failures): the case page says what to do.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
