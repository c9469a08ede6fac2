"""Types, themes and settings: what may be anonymous or published, defaults, bad values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from finestreta.i18n import catalogue
from finestreta.procedures.complaints import LOCALE_DIR
from finestreta.procedures.complaints.catalogue import apply
from finestreta.procedures.complaints.settings import ComplaintsSettings, handlers_at_start
from finestreta.procedures.complaints.types import THEMES, TYPES, UNITS, published

DOCS = (Path(__file__).resolve().parents[3] / "docs" / "complaints.md").read_text(encoding="utf-8")


def test_which_types_may_be_anonymous() -> None:
    anonymous = {code for code, t in TYPES.items() if t.anonymous_allowed}
    assert anonymous == {"incident", "suggestion", "query", "thanks"}


@pytest.mark.parametrize(
    ("case_type", "theme", "public"),
    [
        ("incident", "lighting", True),
        ("complaint", "street_cleaning", True),
        ("complaint", "staff", False),  # about a person: never
        ("incident", "civic_behaviour", False),  # about neighbours: never
        ("suggestion", "green_spaces", False),
        ("thanks", "staff", False),
        ("query", "roads", False),
    ],
)
def test_what_may_be_published(case_type: str, theme: str, public: bool) -> None:
    assert published(case_type, theme) is public


def test_every_default_unit_is_known_and_every_theme_and_type_is_documented() -> None:
    assert {theme.unit for theme in THEMES.values()} <= set(UNITS)
    for code in [*TYPES, *THEMES]:
        assert f"`{code}`" in DOCS, code


@pytest.mark.parametrize("lang", ["ca", "es"])
def test_labels_are_translated(lang: str) -> None:
    texts = catalogue(lang, "complaints", LOCALE_DIR)
    labels = [t.label for t in TYPES.values()] + [t.label for t in THEMES.values()]
    assert all(texts.get(label) and texts[label] != label for label in labels)
    assert texts["Complaint"] == {"ca": "Queixa", "es": "Queja"}[lang]


def test_the_defaults() -> None:
    settings = ComplaintsSettings(_env_file=None)
    assert settings.due_days == {} and settings.units == {}
    assert [settings.days_for(t) for t in TYPES] == [10, 30, 30, 15, 30]
    assert settings.unit_for("noise") == "environment"


def test_settings_change_only_what_they_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINESTRETA_COMPLAINTS_DUE_DAYS", " incident:5 , complaint:20,")
    monkeypatch.setenv("FINESTRETA_COMPLAINTS_UNITS", "noise:urban_police")
    settings = ComplaintsSettings(_env_file=None)
    assert settings.days_for("incident") == 5 and settings.days_for("complaint") == 20
    assert settings.days_for("query") == 15
    assert settings.unit_for("noise") == "urban_police"
    assert settings.unit_for("lighting") == "lighting"


def test_handler_units_are_granted_and_star_is_every_unit(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FINESTRETA_COMPLAINTS_HANDLER_UNITS", "marta:cleaning|parks, rosa:*")
    settings = ComplaintsSettings(_env_file=None)
    assert settings.handler_units == {"marta": ("cleaning", "parks"), "rosa": ("*",)}
    with caplog.at_level("WARNING"):
        assert handlers_at_start(settings, demo=False) == settings
    assert not caplog.records


def test_with_no_handler_units_the_start_warns_and_the_demo_gives_rosa_all(
    caplog: pytest.LogCaptureFixture,
) -> None:
    empty = ComplaintsSettings(_env_file=None)
    with caplog.at_level("WARNING"):
        assert handlers_at_start(empty, demo=False).handler_units == {}
    assert "see no cases" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        assert handlers_at_start(empty, demo=True).handler_units == {"rosa": ("*",)}
    assert not caplog.records


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("FINESTRETA_COMPLAINTS_DUE_DAYS", "incident=5", "TYPE:DAYS"),
        ("FINESTRETA_COMPLAINTS_DUE_DAYS", "petition:5", "not a case type"),
        ("FINESTRETA_COMPLAINTS_DUE_DAYS", "incident:five", "whole number"),
        ("FINESTRETA_COMPLAINTS_DUE_DAYS", "incident:0", "between 1 and 365"),
        ("FINESTRETA_COMPLAINTS_DUE_DAYS", "incident:366", "between 1 and 365"),
        ("FINESTRETA_COMPLAINTS_DUE_DAYS", "incident:5,incident:6", "twice"),
        ("FINESTRETA_COMPLAINTS_UNITS", "graffiti:cleaning", "not a theme"),
        ("FINESTRETA_COMPLAINTS_UNITS", "noise:Urban Police", "unit code"),
        ("FINESTRETA_COMPLAINTS_UNITS", "noise:", "unit code"),
        ("FINESTRETA_COMPLAINTS_HANDLER_UNITS", "marta:", "unit codes"),
        ("FINESTRETA_COMPLAINTS_HANDLER_UNITS", "marta:**", "unit codes"),
    ],
)
def test_bad_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=says):
        ComplaintsSettings(_env_file=None)


@pytest.mark.parametrize("name", sorted(ComplaintsSettings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    variable = f"FINESTRETA_COMPLAINTS_{name.upper()}"
    line = next((line for line in DOCS.splitlines() if line.startswith(f"| `{variable}` |")), "")
    assert line, f"{variable} has no row in docs/complaints.md"
    default = ComplaintsSettings.model_fields[name].get_default(call_default_factory=True)
    assert f"`{default}`" in line if default else "`(empty)`" in line


CATALOGUE = """
[types.incident]
due_days = 7
open311 = false

