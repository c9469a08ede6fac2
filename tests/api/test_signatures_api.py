"""The citizen signs on the booth's pad (signatures/desk.py, web/signatures_api.py): the desk
shows the document with its hash, only that booth's pad may seal it, once; the clerk may record
oral consent or withdraw it; a kept signature is read by whom the rules allow, every attempt
audited. Bad pads are refused with their code and store nothing."""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from finestreta.accounts import service
from finestreta.clock import ManualClock
from finestreta.context import AppContext, SignatureOwners
from finestreta.errors import FinestretaError
from finestreta.signatures.desk import SignatureAsked, SignatureGiven, Signer
from finestreta.signatures.records import SignatureAccessRow, SignatureRequestRow
from tests.api.conftest import (
    CROSS_SITE,
    ORIGIN,
    BoothBrowser,
    ClerkBrowser,
    Socket,
    open_socket,
    start_call,
)

KEY = "a test signature key of at least 32 characters"
pytestmark = pytest.mark.settings(signature_key=KEY)
SIGNER = Signer("Núria Puig Vidal", "DNI", "12345678Z")


def pdf(text: str = "Notice of works, Carrer Gran 1") -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def wave(points: int = 60, x0: float = 60, y: float = 120) -> list[list[float]]:
    return [
        [x0 + i * 6, y + 40 * math.sin(i * 0.3), 16.0 * i, 0.5 + (i % 3) / 10]
        for i in range(points)
    ]


def pad(sha256: str, strokes: Any, width: float = 800, height: float = 300) -> dict[str, Any]:
    return {"document_sha256": sha256, "width": width, "height": height, "strokes": strokes}


class Call:
    """A live call between a clerk's console and a booth, with the sockets open."""

    def __init__(
        self, ctx: AppContext, clerk: TestClient, booth: TestClient, console: Socket, kiosk: Socket
    ) -> None:
        self.ctx, self.clerk, self.booth, self.console, self.kiosk = (
            ctx,
            clerk,
            booth,
            console,
            kiosk,
        )
        _, started, _ = start_call(console, kiosk)
        self.id: str = started["call_id"]

    @property
    def view(self) -> Any:
        return self.ctx.hub.get(self.id)

    def ask(self, content: bytes | None = None) -> SignatureAsked:
        return self.ctx.signatures.ask(
            self.view,
            procedure="tiny",
            purpose="works.notice",
            title="Notice of works",
            pdf=content or pdf(),
            signer=SIGNER,
        )

    def post(self, request_id: str, body: Any, client: TestClient | None = None) -> Any:
        return (client or self.booth).post(
            f"/api/booth/signatures/{request_id}", json=body, headers=ORIGIN
        )


