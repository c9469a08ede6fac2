"""The street register a server uses: the built-in one over Finestreta's own tables, or the
city's adapter named in ``FINESTRETA_STREETS_REGISTER`` (``package.module:factory``, called
with the settings and the database)."""

from __future__ import annotations

import importlib

from finestreta.config import Settings
from finestreta.db import Database
from finestreta.streets.port import StreetRegister


def street_register(settings: Settings, db: Database) -> StreetRegister:
    spec = settings.streets_register
    if not spec:
        from finestreta.streets.sql_register import SqlStreetRegister

        return SqlStreetRegister(db.session)
    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    register = factory(settings, db)
    if not isinstance(register, StreetRegister):
        raise TypeError(f"{spec} did not return a StreetRegister")
    return register
