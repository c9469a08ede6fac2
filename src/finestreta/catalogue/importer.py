"""Importing the catalogue from a JSON file: every entry checked, then all written or none.

The format is documented in ``docs/catalogue.md``. Entries are matched by slug: a new slug is
added, a known one is updated when its content differs and left unchanged otherwise; entries of
the database missing from the file are kept, unless ``prune=True`` (``--prune``) deletes them.
If any entry is invalid the report names each problem (entry, slug and field) and nothing is
written.

Usage (the caller owns the transaction; ``Database.session()`` commits or rolls back)::

    with db.session() as session:
        report = import_file(session, Path("catalogue.json"), prune=False)
    print(format_report(report))
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.catalogue.model import LANGUAGES, Category, Channel, Entry, Link, Texts
from finestreta.catalogue.records import CatalogueEntryRow, CatalogueTextRow
from finestreta.db import utcnow

FORMAT = "finestreta-catalogue/1"
DEMO_CATALOGUE = Path(__file__).resolve().parent / "data" / "demo.json"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
URL_PATTERN = r"^(?:https?://[^\s/]+\S*|tel:\+?[0-9]+|mailto:[^\s@]+@[^\s@]+)$"

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Paragraphs = Annotated[str, StringConstraints(strip_whitespace=True, max_length=3000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LinkIn(_Strict):
    label: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    url: Annotated[str, StringConstraints(max_length=500, pattern=URL_PATTERN)]


class TextsIn(_Strict):
    """One language's texts. Only ``title`` and ``summary`` are required in every language."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    summary: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    who: Paragraphs = ""
    requirements: list[Line] = Field(default_factory=list, max_length=40)
    fees: Paragraphs = ""
    where_when: Paragraphs = ""
    links: list[LinkIn] = Field(default_factory=list, max_length=10)
    keywords: list[Keyword] = Field(default_factory=list, max_length=40)

    def to_texts(self) -> Texts:
        return Texts(
            title=self.title,
            summary=self.summary,
            who=self.who,
            requirements=tuple(self.requirements),
            fees=self.fees,
            where_when=self.where_when,
            links=tuple(Link(link.label, link.url) for link in self.links),
            keywords=tuple(self.keywords),
        )


class EntryIn(_Strict):
    slug: Annotated[str, StringConstraints(min_length=2, max_length=80, pattern=SLUG_PATTERN)]
    category: Category
    channels: list[Channel] = Field(min_length=1)
    free: bool = False
    updated_at: date | datetime | None = None
    ca: TextsIn
    es: TextsIn
    en: TextsIn

    @field_validator("channels")
    @classmethod
    def _distinct(cls, channels: list[Channel]) -> list[Channel]:
        if len(set(channels)) != len(channels):
            raise ValueError("a channel is listed twice")
        return channels

    @field_validator("updated_at")
    @classmethod
    def _aware(cls, value: date | datetime | None) -> date | datetime | None:
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("give a date (2026-01-31) or a date-time with its zone")
        return value

    @model_validator(mode="after")
    def _catalan_is_complete(self) -> EntryIn:
        """Catalan is what other languages fall back to: it says who, where and what it costs."""
        missing = [name for name in ("who", "where_when") if not getattr(self.ca, name)]
        if not self.free and not self.ca.fees:
            missing.append("fees")
        if missing:
            raise ValueError(
                f"ca.{', ca.'.join(missing)} required (Catalan texts are the fallback"
                + ("; fees: or set free: true)" if "fees" in missing else ")")
            )
        return self

    def to_entry(self, updated_at: datetime) -> Entry:
        return Entry(
            slug=self.slug,
            category=self.category,
            channels=tuple(self.channels),
            free=self.free,
            texts={lang: getattr(self, lang).to_texts() for lang in LANGUAGES},
            updated_at=updated_at,
        )

    def given_updated_at(self) -> datetime | None:
        value = self.updated_at
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return datetime.combine(value, time(12, 0), UTC)  # a date: midday, any zone agrees

    def content_hash(self) -> str:
        content = self.model_dump(mode="json")
        canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["finestreta-catalogue/1"]
    comment: str = ""
    entries: list[Any]


