"""The journal that makes every job run at most once (``<spool>/journal.jsonl``).

Before the agent touches a device it appends ``{"job_id", "state": "processing"}`` and fsyncs;
afterwards it appends the outcome (``done`` or ``failed`` with a reason). On start the file is
read back, so a job delivered again after a restart or a reconnection is recognised:

* an outcome is there: the agent repeats it and does nothing else;
* ``processing`` with no outcome: the agent died mid-job; it reports ``failed``/``job_aborted``
  rather than risk printing twice.

A torn last line (power cut while writing) is skipped. Entries older than ``keep_days`` are
dropped when the file is compacted at start; a job cannot be resent that long after its call.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROCESSING = "processing"
OUTCOMES = ("done", "failed")


@dataclass(frozen=True)
class Entry:
    job_id: str
    state: str  # processing | done | failed
    reason: str = ""
    detail: str = ""
    kind: str = ""
    at: float = 0.0

    @property
    def finished(self) -> bool:
        return self.state in OUTCOMES

    def to_json(self) -> str:
        record: dict[str, Any] = {"job_id": self.job_id, "state": self.state, "at": self.at}
        if self.kind:
            record["kind"] = self.kind
        if self.reason:
            record["reason"] = self.reason
        if self.detail:
            record["detail"] = self.detail
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def from_json(line: str) -> Entry | None:
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        job_id, state = record.get("job_id"), record.get("state")
        if not isinstance(job_id, str) or not job_id or state not in (PROCESSING, *OUTCOMES):
            return None
        at = record.get("at")
        return Entry(
            job_id=job_id,
            state=str(state),
            reason=str(record.get("reason") or ""),
            detail=str(record.get("detail") or ""),
            kind=str(record.get("kind") or ""),
            at=float(at) if isinstance(at, int | float) else 0.0,
        )


class Journal:
    """Append-only, fsynced; the last entry of each job is kept in memory."""

    def __init__(self, path: Path, keep_days: float = 30) -> None:
        self.path = path
        self.keep_s = keep_days * 86400
        self._last: dict[str, Entry] = {}
        self._torn = False
        self._load()
        self._compact()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if self._torn:  # end the torn line, so that the next entry starts a line of its own
            os.write(self._fd, b"\n")
            os.fsync(self._fd)
        _fsync_dir(self.path.parent)

    # ------------------------------------------------------------------ reading
    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        self._torn = bool(data) and not data.endswith(b"\n")
        bad = 0
        for raw in data.split(b"\n"):
            if not raw.strip():
                continue
            entry = Entry.from_json(raw.decode("utf-8", "replace"))
            if entry is None:
                bad += 1
                continue
            self._last[entry.job_id] = entry
        if bad:
            log.warning("journal %s: skipped %d unreadable line(s)", self.path, bad)

    def _compact(self) -> None:
        """Rewrite the file with one line per job, dropping old finished jobs (atomically)."""
        if not self.path.exists():
            return
        cutoff = time.time() - self.keep_s
        keep = {
            job_id: e
            for job_id, e in self._last.items()
            if not (e.finished and e.at and e.at < cutoff)
        }
        with self.path.open("rb") as fh:
            lines = sum(1 for _ in fh)
        if len(keep) == len(self._last) and lines <= 2 * len(keep) + 100:
            return
        tmp = self.path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for entry in keep.values():
                fh.write(entry.to_json() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        self._last = keep
        self._torn = False

    def last(self, job_id: str) -> Entry | None:
        return self._last.get(job_id)

    def unfinished(self) -> list[Entry]:
        """Jobs that were started and have no outcome: the agent died while running them."""
        return [e for e in self._last.values() if e.state == PROCESSING]

    def __len__(self) -> int:
        return len(self._last)

    # ------------------------------------------------------------------ writing
    def append(self, entry: Entry) -> Entry:
        if not entry.at:
            entry = Entry(
                entry.job_id, entry.state, entry.reason, entry.detail, entry.kind, time.time()
            )
        line = (entry.to_json() + "\n").encode("utf-8")
        written = 0
        while written < len(line):
            written += os.write(self._fd, line[written:])
        os.fsync(self._fd)
        self._last[entry.job_id] = entry
        return entry

    def processing(self, job_id: str, kind: str) -> Entry:
        return self.append(Entry(job_id, PROCESSING, kind=kind))

    def outcome(
        self, job_id: str, kind: str, state: str, reason: str = "", detail: str = ""
    ) -> Entry:
        assert state in OUTCOMES
        return self.append(Entry(job_id, state, reason=reason, detail=detail, kind=kind))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
