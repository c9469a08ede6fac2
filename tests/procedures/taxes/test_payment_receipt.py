"""The payment receipt: what it says in each language, the data it refuses, and its issue
(registry entry, seal, storage, /verify) in both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from finestreta.db import Database
from finestreta.documents.issued import IssuedDocument
from finestreta.documents.issuing import IssuedCertificate
from finestreta.documents.seal import Seal, check_seal
from finestreta.documents.service import Documents
from finestreta.documents.verification import Status, verify
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.payment_receipt import (
    PaymentReceiptData,
    issue_payment_receipt,
    payment_receipt_title,
    render_payment_receipt,
)
from finestreta.procedures.taxes.printed import Party, texts
from finestreta.registry.service import get_by_code
from tests.conftest import need
from tests.documents.conftest import run, tool
from tests.procedures.taxes.conftest import (
    CITY,
    IBI,
    ISSUANCE,
    IVTM,
    NOW,
    TAXPAYER,
    TZ,
    euros,
    flat_text,
)

PUBLIC_URL = "https://oac.example.cat"


def make_receipt(lang: str = "ca", **changes: Any) -> PaymentReceiptData:
    data = PaymentReceiptData(
        city=CITY,
        lang=lang,
        payer=TAXPAYER,
        order_number="2026A1B2C3D4",
        lines=(IBI, IVTM),
        total=Cents(IBI.total + IVTM.total),
        paid_at=NOW,
        channel_label="Targeta a la cabina",
        authorisation="123456",
        tz=TZ,
    )
    return replace(data, **changes) if changes else data


@pytest.fixture(scope="module", params=["ca", "es", "en"])
def rendered(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    lang: str = request.param
    return lang, render_payment_receipt(make_receipt(lang), ISSUANCE)


def test_the_receipt_shows_the_payment_and_each_receipt_paid(
    rendered: tuple[str, bytes],
) -> None:
    lang, pdf = rendered
    _ = texts(lang)
    pages, text = flat_text(pdf)
    expected = [
        payment_receipt_title(lang),
        "2026/0000042",  # outgoing registry number
        "05/03/2026 10:07:03 CET",
        "Núria Puig i Ferrer",
        "2026A1B2C3D4",
        "Targeta a la cabina",
        "123456",
        "2026-IBI-0000123",
        "2025-IVTM-0000456",
        *(euros(amount, lang) for amount in (48120, 14000, 2800, 312, 17112)),
        f"{_('Total')} {euros(65232, lang)}",
        _("Receipts paid ({count})").format(count=2),
        ISSUANCE.code,
        "https://oac.example.cat/verify",
        _("Data protection."),
    ]
    assert [item for item in expected if item not in text] == []
    assert pages == 1


@pytest.mark.parametrize(
    ("lang", "title", "subtitle", "payment"),
    [
        (
            "ca",
            "Justificant de pagament",
            "Tributs municipals",
            "L'Ajuntament ha rebut el pagament següent",
        ),
        (
            "es",
            "Justificante de pago",
            "Tributos municipales",
            "El Ayuntamiento ha recibido el pago siguiente",
        ),
        (
            "en",
            "Payment receipt",
            "Municipal taxes",
            "The City Council has received the payment below",
        ),
    ],
)
def test_the_receipt_reads_in_its_language(
    lang: str, title: str, subtitle: str, payment: str
) -> None:
    _pages, text = flat_text(render_payment_receipt(make_receipt(lang), ISSUANCE))
    assert [item for item in (title, subtitle, payment) if item not in text] == []
    assert payment_receipt_title(lang) == title


def test_a_payer_not_identified_is_printed_so_and_the_entry_is_the_orders() -> None:
    data = make_receipt("en", payer=None, authorisation=None)
    _pages, text = flat_text(render_payment_receipt(data, ISSUANCE))
    assert "Not identified (paid by reference)" in text
    assert "Authorisation code" not in text
    assert data.party == Party("Payer not identified", "other", "2026A1B2C3D4")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lines": ()}, "at least one"),
        ({"lines": (IBI,), "total": IBI.total + 1}, "sum of the lines \\(48120\\)"),
        ({"lines": (IBI, IBI), "total": 2 * IBI.total}, "each receipt once"),
        ({"lines": [IBI, "IVTM"]}, "as TaxLine"),
        ({"total": Cents(-5)}, "total of 1 cents or more"),
        ({"order_number": "A1B2C3D4E5F6"}, "first 4 digits"),
        ({"order_number": "2026A1B2C3D4E"}, "4 to 12"),
        ({"paid_at": datetime(2026, 3, 5, 10, 0)}, "aware"),
        ({"channel_label": ""}, "empty"),
        ({"lang": "fr"}, "lang must be one of"),
        ({"payer": "Núria"}, "Party or None"),
    ],
)
def test_bad_data_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_receipt(**changes)


def issue(
    db: Database, seal: Seal, documents: Documents, registry: str, **changes: Any
) -> IssuedCertificate:
    with db.session() as session:
        return issue_payment_receipt(
            session,
            data=make_receipt(**changes),
            seal=seal,
            documents=documents,
            public_url=PUBLIC_URL,
            created_by="clerk:1",
            tz=TZ,
            registry=registry,
            now=NOW,
        )


def test_issuing_registers_seals_stores_and_verifies_the_receipt(
    documents_db: Database, seal: Seal, documents: Documents, registry: str, tmp_path: Path
) -> None:
    issued = issue(documents_db, seal, documents, registry)
    assert (issued.registry_number, issued.title) == ("2026/0000001", "Justificant de pagament")
    _pages, text = flat_text(issued.pdf)
    assert [s for s in (issued.code, "2026/0000001", euros(65232, "ca")) if s not in text] == []
    assert check_seal(issued.pdf, {seal.info.sha256}).ok
    with documents_db.session() as session:
        entry = get_by_code(session, issued.registry_code)
        assert entry is not None
        assert (entry.direction, entry.party_name, entry.party_id_number, entry.subject) == (
            "out",
            "Núria Puig i Ferrer",
            "12345678Z",
            "Justificant de pagament",
        )
        assert entry.sending_body == "Tresoreria municipal"
        checked = verify(session, issued.code, documents.blobs)
    assert checked is not None
    result, content = checked
    assert content == issued.pdf
    assert (result.status, result.kind, result.lang) == (Status.VALID, "payment_receipt", "ca")

    need(tool("pdfsig") is not None, "pdfsig (poppler-utils) is not installed")
    (tmp_path / "receipt.pdf").write_bytes(issued.pdf)
    output = run("pdfsig", str(tmp_path / "receipt.pdf")).stdout
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output


def test_a_receipt_without_a_payer_is_registered_in_the_orders_name(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    issued = issue(documents_db, seal, documents, registry, lang="es", payer=None)
    with documents_db.session() as session:
        entry = get_by_code(session, issued.registry_code)
        assert entry is not None
        assert (entry.party_name, entry.party_id_type, entry.party_id_number) == (
            "Persona pagadora no identificada",
            "other",
            "2026A1B2C3D4",
        )


def test_bad_input_takes_no_registry_number(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    with pytest.raises(ValueError, match="check letter"):
        issue(documents_db, seal, documents, registry, payer=Party("Anna", "nif", "12345678A"))
    with pytest.raises(ValueError, match="the document's"), documents_db.session() as session:
        issue_payment_receipt(
            session,
            data=make_receipt(),
            seal=seal,
            documents=documents,
            public_url=PUBLIC_URL,
            created_by="clerk:1",
            tz="Europe/Lisbon",  # the registry would number by another zone's year
            registry=registry,
        )
    with documents_db.session() as session:
        mine = select(func.count()).where(IssuedDocument.registry_code.startswith(registry))
        assert session.scalar(mine.select_from(IssuedDocument)) == 0
    assert issue(documents_db, seal, documents, registry).registry_number == "2026/0000001"
