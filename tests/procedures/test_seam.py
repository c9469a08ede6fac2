"""The seam is proven by a procedure that is not census: ``tests/procedures/tiny`` registers
through ``FINESTRETA_PROCEDURES`` like a city's own, and each thing it declares works in the
real app — its table and migration, route, topic, console panel, booth module, frames both ways,
call listener, steps, call memory, document retention, settings, command and log redaction."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from finestreta.cli import main
from finestreta.config import Settings
from finestreta.documents.records import DocumentRow
from finestreta.errors import FinestretaError
from finestreta.logs import RedactingFilter, install
from finestreta.migrate import upgrade
from finestreta.procedures import registry
from finestreta.procedures.records import ProcedureStepRow
from tests.api.conftest import ORIGIN, open_socket, start_call
from tests.conftest import copy_of

TINY = "tests.procedures.tiny:procedure"
# every built-in procedure (the shared migrated template has their branches) and the tiny one
WITH_TINY = ("information", "census", "taxes", "complaints", TINY)
pytestmark = pytest.mark.settings(procedures=WITH_TINY)


@pytest.fixture(scope="session")
def tiny_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the tiny procedure's branch too."""
    url = copy_of(sqlite_template, tmp_path_factory.mktemp("tiny"))
    upgrade(url, procedures=registry.load(WITH_TINY))
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def database_url(tiny_template: Path, tmp_path: Path) -> str:
    return copy_of(tiny_template, tmp_path)


def test_registered_through_the_settings_like_a_citys_own(ctx: Any) -> None:
    assert list(ctx.procedures) == ["information", "census", "taxes", "complaints", "tiny"]
    assert "tiny" in ctx.hub.topics and "census" in ctx.hub.topics
    assert inspect(ctx.db.engine).has_table("tiny_notes")  # its own migration ran


def test_a_procedure_that_cannot_be_loaded_is_said_plainly() -> None:
    for spec, why in (
        ("nonexistent", "no procedure 'nonexistent' is installed"),
        ("tests.procedures.no_such_module:procedure", "cannot be loaded"),
        ("finestreta.config:Settings", "is not a Procedure"),
    ):
        with pytest.raises(FinestretaError, match=why):
            registry.load([spec])