@dataclass(frozen=True)
class EntryError:
    index: int  # 1 for the first entry of the file; 0 for the whole file
    slug: str  # "" when unknown
    field: str  # e.g. "es.title", "ca.links[0].url"; "" for the entry or file as a whole
    message: str

    def __str__(self) -> str:
        if self.index == 0:
            where = "file"
        else:
            where = f"entry {self.index}" + (f' "{self.slug}"' if self.slug else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


@dataclass
class ImportReport:
    entries: int = 0  # in the file
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # pruned
    kept: list[str] = field(default_factory=list)  # in the database, not in the file, kept
    errors: list[EntryError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def import_file(
    session: Session, path: Path | str, *, prune: bool = False, now: datetime | None = None
) -> ImportReport:
    """Check every entry of the JSON file at ``path``, then upsert them by slug (nothing is
    written if any entry is invalid). ``prune`` deletes entries that the file does not list."""
    report = ImportReport()
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        report.errors.append(EntryError(0, "", "", f"cannot read {path}: {exc.strerror}"))
        return report
    except UnicodeDecodeError:
        report.errors.append(EntryError(0, "", "", f"{path} is not UTF-8 text"))
        return report
    except json.JSONDecodeError as exc:
        report.errors.append(
            EntryError(0, "", "", f"not valid JSON: {exc.msg} (line {exc.lineno}, col {exc.colno})")
        )
        return report
    return import_data(session, data, prune=prune, now=now, report=report)


def import_data(
    session: Session,
    data: Any,
    *,
    prune: bool = False,
    now: datetime | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """:func:`import_file` on an already parsed document (``{"format", "entries"}``)."""
    report = report or ImportReport()
    parsed = validate(data, report)
    if report.errors:
        return report
    _write(session, parsed, prune, now or utcnow(), report)
    session.flush()
    return report


def validate(data: Any, report: ImportReport) -> list[EntryIn]:
    """Every entry checked; the problems are appended to ``report.errors``."""
    try:
        document = FileIn.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            report.errors.append(EntryError(0, "", _location(error["loc"]), _message(error)))
        return []
    report.entries = len(document.entries)
    parsed: list[EntryIn] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(document.entries, start=1):
        slug = raw.get("slug") if isinstance(raw, Mapping) else None
        slug = slug if isinstance(slug, str) else ""
        try:
            entry = EntryIn.model_validate(raw)
        except ValidationError as exc:
            for error in exc.errors():
                report.errors.append(
                    EntryError(index, slug, _location(error["loc"]), _message(error))
                )
            continue
        if entry.slug in seen:
            report.errors.append(
                EntryError(index, slug, "slug", f"already used by entry {seen[entry.slug]}")
            )
            continue
        seen[entry.slug] = index
        parsed.append(entry)
    return parsed


def format_report(report: ImportReport) -> str:
    """A few lines for the command line."""
    if not report.ok:
        lines = [f"Nothing imported: {len(report.errors)} problem(s)"]
        lines += [f"  {error}" for error in report.errors]
        return "\n".join(lines)
    text = (
        f"Imported {report.entries} entr{'y' if report.entries == 1 else 'ies'}: "
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged"
    )
    if report.removed:
        text += f"; {len(report.removed)} removed ({', '.join(report.removed)})"
    if report.kept:
        text += (
            f"; {len(report.kept)} not in the file kept ({', '.join(report.kept)}; "
            "--prune removes them)"
        )
    return text


def seed_demo(session: Session) -> ImportReport:
    """Load the bundled demo catalogue (idempotent: a second call changes nothing)."""
    return import_file(session, DEMO_CATALOGUE)


# -- helpers ------------------------------------------------------------------------------


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "string_pattern_mismatch":
        field_name = str(error["loc"][-1]) if error["loc"] else ""
        if field_name == "slug":
            return "use lower-case letters, digits and single hyphens (e.g. volant-padro)"
        if field_name == "url":
            return "a link must be an http(s)://, tel: or mailto: address"
    if error["type"] == "extra_forbidden":
        return "unknown field (misspelt?)"
    if error["type"] == "enum":
        return f"{message}, got {error.get('input')!r}"
    return message.removeprefix("Value error, ")


def _write(
    session: Session, parsed: list[EntryIn], prune: bool, now: datetime, report: ImportReport
) -> None:
    existing = {row.slug: row for row in session.scalars(select(CatalogueEntryRow))}
    for entry in parsed:
        digest = entry.content_hash()
        row = existing.get(entry.slug)
        if row is not None and row.content_hash == digest:
            report.unchanged.append(entry.slug)
            continue
        if row is None:
            row = CatalogueEntryRow(slug=entry.slug)
            session.add(row)
            report.added.append(entry.slug)
        else:
            report.updated.append(entry.slug)
        row.category = entry.category.value
        row.channels = ",".join(channel.value for channel in entry.channels)
        row.free = entry.free
        row.content_hash = digest
        row.updated_at = entry.given_updated_at() or now
        row.changed_at = now
        by_lang = {text.lang: text for text in row.texts}
        for lang in LANGUAGES:
            text_row = by_lang.get(lang)
            if text_row is None:
                text_row = CatalogueTextRow(lang=lang)
                row.texts.append(text_row)
            text_row.set_texts(getattr(entry, lang).to_texts())
    listed = {entry.slug for entry in parsed}
    for slug, row in sorted(existing.items()):
        if slug in listed:
            continue
        if prune:
            session.delete(row)
            report.removed.append(slug)
        else:
            report.kept.append(slug)
