"""The booth's scanner, through SANE's ``scanimage`` in a subprocess (bounded in time).

Each backend names its options differently (``--mode Color`` or ``--mode "24bit Color"``,
``--source ADF`` or ``--source "Automatic Document Feeder"``, resolutions as a list or a
range), so the device's own options are read first (``scanimage -d DEVICE --help``, which also
tells which output formats this scanimage writes) and ours are mapped onto them; an option the
device lacks is left out, a resolution it lacks becomes the nearest one it has.

Pages come from scanimage as PNG; a PDF is made from them here (Pillow, JPEG inside), since
scanimage's own PDF writer gives broken files (see ``_scan_pages``). A PDF from the feeder holds
every page the feeder had, up to ``feeder_max_pages``.

SANE's failures are mapped onto the protocol's reasons by message (scanimage runs with
``LC_ALL=C``) and, failing that, by exit status (scanimage exits with the SANE status).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# SANE_Status values, which scanimage also uses as its exit status.
SANE_DEVICE_BUSY, SANE_JAMMED, SANE_NO_DOCS, SANE_COVER_OPEN = 3, 6, 7, 8
SANE_IO_ERROR, SANE_ACCESS_DENIED = 9, 11

CONTENT_TYPES = {"png": "image/png", "pdf": "application/pdf"}
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pnm": b"P"}

_OPTION_LINE = re.compile(
    r"^\s+(?P<name>--?[A-Za-z0-9][\w-]*)(?P<bool>\[=\((?P<choices>[^)]*)\)\])?"
    r"(?:\s+(?P<spec>.*?))?\s+\[(?P<default>[^\]]*)\]\s*$"
)
_RANGE = re.compile(r"^(-?[\d.]+)\.\.(-?[\d.]+)([a-z%]*)$")
_STEPS = re.compile(r"\s*\(in steps of ([\d.]+)\)\s*$")
_FATAL = re.compile(rb"^scanimage: (sane_start|sane_read|open of device)")
_UNIT = re.compile(r"^(-?[\d.]+)(dpi|mm|%|bit|pel|us)$")


class ScanError(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail[:500]


@dataclass(frozen=True)
class DeviceOption:
    name: str  # without dashes: "mode", "source", "resolution"
    values: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    inactive: bool = False

    @property
    def numbers(self) -> list[float]:
        out = []
        for v in self.values:
            try:
                out.append(float(v))
            except ValueError:
                continue
        return out


def parse_device_options(text: str) -> dict[str, DeviceOption]:
    """Options from ``scanimage -d DEV --help`` or ``-A`` (the part that names the device)."""
    options: dict[str, DeviceOption] = {}
    in_device = False
    for line in text.splitlines():
        if "ptions specific to device" in line:
            in_device = True
            continue
        if not in_device:
            continue
        match = _OPTION_LINE.match(line)
        if not match or match.group("bool"):
            continue
        name = match.group("name").lstrip("-")
        spec = (match.group("spec") or "").strip()
        inactive = match.group("default").strip() == "inactive"
        step = None
        steps = _STEPS.search(spec)
        if steps:
            step = float(steps.group(1))
            spec = spec[: steps.start()].strip()
        ranged = _RANGE.match(spec)
        if ranged:
            options[name] = DeviceOption(
                name, (), float(ranged.group(1)), float(ranged.group(2)), step, inactive
            )
            continue
        values = [v.strip() for v in spec.split("|")] if spec else []
        if values:
            unit = _UNIT.match(values[-1])
            if unit:
                values[-1] = unit.group(1)
        options[name] = DeviceOption(name, tuple(v for v in values if v), inactive=inactive)
    return options


def parse_formats(text: str) -> set[str]:
    for line in text.splitlines():
        match = re.search(r"--format=([\w|]+)", line)
        if match:
            return set(match.group(1).split("|"))
    return set()


def choose_mode(option: DeviceOption | None, wanted: str) -> str | None:
    if option is None or not option.values:
        return None
    values = option.values
    lowered = [v.lower() for v in values]
    if wanted == "color":
        for name in ("color", "colour", "24bit color", "true color"):
            if name in lowered:
                return values[lowered.index(name)]
        for v, low in zip(values, lowered, strict=True):
            if ("color" in low or "colour" in low) and "lineart" not in low:
                return v
        return None
    for name in ("gray", "grayscale", "grey", "greyscale", "true gray", "8bit gray"):
        if name in lowered:
            return values[lowered.index(name)]
    for v, low in zip(values, lowered, strict=True):
        if ("gray" in low or "grey" in low) and "halftone" not in low and "lineart" not in low:
            return v
    return None


def _is_feeder(value: str) -> bool:
    low = value.lower()
    return "adf" in low or "feeder" in low or "automatic document" in low


def choose_source(option: DeviceOption | None, wanted: str) -> str | None:
    """The device's name for the source; None to leave the option out. ScanError for a feeder
    asked of a scanner that has none."""
    values = option.values if option else ()
    if wanted == "feeder":
        feeders = [v for v in values if _is_feeder(v)]
        simplex = [v for v in feeders if "duplex" not in v.lower() and "back" not in v.lower()]
        if simplex or feeders:
            return (simplex or feeders)[0]
        raise ScanError("scanner_error", "this scanner has no document feeder; use the flatbed")
    for preferred in ("flatbed", "platen", "normal", "document table"):
        for v in values:
            if v.lower() == preferred:
                return v
    not_feeder = [v for v in values if not _is_feeder(v)]
    return not_feeder[0] if not_feeder else None


def choose_resolution(option: DeviceOption | None, wanted: int) -> int | None:
    if option is None:
        return None
    if option.low is not None and option.high is not None:
        value = min(max(float(wanted), option.low), option.high)
        if option.step:
            value = option.low + round((value - option.low) / option.step) * option.step
        return round(value)
    numbers = option.numbers
    if not numbers:
        return None
    best: float = min(numbers, key=lambda n: (abs(n - wanted), -n))
    return round(best)


def reason_of_failure(stderr: str, returncode: int | None, source: str) -> tuple[str, str]:
    """(reason, detail) of a failed scanimage run."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("scanimage:")] or lines
    detail = "; ".join(errors[-3:]) or f"scanimage exited with status {returncode}"
    text = stderr.lower()
    if "document feeder out of documents" in text or returncode == SANE_NO_DOCS:
        return ("feeder_empty" if source == "feeder" else "no_document"), detail
    if "cover is open" in text or returncode == SANE_COVER_OPEN:
        return "cover_open", detail
    if "feeder jammed" in text or returncode == SANE_JAMMED:
        return "paper_jam", detail
    if "device busy" in text or returncode == SANE_DEVICE_BUSY:
        return "scanner_busy", detail
    if (
        "no sane devices found" in text
        or ("open of device" in text and "failed" in text and "access" not in text)
        or "no such device" in text
    ):
        return "scanner_missing", detail
    return "scanner_error", detail


