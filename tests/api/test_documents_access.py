"""Documents of an attention: who may upload, read, print and show them; bad uploads are
refused by content and leave nothing behind."""

from __future__ import annotations

import io

import httpx2
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from finestreta.context import AppContext
from finestreta.documents.records import DocumentRow
from tests.api.conftest import ORIGIN, BoothBrowser, ClerkBrowser, open_socket, start_call


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, "PNG")
    return buffer.getvalue()


def upload(
    client: TestClient, call_id: str, content: bytes, name: str = "doc.png"
) -> httpx2.Response:
    return client.post(
        f"/api/calls/{call_id}/documents",
        files={"file": (name, content, "application/octet-stream")},
        data={"title": name},
        headers=ORIGIN,
    )


def test_documents_stay_with_their_attention(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, ctx: AppContext
) -> None:
    anna, _ = clerk_browser("anna")
    jordi, _ = clerk_browser("jordi")
    sants, _ = booth_browser("sants")
    other_booth, _ = booth_browser("nou-barris")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, call, _ = start_call(console, kiosk)
        call_id = call["call_id"]

        made = upload(anna, call_id, png())
        assert made.status_code == 200, made.text
        document_id = made.json()["document_id"]
        assert anna.get(f"/api/documents/{document_id}").content == png()

        # another clerk, a booth and anonymous visitors cannot read it
        assert jordi.get(f"/api/documents/{document_id}").status_code == 404
        assert sants.get(f"/api/documents/{document_id}").status_code == 401
        # nor act on a call that is not theirs
        assert upload(jordi, call_id, png()).status_code == 404
        assert (
            jordi.post(
                f"/api/calls/{call_id}/print", json={"document_id": document_id}, headers=ORIGIN
            ).status_code
            == 404
        )

        # the booth sees it only while the clerk shows it, and no other booth ever
        assert sants.get(f"/api/kiosk/documents/{document_id}").status_code == 404
        shown = anna.post(
            f"/api/calls/{call_id}/show", json={"document_id": document_id}, headers=ORIGIN
        )
        assert shown.status_code == 200
        kiosk.expect("show_document", document_id=document_id)
        assert sants.get(f"/api/kiosk/documents/{document_id}").content == png()
        assert other_booth.get(f"/api/kiosk/documents/{document_id}").status_code == 404
        # agents authenticate with the booth secret; a document never sent to print is not theirs
        assert other_booth.get(f"/api/agent/documents/{document_id}").status_code == 401

        # bad uploads: refused by content, nothing stored
        with ctx.db.session() as session:
            before = session.scalar(select(func.count()).select_from(DocumentRow))
        refused = upload(anna, call_id, b"MZ this is an executable", "volant.pdf")
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "unsupported_type"
        with ctx.db.session() as session:
            assert session.scalar(select(func.count()).select_from(DocumentRow)) == before

        # hang-up clears the booth screen
        kiosk.send({"type": "hang_up", "call_id": call_id})
        kiosk.expect("hide_document")
        assert sants.get(f"/api/kiosk/documents/{document_id}").status_code == 404


def test_a_file_missing_on_this_server_is_a_clear_503_not_a_crash(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser, ctx: AppContext
) -> None:
    """Several nodes with storage directories that are not shared (or a disk gone): the row
    exists, the file is not here; the clerk gets a clear answer, and the row is kept."""
    anna, _ = clerk_browser("anna")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, call, _ = start_call(console, kiosk)
        made = upload(anna, call["call_id"], png())
        document_id = made.json()["document_id"]
        with ctx.db.session() as session:
            sha256 = session.get(DocumentRow, document_id).sha256  # type: ignore[union-attr]
        ctx.documents.blobs.path(sha256).unlink()
        answer = anna.get(f"/api/documents/{document_id}")
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "document_file_missing"
        assert "Traceback" not in answer.text
        with ctx.db.session() as session:
            assert session.get(DocumentRow, document_id) is not None
