"""Every setting is documented, with its real default."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from finestreta.config import Settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_setting_is_documented(name: str) -> None:
    assert f"`FINESTRETA_{name.upper()}`" in DOC


def test_bad_values_are_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINESTRETA_PORT", "70000")
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert info.value.errors()[0]["loc"] == ("port",)


def test_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINESTRETA_OUTCOMES", "resolved, referred ,")
    assert Settings(_env_file=None).outcomes == ("resolved", "referred")  # type: ignore[call-arg]
