"""docs/padro.md keeps up with the code: columns, reason codes, demo people."""

from __future__ import annotations

from pathlib import Path

from finestreta.padro.importer import COLUMNS, OPTIONAL_COLUMNS
from finestreta.padro.synthetic import DEMO_PEOPLE
from finestreta.procedures.census.eligibility import REASON_CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "padro.md"


def test_the_documentation_names_every_column_reason_and_demo_person() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [
        name
        for name in (
            *COLUMNS,
            *OPTIONAL_COLUMNS,
            *REASON_CODES,
            *(person.document_number for person in DEMO_PEOPLE),
        )
        if f"`{name}`" not in text
    ]
    assert missing == []
