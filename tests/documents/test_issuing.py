"""The generic issuance: a short layout made of the toolkit's parts only, issued (registry
entry, seal, storage, record) and checked as /verify checks it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from reportlab.lib.units import mm

from finestreta.db import Database
from finestreta.documents.issuing import Issuance, IssuedCertificate, issue_sealed
from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.heading import heading_story
from finestreta.documents.pdf.issuance import issue_facts, verification_note
from finestreta.documents.pdf.styles import facts_table, para, paragraph_styles
from finestreta.documents.records import DocumentRow
from finestreta.documents.seal import Seal
from finestreta.documents.service import Documents
from finestreta.documents.storage import BlobStore
from finestreta.documents.verification import Status, lookup, verify
from finestreta.registry.service import get_by_code
from tests.documents.conftest import CITY, TZ, pdf_text

NOW = datetime(2026, 3, 5, 9, 7, 3, tzinfo=UTC)  # 10:07:03 in Madrid
TITLE = "Certificat de pagament"


def payment_certificate(issuance: Issuance) -> bytes:
    """What a payment certificate could be: a few lines on top of the toolkit."""
    styles = paragraph_styles(load_fonts())
    local = issuance.issued_at.astimezone(ZoneInfo(TZ))
    story = [
        *heading_story(CITY, styles),
        para(TITLE, styles.title),
        issue_facts(issuance.registry_number, local, "ca", styles, 170 * mm),
        facts_table([("Import", "48,20 €"), ("Concepte", "Taxa de gual")], styles, 45 * mm),
        verification_note(issuance.code, issuance.verify_url, "ca", styles),
    ]
    info = layout.document_info(
        title=f"{TITLE} {issuance.registry_number}",
        author=CITY.council,
        subject=TITLE,
        created=local,
        lang="ca",
    )
    footer = layout.footer(f"{CITY.council} · CSV {issuance.code}", layout.page_numbers("ca"))
    return layout.build(story, info, on_page=footer)


@pytest.fixture
def documents(tmp_path: Path) -> Documents:
    return Documents(BlobStore(tmp_path / "blobs"), 30, 20 * 1024 * 1024)


def issue_one(
    db: Database,
    seal: Seal,
    documents: Documents,
    registry: str,
    rendered: list[Issuance] | None = None,
    **changes: object,
) -> IssuedCertificate:
    def render(issuance: Issuance) -> bytes:
        if rendered is not None:
            rendered.append(issuance)
        return payment_certificate(issuance)

    fields: dict[str, object] = {
        "render": render,
        "kind": "payment",
        "title": TITLE,
        "party_name": "Comerços Units SL",
        "party_document": ("nif", "B12345674"),
        "sending_body": "Tresoreria",
        "location": CITY.name,
        "lang": "ca",
        "seal": seal,
        "documents": documents,
        "public_url": "https://oac.example.cat",
        "created_by": "clerk:1",
        "tz": TZ,
        "registry": registry,
        "now": NOW,
    }
    fields.update(changes)
    with db.session() as session:
        return issue_sealed(session, **fields)  # type: ignore[arg-type]


def test_a_short_layout_is_issued_and_verified(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    db = documents_db
    rendered: list[Issuance] = []
    issued = issue_one(db, seal, documents, registry, rendered)
    # The layout got what only the issuance knows, once.
    assert rendered == [Issuance("2026/0000001", issued.code, issued.verify_url, NOW)]
    assert issued.verify_url == f"https://oac.example.cat/verify/{issued.code}"
    _pages, text = pdf_text(issued.pdf)
    flat = " ".join(text.split())
    expected = [TITLE, "2026/0000001", "05/03/2026 10:07:03 CET", issued.code, "48,20 €"]
    assert [item for item in expected if item not in flat] == []
    with db.session() as session:
        entry = get_by_code(session, issued.registry_code)
        assert entry is not None
        assert (
            entry.direction,
            entry.party_name,
            entry.subject,
            entry.sending_body,
            entry.destination_unit,
        ) == ("out", "Comerços Units SL", TITLE, "Tresoreria", "Comerços Units SL")
        row = session.get(DocumentRow, issued.document_id)
        assert row is not None and (row.kind, row.title) == ("certificate", f"{TITLE} 2026/0000001")
        checked = verify(session, issued.code, documents.blobs)
    assert checked is not None
    result, content = checked
    assert content == issued.pdf
    assert (result.status, result.kind, result.lang, result.registry_code) == (
        Status.VALID,
        "payment",
        "ca",
        issued.registry_code,
    )
    assert result.seal is not None and result.seal.whole_file and result.seal.trusted


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "a-kind-longer-than-twenty"}, "kind must be 1 to 20 characters"),
        ({"kind": ""}, "kind must be"),
        ({"lang": "catalan"}, "lang must be a language code"),
        ({"party_document": ("nif", "12345678A")}, "check letter"),
        ({"title": " "}, "subject is empty"),
        ({"now": datetime(2026, 3, 5, 10, 0)}, "aware"),
    ],
)
def test_bad_input_takes_no_registry_number_and_renders_nothing(
    documents_db: Database,
    seal: Seal,
    documents: Documents,
    registry: str,
    changes: dict[str, object],
    message: str,
) -> None:
    rendered: list[Issuance] = []
    with pytest.raises(ValueError, match=message):
        issue_one(documents_db, seal, documents, registry, rendered, **changes)
    assert rendered == []
    assert issue_one(documents_db, seal, documents, registry).registry_number == "2026/0000001"


class Interrupted(Exception):
    pass


def test_everything_is_flushed_and_nothing_committed(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    """The caller's transaction decides: rolled back, the number is free again."""
    db = documents_db
    render: Callable[[Issuance], bytes] = payment_certificate
    with pytest.raises(Interrupted), db.session() as session:
        issued = issue_sealed(
            session,
            render=render,
            kind="payment",
            title=TITLE,
            party_name="Comerços Units SL",
            party_document=("nif", "B12345674"),
            sending_body="Tresoreria",
            location=CITY.name,
            lang="ca",
            seal=seal,
            documents=documents,
            public_url="https://oac.example.cat",
            created_by="clerk:1",
            tz=TZ,
            registry=registry,
            now=NOW,
        )
        # flushed: the same session sees all of it
        assert lookup(session, issued.code) is not None
        assert session.get(DocumentRow, issued.document_id) is not None
        assert get_by_code(session, issued.registry_code) is not None
        raise Interrupted
    with db.session() as session:
        assert lookup(session, issued.code) is None
        assert get_by_code(session, issued.registry_code) is None
    assert issue_one(db, seal, documents, registry).registry_number == "2026/0000001"
