"""The names a document goes by: the title people read and the file name it downloads as.

A title may come from the uploader's file name (``../../evil.html``): only its last part is
kept, without its extension, and without control, format (bidirectional override) or quote
characters. The file name is that title's safe stem with the extension of the type the bytes
were *detected* as (``validation.sniff``), so a PNG uploaded as ``evil.html`` downloads as
``evil.png``, never as HTML.
"""

from __future__ import annotations

import re
import unicodedata

from finestreta.documents.validation import EXTENSIONS

MAX_STEM = 80
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def clean_title(title: str) -> str:
    """``title`` without control or format characters and with runs of space made one."""
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in title
        if unicodedata.category(c) != "Cf"
    )
    return " ".join(kept.split())


def title_from_filename(filename: str) -> str:
    """What an uploaded file's name says, for a title: its last path part, no extension."""
    last = re.split(r"[/\\]", filename)[-1]
    return clean_title(_EXTENSION.sub("", last)).strip(" .")


def file_name(title: str, media_type: str) -> str:
    """The name a document downloads as: a safe stem (letters, digits, space, ``._-``; path
    separators become hyphens) and the detected type's extension."""
    stem = clean_title(title).replace("/", "-").replace("\\", "-")
    stem = "".join(c for c in stem if c.isalnum() or c in " ._-")
    stem = _EXTENSION.sub("", stem)[:MAX_STEM].strip(" .-") or "document"
    return stem + EXTENSIONS.get(media_type, ".bin")
