"""Census volants during a call over HTTP: identify, see why a request is refused, issue,
verify; only the clerk of the call may ask, and every look-up is audited."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from finestreta.attention.records import CallMemoryRow
from finestreta.documents.issued import IssuedDocument
from finestreta.documents.seal import init_seal
from finestreta.identity.records import IdentityCheckRow
from finestreta.padro import synthetic
from finestreta.padro.importer import import_csv
from finestreta.padro.records import LookupRow
from finestreta.procedures.census.service import CensusDesk
from finestreta.registry.records import RegistryEntry
from finestreta.registry.service import get_by_code
from tests.api.conftest import ORIGIN


@pytest.fixture
def register(ctx: Any, tmp_path: Path) -> None:
    """The fixed demo people of docs/padro.md (and a care home), nobody else."""
    path = tmp_path / "padro.csv"
    synthetic.write_csv(path, n_households=0)
    with ctx.db.session() as session:
        assert import_csv(session, path).ok


@pytest.fixture
def seal(ctx: Any, tmp_path: Path) -> None:
    path = tmp_path / "seal.p12"
    init_seal(path, "seal password", "Barcelona")
    object.__setattr__(ctx.settings, "seal_pkcs12", str(path))
    object.__setattr__(ctx.settings, "seal_password", SecretStr("seal password"))


@pytest.fixture
def call(register: None, live_call: dict[str, Any]) -> dict[str, Any]:
    """A call with the demo people in the register."""
    return live_call


def identify(call: Any, number: str, id_type: str = "dni", **extra: Any) -> Any:
    return call["clerk"].post(
        f"/api/calls/{call['id']}/census/identify",
        json={"id_type": id_type, "number": number, "method": "id_on_camera", **extra},
        headers=ORIGIN,
    )


def post(call: Any, step: str, **body: Any) -> Any:
    return call["clerk"].post(f"/api/calls/{call['id']}/census/{step}", json=body, headers=ORIGIN)


def options(answer: Any) -> dict[str, tuple[bool, str]]:
    return {o["kind"]: (o["allowed"], o["code"]) for o in answer.json()["identity"]["options"]}


def test_a_registered_citizen_is_found_with_their_household(call, ctx) -> None:  # type: ignore[no-untyped-def]
    answer = identify(call, "11111111-h")
    assert answer.status_code == 200, answer.text
    identity = answer.json()["identity"]
    assert identity["status"] == "registered"
    assert identity["name"] == "Marta Soler Puig"
    assert identity["document"] == {"type": "dni", "number": "11111111H"}
    members = {m["name"] for m in identity["household"]["members"]}
    assert members == {"Marta Soler Puig", "Jordi Vidal Roca", "Pol Vidal Soler"}
    assert options(answer) == {
        "residence": (True, "own_residence"),
        "household": (True, "own_household"),
    }
    # the look-ups are audited against the clerk and the call, with a purpose
    with ctx.db.session() as session:
        rows = session.scalars(select(LookupRow).where(LookupRow.call_id == call["id"])).all()
        assert {(r.action, r.outcome) for r in rows} == {
            ("find", "registered"),
            ("household", "found"),
        }
        assert all(r.clerk_id == call["clerk_id"] and r.purpose for r in rows)
        check = session.scalars(select(IdentityCheckRow)).one()
        assert (check.call_id, check.method, check.document_number) == (
            call["id"],
            "id_on_camera",
            "11111111H",
        )


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("55555555K", "moved_out", "moved_out"),
        ("44444444A", "registered", "collective_establishment"),  # household refused
        ("66666666Q", "registered", "household_under_18"),
    ],
)
def test_the_clerk_sees_why_a_volant_is_refused(call, number, status, code) -> None:  # type: ignore[no-untyped-def]
    answer = identify(call, number)
    assert answer.status_code == 200, answer.text
    assert answer.json()["identity"]["status"] == status
    refused = {c for allowed, c in options(answer).values() if not allowed}
    assert code in refused
    message = next(o["message"] for o in answer.json()["identity"]["options"] if o["code"] == code)
    assert len(message) > 20


def test_a_wrong_check_letter_is_refused_before_the_register_is_asked(call, ctx) -> None:  # type: ignore[no-untyped-def]
    answer = identify(call, "11111111A")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_check_letter"
    assert answer.json()["error"]["details"] == {"expected": "H"}  # names the right letter
    assert identify(call, "X1234567L", id_type="dni").json()["error"]["code"] == "bad_format"
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(LookupRow)) == 0


def test_someone_not_in_the_register_needs_their_data_and_gets_no_volant(call) -> None:  # type: ignore[no-untyped-def]
    answer = identify(call, "00000000T")
    assert answer.status_code == 200
    identity = answer.json()["identity"]
    assert identity["status"] == "not_found" and identity["options"] == []
    declared = identify(
        call, "00000000T", given_name="Rosa", surnames="Camps", birth_date="1980-05-01"
    )
    assert declared.json()["identity"]["name"] == "Rosa Camps"
    assert options(declared)["residence"] == (False, "not_registered")
    # a volant about a registered adult elsewhere needs their authorisation
    other = post(call, "check", kind="residence", subject_type="dni", subject_number="33333333P")
    assert other.json()["assessment"]["code"] == "authorisation_first"
    authorised = post(
        call,
        "check",
        kind="residence",
        subject_type="dni",
        subject_number="33333333P",
        express_authorisation=True,
    )
    assert authorised.json()["assessment"]["allowed"] is True
    assert [p["name"] for p in authorised.json()["assessment"]["persons"]] == ["Joan Martí Serra"]
    future = identify(call, "00000000T", given_name="A", surnames="B", birth_date="2099-01-01")
    assert future.json()["error"]["code"] == "bad_birth_date"


def test_a_household_volant_of_another_address_with_a_minor_is_refused(call) -> None:  # type: ignore[no-untyped-def]
    assert identify(call, "33333333P").status_code == 200
    answer = post(
        call,
        "check",
        kind="household",
        subject_type="dni",
        subject_number="22222222J",
        express_authorisation=True,
    )
    assert answer.status_code == 200
    assert answer.json()["assessment"]["code"] == "minor_not_cohabiting"
    # nothing about the other household leaves the server
    assert answer.json()["assessment"]["persons"] == []
    assert answer.json()["assessment"]["address"] is None
    assert "Vidal" not in answer.text and "Mallorca" not in answer.text


def test_nothing_is_told_about_a_stranger_without_their_authorisation(call) -> None:  # type: ignore[no-untyped-def]
    assert identify(call, "33333333P").status_code == 200
    about = {"kind": "residence", "subject_type": "dni", "subject_number": "55555555K"}
    stranger = post(call, "check", **about)
    assert stranger.json()["assessment"]["code"] == "authorisation_first"
    assert "Roig" not in stranger.text  # not even that they moved out
    authorised = post(call, "check", **about, express_authorisation=True)
    assert authorised.json()["assessment"]["code"] == "moved_out"


def test_issue_a_household_volant_then_verify_it(call, ctx, seal) -> None:  # type: ignore[no-untyped-def]
    assert identify(call, "11111111H").status_code == 200
    issued = post(call, "issue", kind="household", lang="es")
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["document"]["kind"] == "certificate"
    assert re.fullmatch(r"\d{4}/\d{7}", body["registry_number"]), body["registry_number"]
    assert len(body["assessment"]["persons"]) == 3
    call["console"].expect("document", document_id=body["document"]["document_id"])
    # the clerk downloads it; it is one of the attention's documents
    pdf = call["clerk"].get(body["document"]["url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listed = call["clerk"].get(f"/api/calls/{call['id']}/documents").json()["documents"]
    assert body["document"]["document_id"] in {d["document_id"] for d in listed}
    # anyone verifies it with the code
    code = body["code"].replace("-", "")
    verified = call["booth"].get(f"/api/verify/{code}")
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "valid"
    with ctx.db.session() as session:
        record = session.scalars(select(IssuedDocument)).one()
        assert record.registry_code == body["registry_code"]
        entry = get_by_code(session, body["registry_code"])
        assert entry is not None and entry.call_id == call["id"]
        assert entry.party_name == "Marta Soler Puig"
    # the citizen can have the registry receipt
    receipt = call["clerk"].post(
        f"/api/calls/{call['id']}/receipts",
        json={"registry_code": body["registry_code"], "lang": "es"},
        headers=ORIGIN,
    )
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["document"]["kind"] == "receipt"
    wrong = call["clerk"].post(
        f"/api/calls/{call['id']}/receipts",
        json={"registry_code": "GEN/1999/0000001"},
        headers=ORIGIN,
    )
    assert wrong.status_code == 404
    assert wrong.json()["error"]["code"] == "no_registry_entry"
    # an issued volant is not an ID scan
    volant_as_scan = identify(
        call, "11111111H", method="id_scanned", scan_document_id=body["document"]["document_id"]
    )
    assert volant_as_scan.status_code == 404


def test_a_refused_volant_takes_no_registry_number(call, ctx, seal) -> None:  # type: ignore[no-untyped-def]
    assert identify(call, "66666666Q").status_code == 200
    refused = post(call, "issue", kind="household", lang="ca")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "household_under_18"
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(RegistryEntry)) == 0
        assert session.scalar(select(func.count()).select_from(IssuedDocument)) == 0


def test_a_seal_that_cannot_be_opened_is_a_clear_503(call, ctx, seal) -> None:  # type: ignore[no-untyped-def]
    object.__setattr__(ctx.settings, "seal_password", SecretStr("not the password"))
    assert identify(call, "33333333P").status_code == 200
    answer = post(call, "issue", kind="residence", lang="ca")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "bad_seal"
    assert "not the password" not in answer.text
    with ctx.db.session() as session:  # no registry number taken
        assert session.scalar(select(func.count()).select_from(RegistryEntry)) == 0


def test_names_read_off_an_id_are_plain_text(call) -> None:  # type: ignore[no-untyped-def]
    sneaky = identify(
        call, "00000000T", given_name="Rosa\u202e", surnames="Camps", birth_date="1980-05-01"
    )
    assert sneaky.status_code == 422
    old = identify(call, "00000000T", given_name="Rosa", surnames="Camps", birth_date="1850-01-01")
    assert old.json()["error"]["code"] == "bad_birth_date"
    ok = identify(
        call, "00000000T", given_name="Maria-Rosa", surnames="D'Ors", birth_date="1980-05-01"
    )
    assert ok.status_code == 200


def test_without_a_seal_nothing_is_issued(call, ctx) -> None:  # type: ignore[no-untyped-def]
    assert identify(call, "33333333P").status_code == 200
    answer = post(call, "issue", kind="residence", lang="ca")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "no_seal"
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(RegistryEntry)) == 0


def test_only_the_clerk_of_the_call_may_ask(call, clerk_browser, booth_browser) -> None:  # type: ignore[no-untyped-def]
    body = {"id_type": "dni", "number": "11111111H", "method": "id_on_camera"}
    path = f"/api/calls/{call['id']}/census/identify"
    jordi, _ = clerk_browser("jordi")
    assert jordi.post(path, json=body, headers=ORIGIN).status_code == 404
    assert call["booth"].post(path, json=body, headers=ORIGIN).status_code == 401
    admin, _ = clerk_browser("root", role="admin")
    assert admin.post(path, json=body, headers=ORIGIN).status_code == 403
    cross = call["clerk"].post(path, json=body, headers={"origin": "http://evil.example"})
    assert cross.status_code == 403
    # steps out of order and bad bodies get clear errors
    assert post(call, "check", kind="household").json()["error"]["code"] == "not_identified"
    bad = call["clerk"].post(path, json={**body, "method": "telepathy"}, headers=ORIGIN)
    assert bad.status_code == 422 or bad.status_code == 400
    scanned = call["clerk"].post(
        path, json={**body, "method": "id_scanned", "scan_document_id": "nope"}, headers=ORIGIN
    )
    assert scanned.status_code == 404


def test_the_identification_survives_a_restart_and_ends_with_the_call(call, ctx) -> None:  # type: ignore[no-untyped-def]
    assert identify(call, "11111111H").status_code == 200
    census = ctx.procedure("census")
    old = census.desk
    # As after a restart, or on another node: a new desk knows only what the database holds
    # (the call's identity check), and asks the register again.
    census.desk = CensusDesk(old.db, old.lookups, old.documents, old.settings, seal=old._seal)
    try:
        again = post(call, "check", kind="household")
    finally:
        census.desk = old
    assert again.status_code == 200 and again.json()["assessment"]["allowed"] is True
    call["console"].send({"type": "hang_up", "call_id": call["id"]})
    call["console"].expect("call_ended")
    with ctx.db.session() as session:  # nothing of the call is kept beside the audit
        kept = session.scalars(select(CallMemoryRow).where(CallMemoryRow.call_id == call["id"]))
        assert kept.all() == []
    assert post(call, "check", kind="household").status_code == 409


def test_a_register_that_does_not_answer_is_a_clear_503(call, ctx, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from finestreta.padro.port import RegisterUnavailable

    def down(document: Any) -> Any:
        raise RegisterUnavailable("time-out")

    monkeypatch.setattr(ctx.procedure("census").desk.lookups.register, "find", down)
    answer = identify(call, "11111111H")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "register_unavailable"
    with ctx.db.session() as session:  # the attempt is audited all the same
        outcomes = session.scalars(select(LookupRow.outcome)).all()
        assert outcomes == ["error"]


def test_a_sealed_address_never_follows_the_requests_host(call, ctx, seal) -> None:  # type: ignore[no-untyped-def]
    import io

    from pypdf import PdfReader

    assert identify(call, "11111111H").status_code == 200
    # asked under another name, the server refuses before any route runs
    path = f"/api/calls/{call['id']}/census/issue"
    evil = call["clerk"].post(
        path,
        json={"kind": "household", "lang": "ca"},
        headers={**ORIGIN, "host": "evil.example"},
    )
    assert (evil.status_code, evil.json()["error"]["code"]) == (400, "unknown_host")
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(IssuedDocument)) == 0
    issued = post(call, "issue", kind="household", lang="ca")
    assert issued.status_code == 200, issued.text
    pdf = call["clerk"].get(issued.json()["document"]["url"]).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert issued.json()["code"] in text and "evil" not in text


@pytest.mark.settings(public_url="", allowed_hosts="testserver")
def test_no_document_is_issued_without_a_public_url(call, ctx, seal) -> None:  # type: ignore[no-untyped-def]
    assert identify(call, "11111111H").status_code == 200
    refused = post(call, "issue", kind="household", lang="ca")
    assert (refused.status_code, refused.json()["error"]["code"]) == (503, "no_public_url")
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(IssuedDocument)) == 0
        assert session.scalar(select(func.count()).select_from(RegistryEntry)) == 0
