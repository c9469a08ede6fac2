"""Filing a complaint during a call (SQLite and PostgreSQL): the case, its incoming registry
entry with the attachments' hashes and the attachments in one transaction, the receipt with
the case code printed at the booth and the code shown there; bad input refused with a clear
error and nothing stored; only the clerk of the call may file."""

from __future__ import annotations

import io
import math
import time
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from finestreta.accounts import service as accounts
from finestreta.accounts.models import StaffUser
from finestreta.db import utcnow
from finestreta.devices.records import DeviceJobRow
from finestreta.documents.records import DocumentRow
from finestreta.procedures.complaints.casework_records import CaseAttachmentRow
from finestreta.procedures.complaints.records import CaseRow
from finestreta.procedures.records import ProcedureStepRow
from finestreta.registry.records import RegistryEntry
from finestreta.registry.service import entries_of_call
from finestreta.signatures.records import SignatureRequestRow
from finestreta.streets.synthetic import seed_demo
from tests.api.conftest import ORIGIN, PUBLIC_URL, open_socket

pytestmark = pytest.mark.settings(signature_key="a test signature key of at least 32 characters")


def png(colour: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def call(ctx: Any, live_call: dict[str, Any]) -> dict[str, Any]:
    """A live call, the demo streets, and a scan made at the booth during it."""
    with ctx.db.session() as session:
        seed_demo(session)
    view = ctx.hub.get(live_call["id"])
    scan = ctx.devices.attach(view, png(), kind="scan", title="Scan 10:31", by="kiosk:1")
    return {**live_call, "scan": scan.id, "scan_sha": scan.sha256}


def body(**changes: Any) -> dict[str, Any]:
    return {
        "case_type": "incident",
        "theme": "lighting",
        "description": "The street lamp in front of number 401 has been off for a week.",
        "street_code": "D001",
        "street_number": "401",
        "contact": {"name": "Núria Puig", "email": "nuria.puig@example.cat", "phone": ""},
        "language": "es",
        **changes,
    }


def wave(points: int = 60) -> list[list[float]]:
    return [[60 + i * 6, 120 + 40 * math.sin(i * 0.3), 16.0 * i, 0.5] for i in range(points)]


def file(call: dict[str, Any], **changes: Any) -> Any:
    """As the panel does: an anonymous case is filed at once; one with a contact is signed at
    the booth first (its pad posted by the booth), then read back as filed."""
    sent = body(**changes)
    base = f"/api/calls/{call['id']}/complaints"
    if sent.get("anonymous"):
        return call["clerk"].post(f"{base}/file", json=sent, headers=ORIGIN)
    asked = call["clerk"].post(f"{base}/sign", json=sent, headers=ORIGIN)
    if asked.status_code != 200:
        return asked
    request_id, sha = asked.json()["request_id"], asked.json()["sha256"]
    call["signed"] = asked.json()
    pad = {"document_sha256": sha, "width": 800, "height": 300, "strokes": [wave()]}
    signed = call["booth"].post(f"/api/booth/signatures/{request_id}", json=pad, headers=ORIGIN)
    assert signed.status_code == 200, signed.text
    return call["clerk"].get(f"{base}/signed/{request_id}")


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def signed_copy(ctx: Any, filed: dict[str, Any]) -> tuple[DocumentRow, str]:
    """The signed copy filed with the case, and its text (lines joined: a hash may wrap)."""
    with ctx.db.session() as session:
        row = session.get(DocumentRow, filed["signed_copy"]["document_id"])
        assert row is not None and row.kind == "complaint_signed"
        session.expunge(row)
    return row, pdf_text(ctx.documents.content(row)).replace("\n", "")


def stored(ctx: Any) -> tuple[int, int]:
    with ctx.db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(CaseRow)) or 0,
            session.scalar(select(func.count()).select_from(RegistryEntry)) or 0,
        )


