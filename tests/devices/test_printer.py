"""Printing through the agent's printer module to a real IPP printer (ippeveprinter)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from pyipp import IPP
from pyipp.enums import IppOperation
from pyipp.exceptions import IPPError

from finestreta.devices.jobs import PRINT_REASONS
from finestreta.kiosk_agent.printer import (
    IppPrinter,
    PrinterStatus,
    markers_of,
    reason_from_keywords,
)
from tests.devices.conftest import PDF, IppEvePrinter, closed_port

Start = Callable[..., IppEvePrinter]


def _printer(uri: str, **kw: float) -> IppPrinter:
    return IppPrinter(uri, poll_s=kw.pop("poll_s", 0.2), **kw)  # type: ignore[arg-type]


def test_a_pdf_arrives_byte_identical(
    printer: Start, printer_command: Callable[[str], str]
) -> None:
    # Without a command ippeveprinter "prints" for a random 5-15 s; one second is enough to
    # see the job go pending -> processing -> completed.
    eve = printer(command=printer_command("sleep 1"))
    outcome = asyncio.run(_printer(eve.uri).print_document(PDF, "application/pdf", "Certificat"))
    assert (outcome.state, outcome.reason) == ("done", ""), outcome.detail
    files = eve.printed()
    assert len(files) == 1
    assert files[0].read_bytes() == PDF
    assert files[0].name.endswith(".pdf")


def test_copies_beyond_what_the_printer_makes_are_sent_once_each(printer: Start) -> None:
    eve = printer(command="/bin/true")
    ipp = _printer(eve.uri)
    status = asyncio.run(ipp.status())
    assert status.copies_max and status.copies_max >= 2  # ippeveprinter: 1-999 with PDF
    outcome = asyncio.run(ipp.print_document(PDF, "application/pdf", "Two", copies=2))
    assert outcome.state == "done", outcome.detail
    assert len(eve.printed()) == 1  # one job asking for two copies


def test_unreachable_printer(printer: Start) -> None:
    ipp = _printer(f"ipp://127.0.0.1:{closed_port()}/ipp/print")
    outcome = asyncio.run(ipp.print_document(PDF, "application/pdf", "x"))
    assert (outcome.state, outcome.reason) == ("failed", "printer_unreachable")
    status = asyncio.run(ipp.status())
    assert status.state == "unreachable"
    assert status.health()["state"] == "unreachable"
    assert status.health()["message"]


def test_out_of_paper_at_the_printer_fails_the_job_as_media_empty(
    printer: Start, printer_command: Callable[[str], str]
) -> None:
    command = printer_command(
        'echo "STATE: +media-empty-error" >&2\necho "ERROR: Out of paper" >&2\nexit 1'
    )
    eve = printer(command=command)
    outcome = asyncio.run(_printer(eve.uri).print_document(PDF, "application/pdf", "x"))
    assert (outcome.state, outcome.reason) == ("failed", "media_empty"), outcome.detail
    assert "aborted" in outcome.detail
    assert "Out of paper" in outcome.detail


def test_a_job_aborted_for_no_known_reason_is_job_aborted(
    printer: Start, printer_command: Callable[[str], str]
) -> None:
    eve = printer(command=printer_command('echo "ERROR: rasterizer crashed" >&2\nexit 1'))
    outcome = asyncio.run(_printer(eve.uri).print_document(PDF, "application/pdf", "x"))
    assert (outcome.state, outcome.reason) == ("failed", "job_aborted"), outcome.detail


def test_a_jam_while_printing_is_media_jam(
    printer: Start, printer_command: Callable[[str], str]
) -> None:
    eve = printer(command=printer_command('echo "STATE: +media-jam-error" >&2\nexit 1'))
    outcome = asyncio.run(_printer(eve.uri).print_document(PDF, "application/pdf", "x"))
    assert (outcome.state, outcome.reason) == ("failed", "media_jam"), outcome.detail


def test_a_format_the_printer_does_not_take_is_refused_before_sending(printer: Start) -> None:
    eve = printer(formats="image/png")
    outcome = asyncio.run(_printer(eve.uri).print_document(PDF, "application/pdf", "x"))
    assert (outcome.state, outcome.reason) == ("failed", "printer_error")
    assert "does not accept application/pdf" in outcome.detail
    assert eve.printed() == []


async def _job(uri: str, job_id: int) -> tuple[int, list[str]]:
    async with IPP(uri) as ipp:
        response = await ipp.execute(
            IppOperation.GET_JOB_ATTRIBUTES,
            {
                "operation-attributes-tag": {
                    "job-id": job_id,
                    "requested-attributes": ["job-state", "job-state-reasons"],
                }
            },
        )
    job = response["jobs"][0]
    reasons = job.get("job-state-reasons")
    return int(job["job-state"]), reasons if isinstance(reasons, list) else [reasons]


def _canceled(uri: str, job_id: int) -> bool:
    """Canceled, or on its way there (a printer stops at the next page boundary)."""
    state, reasons = asyncio.run(_job(uri, job_id))
    return state == 7 or "processing-to-stop-point" in reasons


def test_a_job_that_overruns_its_time_is_canceled_at_the_printer(
    printer: Start, printer_command: Callable[[str], str]
) -> None:
    """A citizen's document must not come out minutes later for the next person."""
    eve = printer(command=printer_command("sleep 30"))
    ipp = _printer(eve.uri, job_timeout_s=1.5)
    outcome = asyncio.run(ipp.print_document(PDF, "application/pdf", "slow"))
    assert (outcome.state, outcome.reason) == ("failed", "printer_error")
    assert "did not finish within" in outcome.detail and "canceled" in outcome.detail
    assert _canceled(eve.uri, 1)


