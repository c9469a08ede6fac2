"""The works notice during a call over HTTP: the questionnaire (answers that do not fit refused),
the address against the street register, bad input refused with its code and nothing kept, the
signature asked, and once given the incoming registry entry with the signed draft's hash, the
sealed notice valid at /verify and its receipt, both printed at the booth; outside the scope the
information sheet of the procedure that applies instead. Only the clerk of the call may ask."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from finestreta.catalogue import seed_demo as seed_catalogue
from finestreta.devices.records import DeviceJobRow
from finestreta.devices.screen import KEY as SHOWN
from finestreta.devices.screen import OWNER as SCREEN
from finestreta.documents.issued import IssuedDocument
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import init_seal
from finestreta.registry.records import RegistryEntry
from finestreta.registry.service import attached_documents, entries_of_call
from finestreta.signatures.access import accesses
from finestreta.streets.synthetic import cadastral_reference, seed_demo
from tests.api.conftest import ORIGIN, open_socket, start_call
from tests.procedures.works.signing import KEY, consent_orally, sign_at_booth

pytestmark = pytest.mark.settings(signature_key=KEY)

MARTA = "11111111H"
MALLORCA = "D001"  # Carrer de Mallorca (Eixample): 399, 401, 403
GRACIA = "D008"  # Passeig de Gràcia: 92 is catalogued (Casa Milà)
FLAT_REFERENCE = "0758218DF3805H0012"  # Mallorca 401, 3r 2a (the check letters are added)
INTERIOR = {"kind": "interior", "structure": "none", "catalogued": "no",
            "several_dwellings": "no", "facade": "no", "layout": "no"}  # fmt: skip


@pytest.fixture
def call(ctx: Any, tmp_path: Path, live_call: dict[str, Any]) -> dict[str, Any]:
    """A live call, the demo streets and catalogue, and the city's seal."""
    with ctx.db.session() as session:
        assert seed_demo(session).ok
        assert seed_catalogue(session).ok
    seal = tmp_path / "seal.p12"
    init_seal(seal, "seal password", "Barcelona")
    object.__setattr__(ctx.settings, "seal_pkcs12", str(seal))
    object.__setattr__(ctx.settings, "seal_password", SecretStr("seal password"))
    return live_call


def post(call: Any, step: str, **body: Any) -> Any:
    return call["clerk"].post(f"/api/calls/{call['id']}/works/{step}", json=body, headers=ORIGIN)


def decide(call: Any, answers: dict[str, str], lang: str = "ca") -> dict[str, Any]:
    answer = post(call, "decide", answers=answers, lang=lang)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def identify(call: Any) -> None:
    answer = post(
        call, "identify", id_type="dni", number=MARTA, method="id_on_camera",
        name="Marta Soler Puig",
    )  # fmt: skip
    assert answer.status_code == 200, answer.text


def notice(ctx: Any, **change: Any) -> dict[str, Any]:
    start = ctx.procedure("works").desk.today() + timedelta(days=1)
    body = {
        "street_code": MALLORCA,
        "number": "401",
        "floor": "3r",
        "door": "2a",
        "description": "Canviar el paviment de la cuina i pintar el pis.",
        "start": start.isoformat(),
        "duration_days": 10,
        "lang": "ca",
    }
    return {**body, **change}