@dataclass(frozen=True)
class ScannerStatus:
    device: str
    present: bool
    error: str = ""

    def health(self) -> dict[str, Any]:
        return {"device": self.device[:200], "present": self.present, "error": self.error[:500]}


@dataclass(frozen=True)
class ScanResult:
    data: bytes
    content_type: str
    command: tuple[str, ...] = ()
    pages: int = 1


@dataclass
class _Capabilities:
    options: dict[str, DeviceOption] = field(default_factory=dict)
    formats: set[str] = field(default_factory=set)


class SaneScanner:
    def __init__(
        self,
        device: str,
        *,
        sane_config_dir: Path | None = None,
        timeout_s: float = 120,
        probe_timeout_s: float = 30,
        feeder_max_pages: int = 50,
        work_dir: Path | None = None,
        scanimage: str = "scanimage",
    ) -> None:
        self.device = device
        self.sane_config_dir = sane_config_dir
        self.timeout_s = timeout_s
        self.probe_timeout_s = probe_timeout_s
        self.feeder_max_pages = feeder_max_pages
        self.work_dir = work_dir
        self.scanimage = scanimage
        self._lock = asyncio.Lock()
        self._caps: _Capabilities | None = None
        self._last = ScannerStatus(device, False, "not checked yet")
        self._probed = False

    # ------------------------------------------------------------------ subprocess
    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["LC_ALL"] = "C"
        env["LANG"] = "C"
        env.pop("LANGUAGE", None)
        if self.sane_config_dir is not None:
            env["SANE_CONFIG_DIR"] = str(self.sane_config_dir)
        return env

    async def _run(self, args: Sequence[str], timeout_s: float) -> tuple[int, bytes, str]:
        """Run scanimage; (exit status, stdout, stderr). On timeout the whole process group is
        killed and TimeoutError raised.

        Some backends fork a reader process (SANE's ``test`` backend does); when scanimage
        exits on an error, that process can live on holding the output pipes, so the pipes are
        not waited on past the exit: what is left of the group is killed instead."""
        binary = shutil.which(self.scanimage) if os.sep not in self.scanimage else self.scanimage
        if binary is None:
            raise ScanError("scanner_error", f"{self.scanimage} is not installed (sane-utils)")
        proc = await asyncio.create_subprocess_exec(
            binary,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._env(),
            cwd=str(self.work_dir) if self.work_dir else None,
            start_new_session=True,
        )
        assert proc.stdout is not None and proc.stderr is not None
        failed = asyncio.Event()
        err_lines: list[bytes] = []

        async def read_stderr(stream: asyncio.StreamReader) -> bytes:
            while line := await stream.readline():
                err_lines.append(line)
                if _FATAL.match(line):
                    failed.set()
            return b"".join(err_lines)

        readers = [
            asyncio.create_task(proc.stdout.read()),
            asyncio.create_task(read_stderr(proc.stderr)),
        ]
        exited = asyncio.create_task(_exit_of(proc))
        gave_up = False
        try:
            await asyncio.wait_for(self._exit_or_failure(exited, failed), timeout_s)
            if not exited.done():  # it said why it failed but does not exit: end it
                gave_up = True
                _kill_group(proc.pid)
                await asyncio.wait_for(exited, 5)
            _, pending = await asyncio.wait(readers, timeout=1.0)
            if pending:
                log.debug("scanimage left a process holding its output; ending it")
                _kill_group(proc.pid)
                await asyncio.wait(readers, timeout=5.0)
        except BaseException:  # timeout, or the job itself canceled
            _kill_group(proc.pid)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(exited), 5)
            raise
        finally:
            for task in (*readers, exited):
                if not task.done():
                    task.cancel()
        out = readers[0].result() if readers[0].done() and not readers[0].cancelled() else b""
        err = b"".join(err_lines)
        code = proc.returncode
        if gave_up and code in (None, 0):
            code = SANE_IO_ERROR
        assert code is not None
        return code, out, err.decode("utf-8", "replace")

    @staticmethod
    async def _exit_or_failure(exited: asyncio.Task[int], failed: asyncio.Event) -> None:
        """Until scanimage exits, or reported a fatal error and had 2 s to exit after it."""
        failure = asyncio.create_task(failed.wait())
        try:
            await asyncio.wait({exited, failure}, return_when=asyncio.FIRST_COMPLETED)
            if not exited.done():
                await asyncio.wait({exited}, timeout=2.0)
        finally:
            failure.cancel()

    # ------------------------------------------------------------------ probing
    async def _discover(self) -> tuple[_Capabilities | None, str, str]:
        """(capabilities, "", "") or (None, reason, detail)."""
        try:
            code, out, err = await self._run(["-d", self.device, "--help"], self.probe_timeout_s)
        except TimeoutError:
            return None, "scanner_error", f"no answer within {self.probe_timeout_s:.0f} s"
        except ScanError as exc:
            return None, exc.reason, exc.detail
        text = out.decode("utf-8", "replace")
        if code != 0 or "ptions specific to device" not in text:
            reason, detail = reason_of_failure(err, code, "flatbed")
            return None, reason, detail
        return _Capabilities(parse_device_options(text), parse_formats(text)), "", ""

    async def probe(self) -> ScannerStatus:
        """Whether the device answers; while a scan runs, the last answer is kept (or, before
        any, the device counts as present: it is in use)."""
        if self._lock.locked():
            return self._last if self._probed else ScannerStatus(self.device, True, "")
        async with self._lock:
            caps, _, error = await self._discover()
            if caps is not None:
                self._caps = caps
            self._last = ScannerStatus(self.device, caps is not None, error)
            self._probed = True
            return self._last

    @property
    def last_status(self) -> ScannerStatus:
        return self._last

    @property
    def options(self) -> dict[str, DeviceOption]:
        """The device's options as last read (empty before the first successful probe)."""
        return dict(self._caps.options) if self._caps else {}

    # ------------------------------------------------------------------ scanning
    def command(
        self, caps: _Capabilities, resolution: int, mode: str, source: str, fmt: str
    ) -> list[str]:
        args = ["-d", self.device, f"--format={fmt}"]
        active = {name: opt for name, opt in caps.options.items() if not opt.inactive}
        chosen_source = choose_source(active.get("source"), source)
        chosen_mode = choose_mode(active.get("mode"), mode)
        chosen_res = choose_resolution(active.get("resolution"), resolution)
        if chosen_mode is not None:
            args.append(f"--mode={chosen_mode}")
        else:
            log.info("scanner %s: no %s mode; using its default", self.device, mode)
        if chosen_res is not None:
            args.append(f"--resolution={chosen_res}")
            if chosen_res != resolution:
                log.info(
                    "scanner %s: %d dpi asked, %d dpi used", self.device, resolution, chosen_res
                )
        if chosen_source is not None:
            args.append(f"--source={chosen_source}")
        return args

    async def scan(
        self, resolution: int = 200, mode: str = "color", source: str = "flatbed", fmt: str = "png"
    ) -> ScanResult:
        """Scan one page (flatbed, or a PNG from the feeder) or every page in the feeder (a PDF
        from the feeder, up to ``feeder_max_pages``)."""
        if fmt not in CONTENT_TYPES:
            raise ScanError("scanner_error", f"unknown format {fmt!r}")
        async with self._lock:
            if self._caps is None:
                caps, reason, error = await self._discover()
                if caps is None:
                    self._last = ScannerStatus(self.device, False, error)
                    raise ScanError(reason, error or "the scanner does not answer")
                self._caps = caps
            caps = self._caps
            raster = "png" if ("png" in caps.formats or not caps.formats) else "pnm"
            args = self.command(caps, resolution, mode, source, raster)
            multipage = source == "feeder" and fmt == "pdf"
            try:
                pages = await self._scan_pages(args, raster, multipage, source)
            except ScanError as exc:
                if exc.reason == "scanner_missing":
                    self._caps = None
                    self._last = ScannerStatus(self.device, False, exc.detail)
                raise
            self._last = ScannerStatus(self.device, True, "")
            self._probed = True
        try:
            if fmt == "pdf":
                used = choose_resolution(caps.options.get("resolution"), resolution) or resolution
                data = await asyncio.to_thread(images_to_pdf, pages, used)
            elif raster == "png":
                data = pages[0]
            else:
                data = await asyncio.to_thread(_to_png, pages[0])
        except ScanError:
            raise
        except Exception as exc:  # a truncated page, an image Pillow cannot read
            raise ScanError(
                "scanner_error", f"the scanned image could not be converted: {exc}"
            ) from None
        return ScanResult(data, CONTENT_TYPES[fmt], tuple(args), len(pages))

    async def _scan_pages(
        self, args: list[str], raster: str, multipage: bool, source: str
    ) -> list[bytes]:
        """Raster pages from scanimage. scanimage's own PDF writer is not used: it needs a
        seekable output, and even then (sane-backends 1.1.1) writes a zeroed xref table."""
        work = Path(tempfile.mkdtemp(prefix="scan-", dir=self.work_dir))
        try:
            if multipage:
                args = [
                    *args,
                    f"--batch={work / f'page-%04d.{raster}'}",
                    f"--batch-count={self.feeder_max_pages}",
                ]
            log.info("scanning: scanimage %s", " ".join(args))
            try:
                code, out, err = await self._run(args, self.timeout_s)
            except TimeoutError:
                raise ScanError(
                    "scanner_error", f"the scan did not finish within {self.timeout_s:.0f} s"
                ) from None
            files = sorted(f for f in work.glob(f"page-*.{raster}") if f.is_file())
            if code != 0:
                reason, detail = reason_of_failure(err, code, source)
                # A feeder that runs out after some pages is the normal end of a batch.
                ended = multipage and files and reason == "feeder_empty" and "sane_start" in err
                if not ended:
                    raise ScanError(reason, detail)
            if multipage:
                pages = [f.read_bytes() for f in files]
                if not pages:
                    raise ScanError(*reason_of_failure(err, SANE_NO_DOCS, source))
            else:
                pages = [out]
            for page in pages:
                if not page.startswith(MAGIC[raster]):
                    last = err.strip().splitlines()[-1] if err.strip() else "no image data"
                    raise ScanError("scanner_error", f"scanimage gave no image: {last}")
            return pages
        finally:
            shutil.rmtree(work, ignore_errors=True)