def test_route_panel_topic_frames_listener_memory_and_steps(
    ctx: Any, clerk_browser: Any, booth_browser: Any
) -> None:
    anna, _ = clerk_browser("anna", topics=["general", "tiny"])
    jordi, _ = clerk_browser("jordi", topics=["general", "tiny"])
    sants, _ = booth_browser("sants")

    # its console panel is on the page, translated in its own domain, with its module
    page = anna.get("/console?lang=ca")
    assert page.status_code == 200
    assert 'id="tiny-panel"' in page.text and "Coses petites" in page.text
    assert "/static/procedures/tiny/panel.js" in page.text
    assert page.text.index('id="tiny-panel"') < page.text.index('id="catalogue-panel"')  # order 5
    assert anna.get("/static/procedures/tiny/panel.js").status_code == 200
    # the built-in panels bring their own look (the console's stylesheet knows none of them)
    for name in ("census", "information"):
        assert f'href="/static/procedures/{name}/panel.css"' in page.text
        assert anna.get(f"/static/procedures/{name}/panel.css").status_code == 200
    assert "/static/procedures/tiny/booth.js" in sants.get("/kiosk").text

    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        hello = kiosk.expect("hello")
        assert "tiny" in hello["topics"]  # the booth offers its topic
        _, started, _ = start_call(console, kiosk, topic="tiny")
        call_id = started["call_id"]
        procedure = ctx.procedure("tiny")
        assert ("started", call_id) in procedure.heard  # its call listener

        # its route: only the clerk of the call
        url = f"/api/calls/{call_id}/tiny/note"
        assert jordi.post(url, json={"text": "x"}, headers=ORIGIN).status_code == 404
        noted = anna.post(url, json={"text": "TINY-1234 a note"}, headers=ORIGIN)
        assert noted.status_code == 200, noted.text
        document = noted.json()["document"]
        console.expect("document", document_id=document["document_id"])  # attached and told
        memory = anna.get(f"/api/calls/{call_id}/tiny/memory").json()
        assert memory["last_note"] == "TINY-1234 a note"

        # its frames, both ways: the clerk waves, the booth sees it
        console.send({"type": "tiny_wave", "times": 2, "ref": "w"})
        assert kiosk.expect("tiny_waved") == {"type": "tiny_waved", "greeting": "Hola", "times": 2}
        console.send({"type": "tiny_wave", "times": "many", "ref": "bad"})
        assert console.expect("error", ref="bad")["code"] == "invalid"
        kiosk.send({"type": "tiny_wave", "ref": "k"})  # booths do not send it
        assert kiosk.expect("error", ref="k")["code"] == "unknown_type"

        kiosk.send({"type": "hang_up", "call_id": call_id})
        console.expect("call_ended")
        console.flush()

    assert ("ended", call_id) in procedure.heard
    # the call's memory is forgotten once every listener has run
    assert ctx.memory.get(call_id, "tiny", "last_note") is None
    with ctx.db.session() as session:
        steps = session.execute(
            select(ProcedureStepRow.step, ProcedureStepRow.detail).where(
                ProcedureStepRow.procedure == "tiny"
            )
        ).all()
        row = session.get(DocumentRow, document["document_id"])
        assert row is not None and row.kind == "tiny_note"
        assert row.expires_at is None  # its retention class: kept for good
    assert [step for step, _ in steps] == ["call_started", "noted", "call_ended"]
    assert dict(steps)["call_ended"] == {"had_note": True}  # listeners run before forgetting


def test_its_command_and_settings(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("FINESTRETA_PROCEDURES", ",".join(WITH_TINY))
    monkeypatch.setenv("FINESTRETA_TINY_GREETING", "Bon dia")
    main(["tiny", "hello"])
    assert capsys.readouterr().out.strip() == "Bon dia from tiny"


def test_its_personal_data_never_reaches_a_log(caplog: pytest.LogCaptureFixture) -> None:
    (tiny,) = registry.load([TINY])
    redacting = RedactingFilter(tiny.redact)
    logger = logging.getLogger("tests.tiny")
    caplog.handler.addFilter(redacting)
    try:
        with caplog.at_level(logging.INFO, logger="tests.tiny"):
            logger.info("noted %s for the citizen", "TINY-1234")
    finally:
        caplog.handler.removeFilter(redacting)
    assert "TINY-1234" not in caplog.text and "[redacted]" in caplog.text


def test_the_platform_redacts_credentials_and_census_id_numbers() -> None:
    census = registry.load(["census"])[0]
    root = logging.getLogger()
    redacting = install(census.redact)
    try:
        text = redacting.redact(
            "Authorization: Kiosk sants-1:S3CRET fs_staff=abc123 look-up of 11111111H and X-1234567-L"
        )
    finally:
        for handler in root.handlers:
            handler.removeFilter(redacting)
    for secret in ("S3CRET", "abc123", "11111111H", "X-1234567-L"):
        assert secret not in text, text


def test_demo_data_of_every_procedure(tmp_path: Path) -> None:
    from finestreta import demo
    from finestreta.db import Database

    url = f"sqlite:///{tmp_path}/demo.db"
    procedures = registry.load(WITH_TINY)
    upgrade(url, procedures=procedures)
    db = Database(url)
    with db.session() as session:
        assert demo.seed_all(session, procedures)
    from tests.procedures.tiny import TinyNote

    with db.session() as session:
        assert session.scalar(select(TinyNote.text)) == "a demo note"
    db.dispose()


def test_settings_name_the_procedures() -> None:
    assert Settings(_env_file=None, procedures="census, information").procedures == (
        "census",
        "information",
    )
