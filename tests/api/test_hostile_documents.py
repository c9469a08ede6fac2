"""Hostile uploads: a file's claimed name never decides how it is served (the detected type
does), documents are served as documents (never as a page of ours), and PDFs with active
content are refused at the door."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from tests.api.conftest import ORIGIN
from tests.api.test_documents_access import png
from tests.unit.test_pdf_active_content import HOSTILE, build


def _disposition(value: str) -> tuple[str, str, str]:
    """(inline|attachment, the ASCII filename, the decoded filename*)."""
    kind, _, rest = value.partition(";")
    params = dict(part.strip().split("=", 1) for part in rest.split(";"))
    return kind, params["filename"].strip('"'), unquote(params["filename*"].removeprefix("UTF-8''"))


def test_stored_names_come_from_the_detected_type(
    live_call: dict[str, Any],
) -> None:
    anna, call_id = live_call["clerk"], live_call["id"]
    url = f"/api/calls/{call_id}/documents"

    # a PNG sent as evil.html, with no title: the name's last part, its type's extension
    made = anna.post(url, files={"file": ("../../evil.html", png(), "text/html")}, headers=ORIGIN)
    assert made.status_code == 200, made.text
    assert made.json()["title"] == "evil"
    served = anna.get(made.json()["url"])
    assert served.headers["content-type"] == "image/png"
    assert _disposition(served.headers["content-disposition"]) == (
        "inline",
        "evil.png",
        "evil.png",
    )
    # a document is never a page of ours: sandboxed, nothing loads, never framed elsewhere
    policy = served.headers["content-security-policy"]
    assert policy.startswith("sandbox;")
    assert "default-src 'none'" in policy
    assert served.headers["x-content-type-options"] == "nosniff"

    # a title with quotes, control and bidirectional characters and a non-ASCII name
    title = 'Volant de residència "x"\r\n\u202egnp.exe.html'
    made = anna.post(
        url,
        files={"file": ("x.png", png(), "image/png")},
        data={"title": title},
        headers=ORIGIN,
    )
    assert made.status_code == 200, made.text
    assert "\r" not in made.json()["title"] and "\u202e" not in made.json()["title"]
    kind, ascii_name, name = _disposition(
        anna.get(made.json()["url"]).headers["content-disposition"]
    )
    assert kind == "inline"
    assert name == "Volant de residència x gnp.exe.png"
    assert ascii_name == "Volant de resid_ncia x gnp.exe.png"


def test_pdfs_with_active_content_are_refused(
    live_call: dict[str, Any],
) -> None:
    anna, call_id = live_call["clerk"], live_call["id"]
    url = f"/api/calls/{call_id}/documents"
    hostile = build(**HOSTILE["open_action_js"])  # type: ignore[arg-type]
    refused = anna.post(url, files={"file": ("a.pdf", hostile, "application/pdf")}, headers=ORIGIN)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "active_content"
    listed = anna.get(f"/api/calls/{call_id}/documents").json()
    assert listed["documents"] == []
    plain = anna.post(url, files={"file": ("a.pdf", build(), "application/pdf")}, headers=ORIGIN)
    assert plain.status_code == 200, plain.text
    served = anna.get(plain.json()["url"])
    assert _disposition(served.headers["content-disposition"])[:2] == ("inline", "a.pdf")
