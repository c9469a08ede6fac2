"""docs/errors.md and the catalogue of error codes cannot drift apart, and every code the
source raises by name is declared."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from finestreta import errors
from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.web.errors import STATUS, status_of

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `([a-z0-9_]+)` \| (\d{3}) \| ([a-z_]+) \|", re.MULTILINE)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> dict[str, errors.ErrorCode]:
    """Every code, once the app and every built-in procedure are loaded."""
    import finestreta.app  # noqa: F401  (the platform's layers declare theirs on import)
    from finestreta import (
        payments,  # noqa: F401  (no route imports it yet)
        signatures,  # noqa: F401  (the booth's signature pad will)
        streets,  # noqa: F401  (the works and complaints procedures will)
    )
    from finestreta.supervision import staffing  # noqa: F401  (only the command line imports it)

    folder = tmp_path_factory.mktemp("catalogue")
    ctx = build_context(Settings(database_url=f"sqlite:///{folder}/db.sqlite"))
    for procedure in ctx.procedures.values():
        procedure.router()  # their routes declare theirs
    return dict(errors.CODES)


def test_every_code_is_documented_with_its_status(
    catalogue: dict[str, errors.ErrorCode],
) -> None:
    documented = {code: (int(status), who) for code, status, who in ROW.findall(DOC)}
    assert set(documented) == set(catalogue), (
        "docs/errors.md and the catalogue differ: "
        f"undocumented {sorted(set(catalogue) - set(documented))}, "
        f"not declared {sorted(set(documented) - set(catalogue))}"
    )
    for code, entry in catalogue.items():
        status, who = documented[code]
        assert status == status_of(entry.kind), code
        assert who == ("platform" if entry.domain == "errors" else entry.domain), code


def test_every_kind_has_one_status_and_the_tree_is_drawn() -> None:
    assert set(errors.KINDS) == set(STATUS)
    for kind in errors.KINDS:
        assert kind.__name__ in (errors.__doc__ or ""), kind
        assert f"`{kind.__name__}`" in DOC, kind


def test_codes_raised_by_name_are_declared(catalogue: dict[str, errors.ErrorCode]) -> None:
    """``SomeKind("code", ...)`` with a literal code anywhere in the source names a declared
    code (declaring it is how a code gets its texts and its row in docs/errors.md)."""
    kinds = {
        cls.__name__
        for cls in _subclasses(errors.FinestretaError)
        if list(inspect.signature(cls).parameters)[:1] == ["code"]  # (code, message, …)
    }
    raised: set[tuple[str, str]] = set()
    for path in (ROOT / "src" / "finestreta").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in kinds
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                raised.add((node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}"))
    undeclared = sorted(where for code, where in raised if code not in catalogue)
    assert not undeclared, f"codes raised but not declared: {undeclared}"


def test_a_code_cannot_mean_two_things() -> None:
    errors.declare("test_only_code", errors.Conflict, "One meaning.")
    errors.declare("test_only_code", errors.Conflict, "One meaning.")  # the same again is fine
    with pytest.raises(ValueError, match="declared twice"):
        errors.declare("test_only_code", errors.NotFound, "Another meaning.")
    del errors.CODES["test_only_code"]


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found | {cls}
