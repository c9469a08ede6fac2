"""The citizen's receipt of a registry entry (Ley 39/2015 art. 16.3), as a PDF/A-2b page.

It shows the number (and, for a correction, the number of the entry it corrects), the date and
time, the direction, the interested party, the subject and
the destination unit, and lists the attached documents with their SHA-256 fingerprints, which
let anyone check later that a document is the one that was registered; optionally a secure
verification code with a QR code of the address where it can be checked.

Made with the PDF toolkit (:mod:`finestreta.documents.pdf`): the city's heading, styles and
page as the other documents, its texts in the ``documents`` gettext domain. Like every
document it needs the DejaVu fonts (``FontsMissing`` without them: PDF/A embeds its fonts), so
that names beyond Latin-1 print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from finestreta.db import utcnow
from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import Fonts, load_fonts
from finestreta.documents.pdf.heading import CityHeading, heading_story
from finestreta.documents.pdf.issuance import verification_box
from finestreta.documents.pdf.styles import (
    INK,
    RULE,
    SHADE,
    Styles,
    facts_table,
    para,
    para_lines,
    paragraph_styles,
    table_style,
)
from finestreta.i18n import N_, translator
from finestreta.registry.records import DEFAULT_REGISTRY, RegistryEntry
from finestreta.registry.service import attached_documents

__all__ = ["LANGUAGES", "FollowUp", "Verification", "receipt_title", "render_receipt"]

LANGUAGES = layout.LANGUAGES
ID_TYPE_NAMES = {"nif": "NIF", "nie": "NIE"}  # the same in the three languages
ID_TYPES = {
    "passport": N_("Passport"),
    "other": N_("Other document"),
    "none": N_("None shown"),
}
DIRECTIONS = {"in": N_("Incoming"), "out": N_("Outgoing")}


@dataclass(frozen=True)
class Verification:
    """A secure verification code and the address where it can be checked (printed with a QR
    code of the address)."""

    code: str
    url: str


@dataclass(frozen=True)
class FollowUp:
    """What the citizen follows the submission with afterwards (a case's code and the page
    that shows it), printed under the documents; labels come translated by the caller."""

    code_label: str
    code: str
    url_label: str
    url: str


def _texts(lang: str) -> Callable[[str], str]:
    return translator(lang, "documents")


def receipt_title(lang: str) -> str:
    """The receipt's title in ``lang`` ("Justificant de registre")."""
    _ = _texts(lang)
    return _("Registry receipt")


@dataclass(frozen=True)
class _Styles:
    number: ParagraphStyle
    code: ParagraphStyle


@cache
def _receipt_styles(fonts: Fonts) -> _Styles:
    base = paragraph_styles(fonts).base
    return _Styles(
        number=ParagraphStyle("number", parent=base, fontName=fonts.bold, fontSize=15, leading=19),
        code=ParagraphStyle("csv", parent=base, fontName=fonts.mono),
    )


def _size(size: int, lang: str) -> str:
    if size < 1024:
        text = f"{size} B"
    elif size < 1024 * 1024:
        text = f"{size / 1024:.1f} KB"
    else:
        text = f"{size / 1024 / 1024:.1f} MB"
    return text if lang == "en" else text.replace(".", ",")


def _zone(tz: str | tzinfo) -> tzinfo:
    return tz if isinstance(tz, tzinfo) else ZoneInfo(tz)


def _documents_table(entry: RegistryEntry, lang: str, styles: Styles) -> list[Any]:
    _ = _texts(lang)
    documents = attached_documents(entry)
    attached = _("Attached documents")
    story: list[Any] = [
        para(f"{attached} ({len(documents)})", styles.heading),
        Spacer(1, 1.5 * mm),
    ]
    if not documents:
        return [*story, para(_("No attached documents."), styles.base)]
    rows: list[list[Any]] = [
        [
            para("#", styles.label),
            para(_("Document"), styles.label),
            para(_("SHA-256 fingerprint"), styles.label),
        ]
    ]
    for index, document in enumerate(documents, start=1):
        details = f"{document.media_type} · {_size(document.size, lang)}"
        rows.append(
            [
                para(str(index), styles.small),
                [para_lines(document.title, styles.base), para(details, styles.small)],
                document.sha256,  # a plain string: never wrapped, always one line
            ]
        )
    table = Table(
        rows,
        colWidths=[8 * mm, None, 104 * mm],
        repeatRows=1,
        style=table_style(
            styles.fonts,
            [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (2, 1), (2, -1), styles.fonts.mono),
                ("FONTSIZE", (2, 1), (2, -1), 7),
                ("TEXTCOLOR", (2, 1), (2, -1), INK),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ],
        ),
    )
    return [*story, table]


