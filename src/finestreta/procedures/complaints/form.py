"""The complaint form the citizen signs at the booth (a case with a contact): what they submit
to the city — type, theme, where, the description, their contact and the documents filed with
it — as a PDF/A on the platform's layout (``documents/pdf``), in the citizen's language.

One layout, two moments: the **draft** (no ``signed``), shown on the booth with the signature
box empty beside the citizen's name, whose SHA-256 the signature seals; and the **signed copy**
(``signed``), the same content with the strokes drawn in that box (or the oral-consent statement
naming the official and the reason) and the line with the draft's SHA-256 and the time of
signing. Both are filed with the case and their hashes go in the registry entry: the signed copy
as what was submitted, the draft as what was shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.heading import CityHeading, heading_story
from finestreta.documents.pdf.signature import Signed, signature_row, signed_line
from finestreta.documents.pdf.styles import facts_table, para, para_lines, paragraph_styles
from finestreta.procedures.complaints.types import THEMES, TYPES


def form_title(lang: str) -> str:
    from finestreta.procedures.complaints.service import texts

    return texts(lang)("Complaint form")


def render_form(
    *,
    city: CityHeading,
    lang: str,
    tz: str,
    now: datetime,
    case_type: str,
    theme: str,
    where: str,
    description: str,
    name: str,
    email: str,
    phone: str,
    documents: Sequence[tuple[str, str]],  # (title, sha256)
    signer: str,  # as the signature request names them (the name, else the e-mail or phone)
    signed: Signed | None = None,
) -> bytes:
    from finestreta.procedures.complaints.service import texts

    layout.check_language(lang)
    _ = texts(lang)
    styles = paragraph_styles(load_fonts())
    title = form_title(lang)
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    rows = [
        (_("Date and time"), f"{local:%d/%m/%Y %H:%M}"),
        (_("Type"), _(TYPES[case_type].label)),
        (_("Theme"), _(THEMES[theme].label)),
        (_("Where"), where),
        (_("Name"), name or _("Not given")),
        (_("E-mail"), email),
        (_("Phone"), phone),
    ]
    story: list[object] = [
        *heading_story(city, styles),
        para(title, styles.title),
        Spacer(1, 3 * mm),
        facts_table([(k, v) for k, v in rows if v], styles, 40 * mm),
        Spacer(1, 4 * mm),
        para(_("Description"), styles.heading),
        para_lines(description, styles.base),
    ]
    if documents:
        story += [Spacer(1, 4 * mm), para(_("Documents filed with it"), styles.heading)]
        story.append(facts_table([(t, f"SHA-256 {sha}") for t, sha in documents], styles, 40 * mm))
    story += [
        Spacer(1, 6 * mm),
        para(
            _(
                "I submit this to the city council and sign it. The city will answer it and "
                "will use my contact details only for this case."
            ),
            styles.small,
        ),
        Spacer(1, 5 * mm),
    ]
    width = layout.WIDTH - 2 * layout.MARGINS.side - 2 * layout.FRAME_PADDING
    row = signature_row(signer, [], signed, lang=lang, zone=zone, styles=styles, width=width)
    story.append(KeepTogether([row]))
    if signed is not None:
        story += [Spacer(1, 2 * mm), signed_line(signed, lang=lang, zone=zone, styles=styles)]
    info = layout.document_info(
        title=title, author=city.council, subject=title, created=local, lang=lang
    )
    footer = layout.footer(f"{city.council} · {title}", str, y=12 * mm)
    return layout.build(story, info, on_page=footer)