def test_a_complaint_is_filed_registered_and_its_receipt_printed(call: Any, ctx: Any) -> None:
    call["kiosk"].flush()
    answer = file(call, attachments=[call["scan"]])
    assert answer.status_code == 200, answer.text
    filed = answer.json()
    code = filed["code"]
    assert filed["track_url"] == f"{PUBLIC_URL}/track/{code}"
    with ctx.db.session() as session:
        [entry] = entries_of_call(session, call["id"])
        assert entry.direction == "in" and entry.code == filed["registry_code"]
        assert entry.party_name == "Núria Puig" and entry.party_id_type == "none"
        # the registry book is in the city's language (Catalan), not the citizen's (Spanish)
        assert entry.destination_unit == "Enllumenat públic"
        assert entry.subject == "Incidència: Enllumenat públic"
        # the signed copy first, then the form the citizen was shown (the hash the signature
        # seals), then the scan
        form_sha = call["signed"]["sha256"]
        copy_sha = filed["signed_copy"]["sha256"]
        assert copy_sha != form_sha
        assert [d["sha256"] for d in entry.documents] == [copy_sha, form_sha, call["scan_sha"]]
        case = session.scalar(select(CaseRow))
        assert case is not None and case.registry_code == entry.code
        assert (case.language, case.unit, case.call_id) == ("es", "lighting", call["id"])
        copy, form, attached = session.scalars(
            select(CaseAttachmentRow).order_by(CaseAttachmentRow.position)
        ).all()
        assert (copy.document_id, copy.sha256) == (filed["signed_copy"]["document_id"], copy_sha)
        assert (form.document_id, form.sha256) == (call["signed"]["document_id"], form_sha)
        assert (attached.document_id, attached.sha256) == (call["scan"], call["scan_sha"])
        signature = session.get(SignatureRequestRow, call["signed"]["request_id"])
        assert signature is not None and signature.state == "signed"
        assert signature.document_sha256 == form_sha
        receipt = session.get(DocumentRow, filed["receipt"]["document_id"])
        assert receipt is not None and receipt.kind == "receipt"
        job = session.get(DeviceJobRow, filed["job_id"])
        assert job is not None and job.kind == "print" and job.document_id == receipt.id
        # the signed copy is printed with the receipt
        copy_job = session.get(DeviceJobRow, filed["signed_copy_job_id"])
        assert copy_job is not None and copy_job.kind == "print"
        assert copy_job.document_id == filed["signed_copy"]["document_id"]
        steps = session.scalars(
            select(ProcedureStepRow).where(ProcedureStepRow.procedure == "complaints")
        ).all()
        assert [(s.step, s.detail["attachments"]) for s in steps] == [("filed", 1)]
        assert "nuria" not in str(steps[0].detail).lower()  # no personal data in steps
        content = ctx.documents.content(receipt)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert code in text and f"/track/{code}" in text.replace("\n", "")
    assert call["scan_sha"] in text.replace("\n", "")
    assert "Código del caso" in text  # in the citizen's language
    # the form the citizen signed: what they submitted, in their language
    with ctx.db.session() as session:
        form_row = session.get(DocumentRow, call["signed"]["document_id"])
        assert form_row is not None and form_row.kind == "signature_draft"
        signed_form = ctx.documents.content(form_row)
    form_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(signed_form)).pages)
    assert "Formulario de queja" in form_text and "nuria.puig@example.cat" in form_text
    assert "has been off for a week" in form_text.replace("\n", " ")
    assert "Firmado por" in form_text and "Núria Puig" in form_text  # the empty signature box
    assert form_sha not in form_text.replace("\n", "")
    # the signed copy: the same form, signed by her, stating the hash of the form she signed
    _, copy_text = signed_copy(ctx, filed)
    assert "Formulario de queja" in copy_text and "nuria.puig@example.cat" in copy_text
    assert "Firmado por" in copy_text and "Núria Puig" in copy_text
    assert f"SHA-256 del documento firmado: {form_sha}" in copy_text
    assert call["scan_sha"] in copy_text
    # the booth shows the code and where to follow it
    shown = call["kiosk"].expect("complaints_filed")
    assert shown == {"type": "complaints_filed", "code": code, "url": filed["track_url"]}
    # through the screen's memory: a reloaded booth page shows it again
    with open_socket(call["booth"], "/ws/kiosk") as again:
        assert again.expect("complaints_filed") == shown


def test_the_attachments_outlive_the_scans_retention(call: Any, ctx: Any) -> None:
    assert file(call, attachments=[call["scan"]]).status_code == 200
    other = ctx.devices.attach(
        ctx.hub.get(call["id"]), png("black"), kind="scan", title="Other", by="kiosk:1"
    )
    with ctx.db.session() as session:
        ctx.documents.purge(session, now=utcnow() + timedelta(days=10_000))
    with ctx.db.session() as session:
        kept = session.get(DocumentRow, call["scan"])
        gone = session.get(DocumentRow, other.id)
        assert kept is not None and kept.deleted_at is None
        assert gone is not None and gone.deleted_at is not None


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"description": "x" * 5_000}, 400, "case_text_too_long"),
        ({"description": "   "}, 400, "case_text_missing"),
        ({"street_number": "9999"}, 400, "case_unknown_address"),
        ({"street_number": "99999"}, 400, "invalid_street_number"),
        ({"street_code": "NOPE", "street_number": "1"}, 400, "case_unknown_address"),
        ({"street_code": None, "street_number": None, "place": ""}, 400, "case_location_missing"),
        (
            {"case_type": "complaint", "anonymous": True, "contact": None},
            400,
            "case_contact_needed",
        ),
        ({"contact": {"email": "not-an-address"}}, 400, "case_bad_email"),
        ({"contact": {"name": "Núria"}}, 400, "case_contact_needed"),
        ({"case_type": "gossip"}, 400, "case_unknown_type"),
        ({"attachments": ["0" * 32]}, 404, "case_attachment_not_of_call"),
        ({"language": "fr"}, 422, "invalid"),
        ({"anonymous": True}, 422, "invalid"),  # anonymous with a contact
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    call: Any, ctx: Any, changes: dict[str, Any], status: int, code: str
) -> None:
    answer = file(call, **changes)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    assert stored(ctx) == (0, 0)


