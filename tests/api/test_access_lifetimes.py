"""Access that ends with its purpose: a call's documents after the wrap-up, the kiosk agent's
reach to live jobs only, one live pairing per booth with an idle expiry, and one answer for a
call that is not the asker's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from finestreta.accounts.models import AuditEntry, KioskSession
from finestreta.accounts.secrets import token_hash
from finestreta.context import AppContext
from finestreta.db import utcnow
from finestreta.web.security import KIOSK_COOKIE
from tests.api.conftest import (
    ORIGIN,
    BoothBrowser,
    Browser,
    ClerkBrowser,
    open_socket,
    pair,
    refused,
    start_call,
)
from tests.api.test_documents_access import png, upload
from tests.conftest import MakeBooth


def test_a_calls_documents_close_with_its_wrap_up_and_open_only_to_an_audited_look_up(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, ctx: AppContext
) -> None:
    anna, _ = clerk_browser("anna")
    sara, _ = clerk_browser("sara", role="supervisor")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, call, _ = start_call(console, kiosk)
        call_id = call["call_id"]
        document_id = upload(anna, call_id, png()).json()["document_id"]
        path = f"/api/documents/{document_id}"
        assert anna.get(path).content == png()
        console.send({"type": "hang_up", "call_id": call_id})
        console.expect("call_ended")
        # until the wrap-up is saved the clerk still holds the call and its documents
        assert anna.get(path).content == png()
        console.send({"type": "wrap_up", "call_id": call_id, "outcome": "call_dropped"})
        console.expect("state", state="available")
    # afterwards the call's list and each document answer alike: not the clerk's any more
    assert anna.get(f"/api/calls/{call_id}/documents").status_code == 404
    gone = anna.get(path)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "no_document"

    look_up = f"/api/documents/{document_id}/look-up"
    # a supervisor reads it only by saying why; a clerk may not look up at all
    assert sara.get(path).status_code == 404
    assert sara.post(look_up, json={"reason": ""}, headers=ORIGIN).status_code == 422
    assert anna.post(look_up, json={"reason": "curious"}, headers=ORIGIN).status_code == 403
    reason = "Complaint 2024/117: the citizen says the scan was wrong"
    found = sara.post(look_up, json={"reason": reason}, headers=ORIGIN)
    assert found.status_code == 200 and found.content == png()
    with ctx.db.session() as session:
        audited = [
            (a.actor, a.action, a.subject, a.detail)
            for a in session.scalars(select(AuditEntry).where(AuditEntry.subject == document_id))
        ]
    assert ("sara", "document_looked_up", document_id, f"call={call_id} reason={reason}") in (
        audited
    )


def test_the_agent_reaches_only_live_jobs(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, client: TestClient
) -> None:
    anna, _ = clerk_browser("anna")
    sants, booth = booth_browser("sants")
    agent_headers = {"authorization": f"Kiosk {booth.code}:{booth.secret}"}
    with (
        open_socket(anna, "/ws/console") as console,
        open_socket(sants, "/ws/kiosk") as kiosk,
        open_socket(client, "/ws/agent", headers=agent_headers) as agent,
    ):
        console.expect("hello")
        kiosk.expect("hello")
        agent.expect("hello")
        _, call, _ = start_call(console, kiosk)
        base = f"/api/calls/{call['call_id']}"
        document_id = upload(anna, call["call_id"], png()).json()["document_id"]
        printed = anna.post(f"{base}/print", json={"document_id": document_id}, headers=ORIGIN)
        agent.expect("job", job_id=printed.json()["job_id"])
        document = f"/api/agent/documents/{document_id}"
        assert client.get(document, headers=agent_headers).content == png()

        # a scan still waiting for the citizen takes no upload
        scan_id = anna.post(f"{base}/scan", json={}, headers=ORIGIN).json()["job_id"]
        kiosk.expect("device_prompt", job_id=scan_id)
        scan = f"/api/agent/jobs/{scan_id}/scan"
        waiting = client.post(scan, content=png(), headers=agent_headers)
        assert waiting.status_code == 404, waiting.text
        kiosk.send({"type": "scan_ready", "job_id": scan_id})
        agent.expect("job", job_id=scan_id)
        assert client.post(scan, content=png(), headers=agent_headers).status_code == 200

        # a second scan, released, then the call ends: nothing of that call is the agent's
        second = anna.post(f"{base}/scan", json={}, headers=ORIGIN).json()["job_id"]
        kiosk.send({"type": "scan_ready", "job_id": second})
        agent.expect("job", job_id=second)
        kiosk.send({"type": "hang_up", "call_id": call["call_id"]})
        console.expect("call_ended")
        assert client.get(document, headers=agent_headers).status_code == 404
        late = client.post(f"/api/agent/jobs/{second}/scan", content=png(), headers=agent_headers)
        assert late.status_code == 404, late.text


def test_pairing_again_revokes_the_older_pairings(
    make_booth: MakeBooth, browser: Browser, ctx: AppContext
) -> None:
    booth = make_booth("sants")
    browsers = [browser() for _ in range(13)]
    for paired in browsers:
        pair(paired, booth)
    tokens = [b.cookies[KIOSK_COOKIE] for b in browsers]
    assert len(set(tokens)) == 13
    with ctx.db.session() as session:
        rows = list(session.scalars(select(KioskSession.token_hash)))
    assert rows == [token_hash(tokens[-1])]
    for old in browsers[:-1]:
        assert refused(old, "/ws/kiosk") == 4401
    with open_socket(browsers[-1], "/ws/kiosk") as kiosk:
        assert kiosk.expect("hello")["type"] == "hello"


def test_a_new_pairing_closes_the_old_pairings_open_socket(
    make_booth: MakeBooth, browser: Browser
) -> None:
    booth = make_booth("sants")
    old, new = browser(), browser()
    pair(old, booth)
    with open_socket(old, "/ws/kiosk") as kiosk:
        kiosk.expect("hello")
        pair(new, booth)
        assert kiosk.expect("closed", timeout=4)["reason"] == "replaced"
        assert kiosk.expect_close()[0] == 4409


@pytest.mark.settings(pairing_idle_days=45)
def test_a_pairing_unused_for_its_idle_days_expires_and_use_renews_it(
    make_booth: MakeBooth, browser: Browser, ctx: AppContext
) -> None:
    booth = make_booth("sants")
    kept = browser()
    pair(kept, booth)
    digest = token_hash(kept.cookies[KIOSK_COOKIE])

    def idle_for(days: float) -> None:
        with ctx.db.session() as session:
            session.execute(
                update(KioskSession)
                .where(KioskSession.token_hash == digest)
                .values(last_used_at=utcnow() - timedelta(days=days))
            )

    def last_used() -> timedelta:
        with ctx.db.session() as session:
            row = session.get(KioskSession, digest)
            assert row is not None
            return utcnow() - row.last_used_at

    idle_for(44)  # a booth closed for a month and a half still works, and the use renews it
    with open_socket(kept, "/ws/kiosk") as kiosk:
        kiosk.expect("hello")
    assert last_used() < timedelta(minutes=1)
    idle_for(46)
    assert refused(kept, "/ws/kiosk") == 4401
