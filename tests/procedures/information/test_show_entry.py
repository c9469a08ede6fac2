"""A catalogue entry on the booth screen during a call (``POST …/catalogue/{slug}/show``): only
by the clerk of the call, only an entry the catalogue has, one thing on screen at a time (kept
in the call memory, so a booth page that comes back gets it again), and nothing left once the
clerk hides it or the call ends."""

from __future__ import annotations

from typing import Any

from finestreta.catalogue import seed_demo
from finestreta.devices.screen import KEY, OWNER
from tests.api.conftest import ORIGIN, open_socket, start_call
from tests.api.test_documents_access import png, upload

ENTRY = "volant-padro-individual"


def test_show_entry(clerk_browser, booth_browser, ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.db.session() as session:
        assert seed_demo(session).ok
    anna, _ = clerk_browser("anna")
    jordi, _ = clerk_browser("jordi")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, started, _ = start_call(console, kiosk)
        call_id = started["call_id"]

        def show(clerk: Any, slug: str, call: str = call_id) -> Any:
            return clerk.post(f"/api/calls/{call}/catalogue/{slug}/show", headers=ORIGIN)

        def shown() -> Any:
            return ctx.memory.get(call_id, OWNER, KEY)

        # not this clerk's call, or no such call
        for clerk, call in ((jordi, call_id), (anna, "no-such-call")):
            refused = show(clerk, ENTRY, call)
            assert (refused.status_code, refused.json()["error"]["code"]) == (404, "no_call")

        # not in the catalogue: 404; not even a slug: refused before the catalogue is asked
        missing = show(anna, "no-such-entry")
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, "no_entry")
        for slug in ("Volant", "a" * 81, "a--b", "%2E%2E"):
            assert show(anna, slug).status_code in (404, 422), slug
        assert shown() is None

        # shown: the booth gets the slug and fetches the entry itself
        assert show(anna, ENTRY).status_code == 200
        kiosk.expect("show_entry", slug=ENTRY)
        assert shown() == {"type": "show_entry", "slug": ENTRY}
        assert sants.get(f"/api/catalogue/{ENTRY}", params={"lang": "es"}).status_code == 200

        # the booth page comes back: it gets the entry again
        kiosk.ws.close()
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        kiosk.expect("show_entry", slug=ENTRY)
        console.flush()

        # a document replaces it, and an entry replaces a document (whose URL then closes)
        document_id = upload(anna, call_id, png()).json()["document_id"]
        replaced = anna.post(
            f"/api/calls/{call_id}/show", json={"document_id": document_id}, headers=ORIGIN
        )
        assert replaced.status_code == 200
        kiosk.expect("show_document", document_id=document_id)
        assert shown()["type"] == "show_document"
        assert sants.get(f"/api/kiosk/documents/{document_id}").status_code == 200
        assert show(anna, ENTRY).status_code == 200
        kiosk.expect("show_entry", slug=ENTRY)
        assert sants.get(f"/api/kiosk/documents/{document_id}").status_code == 404

        # the clerk hides it
        hidden = anna.post(f"/api/calls/{call_id}/show", json={"document_id": None}, headers=ORIGIN)
        assert hidden.status_code == 200
        kiosk.expect("hide_document")
        assert shown() is None

        # the end of the call clears the screen
        assert show(anna, ENTRY).status_code == 200
        kiosk.expect("show_entry", slug=ENTRY)
        kiosk.send({"type": "hang_up", "call_id": call_id})
        kiosk.expect("hide_document")
        console.expect("call_ended")
        console.flush()
        assert shown() is None

        # and an ended call shows nothing more
        ended = show(anna, ENTRY)
        assert (ended.status_code, ended.json()["error"]["code"]) == (409, "call_ended")
