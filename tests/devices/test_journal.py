"""The journal that keeps every job to one run."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from finestreta.kiosk_agent.journal import Entry, Journal


def test_entries_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.processing("a", "print")
    journal.outcome("a", "print", "done")
    journal.processing("b", "scan")
    journal.outcome("b", "scan", "failed", "feeder_empty", "Document feeder out of documents")
    journal.processing("c", "print")
    journal.close()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    again = Journal(path)
    assert again.last("a") is not None and again.last("a").state == "done"  # type: ignore[union-attr]
    b = again.last("b")
    assert b is not None and (b.state, b.reason, b.kind) == ("failed", "feeder_empty", "scan")
    assert [e.job_id for e in again.unfinished()] == ["c"]
    assert again.last("zzz") is None
    again.close()


def test_a_torn_last_line_is_skipped_and_does_not_swallow_the_next(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.processing("a", "print")
    journal.close()
    with path.open("ab") as fh:
        fh.write(b'{"job_id":"b","sta')  # the power went out mid-write
    journal = Journal(path)
    assert journal.last("b") is None
    journal.outcome("a", "print", "done")
    journal.close()
    reread = Journal(path)
    assert reread.last("a") is not None and reread.last("a").state == "done"  # type: ignore[union-attr]
    reread.close()


def test_compaction_keeps_one_line_per_job_and_forgets_old_ones(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    old = time.time() - 40 * 86400
    lines = [Entry("old", "done", at=old).to_json(), Entry("old", "done", at=old).to_json()]
    for n in range(150):
        lines.append(Entry(f"j{n}", "processing", at=time.time()).to_json())
        lines.append(Entry(f"j{n}", "done", at=time.time()).to_json())
    path.write_text("\n".join(lines) + "\n")
    journal = Journal(path)
    assert journal.last("old") is None
    assert len(journal) == 150
    assert len(path.read_text().splitlines()) == 150
    assert all(json.loads(line)["state"] == "done" for line in path.read_text().splitlines())
    journal.close()
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_every_entry_is_on_disk_when_append_returns(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.processing("x", "print")
    # Read through another descriptor, as the next run of the agent would.
    fd = os.open(path, os.O_RDONLY)
    try:
        assert b'"job_id":"x"' in os.read(fd, 4096)
    finally:
        os.close(fd)
    journal.close()
