"""docs/streets.md keeps up with the code: the header, the kinds, the demo streets."""

from __future__ import annotations

from pathlib import Path

from finestreta.streets.importer import COLUMNS
from finestreta.streets.names import KINDS
from finestreta.streets.synthetic import STREETS, code_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "streets.md"


def test_the_documentation_names_the_header_kinds_and_demo_streets() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert ",".join(COLUMNS) in text
    kinds_line = next(line for line in text.splitlines() if line.startswith("| `street_kind`"))
    assert [kind for kind in sorted(KINDS) if kind not in kinds_line] == []
    missing = [
        (code_of(index), name)
        for index, (name, *_rest) in enumerate(STREETS)
        if f"| `{code_of(index)}` | {name} |" not in text
    ]
    assert missing == []
