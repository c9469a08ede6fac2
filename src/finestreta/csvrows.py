"""Reading a register's CSV file (the population register, the tax register, the street
register…): UTF-8 (a BOM is fine), comma or semicolon separated, one header row; every problem
is a :class:`RowError` with its line and column, so that an import is all or nothing and the
person who exported the file knows what to fix. Each importer checks its own columns' values;
this module only reads rows."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header; 0 the file as a whole
    column: str  # "" when the whole row or file is concerned
    code: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.code}: {self.message}"


@dataclass
class Report:
    """Rows read and problems found; an importer's report adds what it changed."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RowProblems:
    """The problems of one row, counted (a row with any is not imported)."""

    def __init__(self, line: int, report: Report) -> None:
        self.line = line
        self.report = report
        self.count = 0

    def add(self, column: str, code: str, message: str) -> None:
        self.report.errors.append(RowError(self.line, column, code, message))
        self.count += 1


def read_text(path: Path | str, report: Report) -> str | None:
    """The file's text, or None with ``bad_encoding`` when it is not UTF-8."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        report.errors.append(RowError(0, "", "bad_encoding", f"The file is not UTF-8 ({exc})"))
        return None


def check_header(
    header: Sequence[str], required: Sequence[str], optional: Sequence[str], report: Report
) -> bool:
    """Every required column, no unknown one, none twice (each problem reported)."""
    missing = [name for name in required if name not in header]
    known = (*required, *optional)
    unknown = [name for name in header if name not in known]
    duplicated = sorted({name for name in header if list(header).count(name) > 1})
    for name in missing:
        report.errors.append(RowError(1, name, "missing_column", f"no column {name!r}"))
    for name in unknown:
        report.errors.append(RowError(1, name, "unknown_column", f"unknown column {name!r}"))
    for name in duplicated:
        report.errors.append(RowError(1, name, "duplicate_column", f"column {name!r} twice"))
    return not (missing or unknown or duplicated)


def rows(
    text: str, required: Sequence[str], optional: Sequence[str], report: Report
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, {column: value})`` for each row with as many fields as the header; blank lines
    are skipped, a header without the right columns yields nothing, and a row of the wrong
    length is reported (``wrong_field_count``) and skipped. Counts ``report.rows``."""
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].strip():
        report.errors.append(RowError(1, "", "empty_file", "The file has no header row"))
        return
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    if not check_header(header, required, optional, report):
        return
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue  # blank line
        report.rows += 1
        if len(values) != len(header):
            report.errors.append(
                RowError(
                    line,
                    "",
                    "wrong_field_count",
                    f"{len(values)} fields where the header has {len(header)}",
                )
            )
            continue
        yield line, dict(zip(header, values, strict=True))


# -- the values every register has ---------------------------------------------------------


def choice_field(
    values: dict[str, str], name: str, choices: type[E], problems: RowProblems
) -> E | None:
    """The column's value as one of ``choices`` (case-insensitive), None when empty, or a
    ``bad_value`` problem."""
    value = values.get(name, "").lower()
    if not value:
        return None
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(option.value for option in choices)
        problems.add(name, "bad_value", f"{name} is one of {allowed}, not {value!r}")
        return None


def date_field(values: dict[str, str], name: str, problems: RowProblems) -> date | None:
    """The column's value as an ISO date (YYYY-MM-DD), None when empty, or ``bad_date``."""
    value = values.get(name, "")
    if not value:
        return None
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.add(name, "bad_date", f"{name} is not a date YYYY-MM-DD: {value!r}")
    return None


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    """``items`` in slices of ``size`` (registers match rows against the database by chunk)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
