"""The information procedure's part of the booth page: its markup in the call screen (its
booth_template, beside the video), its booth module, and its texts served with the booth's in
every language."""

from __future__ import annotations

from typing import Any


def test_the_booth_page_has_its_markup_module_and_texts(booth_browser: Any) -> None:
    sants, _ = booth_browser("sants")
    page = sants.get("/kiosk").text
    call = page[page.index('id="call-body"') : page.index('class="call-controls"')]
    assert 'id="shown-entry"' in call and 'id="shown-entry-view"' in call
    assert call.index('id="shown-entry"') < call.index('class="stage"')  # beside the video
    assert "/static/procedures/information/booth.js" in page
    assert sants.get("/static/procedures/information/booth.js").status_code == 200

    texts = sants.get("/i18n/kiosk.json").json()
    kicker = "Information from the clerk:"
    assert texts["ca"][kicker] == "Informació de la persona que us atén:"
    assert texts["es"][kicker] == "Información de la persona que le atiende:"
    assert texts["en"][kicker] == kicker