def refused(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code


# ------------------------------------------------------------------ the questionnaire


def test_the_questionnaire_decides_as_it_is_answered(call) -> None:  # type: ignore[no-untyped-def]
    first = decide(call, {})
    assert first["next"] == "kind" and first["decision"] is None
    assert [q["id"] for q in first["questions"]][:2] == ["kind", "structure"]
    middle = decide(call, {"kind": "interior", "structure": "none"})
    assert middle["next"] == "catalogued" and middle["decision"] is None
    done = decide(call, INTERIOR)
    assert done["next"] is None
    assert done["decision"]["within_scope"] and done["decision"]["code"] == "interior_notice"
    out = decide(call, {"kind": "interior", "structure": "partial"}, lang="es")
    assert out["decision"] == {
        "within_scope": False,
        "code": "partial_structure",
        "message": out["decision"]["message"],
        "instead": "deferred_communication",
        "sheet": "comunicat-diferit-obres",
    }
    assert out["decision"]["message"].startswith("Comunicado diferido")


def test_the_booth_follows_the_questionnaire_in_the_citizens_language(  # type: ignore[no-untyped-def]
    ctx, clerk_browser, booth_browser
) -> None:
    anna, _ = clerk_browser("anna")
    sants, _ = booth_browser("sants")

    def shown() -> Any:
        return ctx.memory.get(live["id"], SCREEN, SHOWN)

    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, started, _ = start_call(console, kiosk, language="en")  # the citizen asked in English
        live = {"clerk": anna, "id": started["call_id"]}
        decide(live, {"kind": "interior"}, lang="ca")  # the console reads it in Catalan
        frame = kiosk.expect("works_questionnaire")
        assert frame["lang"] == "en"
        assert frame["answered"] == [
            {"question": "What are the works about?",
             "answer": "Inside a dwelling, premises or building"}
        ]  # fmt: skip
        assert frame["current"].startswith("Do the works touch the structure")
        assert (frame["within_scope"], frame["decision"], frame["instead"]) == (None, None, None)
        assert shown() == frame

        decide(live, {"kind": "garden", "fells_trees": "yes"}, lang="es")
        out = kiosk.expect("works_questionnaire")
        assert [a["answer"] for a in out["answered"]] == [
            "Cleaning or tidying a garden or plot",
            "Yes",
        ]
        assert out["current"] is None and out["within_scope"] is False
        assert out["instead"] == "Deferred communication of works with a technical report"
        assert out["decision"] == (
            "These works need another procedure: Deferred communication of works with a "
            "technical report. Its information sheet can be printed here."
        )
        assert out["reason"].startswith("Felling trees is not covered by a notice")

        decide(live, INTERIOR)
        within = kiosk.expect("works_questionnaire")
        assert within["within_scope"] is True and len(within["answered"]) == len(INTERIOR)
        assert within["decision"] == "A works notice is enough: you will sign it here."
        kiosk.ws.close()
    # the booth page comes back during the call: it shows the questionnaire again
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        assert kiosk.expect("works_questionnaire")["decision"] == within["decision"]
        console.flush()


@pytest.mark.parametrize(
    "answers",
    [
        {"structure": "none"},  # no kind
        {"kind": "garden", "structure": "none"},  # not asked for a garden
        {"kind": "interior", "structure": "partial", "catalogued": "no"},  # after the end
        {"kind": "interior", "structure": "maybe"},  # not an option
        {"kind": "interior", "colour": "red"},  # not a question
    ],
)
def test_answers_that_do_not_fit_are_refused_and_not_kept(call, ctx, answers) -> None:  # type: ignore[no-untyped-def]
    decide(call, {"kind": "garden", "fells_trees": "no"})
    refused(post(call, "decide", answers=answers), 400, "works_bad_answers")
    kept = ctx.procedure("works").desk.progress(call["id"])
    assert kept.answers == {"kind": "garden", "fells_trees": "no"}


# ------------------------------------------------------------------ the address


def test_the_streets_are_searched_and_the_address_checked(call) -> None:  # type: ignore[no-untyped-def]
    clerk, base = call["clerk"], f"/api/calls/{call['id']}/works"
    streets = clerk.get(f"{base}/streets?q=mallor").json()["streets"]
    assert [s["code"] for s in streets] == [MALLORCA]
    found = post(call, "address", street_code=MALLORCA, number="401", floor="3r", door="2a")
    assert found.status_code == 200, found.text
    assert found.json()["address"]["label"] == "Carrer de Mallorca 401, 3r 2a"
    assert found.json()["address"]["district"] == "Eixample"
    refused(post(call, "address", street_code=MALLORCA, number="400"), 400, "works_address_unknown")
    refused(post(call, "address", street_code="NOPE", number="1"), 400, "works_address_unknown")
    refused(
        post(call, "address", street_code=MALLORCA, number="401", cadastral_reference="1234"),
        400,
        "invalid_cadastral_reference",
    )
    refused(
        post(call, "address", street_code=GRACIA, number="92"), 403, "works_building_catalogued"
    )


# ------------------------------------------------------------------ bad input: nothing kept


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"number": "400"}, 400, "works_address_unknown"),
        ({"cadastral_reference": "9872023VH5797S0001XX"}, 400, "invalid_cadastral_reference"),
        ({"description": "x" * 2001}, 400, "works_bad_description"),
        ({"description": "   "}, 400, "works_bad_description"),
        ({"duration_days": 0}, 400, "works_bad_duration"),
        ({"duration_days": 181}, 400, "works_bad_duration"),
        (  # the flat's reference, given for a building on another street
            {
                "street_code": "D002",
                "number": "55",
                "floor": "",
                "door": "",
                "cadastral_reference": cadastral_reference(FLAT_REFERENCE),
            },
            400,
            "works_cadastral_elsewhere",
        ),
        (
            {"street_code": GRACIA, "number": "92", "floor": "", "door": ""},
            403,
            "works_building_catalogued",
        ),
    ],
)
def test_bad_notices_are_refused_and_nothing_is_kept(call, ctx, change, status, code) -> None:  # type: ignore[no-untyped-def]
    decide(call, INTERIOR)
    identify(call)
    refused(post(call, "sign", **notice(ctx, **change)), status, code)
    _nothing_kept(call, ctx)


