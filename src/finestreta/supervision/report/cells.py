"""What a report is made of, whatever it is rendered to: sections of tables of cells.

A :class:`Cell` holds a number, its unit and the attentions it was built from (its *basis*), so
that every renderer (PDF, HTML, CSV) suppresses small numbers the same way: a count of 1 to
``suppress_below − 1`` attentions, and any rate, mean or duration built from so few, shows
``<5``. Zero is shown (it discloses nobody); a figure not built from attentions (a cost, an
assumption) has no basis and is never suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from babel.numbers import format_decimal

# Units, as the CSV writes them and the renderers format them.
# A "count" is of attentions (suppressed when small); a "number" counts anything else.
COUNT, NUMBER, SHARE, SECONDS, HOURS, EUR, KM, KG, RATING, CLERKS, PER_HOUR, MINUTES = (
    "count",
    "number",
    "share",
    "seconds",
    "hours",
    "EUR",
    "km",
    "kg",
    "rating",
    "clerks",
    "calls/h",
    "minutes",
)


@dataclass(frozen=True)
class Cell:
    value: float | None
    unit: str
    basis: int | None = None  # the attentions it is built from (None: not from attentions)

    def suppressed(self, below: int) -> bool:
        if self.unit == COUNT and self.basis is None:
            count = self.value or 0
            return 0 < count < below
        return self.basis is not None and 0 < self.basis < below


def count(value: int) -> Cell:
    """A count of attentions (or of citizens' acts: ratings, trips)."""
    return Cell(value, COUNT)


@dataclass(frozen=True)
class Row:
    key: str  # the breakdown key, as the CSV writes it ("" for a single row)
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    chart: bool = False  # drawn as bars too (the first column), e.g. a histogram
    heat: bool = False  # a weekday × hour grid, shaded by value


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    text: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    lang: str
    suppress_below: int
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def shown(cell: Cell, below: int, lang: str) -> str:
    """The cell as a reader sees it: ``<5``, ``–`` for none, or the number in its unit."""
    if cell.suppressed(below):
        return f"<{below}"
    value = cell.value
    if value is None:
        return "–"

    def number(x: float, places: int) -> str:
        # the language's separators (CLDR, by Babel): "672,0" in ca and es, "672.0" in en
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return format_decimal(x, pattern, locale=lang)

    match cell.unit:
        case "count" | "number" | "clerks":
            return number(value, 0)
        case "share":
            return number(100 * value, 1) + " %"
        case "seconds":
            return number(value, 0) + " s"
        case "minutes":
            return number(value, 1) + " min"
        case "hours":
            return number(value, 1) + " h"
        case "EUR":
            return number(value, 2) + " €"
        case "km":
            return number(value, 1) + " km"
        case "kg":
            return number(value, 1) + " kg"
        case "rating":
            return number(value, 2)
        case "calls/h":
            return number(value, 2)
        case _:
            return number(value, 2)


def csv_value(cell: Cell, below: int) -> str:
    """The cell as the CSV writes it: ``<5`` when suppressed, empty for none, else the number
    with all its digits (``repr``), so that it compares exactly with the KPI functions'."""
    if cell.suppressed(below):
        return f"<{below}"
    if cell.value is None:
        return ""
    if cell.unit in ("count", "number", "clerks") and float(cell.value).is_integer():
        return str(int(cell.value))
    return repr(float(cell.value))


def _top(values: list[float]) -> float:
    return max(values, default=0.0)


def heat_level(table: Table, cell: Cell, below: int, levels: int = 4) -> int:
    """0 to ``levels``: how dark a heat-map cell is shaded (0 for none or suppressed)."""
    top = _top(
        [
            float(c.value)
            for row in table.rows
            for c in row.cells
            if c.value is not None and not c.suppressed(below)
        ]
    )
    if cell.value is None or cell.suppressed(below) or top <= 0:
        return 0
    return round(levels * float(cell.value) / top)


def bar_share(table: Table, row: Row, below: int) -> float | None:
    """The row's first value as a share of the column's largest (None when suppressed)."""
    cell = row.cells[0]
    top = _top([float(r.cells[0].value) for r in table.rows if r.cells[0].value is not None])
    if cell.suppressed(below) or cell.value is None or top <= 0:
        return None
    return float(cell.value) / top
