"""Scanning through the agent's scanner module from SANE's ``test`` backend (scanimage)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from finestreta.devices.jobs import SCAN_REASONS
from finestreta.kiosk_agent.scanner import (
    DeviceOption,
    SaneScanner,
    ScanError,
    choose_mode,
    choose_resolution,
    choose_source,
    parse_device_options,
    parse_formats,
    reason_of_failure,
)

SaneConfig = Callable[..., Path]

# The test backend scans 80 mm x 100 mm by default (br_x, br_y in its test.conf); SANE turns
# millimetres into pixels as mm / 25.4 * dpi, truncated.
PAGE_MM = (80, 100)


def pixels(dpi: int) -> tuple[int, int]:
    return int(PAGE_MM[0] / 25.4 * dpi), int(PAGE_MM[1] / 25.4 * dpi)


def _scanner(config: Path, tmp_path: Path, **kw: float) -> SaneScanner:
    return SaneScanner("test", sane_config_dir=config, work_dir=tmp_path, **kw)  # type: ignore[arg-type]


def _scan(scanner: SaneScanner, *args: object) -> tuple[bytes, str, int]:
    result = asyncio.run(scanner.scan(*args))  # type: ignore[arg-type]
    return result.data, result.content_type, result.pages


@pytest.mark.parametrize(("dpi", "mode", "pil_mode"), [(100, "color", "RGB"), (150, "gray", "L")])
def test_png_has_the_page_size_for_the_resolution(
    sane_config: SaneConfig, tmp_path: Path, dpi: int, mode: str, pil_mode: str
) -> None:
    data, content_type, _ = _scan(_scanner(sane_config(), tmp_path), dpi, mode, "flatbed", "png")
    assert content_type == "image/png"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == pixels(dpi)
        assert image.mode == pil_mode


def _pdf(data: bytes) -> PdfReader:
    """Read strictly: the server checks PDFs, and scanimage's own PDF writer fails this."""
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data), strict=True)


def test_pdf_from_the_flatbed(sane_config: SaneConfig, tmp_path: Path) -> None:
    data, content_type, pages = _scan(
        _scanner(sane_config(), tmp_path), 75, "gray", "flatbed", "pdf"
    )
    assert content_type == "application/pdf"
    reader = _pdf(data)
    assert len(reader.pages) == pages == 1
    box = reader.pages[0].mediabox  # the page keeps its size: 80 x 100 mm in points
    assert abs(float(box.width) - 80 / 25.4 * 72) < 1.5
    assert abs(float(box.height) - 100 / 25.4 * 72) < 1.5


def test_a_scanimage_without_png_output_still_gives_png(
    sane_config: SaneConfig, tmp_path: Path
) -> None:
    scanner = _scanner(sane_config(), tmp_path)
    asyncio.run(scanner.probe())
    assert scanner._caps is not None
    scanner._caps.formats.discard("png")  # as a scanimage built without libpng would say
    data, content_type, _ = _scan(scanner, 75, "color", "flatbed", "png")
    assert content_type == "image/png"
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", pixels(75))
    data, content_type, _ = _scan(scanner, 75, "color", "flatbed", "pdf")
    assert len(_pdf(data).pages) == 1


def test_the_feeder_scans_every_page_into_one_pdf(sane_config: SaneConfig, tmp_path: Path) -> None:
    scanner = _scanner(sane_config(), tmp_path, feeder_max_pages=3)
    data, content_type, pages = _scan(scanner, 75, "gray", "feeder", "pdf")
    assert content_type == "application/pdf"
    assert pages == 3
    assert len(_pdf(data).pages) == 3
    assert list(tmp_path.glob("scan-*")) == []  # the pages do not stay on disk


def test_a_png_from_the_feeder_is_its_first_page(sane_config: SaneConfig, tmp_path: Path) -> None:
    data, _, pages = _scan(_scanner(sane_config(), tmp_path), 75, "color", "feeder", "png")
    assert pages == 1
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == pixels(75)


def test_empty_feeder(sane_config: SaneConfig, tmp_path: Path) -> None:
    config = sane_config("read-status-code SANE_STATUS_NO_DOCS")
    for fmt in ("png", "pdf"):
        with pytest.raises(ScanError) as info:
            _scan(_scanner(config, tmp_path), 75, "color", "feeder", fmt)
        assert info.value.reason == "feeder_empty"
        assert "Document feeder out of documents" in info.value.detail
    with pytest.raises(ScanError) as info:
        _scan(_scanner(config, tmp_path), 75, "color", "flatbed", "png")
    assert info.value.reason == "no_document"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("SANE_STATUS_COVER_OPEN", "cover_open"),
        ("SANE_STATUS_JAMMED", "paper_jam"),
        ("SANE_STATUS_DEVICE_BUSY", "scanner_busy"),
        ("SANE_STATUS_IO_ERROR", "scanner_error"),
    ],
)
def test_device_trouble_maps_onto_the_protocols_reasons(
    sane_config: SaneConfig, tmp_path: Path, status: str, reason: str
) -> None:
    scanner = _scanner(sane_config(f"read-status-code {status}"), tmp_path)
    with pytest.raises(ScanError) as info:
        _scan(scanner, 75, "color", "flatbed", "png")
    assert info.value.reason == reason
    assert reason in SCAN_REASONS


