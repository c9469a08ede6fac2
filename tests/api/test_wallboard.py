"""The wallboard over real sockets: who may watch, what it shows as a call goes by, asking for
help, a supervisor setting a clerk's state, and bad frames and bad ranges refused clearly."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from finestreta.attention.records import AttentionEventRow
from finestreta.config import DEFAULT_OUTCOMES
from finestreta.context import AppContext
from finestreta.db import Database
from finestreta.i18n import translator
from finestreta.supervision.event_log import read_log
from finestreta.supervision.kpis import Thresholds, attentions, figures, in_period
from finestreta.supervision.wallboard import figures_json
from tests.api.conftest import (
    ORIGIN,
    BoothBrowser,
    ClerkBrowser,
    Socket,
    open_socket,
    refused,
    start_call,
)

JSON = {"accept": "application/json", **ORIGIN}


def board_until(socket: Socket, check: Any, timeout: float = 5.0) -> dict[str, Any]:
    """The first ``wallboard`` frame for which ``check(frame)`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = socket.expect("wallboard", timeout=max(0.1, deadline - time.monotonic()))
        if check(frame):
            return frame
    raise AssertionError(f"no wallboard frame as wanted; last: {socket.log[-1:]!r}")


def clerk_of(frame: dict[str, Any], name: str) -> dict[str, Any]:
    (clerk,) = [c for c in frame["now"]["clerks"] if c["name"] == name]
    return dict(clerk)


def booth_of(frame: dict[str, Any], name: str) -> dict[str, Any]:
    (booth,) = [b for b in frame["now"]["booths"] if b["name"] == name]
    return dict(booth)


def test_only_supervisors_and_admins_watch_and_clerks_are_refused(
    client: TestClient, clerk_browser: ClerkBrowser
) -> None:
    anna, _ = clerk_browser("anna")
    sue, _ = clerk_browser("sue", role="supervisor")
    root, _ = clerk_browser("root", role="admin")
    assert refused(client, "/ws/supervisor") == 4401  # nobody logged in
    assert refused(anna, "/ws/supervisor") == 4403  # a clerk
    assert refused(sue, "/ws/supervisor", headers={"origin": "https://evil.example"}) == 4403
    for watcher in (sue, root):
        with open_socket(watcher, "/ws/supervisor") as board:
            assert board.recv()["type"] == "wallboard"
    # HTTP: the page and the figures
    assert anna.get("/supervisor").status_code == 403
    assert anna.get("/api/supervision/figures", headers=JSON).json()["error"]["code"] == (
        "forbidden"
    )
    assert client.get("/api/supervision/figures", headers=JSON).status_code == 401
    assert sue.get("/supervisor").status_code == 200
    for lang, title in (("ca", "Tauler"), ("es", "Panel")):  # staff pages: ca, es
        page = sue.get(f"/supervisor?lang={lang}")
        assert f"<title>{title} · Finestreta</title>" in page.text, lang
        assert page.headers["cache-control"] == "no-store"
    assert root.get("/api/supervision/figures", headers=JSON).status_code == 200
    # a clerk's console has no supervisor's commands
    with open_socket(anna, "/ws/console") as console:
        console.recv()
        console.send({"type": "set_clerk_state", "clerk_id": 1, "state": "away"})
        assert console.expect("error")["code"] == "unknown_type"
        console.send({"type": "acknowledge_help", "clerk_id": 1})
        assert console.expect("error")["code"] == "unknown_type"


def test_the_board_follows_a_call_help_and_a_supervisor_setting_a_clerk_away(
    client: TestClient,
    ctx: AppContext,
    db: Database,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
) -> None:
    anna, anna_id = clerk_browser("anna")
    sue, _ = clerk_browser("sue", role="supervisor")
    booth_client, _ = booth_browser("k1", site="Casa del Mig")
    with (
        open_socket(sue, "/ws/supervisor") as board,
        open_socket(anna, "/ws/console") as console,
        open_socket(booth_client, "/ws/kiosk") as kiosk,
    ):
        first = board.expect("wallboard")
        assert first["today"]["total"]["offered"] == 0
        assert first["answer_within_s"] == 20.0
        console.recv()
        ring, clerk_call, kiosk_call = start_call(console, kiosk, language="es", topic="general")
        frame = board_until(board, lambda f: clerk_of(f, "Anna")["state"] == "in_call")
        assert booth_of(frame, "Booth k1")["state"] == "in_call"
        # today's figures follow within TODAY_EVERY_S (2 s)
        board_until(board, lambda f: f["today"]["total"]["answered"] == 1)
        # a supervisor cannot set a clerk in a call away: refused, the socket stays open
        board.send({"type": "set_clerk_state", "clerk_id": anna_id, "state": "away", "ref": "x"})
        error = board.expect("error")
        assert (error["code"], error["ref"]) == ("clerk_busy", "x")
        # the clerk asks for help; every wallboard shows it until acknowledged
        console.send({"type": "ask_help", "active": True})
        asked = console.expect("help_state", active=True)
        frame = board_until(board, lambda f: bool(f["help"]))
        assert [(h["clerk_id"], h["name"], h["since"]) for h in frame["help"]] == [
            (anna_id, "Anna", asked["since"])
        ]
        board.send({"type": "acknowledge_help", "clerk_id": anna_id})
        answered = console.expect("help_state", active=False)
        assert answered["acknowledged_by"] == "Sue"
        board_until(board, lambda f: not f["help"])
        board.send({"type": "acknowledge_help", "clerk_id": anna_id})
        assert board.expect("error")["code"] == "no_help_request"
        # hung up and wrapped up: the clerk is available again
        console.send({"type": "hang_up", "call_id": clerk_call["call_id"]})
        console.expect("state", state="wrap_up")
        console.send(
            {"type": "wrap_up", "call_id": clerk_call["call_id"], "outcome": "information_given"}
        )
        console.expect("state", state="available")
        board_until(board, lambda f: f["today"]["total"]["outcomes"] == {"information_given": 1})
        # the supervisor sets Anna away: her console says who did
        board.send({"type": "set_clerk_state", "clerk_id": anna_id, "state": "away"})
        state = console.expect("state", state="away")
        assert state["reason"] == "supervisor"
        frame = board_until(board, lambda f: clerk_of(f, "Anna")["state"] == "away")
        # nothing of the citizen reaches the board: no request or call id
        for sent in board.log:
            text = json.dumps(sent)
            assert ring["request_id"] not in text and kiosk_call["call_id"] not in text
        # the live fold equals the KPIs over the log read back
        start, end = ctx.wallboard.day_bounds(ctx.wallboard.today())  # type: ignore[union-attr]
        log = read_log(db, start, end)
        expected = in_period(attentions(log.events, log.steps), start, end)
        limits = Thresholds(answer_within=20.0)
        total = json.loads(json.dumps(figures_json(figures(expected, limits))))
        assert frame["today"]["total"] == total
    with db.session() as session:
        reasons = [
            (row.data["state"], row.data["reason"])
            for row in session.scalars(
                select(AttentionEventRow).where(AttentionEventRow.kind == "clerk_state_changed")
            )
        ]
    assert ("away", "supervisor") in reasons


def test_a_supervisor_who_logs_out_stops_watching(
    client: TestClient, clerk_browser: ClerkBrowser
) -> None:
    sue, _ = clerk_browser("sue", role="supervisor")
    with open_socket(sue, "/ws/supervisor") as board:
        board.expect("wallboard")
        assert sue.post("/logout", headers=ORIGIN, follow_redirects=False).status_code == 303
        assert board.expect("closed", timeout=6)["reason"] == "logged_out"
        assert board.expect_close(timeout=6)[0] == 4401


def test_bad_frames_get_clear_errors_and_the_socket_stays_open(
    client: TestClient, clerk_browser: ClerkBrowser
) -> None:
    sue, _ = clerk_browser("sue", role="supervisor")
    _, anna_id = clerk_browser("anna")
    with open_socket(sue, "/ws/supervisor") as board:
        board.expect("wallboard")
        board.send({"type": "set_clerk_state", "clerk_id": 0, "state": "away"})
        assert board.expect("error")["code"] == "invalid"
        board.send({"type": "set_clerk_state", "clerk_id": anna_id, "state": "in_call"})
        assert board.expect("error")["code"] == "invalid"
        board.send({"type": "set_clerk_state", "clerk_id": anna_id, "state": "away"})
        assert board.expect("error")["code"] == "clerk_not_connected"  # no console open
        board.send({"type": "request_attention", "language": "ca", "topic": "general"})
        assert board.expect("error")["code"] == "unknown_type"
        board.send_text("{not json")
        assert board.expect("error")["code"] == "bad_json"
        board.send({"type": "ping", "t": 7})
        assert board.expect("pong")["t"] == 7


def test_pushes_are_coalesced(
    client: TestClient, clerk_browser: ClerkBrowser, ctx: AppContext
) -> None:
    sue, _ = clerk_browser("sue", role="supervisor")
    anna, _ = clerk_browser("anna")
    with open_socket(sue, "/ws/supervisor") as board, open_socket(anna, "/ws/console") as console:
        board.expect("wallboard")
        console.recv()
        assert ctx.wallboard is not None
        before = ctx.wallboard.pushes
        began = time.monotonic()
        for _ in range(20):  # 40 state changes in a burst
            console.send({"type": "set_state", "state": "available"})
            console.send({"type": "set_state", "state": "away"})
        console.flush()
        time.sleep(1.2)
        elapsed = time.monotonic() - began
        pushes = ctx.wallboard.pushes - before
        assert 1 <= pushes <= elapsed / 0.5 + 1, (pushes, elapsed)
        board_until(board, lambda f: clerk_of(f, "Anna")["state"] == "away")


def test_the_figures_of_a_range_and_bad_ranges(
    client: TestClient, clerk_browser: ClerkBrowser
) -> None:
    sue, _ = clerk_browser("sue", role="supervisor")
    answer = sue.get("/api/supervision/figures?from=2026-01-01&to=2026-01-31", headers=JSON)
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"]["offered"] == 0 and body["by"]["hour"] == []
    assert body["from"].startswith("2025-12-31T23:00") and body["to"].startswith("2026-01-31T23")
    for query, fragment in (
        ("from=2026-02-01&to=2026-01-01", "before"),
        ("from=2024-01-01&to=2026-01-01", "366"),
        ("from=yesterday", "from"),
        ("from=2026-02-30", "from"),
        ("from=9999-12-31", "between 2000-01-01 and 2099-12-31"),  # overflowed: a 500
        ("from=0001-01-01&to=0001-01-02", "between 2000-01-01 and 2099-12-31"),
    ):
        refusal = sue.get(f"/api/supervision/figures?{query}", headers=JSON)
        assert refusal.status_code == 422, query
        error = refusal.json()["error"]
        assert error["code"] == "invalid" and fragment in json.dumps(error), (query, error)


def test_the_page_names_topics_procedures_outcomes_and_languages_as_the_console_does(
    clerk_browser: ClerkBrowser,
) -> None:
    """The figures name groups by key (``census``, ``information_given``); the page carries
    what staff read for each: the console's topic and outcome texts, the procedures' titles."""
    sue, _ = clerk_browser("sue", role="supervisor")
    console_texts = {lang: translator(lang, "console") for lang in ("ca", "es")}
    census_topic = {
        "ca": "Padró i certificats de residència",
        "es": "Padrón y certificados de residencia",
    }
    for lang in ("ca", "es"):
        page = sue.get(f"/supervisor?lang={lang}")
        raw = re.search(r'id="wb-names">(.*?)</script>', page.text, re.S)
        assert raw is not None, lang
        names = json.loads(raw.group(1))
        assert names["topic"]["census"] == census_topic[lang]
        for code, text in names["topic"].items():
            assert text and text != code, (lang, code)
        assert names["procedure"]["census"] == (
            "Volant de padró" if lang == "ca" else "Volante de empadronamiento"
        )
        assert names["procedure"]["information"] == (
            "Informació per a la ciutadania" if lang == "ca" else "Información para la ciudadanía"
        )
        # the outcomes and languages the console shows, word for word
        for code, english in (
            ("information_given", "Information given"),
            ("procedure_completed", "Procedure completed"),
            ("referred_to_office", "Referred to an office in person"),
            ("es", "Spanish"),
        ):
            kind = "language" if code == "es" else "outcome"
            assert names[kind][code] == console_texts[lang](english) != english, (lang, code)
        assert set(names["outcome"]) == set(DEFAULT_OUTCOMES)
