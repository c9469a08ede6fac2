"""The life of a device job, as one table of allowed moves.

queued ──sent──▶ sent ──▶ received ──▶ processing ──▶ done | failed
   │               │          │
   └──────────────┴──────────┴──▶ expired   (its call ended before the booth started it)

A job goes back from sent/received to queued when the agent's socket drops before it started,
so it is delivered again on reconnection; the agent keeps a journal of the jobs it started, so
a job delivered twice still runs once. Reports about a finished job change nothing.
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    RECEIVED = "received"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def final(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.EXPIRED)

    @property
    def started(self) -> bool:
        return self in (JobState.PROCESSING, JobState.DONE, JobState.FAILED)


_MOVES: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.SENT, JobState.EXPIRED}),
    JobState.SENT: frozenset(
        {
            JobState.RECEIVED,
            JobState.PROCESSING,
            JobState.DONE,
            JobState.FAILED,
            JobState.QUEUED,
            JobState.EXPIRED,
        }
    ),
    JobState.RECEIVED: frozenset(
        {JobState.PROCESSING, JobState.DONE, JobState.FAILED, JobState.QUEUED, JobState.EXPIRED}
    ),
    JobState.PROCESSING: frozenset({JobState.DONE, JobState.FAILED}),
    JobState.DONE: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.EXPIRED: frozenset(),
}


def can_move(current: JobState, new: JobState) -> bool:
    return new in _MOVES[current]


# Why a job failed, as the agent reports it; the console shows a sentence for each.
PRINT_REASONS = (
    "printer_unreachable",
    "printer_stopped",
    "media_empty",
    "media_jam",
    "door_open",
    "toner_empty",
    "job_aborted",
    "document_unavailable",
    "printer_error",
)
SCAN_REASONS = (
    "scanner_missing",
    "no_document",
    "feeder_empty",
    "paper_jam",
    "cover_open",
    "scanner_busy",
    "scanner_error",
    "upload_failed",
)