def test_a_start_today_or_in_the_past_is_refused(call, ctx) -> None:  # type: ignore[no-untyped-def]
    decide(call, INTERIOR)
    identify(call)
    today = ctx.procedure("works").desk.today()
    for day in (today, today - timedelta(days=3)):
        answer = post(call, "sign", **notice(ctx, start=day.isoformat()))
        refused(answer, 400, "works_start_too_soon")
        assert (
            answer.json()["error"]["details"]["earliest"] == (today + timedelta(days=1)).isoformat()
        )
    late = today + timedelta(days=366)
    refused(post(call, "sign", **notice(ctx, start=late.isoformat())), 400, "works_start_too_late")
    _nothing_kept(call, ctx)


def test_the_cadastral_reference_of_the_address_is_kept(call, ctx) -> None:  # type: ignore[no-untyped-def]
    reference = cadastral_reference(FLAT_REFERENCE)
    spaced = f"{reference[:7]} {reference[7:14]} {reference[14:]}".lower()
    found = post(call, "address", street_code=MALLORCA, number="401", floor="3r", door="2a",
                 cadastral_reference=spaced)  # fmt: skip
    assert found.status_code == 200, found.text
    assert found.json()["address"]["cadastral_reference"] == reference


def test_a_notice_needs_the_scope_and_the_citizen(call, ctx) -> None:  # type: ignore[no-untyped-def]
    refused(post(call, "sign", **notice(ctx)), 403, "works_not_within_scope")
    decide(call, {"kind": "facade", "structure": "none", "catalogued": "no"})
    refused(post(call, "sign", **notice(ctx)), 403, "works_not_within_scope")
    decide(call, INTERIOR)
    refused(post(call, "sign", **notice(ctx)), 409, "works_not_identified")
    _nothing_kept(call, ctx)


def _nothing_kept(call: Any, ctx: Any) -> None:
    with ctx.db.session() as session:
        assert entries_of_call(session, call["id"]) == []
        drafts = session.scalar(
            select(func.count()).select_from(DocumentRow).where(DocumentRow.call_id == call["id"])
        )
    assert drafts == 0
    assert ctx.procedure("works").desk._get(call["id"], "pending") is None


# ------------------------------------------------------------------ within scope: signed


def test_a_signed_notice_is_registered_sealed_and_printed(call, ctx) -> None:  # type: ignore[no-untyped-def]
    decide(call, INTERIOR)
    identify(call)
    asked = post(call, "sign", **notice(ctx))
    assert asked.status_code == 200, asked.text
    request_id, draft_sha = asked.json()["request_id"], asked.json()["sha256"]

    call["kiosk"].expect("works_questionnaire", within_scope=True)
    shown = call["kiosk"].expect("signature_show")  # the booth shows the draft and its hash
    assert shown["sha256"] == draft_sha
    # the pad replaces the questionnaire on the booth screen (also for a page that comes back)
    assert ctx.memory.get(call["id"], SCREEN, SHOWN)["type"] == "signature_show"
    sign_at_booth(call, request_id, draft_sha)

    state = call["clerk"].get(f"/api/calls/{call['id']}/works/state").json()
    outcome = state["outcome"]
    assert outcome["state"] == "registered", outcome
    with ctx.db.session() as session:
        entry = session.scalar(
            select(RegistryEntry).where(RegistryEntry.code == outcome["registry_code"])
        )
        assert entry is not None and entry.direction == "in" and entry.call_id == call["id"]
        assert entry.party_name == "Marta Soler Puig" and entry.party_id_number == MARTA
        assert entry.destination_unit.endswith("Eixample")
        assert [d.sha256 for d in attached_documents(entry)] == [draft_sha]
        issued = session.scalar(
            select(IssuedDocument).where(IssuedDocument.registry_code == entry.code)
        )
        assert issued is not None and issued.kind == "works_notice"
        jobs = session.scalars(select(DeviceJobRow).where(DeviceJobRow.call_id == call["id"])).all()
        printed = {j.document_id for j in jobs if j.kind == "print"}
        receipts = session.scalars(
            select(DocumentRow).where(
                DocumentRow.call_id == call["id"], DocumentRow.kind == "receipt"
            )
        ).all()
    assert issued.document_id in printed and len(receipts) == 1 and receipts[0].id in printed
    shown = call["kiosk"].expect("works_registered")  # the booth says so; nothing personal
    assert shown == {
        "type": "works_registered",
        "registry_number": outcome["registry_number"],
        "start": notice(ctx)["start"],
        "printed": True,
    }
    code = outcome["code"].replace("-", "")
    page = call["clerk"].get(f"/verify/{code}")
    assert page.status_code == 200 and "Assabentat" in page.text