@contextmanager
def live_call(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> Iterator[Call]:
    anna, _ = clerk_browser("anna")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        yield Call(ctx, anna, sants, console, kiosk)


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.given: list[SignatureGiven] = []
        self.fail = fail

    def signature_given(self, given: SignatureGiven) -> None:
        self.given.append(given)
        if self.fail:
            raise RuntimeError("the procedure broke")


def row_of(ctx: AppContext, request_id: str) -> SignatureRequestRow:
    with ctx.db.session() as session:
        row = session.get(SignatureRequestRow, request_id)
        assert row is not None
        session.expunge(row)
        return row


def test_the_booth_signs_the_document_it_shows_once(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    recorder = Recorder()
    ctx.signatures.owners = recorder
    content = pdf()
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask(content)
        assert asked.sha256 == hashlib.sha256(content).hexdigest()
        shown = call.kiosk.expect("signature_show")
        assert shown["request_id"] == asked.request_id
        assert shown["sha256"] == asked.sha256
        assert shown["signer_name"] == SIGNER.name
        # the booth reads the very document it shows
        got = call.booth.get(shown["url"])
        assert got.status_code == 200 and got.content == content

        answer = call.post(asked.request_id, pad(asked.sha256, [wave(), wave(40, y=200)]))
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "signed"
        state = call.console.expect("signature_state", request_id=asked.request_id)
        assert state["state"] == "signed" and state["procedure"] == "tiny"
        assert state["purpose"] == "works.notice"

        # a second submission (a double tap) seals nothing more
        again = call.post(asked.request_id, pad(asked.sha256, [wave()]))
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "signature_already_given"

    row = row_of(ctx, asked.request_id)
    assert row.state == "signed" and row.procedure == "tiny" and row.document_id
    xs = [x for path in row.paths for x, _ in path]
    assert min(xs) == pytest.approx(60) and max(xs) == pytest.approx(60 + 59 * 6)
    assert row.timing is not None and b"0.5" not in row.timing  # encrypted
    assert len(recorder.given) == 1
    given = recorder.given[0]
    assert given.request.state == "signed" and given.signature is not None
    assert given.procedure == "tiny" and given.call_id == call.id


@pytest.mark.parametrize(
    ("strokes", "status", "code"),
    [
        ([[[100.0 + i % 500, 100.0, float(i), 0.5] for i in range(100_000)]], 413, "too_large"),
        ([[[100.0 + i % 500, 100.0, float(i)] for i in range(6000)]], 413, "signature_too_large"),
        ([], 400, "signature_empty"),
        ([[[100.0, 100.0, 0.0, 0.5]]], 400, "signature_empty"),
        ([[[100.0, 100.0, 0.0], [2000.0, 100.0, 16.0]]], 400, "signature_outside_pad"),
        ([[[100.0, 100.0, 0.0], [True, 100.0, 16.0]]], 422, "signature_malformed"),
        ("not strokes", 422, "invalid"),
    ],
)
def test_a_bad_pad_is_refused_and_nothing_is_stored(
    strokes: Any,
    status: int,
    code: str,
    ctx: AppContext,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
) -> None:
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask()
        answer = call.post(asked.request_id, pad(asked.sha256, strokes))
        assert answer.status_code == status, answer.text
        assert answer.json()["error"]["code"] == code
        row = row_of(ctx, asked.request_id)
        assert row.state == "open" and row.paths is None and row.timing is None
        # the citizen may still sign
        assert call.post(asked.request_id, pad(asked.sha256, [wave()])).status_code == 200


def test_the_document_shown_is_the_one_signed(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask()
        other = hashlib.sha256(b"another document").hexdigest()
        answer = call.post(asked.request_id, pad(other, [wave()]))
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "signature_document_changed"

        # asking again withdraws the first request: its pad is no longer signable
        second = call.ask(pdf("Second version"))
        assert call.console.expect("signature_state", request_id=asked.request_id)["state"] == (
            "cancelled"
        )
        answer = call.post(asked.request_id, pad(asked.sha256, [wave()]))
        assert answer.status_code == 410
        assert answer.json()["error"]["code"] == "signature_request_withdrawn"

        # the clerk shows something else: the pad is gone, the request cannot be signed
        upload = call.clerk.post(
            f"/api/calls/{call.id}/documents",
            files={"file": ("a.pdf", pdf("other"), "application/pdf")},
            data={"title": "other"},
            headers=ORIGIN,
        )
        document_id = upload.json()["document_id"]
        shown = call.clerk.post(
            f"/api/calls/{call.id}/show", json={"document_id": document_id}, headers=ORIGIN
        )
        assert shown.status_code == 200, shown.text
        answer = call.post(second.request_id, pad(second.sha256, [wave()]))
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "signature_not_shown"


def test_an_expired_request_is_refused_and_the_clerk_told(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    clock = ManualClock(ctx.clock.now())
    ctx.signatures.clock = clock
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask()
        clock.advance(timedelta(minutes=16).total_seconds())
        answer = call.post(asked.request_id, pad(asked.sha256, [wave()]))
        assert answer.status_code == 410
        assert answer.json()["error"]["code"] == "signature_request_expired"
        state = call.console.expect("signature_state", request_id=asked.request_id)
        assert state["state"] == "expired"
        assert row_of(ctx, asked.request_id).state == "open"


def test_only_the_booth_of_the_call_may_sign(
    ctx: AppContext,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
    client: TestClient,
) -> None:
    other_booth, _ = booth_browser("nou-barris")
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask()
        body = pad(asked.sha256, [wave()])
        # a booth with no call, the clerk, nobody, another site
        assert call.post(asked.request_id, body, other_booth).status_code == 404
        assert call.post(asked.request_id, body, call.clerk).status_code == 401
        assert call.post(asked.request_id, body, client).status_code == 401
        assert call.post("x" * 43, body).status_code == 404
        cross = call.booth.post(
            f"/api/booth/signatures/{asked.request_id}", json=body, headers=CROSS_SITE
        )
        assert cross.status_code == 403
        assert row_of(ctx, asked.request_id).state == "open"


def test_oral_consent_and_withdrawal_by_the_clerk_of_the_call(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    recorder = Recorder(fail=True)  # a failing procedure does not undo the consent
    ctx.signatures.owners = recorder
    jordi, _ = clerk_browser("jordi")
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask()
        consent = f"/api/calls/{call.id}/signatures/{asked.request_id}/oral-consent"
        reason = {"reason": "Cannot hold a pen (injured hand)"}
        assert jordi.post(consent, json=reason, headers=ORIGIN).status_code == 404
        assert call.clerk.post(consent, json=reason, headers=CROSS_SITE).status_code == 403
        assert call.clerk.post(consent, json={"reason": ""}, headers=ORIGIN).status_code == 422
        # a clerk not in the register of habilitated officials may not record it
        refused = call.clerk.post(consent, json=reason, headers=ORIGIN)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "signature_not_habilitated"
        assert row_of(ctx, asked.request_id).state == "open"
        with ctx.db.session() as session:
            service.set_habilitated(session, "anna", True)
        answer = call.clerk.post(consent, json=reason, headers=ORIGIN)
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "oral_consent"
        call.kiosk.expect("hide_document")
        assert call.console.expect("signature_state", request_id=asked.request_id)["state"] == (
            "oral_consent"
        )
        # nor can the booth sign it now, nor consent twice
        assert call.post(asked.request_id, pad(asked.sha256, [wave()])).status_code == 409
        assert call.clerk.post(consent, json=reason, headers=ORIGIN).status_code == 409

        second = call.ask()
        withdraw = f"/api/calls/{call.id}/signatures/{second.request_id}"
        assert jordi.delete(withdraw, headers=ORIGIN).status_code == 404
        assert call.clerk.delete(withdraw, headers=ORIGIN).status_code == 200
        call.kiosk.expect("signature_withdrawn", request_id=second.request_id)
        assert call.clerk.delete(withdraw, headers=ORIGIN).status_code == 409
        assert call.post(second.request_id, pad(second.sha256, [wave()])).status_code == 410

    row = row_of(ctx, asked.request_id)
    assert row.state == "oral_consent" and row.consent_reason == reason["reason"]
    assert row.official_id is not None and row.paths is None
    assert [g.request.state for g in recorder.given] == ["oral_consent"]
    # what the document prints: the official who heard the consent, by name
    (given,) = recorder.given
    assert (given.request.official_id, given.request.official_name) == (row.official_id, "Anna")
    assert ctx.signatures.request(asked.request_id) == given.request


def test_who_may_read_a_kept_signature_and_every_attempt_is_audited(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    jordi, _ = clerk_browser("jordi")
    sara, _ = clerk_browser("sara", role="supervisor")
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask()
        assert call.post(asked.request_id, pad(asked.sha256, [wave()])).status_code == 200
        path = f"/api/signatures/{asked.request_id}"
        mine = call.clerk.get(path)
        assert mine.status_code == 200, mine.text
        assert mine.json()["width"] == 800 and len(mine.json()["strokes"]) == 1
        # the clerk gets the drawing only: x, y; never the decrypted time and pressure
        assert mine.json()["timing"] is False
        assert {len(point) for point in mine.json()["strokes"][0]} == {2}
        drawn = call.clerk.get(path, params={"format": "svg"})
        assert drawn.headers["content-type"].startswith("image/svg+xml")
        assert b"<polyline" in drawn.content and b"<script" not in drawn.content
        assert jordi.get(path).status_code == 403
        assert call.booth.get(path).status_code == 401
        assert sara.get(path).json()["error"]["code"] == "signature_reason_needed"
        disputed = sara.get(path, params={"reason": "A dispute, file 2026/17"})
        assert disputed.status_code == 200 and disputed.json()["timing"] is True
        assert {len(point) for point in disputed.json()["strokes"][0]} == {4}
        assert disputed.json()["strokes"][0][-1][2] == 16.0 * 59  # wave(): 16 ms a point
        call.kiosk.send({"type": "hang_up", "call_id": call.id})
        call.console.expect("call_ended")
        ended = call.clerk.get(path)
        assert ended.status_code == 403
        assert ended.json()["error"]["code"] == "signature_access_refused"

    with ctx.db.session() as session:
        audit = list(
            session.scalars(
                select(SignatureAccessRow)
                .where(SignatureAccessRow.request_id == asked.request_id)
                .order_by(SignatureAccessRow.id)
            )
        )
    assert [(a.reader_role, a.allowed) for a in audit] == [
        ("clerk", True),
        ("clerk", True),
        ("clerk", False),
        ("supervisor", False),
        ("supervisor", True),
        ("clerk", False),
    ]


@pytest.mark.settings(signature_key="")
def test_without_a_key_no_signature_is_asked_for(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    with live_call(ctx, clerk_browser, booth_browser) as call:
        with pytest.raises(FinestretaError) as refused:
            call.ask()
        assert refused.value.code == "signature_key_missing"
        # nothing was shown, nothing stored; reading an unknown request is still a 404
        assert not [f for f in call.kiosk.flush() if f["type"] == "signature_show"]
        with ctx.db.session() as session:
            assert session.scalars(select(SignatureRequestRow)).first() is None
        assert call.clerk.get(f"/api/signatures/{'x' * 43}").status_code == 404


@pytest.mark.settings(signature_key=KEY, signature_retention_days=30)
def test_strokes_past_their_retention_are_purged_and_the_record_stays(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask()
        assert call.post(asked.request_id, pad(asked.sha256, [wave()])).status_code == 200
    assert ctx.signatures.purge_expired() == 0
    ctx.signatures.clock = ManualClock(ctx.clock.now() + timedelta(days=31))
    assert ctx.signatures.purge_expired() == 1
    row = row_of(ctx, asked.request_id)
    assert row.paths is None and row.timing is None and row.purged_at is not None
    assert row.state == "signed" and row.document_sha256 == asked.sha256


def test_a_reloaded_booth_gets_the_pad_again_and_an_ended_call_withdraws_it(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    recorder = Recorder(fail=True)  # a failing procedure: the booth still hears "signed"
    ctx.signatures.owners = recorder
    with live_call(ctx, clerk_browser, booth_browser) as call:
        first = call.ask()
        call.kiosk.expect("signature_show", request_id=first.request_id)
        with open_socket(call.booth, "/ws/kiosk") as again:  # the page came back
            assert again.expect("signature_show")["request_id"] == first.request_id
            answer = call.post(first.request_id, pad(first.sha256, [wave()]))
            assert answer.status_code == 200 and answer.json()["state"] == "signed"
            assert len(recorder.given) == 1

            second = call.ask()
            again.expect("signature_show", request_id=second.request_id)
            again.send({"type": "hang_up", "call_id": call.id})
            call.console.expect("call_ended")
    assert row_of(ctx, second.request_id).state == "cancelled"
    assert row_of(ctx, first.request_id).state == "signed"


def test_once_the_citizen_starts_signing_the_clerk_may_only_withdraw_the_document(
    ctx: AppContext,
    clerk_browser: ClerkBrowser,
    booth_browser: BoothBrowser,
    client: TestClient,
) -> None:
    other_booth, _ = booth_browser("nou-barris")
    with live_call(ctx, clerk_browser, booth_browser) as call:
        # before the first stroke, asking again replaces the document (the citizen had not
        # started): the booth simply gets the new one
        replaced = call.ask()
        first = call.ask()
        call.kiosk.expect("signature_show", request_id=first.request_id)
        assert row_of(ctx, replaced.request_id).state == "cancelled"

        started = f"/api/booth/signatures/{first.request_id}/started"
        assert other_booth.post(started, headers=ORIGIN).status_code == 404
        assert call.clerk.post(started, headers=ORIGIN).status_code == 401
        assert client.post(started, headers=ORIGIN).status_code == 401
        assert call.booth.post(started, headers=CROSS_SITE).status_code == 403
        assert row_of(ctx, first.request_id).started_at is None

        assert call.booth.post(started, headers=ORIGIN).status_code == 200
        state = call.console.expect("signature_state", request_id=first.request_id)
        assert state["state"] == "signing"
        assert call.booth.post(started, headers=ORIGIN).status_code == 200  # once is enough
        assert not [f for f in call.console.flush() if f["type"] == "signature_state"]
        assert row_of(ctx, first.request_id).started_at is not None

        # the procedure may not swap the document under the citizen's pen
        with pytest.raises(FinestretaError) as refused:
            call.ask()
        assert refused.value.code == "signature_in_progress"
        assert row_of(ctx, first.request_id).state == "open"
        assert not [f for f in call.kiosk.flush() if f["type"] == "signature_show"]

        # the clerk withdraws it explicitly: the booth is told so, not silently wiped
        withdraw = f"/api/calls/{call.id}/signatures/{first.request_id}"
        assert call.clerk.delete(withdraw, headers=ORIGIN).status_code == 200
        frames = call.kiosk.flush()
        assert {"type": "signature_withdrawn", "request_id": first.request_id} in frames
        assert "hide_document" not in [f["type"] for f in frames]
        state = call.console.expect("signature_state", request_id=first.request_id)
        assert state["state"] == "cancelled"
        assert call.booth.post(started, headers=ORIGIN).json()["error"]["code"] == (
            "signature_request_withdrawn"
        )
        assert ctx.signatures.booth.showing(call.view) is None  # a reloaded booth gets nothing

        second = call.ask()  # and may ask again
        call.kiosk.expect("signature_show", request_id=second.request_id)
        answer = call.post(second.request_id, pad(second.sha256, [wave()]))
        assert answer.status_code == 200


class FailsOnce(Recorder):
    """A procedure whose first ``signature_given`` breaks (its database was down, say)."""

    def signature_given(self, given: SignatureGiven) -> None:
        self.given.append(given)
        if len(self.given) == 1:
            raise RuntimeError("the procedure broke, once")


def test_the_hook_is_offered_again_until_it_succeeds_and_then_never(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    flaky = FailsOnce()
    ctx.signatures.owners = flaky
    with live_call(ctx, clerk_browser, booth_browser) as call:
        failed = call.ask()
        assert call.post(failed.request_id, pad(failed.sha256, [wave()])).status_code == 200
        took = call.ask()
        assert call.post(took.request_id, pad(took.sha256, [wave()])).status_code == 200
    assert [g.request.id for g in flaky.given] == [failed.request_id, took.request_id]
    assert row_of(ctx, failed.request_id).delivered_at is None
    assert row_of(ctx, took.request_id).delivered_at is not None

    sealed_at = row_of(ctx, failed.request_id).sealed_at
    assert sealed_at is not None
    assert ctx.signatures.deliver_pending() == 0  # not while the first delivery may be running
    ctx.signatures.clock = ManualClock(sealed_at + timedelta(minutes=2))
    right = ctx.signatures._secret
    ctx.signatures._secret = "another signature key of at least 32 characters"
    assert ctx.signatures.deliver_pending() == 0  # the timing does not open: left, no crash
    assert len(flaky.given) == 2
    ctx.signatures._secret = right
    assert ctx.signatures.deliver_pending() == 1
    again = flaky.given[-1]
    assert len(flaky.given) == 3 and again.request.id == failed.request_id
    # the same as the first time: the strokes to draw and the sealed request
    assert again.request == flaky.given[0].request and again.signature == flaky.given[0].signature
    assert (again.call_id, again.procedure, again.purpose) == (call.id, "tiny", "works.notice")
    assert row_of(ctx, failed.request_id).delivered_at is not None
    # delivered: never offered again
    ctx.signatures.clock = ManualClock(sealed_at + timedelta(hours=3))
    assert ctx.signatures.deliver_pending() == 0
    assert len(flaky.given) == 3


def test_an_undelivered_request_is_offered_for_a_day_and_to_its_procedure_only(
    ctx: AppContext, clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> None:
    ctx.signatures.owners = SignatureOwners({})  # its procedure is not loaded
    with live_call(ctx, clerk_browser, booth_browser) as call:
        asked = call.ask()
        assert call.post(asked.request_id, pad(asked.sha256, [wave()])).status_code == 200
    sealed_at = row_of(ctx, asked.request_id).sealed_at
    assert sealed_at is not None and row_of(ctx, asked.request_id).delivered_at is None
    ctx.signatures.clock = ManualClock(sealed_at + timedelta(hours=1))
    assert ctx.signatures.deliver_pending() == 0  # still not loaded: offered again later
    recorder = Recorder()
    ctx.signatures.owners = recorder
    ctx.signatures.clock = ManualClock(sealed_at + timedelta(days=1, minutes=1))
    assert ctx.signatures.deliver_pending() == 0  # a day later it is left alone
    assert recorder.given == []
    ctx.signatures.clock = ManualClock(sealed_at + timedelta(hours=23))
    assert ctx.signatures.deliver_pending() == 1
    assert [g.request.id for g in recorder.given] == [asked.request_id]