def test_a_missing_scanner(sane_config: SaneConfig, tmp_path: Path) -> None:
    scanner = SaneScanner("test:7", sane_config_dir=sane_config(), work_dir=tmp_path)
    status = asyncio.run(scanner.probe())
    assert not status.present
    assert "open of device test:7 failed" in status.error
    with pytest.raises(ScanError) as info:
        _scan(scanner, 75, "color", "flatbed", "png")
    assert info.value.reason == "scanner_missing"


def test_a_scan_is_bounded_in_time(sane_config: SaneConfig, tmp_path: Path) -> None:
    config = sane_config(
        "read-delay true", "read-delay-duration 200000", "read-limit true", "read-limit-size 1024"
    )
    scanner = _scanner(config, tmp_path, timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(ScanError) as info:
        _scan(scanner, 300, "color", "flatbed", "png")
    assert time.monotonic() - started < 5
    assert info.value.reason == "scanner_error"
    assert "did not finish within 1 s" in info.value.detail


def test_probe_finds_the_test_device_and_its_options(
    sane_config: SaneConfig, tmp_path: Path
) -> None:
    scanner = _scanner(sane_config(), tmp_path)
    status = asyncio.run(scanner.probe())
    assert status.present and status.error == ""
    assert status.health() == {"device": "test", "present": True, "error": ""}
    assert scanner.options["source"].values == ("Flatbed", "Automatic Document Feeder")
    assert scanner.options["mode"].values == ("Gray", "Color")
    assert (scanner.options["resolution"].low, scanner.options["resolution"].high) == (1, 1200)
    assert scanner._caps is not None and "png" in scanner._caps.formats


# ---------------------------------------------------------------------- other backends' options
AIRSCAN = """
Options specific to device `airscan:e0:HP OfficeJet':
  Standard:
    --resolution 75|100|200|300|600dpi [300]
        Sets the resolution of the scanned image.
    --mode Color|Gray [Color]
        Selects the scan mode (e.g., lineart, monochrome, or color).
    --source Flatbed|ADF|ADF Duplex [Flatbed]
        Selects the scan source (such as a document-feeder).
  Geometry:
    -l 0..215.9mm [0]
"""
EPSON = """
All options specific to device `epson2:net:10.0.0.5':
  Scan Mode:
    --mode Lineart|Gray|Color [Lineart]
    --depth 8|16 [inactive]
    --resolution 75|150|300|600|1200dpi [75]
  Optional equipment:
    --source Flatbed|Automatic Document Feeder [Flatbed]
"""
FLATBED_ONLY = """
Options specific to device `genesys:libusb:001:004':
    --mode Color|Gray|Halftone|Lineart [Gray]
    --resolution 4800|2400|1200|600|300|150|100|75dpi [75]
"""


def test_other_backends_options_are_mapped() -> None:
    airscan = parse_device_options(AIRSCAN)
    assert choose_source(airscan["source"], "feeder") == "ADF"
    assert choose_source(airscan["source"], "flatbed") == "Flatbed"
    assert choose_resolution(airscan["resolution"], 150) == 200  # a tie goes to the higher
    assert choose_resolution(airscan["resolution"], 240) == 200
    assert choose_mode(airscan["mode"], "gray") == "Gray"
    epson = parse_device_options(EPSON)
    assert choose_source(epson["source"], "feeder") == "Automatic Document Feeder"
    assert choose_resolution(epson["resolution"], 200) == 150
    assert choose_mode(epson["mode"], "color") == "Color"
    assert epson["depth"].inactive
    genesys = parse_device_options(FLATBED_ONLY)
    assert "source" not in genesys
    assert choose_source(genesys.get("source"), "flatbed") is None  # the option is left out
    with pytest.raises(ScanError) as info:
        choose_source(genesys.get("source"), "feeder")
    assert info.value.reason == "scanner_error"
    assert choose_resolution(genesys["resolution"], 600) == 600
    assert choose_mode(genesys["mode"], "gray") == "Gray"
    odd = DeviceOption("mode", ("Lineart", "24bit Color", "True Gray"))
    assert choose_mode(odd, "color") == "24bit Color"
    assert choose_mode(odd, "gray") == "True Gray"
    assert choose_mode(DeviceOption("mode", ("Lineart",)), "gray") is None
    stepped = DeviceOption("resolution", (), 50, 1200, 25)
    assert choose_resolution(stepped, 210) == 200
    assert choose_resolution(stepped, 30) == 50


def test_formats_are_read_from_the_usage_text() -> None:
    assert parse_formats("    --format=pnm|tiff|png|jpeg|pdf  file format") == {
        "pnm",
        "tiff",
        "png",
        "jpeg",
        "pdf",
    }
    assert parse_formats("    --format=pnm|tiff  file format") == {"pnm", "tiff"}


@pytest.mark.parametrize(
    ("stderr", "code", "reason"),
    [
        ("scanimage: sane_start: Document feeder out of documents", 7, "feeder_empty"),
        ("scanimage: sane_read: Scanner cover is open", 8, "cover_open"),
        ("scanimage: sane_read: Document feeder jammed", 6, "paper_jam"),
        ("scanimage: open of device x failed: Device busy", 1, "scanner_busy"),
        ("scanimage: open of device x failed: Invalid argument", 1, "scanner_missing"),
        ("scanimage: no SANE devices found", 1, "scanner_missing"),
        (
            "scanimage: open of device x failed: Access to resource has been denied",
            1,
            "scanner_error",
        ),
        ("", 7, "feeder_empty"),  # another locale: the exit status still tells
    ],
)
def test_failure_messages(stderr: str, code: int, reason: str) -> None:
    assert reason_of_failure(stderr, code, "feeder")[0] == reason


# ---------------------------------------------------------------------- a scanimage that misbehaves
def _fake_scanimage(tmp_path: Path, body: str) -> str:
    """A stand-in for scanimage that answers the probe like the test device, then runs
    ``body`` for the scan itself."""
    help_text = tmp_path / "help.txt"
    help_text.write_text(
        "    --format=pnm|tiff|png|jpeg|pdf  file format of output file\n"
        "Options specific to device `test':\n"
        "    --mode Gray|Color [Gray]\n"
        "    --resolution 1..1200dpi (in steps of 1) [50]\n"
        "    --source Flatbed|Automatic Document Feeder [Flatbed]\n"
    )
    script = tmp_path / "scanimage"
    script.write_text(
        f'#!/bin/sh\ncase "$*" in *--help*) cat {help_text}; exit 0;; esac\n' + body + "\n"
    )
    script.chmod(0o755)
    return str(script)


def test_a_scanimage_that_reports_an_error_but_does_not_exit_is_ended(tmp_path: Path) -> None:
    """Seen with the test backend under load: the error is printed, the exit never comes."""
    fake = _fake_scanimage(
        tmp_path, 'echo "scanimage: sane_read: Document feeder jammed" >&2\nexec sleep 60'
    )
    scanner = SaneScanner("test", scanimage=fake, work_dir=tmp_path, timeout_s=30)
    started = time.monotonic()
    with pytest.raises(ScanError) as info:
        _scan(scanner, 75, "color", "flatbed", "png")
    assert info.value.reason == "paper_jam"
    assert time.monotonic() - started < 10


def test_a_helper_process_left_holding_the_output_does_not_hold_the_scan(tmp_path: Path) -> None:
    fake = _fake_scanimage(
        tmp_path, 'sleep 60 &\necho "scanimage: sane_read: Scanner cover is open" >&2\nexit 8'
    )
    scanner = SaneScanner("test", scanimage=fake, work_dir=tmp_path, timeout_s=30)
    started = time.monotonic()
    with pytest.raises(ScanError) as info:
        _scan(scanner, 75, "color", "flatbed", "png")
    assert info.value.reason == "cover_open"
    assert time.monotonic() - started < 10


def test_a_feeder_that_runs_out_after_some_pages_is_a_finished_batch(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    Image.new("L", (80, 100), 255).save(page)
    fake = _fake_scanimage(
        tmp_path,
        'for arg in "$@"; do case "$arg" in --batch=*) pattern="${arg#--batch=}";; esac; done\n'
        f'cp {page} "$(printf "$pattern" 1)"\ncp {page} "$(printf "$pattern" 2)"\n'
        'echo "scanimage: sane_start: Document feeder out of documents" >&2\nexit 7',
    )
    scanner = SaneScanner("test", scanimage=fake, work_dir=tmp_path, timeout_s=30)
    data, content_type, pages = _scan(scanner, 100, "gray", "feeder", "pdf")
    assert (content_type, pages) == ("application/pdf", 2)
    assert len(_pdf(data).pages) == 2