# ------------------------------------------------------------------ outside scope: the sheet


def test_outside_the_scope_the_sheet_of_what_applies_is_printed(call, ctx) -> None:  # type: ignore[no-untyped-def]
    refused(post(call, "sheet"), 404, "works_no_sheet")
    decide(call, {"kind": "garden", "fells_trees": "yes"})
    answer = post(call, "sheet", lang="es")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["entry"] == "comunicat-diferit-obres" and body["job_id"]
    assert body["title"].startswith("Comunicado diferido")


def test_only_the_clerk_of_the_call_may_ask(call, client) -> None:  # type: ignore[no-untyped-def]
    answer = call["booth"].post(
        f"/api/calls/{call['id']}/works/decide", json={"answers": {}}, headers=ORIGIN
    )
    assert answer.status_code in (401, 403)
    stranger = client.post(
        f"/api/calls/{call['id']}/works/decide", json={"answers": {}}, headers=ORIGIN
    )
    assert stranger.status_code == 401


def test_without_the_seal_nothing_is_registered_until_it_is_back(call, ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    object.__setattr__(ctx.settings, "seal_pkcs12", None)
    decide(call, INTERIOR)
    identify(call)
    asked = post(call, "sign", **notice(ctx))
    assert asked.status_code == 200, asked.text
    sign_at_booth(call, asked.json()["request_id"], asked.json()["sha256"])
    outcome = call["clerk"].get(f"/api/calls/{call['id']}/works/state").json()["outcome"]
    assert outcome["state"] == "failed" and outcome["code"] == "works_no_seal"
    with ctx.db.session() as session:
        assert entries_of_call(session, call["id"]) == []

    # the seal comes back: the signed notice is registered without signing again
    seal = tmp_path / "seal.p12"
    object.__setattr__(ctx.settings, "seal_pkcs12", str(seal))
    again = post(call, "register")
    assert again.status_code == 200, again.text
    assert again.json()["state"] == "registered" and again.json()["signed"] == "signed"
    refused(post(call, "register"), 409, "works_nothing_to_register")
    with ctx.db.session() as session:
        (entry,) = entries_of_call(session, call["id"])
        assert [d.sha256 for d in attached_documents(entry)] == [asked.json()["sha256"]]
        read = accesses(session, asked.json()["request_id"])
    assert [(r.reader_id, r.allowed) for r in read] == [(call["clerk_id"], True)]


def test_oral_consent_before_the_clerk_registers_the_notice_and_says_so(call, ctx) -> None:  # type: ignore[no-untyped-def]
    from io import BytesIO

    from pypdf import PdfReader

    decide(call, {"kind": "garden", "fells_trees": "no", "builds": "no"})
    identify(call)
    asked = post(call, "sign", **notice(ctx, lang="es"))
    assert asked.status_code == 200, asked.text
    # Only a habilitated official records oral consent (Ley 39/2015 art. 12).
    from finestreta.accounts.models import StaffUser

    with ctx.db.session() as session:
        session.get_one(StaffUser, call["clerk_id"]).habilitated = True
        session.commit()
    consent_orally(call, asked.json()["request_id"], "Lesión en la mano derecha")
    outcome = call["clerk"].get(f"/api/calls/{call['id']}/works/state").json()["outcome"]
    assert outcome["state"] == "registered" and outcome["signed"] == "oral_consent"
    with ctx.db.session() as session:
        sealed = session.get(DocumentRow, outcome["document_id"])
        assert sealed is not None
        content = ctx.procedure("works").platform.documents.content(sealed)
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    assert "consentimiento oral" in text and "Lesión en la mano derecha" in text
    assert asked.json()["sha256"] in text.replace("\n", "")


def test_the_clerk_takes_the_draft_back(call, ctx) -> None:  # type: ignore[no-untyped-def]
    decide(call, INTERIOR)
    identify(call)
    asked = post(call, "sign", **notice(ctx))
    assert asked.status_code == 200, asked.text
    gone = call["clerk"].delete(f"/api/calls/{call['id']}/works/sign", headers=ORIGIN)
    assert gone.status_code == 200 and gone.json()["cancelled"] is True
    late = call["booth"].post(
        f"/api/booth/signatures/{asked.json()['request_id']}",
        json={"document_sha256": asked.json()["sha256"], "width": 600, "height": 240,
              "strokes": [[[10, 10, 0], [100, 100, 50]]]},
        headers=ORIGIN,
    )  # fmt: skip
    assert late.status_code >= 400
    with ctx.db.session() as session:
        assert entries_of_call(session, call["id"]) == []