def render_receipt(
    entry: RegistryEntry,
    *,
    city: CityHeading,
    lang: str,
    tz: str | tzinfo,
    verification: Verification | None = None,
    follow_up: FollowUp | None = None,
) -> bytes:
    """The receipt of ``entry`` as PDF/A-2b bytes, in ``lang`` (ca, es or en), times shown in
    the city's time zone ``tz``. One A4 page (a very long list of documents goes on)."""
    layout.check_language(lang)
    _ = _texts(lang)
    fonts = load_fonts()
    styles = paragraph_styles(fonts)
    own = _receipt_styles(fonts)
    title = _("Registry receipt")

    zone = _zone(tz)
    local = entry.registered_at.astimezone(zone)
    offset = local.strftime("%z")
    when = f"{local:%d/%m/%Y %H:%M:%S} {local.tzname() or ''} (UTC{offset[:3]}:{offset[3:]})"
    id_type = ID_TYPE_NAMES.get(entry.party_id_type) or _(ID_TYPES[entry.party_id_type])

    number_box = Table(
        [[para(_("Registry number"), styles.label), para(entry.number_text, own.number)]],
        colWidths=[45 * mm, None],
        style=table_style(
            fonts,
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ],
        ),
    )

    # A correction names the entry it corrects, by its number (the registry is the same).
    corrects: list[Any] = []
    if entry.corrects:
        number = entry.corrects.rsplit(":", 1)[-1]
        corrects = [
            Spacer(1, 2 * mm),
            para(_("Corrects entry {number}").format(number=number), styles.heading),
        ]

    rows: list[tuple[str, str]] = []
    if entry.registry_name != DEFAULT_REGISTRY:
        rows.append((_("Registry"), entry.registry_name))
    rows += [
        (_("Date and time"), when),
        (_("Type"), _(DIRECTIONS[entry.direction])),
        (_("Interested party"), entry.party_name),
        (_("Identity document"), f"{id_type} {entry.party_id_number}".strip()),
    ]
    if entry.sending_body:
        rows.append((_("Sending body"), entry.sending_body))
    rows += [(_("Destination unit"), entry.destination_unit), (_("Subject"), entry.subject)]
    if entry.summary:
        rows.append((_("Summary"), entry.summary))

    legal = _(
        "This receipt proves the number, date and time of the registry entry (art. 16.3 of "
        "Spanish Law 39/2015). The SHA-256 fingerprint of each document lets anyone check that "
        "it is the one that was registered."
    )
    story: list[Any] = [
        *heading_story(city, styles),
        para(title, styles.title),
        Spacer(1, 2 * mm),
        number_box,
        *corrects,
        Spacer(1, 3 * mm),
        facts_table(rows, styles, 45 * mm),
        Spacer(1, 5 * mm),
        *_documents_table(entry, lang, styles),
        Spacer(1, 6 * mm),
        para(legal, styles.small),
    ]
    if follow_up is not None:
        rows_after = [(follow_up.code_label, follow_up.code), (follow_up.url_label, follow_up.url)]
        story += [Spacer(1, 4 * mm), KeepTogether([facts_table(rows_after, styles, 45 * mm)])]
    if verification is not None:
        column = [
            para(_("Secure verification code"), styles.label),
            para(verification.code, own.code),
            Spacer(1, 1.5 * mm),
            para(_("Check its authenticity at"), styles.label),
            para(verification.url, styles.small),
        ]
        box = verification_box(verification.url, column, styles, side=24 * mm)
        story += [Spacer(1, 4 * mm), KeepTogether([box])]

    info = layout.document_info(
        title=f"{title} {entry.code}",
        author=city.council,
        subject=entry.subject,
        created=utcnow().astimezone(zone),
        lang=lang,
    )
    footer = layout.footer(f"{city.council} · {title} {entry.code}", str, y=12 * mm)
    return layout.build(story, info, on_page=footer)