def test_a_job_stuck_without_paper_is_canceled_and_reported_as_media_empty(
    printer: Start, printer_command: Callable[[str], str]
) -> None:
    eve = printer(command=printer_command('echo "STATE: +media-empty-error" >&2\nsleep 30'))
    ipp = _printer(eve.uri, job_timeout_s=1.5)
    outcome = asyncio.run(ipp.print_document(PDF, "application/pdf", "waiting for paper"))
    assert (outcome.state, outcome.reason) == ("failed", "media_empty"), outcome.detail
    assert _canceled(eve.uri, 1)


def test_ippeveprinter_cannot_be_paused_so_stopped_is_checked_on_the_status(
    printer: Start,
) -> None:
    """ippeveprinter (CUPS 2.4) answers Pause-Printer with operation-not-supported, so a real
    'stopped' printer cannot be staged here; the decision is checked on the status instead."""
    eve = printer()

    async def pause() -> int | None:
        async with IPP(eve.uri) as ipp:
            try:
                await ipp.execute(IppOperation.PAUSE_PRINTER, {})
            except IPPError as exc:
                return int(exc.args[1]["status-code"])
        return None

    assert asyncio.run(pause()) == 0x0501  # server-error-operation-not-supported
    stopped = PrinterStatus("ipp://p", "stopped", reasons=["paused"], message="Paused.")
    assert stopped.blocking_reason() == (
        "printer_stopped",
        "the printer is stopped (paused) Paused.",
    )
    empty = PrinterStatus("ipp://p", "stopped", reasons=["media-empty-error"])
    assert empty.blocking_reason()[0] == "media_empty"  # type: ignore[index]
    refusing = PrinterStatus("ipp://p", "idle", accepting=False)
    assert refusing.blocking_reason()[0] == "printer_stopped"  # type: ignore[index]
    assert PrinterStatus("ipp://p", "idle", accepting=True).blocking_reason() is None


def test_status_of_a_real_printer(printer: Start) -> None:
    eve = printer()
    status = asyncio.run(_printer(eve.uri).status())
    assert status.state == "idle"
    assert status.accepting is True
    assert "application/pdf" in status.formats
    assert status.reasons == []
    # ippeveprinter reports supplies as printer-supply, which become markers.
    names = {m["name"] for m in status.markers}
    assert "Black Toner" in names
    toner = next(m for m in status.markers if m["name"] == "Black Toner")
    assert toner == {"name": "Black Toner", "type": "toner", "color": "black", "level": 75}


@pytest.mark.parametrize(
    ("keywords", "reason"),
    [
        (["media-empty-error"], "media_empty"),
        (["media-empty"], "media_empty"),
        (["media-empty-warning"], "media_empty"),
        (["media-empty-report"], "media_empty"),
        (["media-jam-error", "media-empty-error"], "media_jam"),
        (["door-open-error"], "door_open"),
        (["cover-open"], "door_open"),
        (["toner-empty-error"], "toner_empty"),
        (["marker-supply-empty-error"], "toner_empty"),
        (["toner-low-warning"], None),
        (["none"], None),
        ([], None),
    ],
)
def test_ipp_keywords_map_onto_the_protocols_reasons(
    keywords: list[str], reason: str | None
) -> None:
    assert reason_from_keywords(keywords) == reason
    if reason:
        assert reason in PRINT_REASONS


def test_marker_attributes_are_preferred_to_printer_supply() -> None:
    attrs = {
        "marker-names": ["Black", "Cyan"],
        "marker-levels": [40, 7],
        "marker-colors": ["#000000", "#00FFFF"],
        "marker-types": ["toner", "toner"],
        "printer-supply": "index=1;type=toner;level=1;maxcapacity=100;",
    }
    assert markers_of(attrs) == [
        {"name": "Black", "type": "toner", "color": "#000000", "level": 40},
        {"name": "Cyan", "type": "toner", "color": "#00FFFF", "level": 7},
    ]
    one = {"marker-names": "Black", "marker-levels": 12, "marker-colors": "#000000"}
    assert markers_of(one) == [{"name": "Black", "type": "", "color": "#000000", "level": 12}]
    supply = {"printer-supply": "type=toner;maxcapacity=200;level=50;colorantname=cyan;"}
    assert markers_of(supply)[0]["level"] == 25