def test_an_anonymous_incident_and_a_described_place(call: Any, ctx: Any) -> None:
    answer = file(
        call,
        anonymous=True,
        contact=None,
        street_code=None,
        street_number=None,
        place="The bench by the fountain in Plaça del Sol",
    )
    assert answer.status_code == 200, answer.text
    with ctx.db.session() as session:
        case = session.scalar(select(CaseRow))
        entry = session.scalar(select(RegistryEntry))
        assert case is not None and case.anonymous and case.place is not None
        assert entry is not None and entry.party_name == "Anònim"


def test_a_document_of_another_call_is_not_attached(
    call: Any, ctx: Any, clerk_browser: Any, booth_browser: Any
) -> None:
    with ctx.db.session() as session:
        ctx.documents.add(session, png("red"), kind="scan", title="Elsewhere", created_by="t")
        foreign = session.scalar(select(DocumentRow.id).where(DocumentRow.title == "Elsewhere"))
    answer = file(call, attachments=[foreign])
    assert answer.json()["error"]["code"] == "case_attachment_not_of_call"
    assert stored(ctx) == (0, 0)


def test_only_the_clerk_of_the_call_files(call: Any, clerk_browser: Any) -> None:
    other, _ = clerk_browser("bernat")
    path = f"/api/calls/{call['id']}/complaints/file"
    assert other.post(path, json=body(), headers=ORIGIN).status_code == 404
    cross = {"Origin": "https://evil.example"}
    assert call["clerk"].post(path, json=body(), headers=cross).status_code == 403
    assert other.get(f"/api/calls/{call['id']}/complaints/form").status_code == 404


def test_the_panel_gets_its_form_streets_and_addresses(call: Any) -> None:
    clerk, base = call["clerk"], f"/api/calls/{call['id']}/complaints"
    form = clerk.get(f"{base}/form?lang=es").json()
    anonymous = {t["code"]: t["anonymous_allowed"] for t in form["types"]}
    assert anonymous["complaint"] is False and anonymous["incident"] is True
    assert [s["document_id"] for s in form["scans"]] == [call["scan"]]
    assert form["max_description"] == 4000
    streets = clerk.get(f"{base}/streets?q=mallorca").json()["streets"]
    assert any(s["code"] == "D001" for s in streets)
    assert clerk.get(f"{base}/address?street=D001&number=401").json()["ok"]
    missing = clerk.get(f"{base}/address?street=D001&number=9999")
    assert missing.json()["error"]["code"] == "case_unknown_address"


