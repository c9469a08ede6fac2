"""``DeviceDesk.show_entry``: a catalogue entry on the booth screen during a call — only by the
clerk of the call, only an entry the catalogue has, one thing on screen at a time, and nothing
left once the clerk hides it or the call ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from finestreta.catalogue import seed_demo
from finestreta.catalogue.service import catalogue_of
from finestreta.context import AppContext
from finestreta.realtime.device_desk import DeskError
from tests.api.conftest import ORIGIN, open_socket, start_call
from tests.api.test_documents_access import png, upload

ENTRY = "volant-padro-individual"


def on_loop(client: Any, action: Callable[[], Any]) -> Any:
    """Run a desk command on the app's event loop, as its HTTP endpoints and the hub do."""
    return client.portal.call(action)


def known(ctx: AppContext) -> Callable[[str], bool]:
    catalogue = catalogue_of(ctx)
    return lambda slug: catalogue.entry(slug) is not None


def test_show_entry(clerk_browser, booth_browser, ctx, client) -> None:  # type: ignore[no-untyped-def]
    with ctx.db.session() as session:
        assert seed_demo(session).ok
    anna, anna_id = clerk_browser("anna")
    _, jordi_id = clerk_browser("jordi")
    sants, _ = booth_browser("sants")
    desk = ctx.devices
    exists = known(ctx)
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, started, _ = start_call(console, kiosk)
        call_id = started["call_id"]

        def show(clerk: int, slug: str, check: Callable[[str], bool] = exists) -> None:
            on_loop(client, lambda: desk.show_entry(clerk, call_id, slug, exists=check))

        # not this clerk's call, or no such call
        for clerk, call in ((jordi_id, call_id), (anna_id, "no-such-call")):
            with pytest.raises(DeskError) as refused:
                on_loop(client, lambda c=clerk, i=call: desk.show_entry(c, i, ENTRY, exists=exists))
            assert (refused.value.status, refused.value.code) == (404, "no_call")

        # not in the catalogue; not even a slug (the catalogue is not asked then)
        asked: list[str] = []

        def spy(slug: str) -> bool:
            asked.append(slug)
            return exists(slug)

        for slug in ("no-such-entry", "../etc", "Volant", "a" * 81, ""):
            with pytest.raises(DeskError) as refused:
                show(anna_id, slug, spy)
            assert (refused.value.status, refused.value.code) == (404, "no_entry")
        assert asked == ["no-such-entry"]
        assert desk.shown_entries == {}

        # shown: the booth gets the slug and fetches the entry itself
        show(anna_id, ENTRY)
        kiosk.expect("show_entry", slug=ENTRY)
        assert set(desk.shown_entries.values()) == {ENTRY}
        assert sants.get(f"/api/catalogue/{ENTRY}", params={"lang": "es"}).status_code == 200

        # a document replaces it, and an entry replaces a document (whose URL then closes)
        document_id = upload(anna, call_id, png()).json()["document_id"]
        shown = anna.post(
            f"/api/calls/{call_id}/show", json={"document_id": document_id}, headers=ORIGIN
        )
        assert shown.status_code == 200
        kiosk.expect("show_document", document_id=document_id)
        assert desk.shown_entries == {}
        show(anna_id, ENTRY)
        kiosk.expect("show_entry", slug=ENTRY)
        assert sants.get(f"/api/kiosk/documents/{document_id}").status_code == 404

        # the clerk hides it
        hidden = anna.post(f"/api/calls/{call_id}/show", json={"document_id": None}, headers=ORIGIN)
        assert hidden.status_code == 200
        kiosk.expect("hide_document")
        assert desk.shown_entries == {}

        # the end of the call clears the screen
        show(anna_id, ENTRY)
        kiosk.expect("show_entry", slug=ENTRY)
        kiosk.send({"type": "hang_up", "call_id": call_id})
        kiosk.expect("hide_document")
        assert desk.shown_entries == {}

        # and an ended call shows nothing more
        with pytest.raises(DeskError) as refused:
            show(anna_id, ENTRY)
        assert (refused.value.status, refused.value.code) == (409, "call_ended")