[types.petition]
label = { ca = "Petició", es = "Petición", en = "Petition" }
description = { ca = "Una petició a l'ajuntament", es = "Una petición al ayuntamiento", en = "A petition to the council" }
anonymous_allowed = false
due_days = 20
open311 = false

[themes.graffiti]
label = { ca = "Pintades", es = "Pintadas", en = "Graffiti" }
unit = "graffiti_brigade"

[themes.noise]
about_people = true
"""


def test_types_and_themes_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(CATALOGUE, encoding="utf-8")
    settings = ComplaintsSettings(_env_file=None, catalogue=path)
    types, themes = dict(TYPES), dict(THEMES)
    assert settings._catalogue is not None
    apply(settings._catalogue, types, themes)
    assert types["incident"].due_days == 7 and not types["incident"].open311
    assert types["incident"].label == "Incident"  # what is not given stays
    petition = types["petition"]
    assert (petition.anonymous_allowed, petition.due_days) == (False, 20)
    assert themes["graffiti"].unit == "graffiti_brigade" and themes["noise"].about_people
    assert catalogue("es", "complaints", LOCALE_DIR)["Petition"] == "Petición"
    assert catalogue("ca", "complaints", LOCALE_DIR)["Graffiti"] == "Pintades"
    assert TYPES["incident"].due_days == 10  # only the tables given were changed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[types.petition]\ndue_days = 5", "a new type needs"),
        ('[themes.x1]\nlabel = { ca = "a", es = "b" }\nunit = "parks"', "ca, es and en"),
        ("[types.incident]\ndue_days = 0", "between 1 and 365"),
        ('[types.incident]\nopen311 = "yes"', "expected bool"),
        ('[themes.noise]\nunit = "Urban Police"', "unit code"),
        ("[types.incident]\ncolour = 1", "unknown keys"),
        ("[services.x]\na = 1", "unknown tables"),
        ("not = [toml", "not TOML"),
    ],
)
def test_a_bad_catalogue_file_stops_the_start(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=says):
        ComplaintsSettings(_env_file=None, catalogue=path)


def test_a_missing_catalogue_file_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be read"):
        ComplaintsSettings(_env_file=None, catalogue=tmp_path / "nope.toml")


def test_the_start_applies_the_file_everywhere_and_the_documented_example_is_valid(
    tmp_path: Path,
) -> None:
    example = DOCS.split("### Types and themes from a file", 1)[1].split("```toml\n", 1)[1]
    path = tmp_path / "catalogue.toml"
    path.write_text(example.split("```", 1)[0], encoding="utf-8")
    settings = ComplaintsSettings(_env_file=None, catalogue=path)
    saved_types, saved_themes = dict(TYPES), dict(THEMES)
    try:
        settings.apply_catalogue()  # as Complaints.setup does
        assert "petition" in TYPES and "graffiti" in THEMES
        assert not published("incident", "street_cleaning")  # open311 = false now
        assert "graffiti_brigade" in settings.known_units()
    finally:
        types: Any = TYPES
        themes: Any = THEMES
        types.clear()
        types.update(saved_types)
        themes.clear()
        themes.update(saved_themes)
