"""A :class:`~.cells.Report` as CSV (one row per figure) and as a PDF a council can read.

Both suppress the same cells (:meth:`.cells.Cell.suppressed`); the supervisors' page renders the
same report with a template (``web/templates/supervisor_report.html``).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer, Table

from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.layout import MARGINS, build, document_info, footer, page_numbers
from finestreta.documents.pdf.styles import (
    ACCENT,
    GREY,
    RULE,
    SHADE,
    para,
    paragraph_styles,
    table_style,
)
from finestreta.supervision.report.cells import Report, csv_value, shown
from finestreta.supervision.report.cells import Table as FigureTable

CSV_HEADER = ("section", "figure", "breakdown", "value", "unit")


def figure_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """Every figure of the report: (section, figure, breakdown key, value, unit). In a table of
    one ``value`` column each row is a figure (``table.row``, no key); in any other a figure is
    ``table.column`` and the row its breakdown key."""
    rows = []
    below = report.suppress_below
    for section in report.sections:
        for table in section.tables:
            single = len(table.columns) == 1 and table.columns[0].key == "value"
            for row in table.rows:
                for column, cell in zip(table.columns, row.cells, strict=True):
                    figure, key = (
                        (f"{table.key}.{row.key}", "")
                        if single
                        else (f"{table.key}.{column.key}", row.key)
                    )
                    rows.append((section.key, figure, key, csv_value(cell, below), cell.unit))
    return rows


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(figure_rows(report))
    return buffer.getvalue()


# ---------------------------------------------------------------------- PDF

BAR = colors.HexColor("#1d4f91")


def _bars(table: FigureTable, report: Report, width: float) -> Drawing | None:
    """The table's first column as horizontal bars, each labelled with its value (suppressed
    cells drawn as no bar, labelled "<5")."""
    below = report.suppress_below
    values = [
        0.0 if row.cells[0].suppressed(below) else float(row.cells[0].value or 0)
        for row in table.rows
    ]
    if not values:
        return None
    fonts = load_fonts()
    top = max(values) or 1.0
    line = 12.0
    label_width = 70.0
    height = line * len(values) + 4
    drawing = Drawing(width, height)
    for index, (row, value) in enumerate(zip(table.rows, values, strict=True)):
        y = height - (index + 1) * line
        drawing.add(String(0, y + 2, row.label, fontName=fonts.regular, fontSize=7.5))
        length = (width - label_width - 50) * value / top
        drawing.add(Rect(label_width, y + 1, length, line - 3, fillColor=BAR, strokeColor=None))
        drawing.add(
            String(
                label_width + length + 3,
                y + 2,
                shown(row.cells[0], below, report.lang),
                fontName=fonts.regular,
                fontSize=7.5,
            )
        )
    drawing.add(Line(label_width, 0, label_width, height, strokeColor=GREY, strokeWidth=0.4))
    return drawing


def _shade(value: float, top: float) -> colors.Color:
    share = 0.0 if top <= 0 else max(0.0, min(1.0, value / top))
    # from white to the accent, light enough at the top for black text
    return colors.Color(1 - 0.55 * share, 1 - 0.4 * share, 1 - 0.15 * share)


def _table(table: FigureTable, report: Report, width: float) -> Table:
    styles = paragraph_styles(load_fonts())
    below = report.suppress_below
    header = [para("", styles.cell_bold)] + [para(c.label, styles.cell_bold) for c in table.columns]
    body = [
        [para(row.label, styles.cell)]
        + [para(shown(cell, below, report.lang), styles.cell) for cell in row.cells]
        for row in table.rows
    ]
    if not body:
        body = [[para("–", styles.cell)] + [para("", styles.cell) for _ in table.columns]]
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    if table.heat:
        values = [
            float(cell.value)
            for row in table.rows
            for cell in row.cells
            if cell.value is not None and not cell.suppressed(below)
        ]
        top = max(values, default=0.0)
        for r, row in enumerate(table.rows, start=1):
            for c, cell in enumerate(row.cells, start=1):
                if cell.value is not None and not cell.suppressed(below):
                    commands.append(("BACKGROUND", (c, r), (c, r), _shade(float(cell.value), top)))
        first = 16 * mm
        rest = (width - first) / max(1, len(table.columns))
        widths = [first, *([rest] * len(table.columns))]
    else:
        first = width * (0.5 if len(table.columns) <= 2 else 0.34)
        rest = (width - first) / max(1, len(table.columns))
        widths = [first, *([rest] * len(table.columns))]
        commands.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    return Table(
        [header, *body],
        colWidths=widths,
        repeatRows=1,
        style=table_style(styles.fonts, commands),
    )


def to_pdf(report: Report, created: datetime | None = None) -> bytes:
    """The report as a PDF/A-2b: the summary on the first page, a section a heading."""
    fonts = load_fonts()
    styles = paragraph_styles(fonts)
    width, _height = MARGINS.frame_size(6.0)
    story: list[object] = [
        para(report.title, styles.title),
        para(report.subtitle, styles.subtitle),
        Spacer(1, 4 * mm),
    ]
    for index, section in enumerate(report.sections):
        if index == 1:
            story.append(PageBreak())  # the summary alone on its page
        story.append(CondPageBreak(40 * mm))
        story.append(para(section.title, styles.council))
        story.append(Spacer(1, 2 * mm))
        for text in section.text:
            story.append(para(text, styles.base))
            story.append(Spacer(1, 1.5 * mm))
        for table in section.tables:
            block: list[object] = [Spacer(1, 2 * mm), para(table.title, styles.heading)]
            if table.chart:
                drawing = _bars(table, report, width)
                if drawing is not None:
                    block.append(drawing)
            else:
                block.append(_table(table, report, width))
            story.append(KeepTogether(block) if len(table.rows) < 30 else block[0])
            if len(table.rows) >= 30:
                story.extend(block[1:])
    when = created or datetime.now(UTC)
    info = document_info(
        title=report.title,
        author="Finestreta",
        subject=report.subtitle,
        created=when,
        lang=report.lang,
    )
    return build(story, info, on_page=footer(report.title, page_numbers(report.lang)))
