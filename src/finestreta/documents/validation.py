"""What an uploaded file really is, decided from its bytes, never from its name.

Only PDF, PNG and JPEG are accepted. Images are opened with Pillow under a budget read from the
header before anything is decoded (width × height × bands: a small file can decode to hundreds
of MiB), and only :class:`DecodeBudget` ``at_once`` of them are decoded at a time; PDFs are parsed with pypdf, must
not be encrypted and must have between 1 and ``MAX_PDF_PAGES`` pages.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from finestreta.errors import N_, TOO_LARGE, InvalidInput, TooLarge, Unavailable, declare

MAX_IMAGE_PIXELS = 40_000_000  # an A4 page at 600 dpi is 35 Mpx
MAX_PDF_PAGES = 200

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}


class RejectedDocument(InvalidInput):
    """The bytes are not an acceptable document; ``code`` says why, for the user's message."""


class DocumentTooLarge(RejectedDocument, TooLarge):
    """Larger than the largest document accepted."""


EMPTY_FILE = declare("empty_file", RejectedDocument, N_("The file is empty."))
UNSUPPORTED_TYPE = declare(
    "unsupported_type", RejectedDocument, N_("Only PDF, PNG or JPEG files can be added.")
)
TOO_MANY_PIXELS = declare(
    "too_many_pixels", RejectedDocument, N_("The image is too large (too many pixels).")
)
CORRUPT = declare(
    "corrupt", RejectedDocument, N_("The file is damaged or is not really a PDF, PNG or JPEG.")
)
DECODING_BUSY = declare(
    "decoding_busy",
    Unavailable,
    N_("The server is checking other images right now. Try again in a moment."),
)
ENCRYPTED = declare("encrypted", RejectedDocument, N_("The PDF is password-protected."))
TOO_MANY_PAGES = declare("too_many_pages", RejectedDocument, N_("The PDF has too many pages."))


@dataclass(frozen=True)
class Checked:
    media_type: str
    pages: int
    width: int | None = None
    height: int | None = None


MiB = 1024 * 1024


@dataclass
class DecodeBudget:
    """How much memory checking images may take: ``max_bytes`` decoded per image, ``at_once``
    images at a time; a further one waits up to ``wait_s`` for its turn, then is refused
    (``decoding_busy``) rather than queueing without end."""

    max_bytes: int = 64 * MiB
    at_once: int = 2
    wait_s: float = 2.0
    _slots: threading.BoundedSemaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.at_once)

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait_s):
            raise DECODING_BUSY(f"{self.at_once} images are being checked; try again")
        try:
            yield
        finally:
            self._slots.release()


DEFAULT_BUDGET = DecodeBudget()


def decoded_bytes(mode: str, width: int, height: int, bands: int) -> int:
    """What Pillow holds for the decoded image: a byte per band, more for wide modes."""
    per_band = 4 if mode in ("I", "F") else 2 if "16" in mode else 1
    return width * height * bands * per_band


def sniff(content: bytes) -> str | None:
    if content.startswith(b"%PDF-") or content[:1024].lstrip().startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def check(content: bytes, max_bytes: int, budget: DecodeBudget = DEFAULT_BUDGET) -> Checked:
    if not content:
        raise EMPTY_FILE("The file is empty")
    if len(content) > max_bytes:
        raise DocumentTooLarge(
            TOO_LARGE.code, f"Files are at most {max_bytes // (1024 * 1024)} MiB"
        )
    media_type = sniff(content)
    if media_type is None:
        raise UNSUPPORTED_TYPE("Only PDF, PNG and JPEG files are accepted")
    if media_type == PDF:
        return _check_pdf(content)
    return _check_image(content, media_type, budget)


def _check_image(content: bytes, media_type: str, budget: DecodeBudget) -> Checked:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:  # reads the header only
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise TOO_MANY_PIXELS("The image is too large to open safely")
                size = decoded_bytes(image.mode, width, height, len(image.getbands()))
                if size > budget.max_bytes:
                    raise TOO_MANY_PIXELS(
                        f"The image would take {size // MiB} MiB decoded; "
                        f"at most {budget.max_bytes // MiB} MiB",
                        {"decoded_bytes": size, "limit": budget.max_bytes},
                    )
                image.verify()  # structure and checksums, without decoding everything
            with budget.slot(), Image.open(io.BytesIO(content)) as image:
                image.load()  # a truncated or corrupt stream fails here
                real = Image.MIME.get(image.format or "")
    except (RejectedDocument, Unavailable):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TOO_MANY_PIXELS("The image is too large to open safely") from None
    except Exception:
        raise CORRUPT("The image could not be read") from None
    if real != media_type:
        raise UNSUPPORTED_TYPE("Only PDF, PNG and JPEG files are accepted")
    return Checked(media_type, 1, width, height)


def _check_pdf(content: bytes) -> Checked:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise ENCRYPTED("Encrypted PDFs are not accepted")
            pages = len(reader.pages)
            if pages:
                reader.pages[0].mediabox  # noqa: B018  (parses the first page's tree)
    except RejectedDocument:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError):
        raise CORRUPT("The PDF could not be read") from None
    if pages < 1:
        raise CORRUPT("The PDF has no pages")
    if pages > MAX_PDF_PAGES:
        raise TOO_MANY_PAGES(f"PDFs are at most {MAX_PDF_PAGES} pages")
    return Checked(PDF, pages)
