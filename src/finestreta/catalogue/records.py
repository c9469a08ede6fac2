"""Tables of the information catalogue: one row per entry, one row per entry and language.

Lists (requirements, links, keywords) are stored as JSON text: nothing queries inside them, the
search index is built in memory (:mod:`finestreta.catalogue.search`).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finestreta.catalogue.model import Category, Channel, Entry, Link, Texts
from finestreta.db import Base, UTCDateTime, utcnow


class CatalogueEntryRow(Base):
    __tablename__ = "catalogue_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    channels: Mapped[str] = mapped_column(String(100))  # comma-separated Channel values
    free: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the imported content
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)  # content revised (shown)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # row written
    texts: Mapped[list[CatalogueTextRow]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="CatalogueTextRow.lang",
    )

    def to_entry(self) -> Entry:
        return Entry(
            slug=self.slug,
            category=Category(self.category),
            channels=tuple(Channel(c) for c in self.channels.split(",") if c),
            free=self.free,
            texts={row.lang: row.to_texts() for row in self.texts},
            updated_at=self.updated_at,
        )


class CatalogueTextRow(Base):
    __tablename__ = "catalogue_texts"
    __table_args__ = (UniqueConstraint("entry_id", "lang"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("catalogue_entries.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    fees: Mapped[str] = mapped_column(Text, default="")
    where_when: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {label, url}
    keywords: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    entry: Mapped[CatalogueEntryRow] = relationship(back_populates="texts")

    def to_texts(self) -> Texts:
        return Texts(
            title=self.title,
            summary=self.summary,
            who=self.who,
            requirements=tuple(json.loads(self.requirements)),
            fees=self.fees,
            where_when=self.where_when,
            links=tuple(Link(link["label"], link["url"]) for link in json.loads(self.links)),
            keywords=tuple(json.loads(self.keywords)),
        )

    def set_texts(self, texts: Texts) -> None:
        self.title = texts.title
        self.summary = texts.summary
        self.who = texts.who
        self.requirements = _dump(list(texts.requirements))
        self.fees = texts.fees
        self.where_when = texts.where_when
        self.links = _dump([{"label": link.label, "url": link.url} for link in texts.links])
        self.keywords = _dump(list(texts.keywords))


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
