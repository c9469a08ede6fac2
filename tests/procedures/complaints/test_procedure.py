"""The complaints procedure on the platform: registered, the booth's topic is its own, its
settings are checked at start, its migration branch ran."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import inspect, select

from finestreta.config import Settings
from finestreta.context import build_context
from finestreta.db import Database
from finestreta.procedures import registry
from finestreta.procedures.complaints import Complaints
from finestreta.procedures.complaints.settings import ComplaintsSettings


def test_it_is_installed_with_the_complaints_topic(ctx: Any) -> None:
    complaints = ctx.procedure("complaints")
    assert isinstance(complaints, Complaints) and "complaints" in ctx.hub.topics
    # the booth's complaints topic is this procedure's now, no longer the information one's
    assert registry.topics(ctx.procedures.values())["complaints"][1] is complaints
    assert "complaints" not in ctx.procedure("information").topics
    assert complaints.roles == ("case-handler",)
    assert complaints.settings == ComplaintsSettings(_env_file=None)


def test_its_tables_were_migrated(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"complaint_cases", "complaint_case_events"} <= tables


def test_bad_settings_stop_the_start(monkeypatch: pytest.MonkeyPatch, db: Database) -> None:
    monkeypatch.setenv("FINESTRETA_COMPLAINTS_DUE_DAYS", "incident:0")
    with pytest.raises(ValidationError, match="between 1 and 365"):
        build_context(Settings(_env_file=None, database_url=str(db.engine.url)), db)


def test_the_demo_has_a_case_handler(db: Database) -> None:
    from finestreta.accounts.models import StaffUser
    from finestreta.procedures.complaints import procedure

    with db.session() as session:
        procedure.seed_demo(session)
    with db.session() as session:
        rosa = session.scalar(select(StaffUser).where(StaffUser.username == "rosa"))
        assert rosa is not None and rosa.role == "case-handler"
