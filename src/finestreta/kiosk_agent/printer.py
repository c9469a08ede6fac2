"""The booth's printer, over IPP (pyipp): its state for the health report, and print jobs.

A print is: check the printer (reachable, not stopped, accepting jobs, takes this document
format), send Print-Job, then follow the job with Get-Job-Attributes until it is completed,
aborted or canceled, within a bounded time. A job that stalls at the printer (out of paper,
jammed, door open, printer stopped) or overruns its time is canceled at the printer before the
failure is reported: a citizen's document must never come out later for the next person at the
booth, nor twice when the clerk prints it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyipp import IPP
from pyipp.enums import IppOperation
from pyipp.exceptions import (
    IPPConnectionError,
    IPPConnectionUpgradeRequired,
    IPPError,
    IPPParseError,
    IPPResponseError,
)

log = logging.getLogger(__name__)

# IPP printer-state-reasons keywords (without their -error/-warning/-report suffix) and the
# failure reason each one means, most telling first.
REASON_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("media-jam", "media_jam"),
    ("door-open", "door_open"),
    ("cover-open", "door_open"),
    ("interlock-open", "door_open"),
    ("media-empty", "media_empty"),
    ("media-needed", "media_empty"),
    ("toner-empty", "toner_empty"),
    ("marker-supply-empty", "toner_empty"),
)
_SUFFIXES = ("-error", "-warning", "-report")

PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}
JOB_PENDING_HELD, JOB_PROCESSING_STOPPED = 4, 6
JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = 7, 8, 9

# IPP status codes worth a reason of their own (RFC 8011 §4.1.6).
_STATUS_NAMES = {
    0x0400: "client-error-bad-request",
    0x0401: "client-error-forbidden",
    0x0402: "client-error-not-authenticated",
    0x0403: "client-error-not-authorized",
    0x0404: "client-error-not-possible",
    0x0406: "client-error-not-found",
    0x0408: "client-error-request-entity-too-large",
    0x040A: "client-error-document-format-not-supported",
    0x040B: "client-error-attributes-or-values-not-supported",
    0x040F: "client-error-compression-error",
    0x0410: "client-error-document-format-error",
    0x0500: "server-error-internal-error",
    0x0501: "server-error-operation-not-supported",
    0x0503: "server-error-version-not-supported",
    0x0504: "server-error-device-error",
    0x0505: "server-error-temporary-error",
    0x0506: "server-error-not-accepting-jobs",
    0x0507: "server-error-busy",
    0x0508: "server-error-job-canceled",
}
_STOPPED_STATUSES = {0x0506}

PRINTER_ATTRIBUTES = [
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
    "document-format-supported",
    "copies-supported",
    "marker-names",
    "marker-levels",
    "marker-colors",
    "marker-types",
    "printer-supply",
    "printer-supply-description",
]
JOB_ATTRIBUTES = ["job-state", "job-state-reasons", "job-state-message"]

MAX_MARKERS = 20
MAX_REASONS = 50


def keyword_stem(keyword: str) -> str:
    for suffix in _SUFFIXES:
        if keyword.endswith(suffix):
            return keyword[: -len(suffix)]
    return keyword


def reason_from_keywords(keywords: Iterable[str]) -> str | None:
    """The failure reason that IPP state-reason keywords point at, if any."""
    stems = {keyword_stem(k.strip().lower()) for k in keywords}
    for stem, reason in REASON_KEYWORDS:
        if stem in stems:
            return reason
    return None


def _error_keywords(keywords: Iterable[str]) -> list[str]:
    """Reasons that stop a printer: the ``-error`` ones among those we know."""
    known = {stem for stem, _ in REASON_KEYWORDS}
    return [k for k in keywords if k.endswith("-error") and keyword_stem(k) in known]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _keywords(value: Any) -> list[str]:
    return [str(v)[:80] for v in _as_list(value) if str(v) and str(v) != "none"][:MAX_REASONS]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _status_name(code: int | None) -> str:
    if code is None:
        return "unknown status"
    return _STATUS_NAMES.get(code, f"IPP status 0x{code:04x}")


def _ipp_status(exc: IPPError) -> int | None:
    if len(exc.args) > 1 and isinstance(exc.args[1], dict):
        return _int_or_none(exc.args[1].get("status-code"))
    return None


def markers_of(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    """Supply levels: RFC 3805 ``marker-*`` attributes, or else PWG 5100.13 ``printer-supply``."""
    names = [str(n) for n in _as_list(attrs.get("marker-names"))]
    if names:
        levels = _as_list(attrs.get("marker-levels"))
        colors = _as_list(attrs.get("marker-colors"))
        types = _as_list(attrs.get("marker-types"))
        return [
            {
                "name": name[:80],
                "type": str(types[i])[:40] if i < len(types) else "",
                "color": str(colors[i])[:40] if i < len(colors) else "",
                "level": _int_or_none(levels[i]) if i < len(levels) else None,
            }
            for i, name in enumerate(names[:MAX_MARKERS])
        ]
    supplies = [str(s) for s in _as_list(attrs.get("printer-supply"))]
    descriptions = [str(d) for d in _as_list(attrs.get("printer-supply-description"))]
    markers = []
    for i, supply in enumerate(supplies[:MAX_MARKERS]):
        fields = dict(part.split("=", 1) for part in supply.strip(";").split(";") if "=" in part)
        level = _int_or_none(fields.get("level"))
        capacity = _int_or_none(fields.get("maxcapacity"))
        if level is not None and level >= 0 and capacity and capacity > 0:
            level = round(level * 100 / capacity)
        markers.append(
            {
                "name": (descriptions[i] if i < len(descriptions) else fields.get("type", ""))[:80],
                "type": fields.get("type", "")[:40],
                "color": fields.get("colorantname", "")[:40],
                "level": level,
            }
        )
    return markers


@dataclass(frozen=True)
class PrinterStatus:
    uri: str
    state: str  # idle | processing | stopped | unreachable
    reasons: list[str] = field(default_factory=list)
    message: str = ""
    markers: list[dict[str, Any]] = field(default_factory=list)
    accepting: bool | None = None
    formats: tuple[str, ...] = ()
    copies_max: int | None = None
    error: str = ""

    def health(self) -> dict[str, Any]:
        return {
            "uri": self.uri[:300],
            "state": self.state,
            "reasons": list(self.reasons),
            "message": (self.message or self.error)[:500],
            "markers": list(self.markers),
            "accepting": self.accepting,
        }

    def blocking_reason(self) -> tuple[str, str] | None:
        """Why a print cannot start now, as (reason, detail); None when it can."""
        if self.state == "unreachable":
            return "printer_unreachable", self.error or "the printer does not answer"
        described = ", ".join(self.reasons) or "no reason given"
        if self.state == "stopped":
            reason = reason_from_keywords(self.reasons) or "printer_stopped"
            return reason, f"the printer is stopped ({described}) {self.message}".strip()
        if self.accepting is False:
            return "printer_stopped", f"the printer is not accepting jobs ({described})"
        return None


@dataclass(frozen=True)
class PrintOutcome:
    state: str  # done | failed
    reason: str = ""
    detail: str = ""

    @staticmethod
    def done(detail: str = "") -> PrintOutcome:
        return PrintOutcome("done", "", detail[:500])

    @staticmethod
    def failed(reason: str, detail: str = "") -> PrintOutcome:
        return PrintOutcome("failed", reason, detail[:500])


class IppPrinter:
    def __init__(
        self,
        uri: str,
        *,
        job_timeout_s: float = 300,
        stall_s: float = 20,
        poll_s: float = 1.0,
        request_timeout_s: int = 10,
        send_timeout_s: int = 120,
        user_name: str = "finestreta",
        user_agent: str = "finestreta-kiosk-agent",
    ) -> None:
        self.uri = uri
        self.job_timeout_s = job_timeout_s
        self.stall_s = stall_s
        self.poll_s = poll_s
        self.request_timeout_s = request_timeout_s
        self.send_timeout_s = send_timeout_s
        self.user_name = user_name
        self.user_agent = user_agent

    def _client(self, timeout_s: int | None = None) -> IPP:
        return IPP(
            self.uri,
            request_timeout=timeout_s or self.request_timeout_s,
            user_agent=self.user_agent,
        )

    async def _execute(
        self, operation: IppOperation, operation_attrs: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "operation-attributes-tag": {"requesting-user-name": self.user_name, **operation_attrs},
            **{k: v for k, v in extra.items() if k != "timeout_s"},
        }
        async with self._client(extra.get("timeout_s")) as ipp:
            return await ipp.execute(operation, message)

    # ------------------------------------------------------------------ state
    async def status(self) -> PrinterStatus:
        """The printer's state; never raises (an unanswered printer is ``unreachable``)."""
        try:
            response = await self._execute(
                IppOperation.GET_PRINTER_ATTRIBUTES, {"requested-attributes": PRINTER_ATTRIBUTES}
            )
        except IPPConnectionUpgradeRequired:
            return PrinterStatus(self.uri, "unreachable", error="the printer asks for ipps://")
        except IPPConnectionError as exc:
            return PrinterStatus(
                self.uri, "unreachable", error=f"no answer from the printer: {exc}"
            )
        except IPPResponseError as exc:
            return PrinterStatus(self.uri, "unreachable", error=f"not an IPP printer here: {exc}")
        except IPPError as exc:
            return PrinterStatus(
                self.uri, "unreachable", error=f"printer error: {_status_name(_ipp_status(exc))}"
            )
        attrs: dict[str, Any] = next(iter(response.get("printers") or []), {})
        state = PRINTER_STATES.get(_int_or_none(attrs.get("printer-state")) or 0, "idle")
        copies = _as_list(attrs.get("copies-supported"))
        accepting = attrs.get("printer-is-accepting-jobs")
        return PrinterStatus(
            uri=self.uri,
            state=state,
            reasons=_keywords(attrs.get("printer-state-reasons")),
            message=str(attrs.get("printer-state-message") or "")[:500],
            markers=markers_of(attrs),
            accepting=accepting if isinstance(accepting, bool) else None,
            formats=tuple(str(f).lower() for f in _as_list(attrs.get("document-format-supported"))),
            copies_max=_int_or_none(copies[-1]) if copies else None,
        )

    # ------------------------------------------------------------------ printing
    async def print_document(
        self, data: bytes, media_type: str, job_name: str = "", copies: int = 1
    ) -> PrintOutcome:
        """Print and follow the job to its end. ``job_name`` shows on the printer's panel and in
        its job history, so it should not name the citizen or the document."""
        deadline = time.monotonic() + self.job_timeout_s
        status = await self.status()
        blocked = status.blocking_reason()
        if blocked is not None:
            return PrintOutcome.failed(*blocked)
        media_type = media_type.lower()
        if status.formats and media_type not in status.formats:
            return PrintOutcome.failed(
                "printer_error",
                f"the printer does not accept {media_type} (it takes {', '.join(status.formats)})",
            )
        copies = max(1, copies)
        # A printer that cannot make the copies itself gets the document once per copy.
        batches = [copies]
        if copies > 1 and status.copies_max is not None and status.copies_max < copies:
            per_job = max(1, status.copies_max)
            batches = [per_job] * (copies // per_job) + (
                [copies % per_job] if copies % per_job else []
            )
        outcome = PrintOutcome.done()
        for n in batches:
            outcome = await self._print_once(data, media_type, job_name, n, deadline)
            if outcome.state != "done":
                return outcome
        return outcome

    async def _print_once(
        self, data: bytes, media_type: str, job_name: str, copies: int, deadline: float
    ) -> PrintOutcome:
        job_attrs: dict[str, Any] = {}
        if copies > 1:
            job_attrs["copies"] = copies
        try:
            response = await self._execute(
                IppOperation.PRINT_JOB,
                {"job-name": (job_name or "finestreta")[:255], "document-format": media_type},
                **({"job-attributes-tag": job_attrs} if job_attrs else {}),
                data=data,
                timeout_s=self.send_timeout_s,
            )
        except IPPConnectionError as exc:
            return PrintOutcome.failed("printer_unreachable", f"sending the document failed: {exc}")
        except IPPParseError:
            return PrintOutcome.failed("printer_error", "the printer's answer could not be read")
        except IPPError as exc:
            code = _ipp_status(exc)
            reason = "printer_stopped" if code in _STOPPED_STATUSES else "printer_error"
            return PrintOutcome.failed(reason, f"the printer refused the job: {_status_name(code)}")
        job: dict[str, Any] = next(iter(response.get("jobs") or []), {})
        job_id = _int_or_none(job.get("job-id"))
        if job_id is None:
            return PrintOutcome.failed("printer_error", "the printer gave no job id")
        log.info("printer accepted IPP job %s (%d bytes, %d copies)", job_id, len(data), copies)
        return await self._follow(job_id, deadline)

    async def _follow(self, job_id: int, deadline: float) -> PrintOutcome:
        stalled_since: float | None = None
        silent_since: float | None = None
        while True:
            await asyncio.sleep(self.poll_s)
            now = time.monotonic()
            try:
                response = await self._execute(
                    IppOperation.GET_JOB_ATTRIBUTES,
                    {"job-id": job_id, "requested-attributes": JOB_ATTRIBUTES},
                )
                silent_since = None
            except IPPConnectionError as exc:
                silent_since = silent_since or now
                if now - silent_since > max(self.stall_s, 3 * self.poll_s) or now > deadline:
                    return PrintOutcome.failed(
                        "printer_unreachable",
                        f"lost contact with the printer while printing: {exc}",
                    )
                continue
            except IPPError as exc:
                code = _ipp_status(exc)
                if code == 0x0406:  # the printer has already forgotten a finished job
                    log.warning(
                        "IPP job %s is no longer known to the printer; taken as done", job_id
                    )
                    return PrintOutcome.done("the printer no longer reports the job")
                return PrintOutcome.failed(
                    "printer_error", f"following the job failed: {_status_name(code)}"
                )
            job: dict[str, Any] = next(iter(response.get("jobs") or []), {})
            state = _int_or_none(job.get("job-state")) or 0
            job_reasons = _keywords(job.get("job-state-reasons"))
            message = str(job.get("job-state-message") or "").strip()
            if state == JOB_COMPLETED:
                return PrintOutcome.done(message)
            printer = await self.status()
            if state in (JOB_CANCELED, JOB_ABORTED):
                reason = reason_from_keywords([*printer.reasons, *job_reasons]) or "job_aborted"
                return PrintOutcome.failed(
                    reason,
                    _describe(
                        "the job was " + ("canceled" if state == JOB_CANCELED else "aborted"),
                        message,
                        job_reasons,
                        printer.reasons,
                    ),
                )
            stalled = (
                state in (JOB_PENDING_HELD, JOB_PROCESSING_STOPPED)
                or printer.state == "stopped"
                or bool(_error_keywords(printer.reasons))
            )
            stalled_since = (stalled_since or now) if stalled else None
            timed_out = now > deadline
            if (stalled_since is not None and now - stalled_since >= self.stall_s) or timed_out:
                await self._cancel(job_id)
                if printer.state == "unreachable":
                    reason = "printer_unreachable"
                else:
                    reason = reason_from_keywords(printer.reasons) or (
                        "printer_stopped" if stalled else "printer_error"
                    )
                what = (
                    f"the job did not finish within {self.job_timeout_s:.0f} s"
                    if timed_out
                    else f"the job was held up at the printer for {self.stall_s:.0f} s"
                )
                return PrintOutcome.failed(
                    reason, _describe(what + "; canceled", message, job_reasons, printer.reasons)
                )

    async def _cancel(self, job_id: int) -> None:
        try:
            await self._execute(IppOperation.CANCEL_JOB, {"job-id": job_id})
            log.info("canceled IPP job %s at the printer", job_id)
        except IPPError as exc:
            log.warning("could not cancel IPP job %s: %s", job_id, exc)


def _describe(
    what: str, message: str, job_reasons: Sequence[str], printer_reasons: Sequence[str]
) -> str:
    parts = [what]
    if message:
        parts.append(f"printer says: {message}")
    if job_reasons:
        parts.append("job: " + ", ".join(job_reasons))
    if printer_reasons:
        parts.append("printer: " + ", ".join(printer_reasons))
    return "; ".join(parts)[:500]
