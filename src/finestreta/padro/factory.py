"""The population register a server uses: the built-in one over Finestreta's own tables, or
the city's adapter named in ``FINESTRETA_POPULATION_REGISTER`` (``package.module:factory``,
called with the settings and the database)."""

from __future__ import annotations

import importlib

from finestreta.config import Settings
from finestreta.db import Database
from finestreta.padro.port import PopulationRegister


def population_register(settings: Settings, db: Database) -> PopulationRegister:
    spec = settings.population_register
    if not spec:
        from finestreta.padro.sql_register import SqlPopulationRegister

        return SqlPopulationRegister(db.session)
    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    register = factory(settings, db)
    if not isinstance(register, PopulationRegister):
        raise TypeError(f"{spec} did not return a PopulationRegister")
    return register
