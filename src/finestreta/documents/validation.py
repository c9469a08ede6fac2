"""What an uploaded file really is, decided from its bytes, never from its name.

Only PDF, PNG and JPEG are accepted. Images are opened with Pillow under a budget read from the
header before anything is decoded (width × height × bands: a small file can decode to hundreds
of MiB), and only :class:`DecodeBudget` ``at_once`` of them are decoded at a time; PDFs are
parsed with pypdf, must not be encrypted, must have between 1 and ``MAX_PDF_PAGES`` pages and
must carry no active content (:func:`active_content`).

Active content is refused, not neutralised: the clerk can ask the citizen for a plain copy, and
refusing keeps the stored bytes exactly what was uploaded (a rewritten PDF would be a document
nobody gave us).
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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
ACTIVE_CONTENT = declare(
    "active_content",
    RejectedDocument,
    N_("The PDF contains scripts, attached files or other active content."),
)


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
            found = active_content(reader)
    except RejectedDocument:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError):
        raise CORRUPT("The PDF could not be read") from None
    if found is not None:
        raise ACTIVE_CONTENT(f"PDFs with active content are not accepted ({found})")
    if pages < 1:
        raise CORRUPT("The PDF has no pages")
    if pages > MAX_PDF_PAGES:
        raise TOO_MANY_PAGES(f"PDFs are at most {MAX_PDF_PAGES} pages")
    return Checked(PDF, pages)


# ------------------------------------------------------------------------ active content
# Keys whose mere presence means code, attached files or forms that talk to the outside.
ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",  # the document-level script name tree
        "/EmbeddedFiles",
        "/EF",  # a file specification's embedded file
        "/XFA",
        "/RichMediaContent",
        "/RichMediaSettings",
    }
)
# Annotations that play, attach or render foreign content.
ACTIVE_ANNOTATIONS = frozenset(
    {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
)
ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/RichMediaInstance", "/RichMediaExecute"})
# Actions (dictionaries reached through /A, /OpenAction, /AA's triggers or an action's /Next):
# the harmless types are listed and every other is refused (/JavaScript, /Launch, /SubmitForm,
# /ImportData, /GoToR, /GoToE, /Rendition, /Hide, …). A link the reader clicks may go to a
# page or a web address; what runs by itself (/OpenAction, any /AA trigger) only to a page.
CLICKED_ACTIONS = frozenset({"/GoTo", "/URI", "/Named", "/Thread"})
AUTOMATIC_ACTIONS = frozenset({"/GoTo"})
URI_SCHEMES = ("http://", "https://", "mailto:")
MAX_PDF_OBJECTS = 1_000_000  # a bounded walk: more is not a scan or a form

PLAIN, CLICKED, AUTOMATIC, TRIGGERS = range(4)  # what a value is, by the key that led to it


def active_content(reader: Any) -> str | None:
    """The first active content found in the PDF, as a short description, or None.

    Walks the object graph as pypdf resolves it (names with ``#xx`` escapes decoded, objects
    inside object streams and compressed streams' dictionaries included), from the trailer and
    from every object the cross-reference tables list, so an object no page reaches is still
    looked at. Stream data is not read: active content needs a dictionary to point to it.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    stack: list[tuple[Any, int]] = [(reader.trailer, PLAIN)]
    for generation, numbers in reader.xref.items():
        stack += [(IndirectObject(n, generation, reader), PLAIN) for n in numbers]
    stack += [(IndirectObject(n, 0, reader), PLAIN) for n in reader.xref_objStm]
    seen: set[tuple[int, int, int]] = set()
    visited = 0
    while stack:
        node, role = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation, role)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise TOO_MANY_PAGES("The PDF has too many objects")
        if isinstance(node, ArrayObject):
            # an /OpenAction array is a destination (a page and a view): harmless
            stack += [(item, PLAIN) for item in node]
            continue
        if not isinstance(node, DictionaryObject):
            continue
        if role in (CLICKED, AUTOMATIC):
            refused = _refused_action(node, role)
            if refused:
                return refused
        for name, value in node.items():
            if name in ACTIVE_KEYS:
                return str(name)
            if role == TRIGGERS or name == "/OpenAction":
                stack.append((value, AUTOMATIC))
            elif name == "/AA":
                stack.append((value, TRIGGERS))
            elif name in ("/A", "/Next"):
                stack.append((value, AUTOMATIC if role == AUTOMATIC else CLICKED))
            elif name not in ("/Parent", "/P"):  # up-links: their targets are reached anyway
                stack.append((value, PLAIN))
        if node.get("/Type") in ACTIVE_TYPES:
            return str(node.get("/Type"))
        if node.get("/Subtype") in ACTIVE_ANNOTATIONS:
            return f"annotation {node.get('/Subtype')}"
    return None


def _refused_action(action: Any, role: int) -> str | None:
    kind = action.get("/S")
    allowed = AUTOMATIC_ACTIONS if role == AUTOMATIC else CLICKED_ACTIONS
    if kind not in allowed:
        return f"{'automatic ' if role == AUTOMATIC else ''}action {kind}"
    if kind == "/URI":
        uri = action.get("/URI")
        target = (uri.get_object() if hasattr(uri, "get_object") else uri) or ""
        text = target.decode("latin-1") if isinstance(target, bytes) else str(target)
        if not text.strip().lower().startswith(URI_SCHEMES):
            return "action /URI to a local or script address"
    return None
