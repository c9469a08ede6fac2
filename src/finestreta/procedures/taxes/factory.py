"""The tax register a server uses: the built-in one over Finestreta's own tables, or the
city's adapter named in ``FINESTRETA_TAXES_REGISTER`` (``package.module:factory``, called with
the taxes settings and the database)."""

from __future__ import annotations

import importlib

from finestreta.db import Database
from finestreta.procedures.taxes.register import TaxRegister
from finestreta.procedures.taxes.settings import BUILTIN, TaxesSettings


def tax_register(settings: TaxesSettings, db: Database) -> TaxRegister:
    spec = settings.register_spec
    if spec == BUILTIN:
        from finestreta.procedures.taxes.sql_register import SqlTaxRegister

        return SqlTaxRegister(db.session)
    module_name, _, attribute = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"FINESTRETA_TAXES_REGISTER={spec} cannot be loaded: {exc}") from None
    register = factory(settings, db)
    if not isinstance(register, TaxRegister):
        raise TypeError(f"FINESTRETA_TAXES_REGISTER={spec} did not return a TaxRegister")
    return register
