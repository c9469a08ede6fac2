"""Every setting is documented, with its real default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from finestreta.config import Settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
# A row of the settings table: | `FINESTRETA_NAME` | `default` | meaning |
ROW = re.compile(r"^\| `(FINESTRETA_[A-Z0-9_]+)` \| ([^|]*) \|", re.MULTILINE)
TABLE: dict[str, str] = {name: default.strip() for name, default in ROW.findall(DOC)}


def documented(value: object) -> str:
    """A default as the table writes it: `(empty)` for empty strings and lists, lists
    comma-separated, anything else as Python prints it (`False`, `20.0`, `3600`)."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, tuple):
        value = ",".join(str(item) for item in value)
    text = str(value)
    return f"`{text}`" if text else "`(empty)`"


def test_the_rendering_of_defaults() -> None:
    assert documented("") == documented(()) == documented(SecretStr("")) == "`(empty)`"
    assert documented(("a", "b")) == "`a,b`"
    assert (documented(False), documented(20.0), documented(3600)) == (
        "`False`",
        "`20.0`",
        "`3600`",
    )


def test_the_table_is_read() -> None:
    assert len(ROW.findall(DOC)) == len(TABLE), "a setting has two rows in the table"
    assert TABLE["FINESTRETA_PORT"] == "`8000`"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_is_documented(name: str) -> None:
    assert f"`FINESTRETA_{name.upper()}`" in DOC


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_documented_default_is_the_real_one(name: str) -> None:
    variable = f"FINESTRETA_{name.upper()}"
    assert variable in TABLE, f"{variable} has no row in the table of docs/configuration.md"
    default = Settings.model_fields[name].get_default(call_default_factory=True)
    assert TABLE[variable] == documented(default), f"{variable}'s default in the table"


def test_every_documented_setting_exists() -> None:
    settings = {f"FINESTRETA_{name.upper()}" for name in Settings.model_fields}
    assert sorted(set(TABLE) - settings) == []


def test_bad_values_are_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINESTRETA_PORT", "70000")
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None)
    assert info.value.errors()[0]["loc"] == ("port",)


def test_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINESTRETA_OUTCOMES", "resolved, referred ,")
    assert Settings(_env_file=None).outcomes == ("resolved", "referred")
