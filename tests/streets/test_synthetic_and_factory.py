"""The demo streets import cleanly (twice), hold the demo people's flats with the references the
taxes demo bills, and the factory gives the built-in register or a city's adapter."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from finestreta.config import Settings
from finestreta.db import Database
from finestreta.procedures.taxes import synthetic as taxes_demo
from finestreta.streets import synthetic
from finestreta.streets.factory import street_register
from finestreta.streets.port import Address, Street
from finestreta.streets.sql_register import SqlStreetRegister


def test_the_demo_register_seeds_once(db: Database) -> None:
    with db.session() as session:
        first = synthetic.seed_demo(session)
    assert first.streets_created == len(synthetic.STREETS) >= 20
    with db.session() as session:
        assert not synthetic.seed_demo(session).changed


def test_the_demo_holds_the_taxes_demo_properties_and_one_catalogued_building(
    db: Database,
) -> None:
    with db.session() as session:
        synthetic.seed_demo(session)
    register = SqlStreetRegister(db.session)
    for thing in (taxes_demo.MALLORCA, taxes_demo.VERDI, taxes_demo.SANT_ANDREU, taxes_demo.BLAI):
        found = register.by_cadastral(thing.id)
        assert found is not None, thing
        assert found.label == thing.label
    [street] = register.search("sant adria")
    assert register.address(street.code, "12") is not None
    catalogued = [r for r in synthetic.rows() if r["catalogued"] == "yes"]
    assert len(catalogued) == 1
    [gracia] = register.search("passeig gracia")
    casa_mila = register.address(gracia.code, "92")
    assert casa_mila is not None and casa_mila.catalogued


class FakeRegister:
    def search(self, text: str, limit: int = 10) -> list[Street]:
        return [Street("1", "carrer", "Carrer Fals", "Enlloc")]

    def street(self, code: str) -> Street | None:
        return None

    def address(
        self, street_code: str, number: str, floor: str = "", door: str = ""
    ) -> Address | None:
        return None

    def by_cadastral(self, reference: str) -> Address | None:
        return None


@pytest.fixture
def adapter_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("city_streets")
    module.good = lambda settings, db: FakeRegister()  # type: ignore[attr-defined]
    module.bad = lambda settings, db: object()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "city_streets", module)
    return module


def test_the_factory_gives_the_built_in_register_or_the_citys(
    adapter_module: types.ModuleType, tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    built_in = Settings(database_url=db.url)
    assert isinstance(street_register(built_in, db), SqlStreetRegister)
    city = built_in.model_copy(update={"streets_register": "city_streets:good"})
    assert street_register(city, db).search("x")[0].name == "Carrer Fals"
    wrong = built_in.model_copy(update={"streets_register": "city_streets:bad"})
    with pytest.raises(TypeError, match="did not return a StreetRegister"):
        street_register(wrong, db)
    db.dispose()


def test_the_setting_refuses_what_is_not_module_colon_factory() -> None:
    with pytest.raises(ValueError, match="streets_register"):
        Settings(streets_register="not a spec")