async def _exit_of(proc: asyncio.subprocess.Process) -> int:
    """The exit status as soon as the process ends (``wait()`` also waits for its pipes to
    close, which a leftover child can delay indefinitely)."""
    while proc.returncode is None:
        await asyncio.sleep(0.05)
    return proc.returncode


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is one of the agent's dependencies
        raise ScanError("scanner_error", "Pillow is not installed: cannot make a PDF") from None
    return Image


def _to_png(page: bytes) -> bytes:
    image_module = _pillow()
    with image_module.open(io.BytesIO(page)) as image:
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()


def images_to_pdf(pages: Sequence[bytes], resolution: int = 200, quality: int = 85) -> bytes:
    """One PDF page per scanned image, at the scan's resolution (so a page keeps its size)."""
    image_module = _pillow()
    images = [image_module.open(io.BytesIO(p)) for p in pages]
    dpi = images[0].info.get("dpi") if images else None
    if isinstance(dpi, tuple) and dpi and float(dpi[0]) > 1:
        resolution = round(float(dpi[0]))
    try:
        converted = []
        for im in images:
            if im.mode in ("RGB", "L"):
                converted.append(im)
            elif im.mode in ("1", "I", "I;16", "I;16B", "I;16L", "F", "LA"):
                converted.append(im.convert("L"))
            else:
                converted.append(im.convert("RGB"))
        buffer = io.BytesIO()
        converted[0].save(
            buffer,
            "PDF",
            resolution=float(resolution),
            save_all=True,
            append_images=converted[1:],
            quality=quality,
        )
        return buffer.getvalue()
    finally:
        for im in images:
            im.close()


def describe_options(options: Mapping[str, DeviceOption]) -> dict[str, Any]:
    """The mapped options, for logs and the setup check."""
    out: dict[str, Any] = {}
    for name in ("mode", "source", "resolution"):
        opt = options.get(name)
        if opt is None:
            out[name] = None
        elif opt.low is not None:
            out[name] = f"{opt.low:g}..{opt.high:g}"
        else:
            out[name] = list(opt.values)
    return out
