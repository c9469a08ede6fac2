"""The ``health`` report: printer, scanner, disk and queue, as the protocol defines it.

It is sent on connect, every ``health_interval_s``, and as soon as a probe finds something
different from what was last sent. The free disk space changes all the time, so it does not
count as a change by itself; it only rides along.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finestreta import __version__
from finestreta.kiosk_agent.printer import IppPrinter
from finestreta.kiosk_agent.scanner import SaneScanner

log = logging.getLogger(__name__)

_VOLATILE = ("disk_free_bytes",)


def disk_free(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


class HealthMonitor:
    def __init__(
        self,
        printer: IppPrinter,
        scanner: SaneScanner,
        spool_dir: Path,
        pending: Callable[[], int],
    ) -> None:
        self.printer = printer
        self.scanner = scanner
        self.spool_dir = spool_dir
        self.pending = pending
        self.last_sent: dict[str, Any] | None = None

    async def collect(self) -> dict[str, Any]:
        printer = await self.printer.status()
        scanner = await self.scanner.probe()
        return {
            "type": "health",
            "agent_version": __version__[:40],
            "printer": printer.health(),
            "scanner": scanner.health(),
            "disk_free_bytes": disk_free(self.spool_dir),
            "spool_pending": self.pending(),
        }

    @staticmethod
    def _comparable(report: dict[str, Any] | None) -> dict[str, Any] | None:
        if report is None:
            return None
        return {k: v for k, v in report.items() if k not in _VOLATILE}

    def changed(self, report: dict[str, Any]) -> bool:
        return self._comparable(report) != self._comparable(self.last_sent)

    def mark_sent(self, report: dict[str, Any]) -> None:
        if self.last_sent is not None and self.changed(report):
            log.info("device health changed: %s", summary(report))
        self.last_sent = report

    def forget(self) -> None:
        """A new connection: the next report goes out whatever it says."""
        self.last_sent = None


def summary(report: dict[str, Any]) -> str:
    printer = report.get("printer") or {}
    scanner = report.get("scanner") or {}
    reasons = ",".join(printer.get("reasons") or []) or "none"
    return (
        f"printer {printer.get('state')} ({reasons}), "
        f"scanner {'present' if scanner.get('present') else 'missing'}, "
        f"{report.get('spool_pending')} pending"
    )