def test_a_call_ended_before_the_print_still_gives_the_code(
    call: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The citizen hangs up between the commit and the print: the case is filed once, and the
    clerk gets its code with a warning, not an error that would invite filing it again."""
    printing = ctx.devices.request_print

    def hang_up_first(*args: Any) -> Any:
        call["kiosk"].send({"type": "hang_up", "call_id": call["id"]})
        deadline = time.monotonic() + 5
        while ctx.hub.get(call["id"]).active and time.monotonic() < deadline:
            time.sleep(0.02)
        return printing(*args)  # raises call_ended

    monkeypatch.setattr(ctx.devices, "request_print", hang_up_first)
    answer = file(call, anonymous=True, contact=None)
    assert answer.status_code == 200, answer.text
    filed = answer.json()
    assert filed["job_id"] is None and filed["warnings"] == ["receipt_not_printed"]
    assert filed["receipt"] is not None and filed["code"]
    assert stored(ctx) == (1, 1)
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(DeviceJobRow)) == 0


def test_a_signed_case_whose_call_ended_before_the_print_is_still_found(
    call: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filed in the signature's hook, the case is found by its signed form after the hang-up
    (the call's memory is gone with the call)."""
    printing = ctx.devices.request_print

    def hang_up_first(*args: Any) -> Any:
        call["kiosk"].send({"type": "hang_up", "call_id": call["id"]})
        deadline = time.monotonic() + 5
        while ctx.hub.get(call["id"]).active and time.monotonic() < deadline:
            time.sleep(0.02)
        return printing(*args)

    monkeypatch.setattr(ctx.devices, "request_print", hang_up_first)
    answer = file(call)
    assert answer.status_code == 200, answer.text
    filed = answer.json()
    assert filed["job_id"] is None and filed["code"] and filed["registry_number"]
    assert stored(ctx) == (1, 1)


def test_a_case_with_a_contact_is_not_filed_unsigned(call: Any, ctx: Any) -> None:
    base = f"/api/calls/{call['id']}/complaints"
    refused = call["clerk"].post(f"{base}/file", json=body(), headers=ORIGIN)
    assert refused.json()["error"]["code"] == "case_signature_needed"
    asked = call["clerk"].post(f"{base}/sign", json=body(), headers=ORIGIN)
    assert asked.status_code == 200
    not_yet = call["clerk"].get(f"{base}/signed/{asked.json()['request_id']}")
    assert not_yet.json()["error"]["code"] == "case_signature_unknown"
    assert stored(ctx) == (0, 0)  # nothing filed until the citizen signs


def test_oral_consent_files_the_case_too(call: Any, ctx: Any) -> None:
    # Oral consent is recorded before a habilitated official (Ley 39/2015 art. 12.3), where the
    # platform keeps that register; anna, the clerk of the call, is made one.
    with ctx.db.session() as session:
        accounts.set_habilitated(session, "anna", True)
    base = f"/api/calls/{call['id']}/complaints"
    asked = call["clerk"].post(f"{base}/sign", json=body(), headers=ORIGIN).json()
    consent = call["clerk"].post(
        f"/api/calls/{call['id']}/signatures/{asked['request_id']}/oral-consent",
        json={"reason": "Cannot hold a pen"},
        headers=ORIGIN,
    )
    assert consent.status_code == 200, consent.text
    filed = call["clerk"].get(f"{base}/signed/{asked['request_id']}")
    assert filed.status_code == 200 and filed.json()["code"]
    assert stored(ctx) == (1, 1)
    # the signed copy records the oral consent: before whom, why, and the hash consented to
    with ctx.db.session() as session:
        anna = session.scalar(select(StaffUser).where(StaffUser.username == "anna"))
        assert anna is not None
        official = anna.display_name
        [entry] = entries_of_call(session, call["id"])
    copy, text = signed_copy(ctx, filed.json())
    assert "consentimiento oral ante" in text and official in text
    assert "Motivo: Cannot hold a pen" in text and "Núria Puig" in text
    assert f"SHA-256 del documento firmado: {asked['sha256']}" in text
    # both hashes in the registry entry: the signed copy and the form shown
    assert [d["sha256"] for d in entry.documents] == [copy.sha256, asked["sha256"]]


def test_a_withdrawn_form_files_nothing(call: Any, ctx: Any) -> None:
    base = f"/api/calls/{call['id']}/complaints"
    asked = call["clerk"].post(f"{base}/sign", json=body(), headers=ORIGIN).json()
    withdrawn = call["clerk"].delete(
        f"/api/calls/{call['id']}/signatures/{asked['request_id']}", headers=ORIGIN
    )
    assert withdrawn.status_code == 200, withdrawn.text
    late = call["booth"].post(
        f"/api/booth/signatures/{asked['request_id']}",
        json={"document_sha256": asked["sha256"], "width": 800, "height": 300, "strokes": [wave()]},
        headers=ORIGIN,
    )
    assert late.status_code >= 400  # too late to sign it
    assert call["clerk"].get(f"{base}/signed/{asked['request_id']}").status_code == 404
    assert stored(ctx) == (0, 0)


def test_a_signature_offered_again_files_the_case_once(call: Any, ctx: Any) -> None:
    """The platform delivers signature_given at least once: a second delivery (the memory of a
    crash between the filing and forgetting it) makes no second case."""
    answer = file(call)
    assert answer.status_code == 200, answer.text
    desk = ctx.procedure("complaints").desk
    signing = call["signed"]
    kept = {"request_id": signing["request_id"], "form": signing["document_id"]}
    ctx.memory.put(call["id"], "complaints", "signing", {**kept, "clerk_id": 1, "filing": {}})
    request = ctx.signatures.request(signing["request_id"])
    assert request is not None
    assert desk.signed(call["id"], request) is None
    assert stored(ctx) == (1, 1)
    with ctx.db.session() as session:
        kinds = session.scalars(select(DocumentRow.kind)).all()
    assert kinds.count("complaint_signed") == 1  # one signed copy too
