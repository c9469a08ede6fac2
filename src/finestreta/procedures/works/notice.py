"""The works notice as a PDF/A-2b page, on the platform's PDF toolkit.

One layout, three moments:

* the **draft** (:func:`render_notice` with no signature): what the citizen is shown on the
  booth and signs; its SHA-256 is fixed when the signature is asked;
* the **sealed notice** (with ``signed``, and the ``issuance`` of :func:`issue_sealed`): the
  draft's text with the signature drawn in the box beside the citizen's name (or the official's
  record of their oral consent), the SHA-256 of the draft they signed, the incoming registry
  number and the verification code.

Texts are in the works domain (``locale/``), ca, es and en.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from finestreta.documents.issuing import Issuance
from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.heading import CityHeading, heading_story
from finestreta.documents.pdf.issuance import verification_note, when
from finestreta.documents.pdf.signature import Signed, signature_row, signed_line
from finestreta.documents.pdf.styles import (
    SHADE,
    facts_table,
    para,
    para_lines,
    paragraph_styles,
    table_style,
)
from finestreta.i18n import N_, translator
from finestreta.procedures.works import DOMAIN, LOCALE_DIR

__all__ = ["NoticeData", "Signed", "money", "notice_title", "render_notice"]

KIND_NAMES = {
    "interior": N_("Interior works that change neither layout, structure nor façade"),
    "garden": N_("Cleaning and tidying a garden or plot without felling trees"),
}
ID_NAMES = {"dni": "DNI", "nie": "NIE", "passport": N_("Passport")}
TITLE = N_("Works notice")


@dataclass(frozen=True)
class NoticeData:
    """What the notice says, checked by the desk before it is drawn."""

    kind: str  # interior | garden (scope.Kind within the notice's scope)
    rule: str  # the scope rule's code (interior_notice, garden_notice)
    name: str
    id_type: str  # dni | nie | passport
    id_number: str
    address: str  # the street register's label: "Carrer de Mallorca 401, 3r 2a"
    postcode: str
    district: str
    cadastral_reference: str | None
    description: str
    start: date
    duration_days: int
    fee_cents: int
    prepared_at: datetime  # aware


def _texts(lang: str) -> Callable[[str], str]:
    return translator(lang, DOMAIN, LOCALE_DIR)


def notice_title(lang: str) -> str:
    return _texts(lang)(TITLE)


def money(cents: int, lang: str) -> str:
    euros, rest = divmod(cents, 100)
    text = f"{euros:,}.{rest:02d} €"
    return text if lang == "en" else text.replace(",", " ").replace(".", ",")


def _day(day: date, lang: str) -> str:
    return day.strftime("%-d %B %Y") if lang == "en" else day.strftime("%d/%m/%Y")


def render_notice(
    data: NoticeData,
    *,
    city: CityHeading,
    lang: str,
    tz: str,
    signed: Signed | None = None,
    issuance: Issuance | None = None,
) -> bytes:
    """The notice in ``lang``: the draft (no ``signed``) or the signed, sealed notice."""
    layout.check_language(lang)
    _ = _texts(lang)
    fonts = load_fonts()
    styles = paragraph_styles(fonts)
    zone = ZoneInfo(tz)
    title = notice_title(lang)
    width = layout.WIDTH - 2 * layout.MARGINS.side - 2 * layout.FRAME_PADDING

    story: list[Any] = [*heading_story(city, styles), para(title, styles.title)]
    story.append(para(_("Assabentat d'obres (ORPIMO, art. 8)"), styles.subtitle))
    story.append(Spacer(1, 3 * mm))
    if issuance is not None:
        story.append(
            Table(
                [
                    [
                        para(_("Incoming registry number"), styles.label),
                        para(_("Date and time of registration"), styles.label),
                    ],
                    [
                        para(issuance.registry_number, styles.heading),
                        para(when(issuance.issued_at.astimezone(zone)), styles.heading),
                    ],
                ],
                colWidths=[width / 2, width / 2],
                style=table_style(
                    fonts,
                    [
                        ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                        ("LEFTPADDING", (0, 0), (-1, -1), 8),
                        ("TOPPADDING", (0, 0), (-1, 0), 6),
                        ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
                    ],
                ),
            )
        )
    else:
        story.append(
            para(
                _("Draft to be signed: not registered yet. Read it before you sign."),
                styles.strong,
            )
        )
    story.append(Spacer(1, 4 * mm))

    id_name = ID_NAMES.get(data.id_type, data.id_type)
    place = f"{data.address}, {data.postcode} ({data.district})"
    rows = [
        (_("Interested party"), data.name),
        (_("Identity document"), f"{_(id_name)} {data.id_number}"),
        (_("Address of the works"), place),
    ]
    if data.cadastral_reference:
        rows.append((_("Cadastral reference"), data.cadastral_reference))
    fee = _("None") if data.fee_cents == 0 else money(data.fee_cents, lang)
    rows += [
        (_("Kind of works"), _(KIND_NAMES[data.kind])),
        (_("Start of the works"), _day(data.start, lang)),
        (_("Duration"), _("{days} days").format(days=data.duration_days)),
        (_("Fee"), fee),
    ]
    story.append(facts_table(rows, styles, 45 * mm))
    story.append(Spacer(1, 3 * mm))
    story.append(para(_("Description of the works"), styles.heading))
    story.append(para_lines(data.description, styles.base))
    story.append(Spacer(1, 4 * mm))

    rules = _(
        "Under article 8 of the ordinance on municipal intervention in works (ORPIMO), these "
        "works are within the notice's scope: no documents are needed, and they may start the "
        "day after the notice is registered."
    )
    may_start = _("The works may start on {day} at the earliest.").format(
        day=_day(data.start, lang)
    )
    story.append(para(rules, styles.base))
    story.append(para(may_start, styles.strong))
    if data.fee_cents:
        story.append(
            para(
                _("The fee of {amount} is paid as the fiscal ordinance says.").format(
                    amount=money(data.fee_cents, lang)
                ),
                styles.base,
            )
        )
    story.append(
        para(
            _(
                "The person who signs declares that the data are true and that the works are "
                "as described; works other than these need another procedure."
            ),
            styles.small,
        )
    )
    story.append(Spacer(1, 5 * mm))
    identity = f"{_(id_name)} {data.id_number}"
    row = signature_row(
        data.name, [identity], signed, lang=lang, zone=zone, styles=styles, width=width
    )
    story.append(KeepTogether([row]))
    if signed is not None:
        story += [Spacer(1, 2 * mm), signed_line(signed, lang=lang, zone=zone, styles=styles)]
    if issuance is not None:
        story += [
            Spacer(1, 5 * mm),
            verification_note(issuance.code, issuance.verify_url, lang, styles),
        ]

    created = (issuance.issued_at if issuance else data.prepared_at).astimezone(zone)
    info = layout.document_info(
        title=title, author=city.council, subject=title, created=created, lang=lang
    )
    right = issuance.registry_number if issuance else _("Draft")
    footer = layout.footer(f"{city.council} · {title}", lambda _page: right, y=12 * mm)
    return layout.build(story, info, on_page=footer)
