"""The payment certificate and the certificate of being up to date: what they say in each
language, the representative's line, the data they refuse, and their issue (registry entry,
seal, /verify) in both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from finestreta.db import Database
from finestreta.documents.issued import IssuedDocument
from finestreta.documents.seal import Seal
from finestreta.documents.service import Documents
from finestreta.documents.verification import Status, verify
from finestreta.procedures.taxes.certificates import (
    PaymentCertificateData,
    StandingCertificateData,
    certificate_title,
    issue_payment_certificate,
    issue_standing_certificate,
    render_payment_certificate,
    render_standing_certificate,
)
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.printed import PaidLine, Party, texts
from finestreta.registry.service import get_by_code
from tests.conftest import need
from tests.documents.conftest import run, tool
from tests.procedures.taxes.conftest import (
    CITY,
    ISSUANCE,
    NOW,
    PAID,
    REPRESENTATIVE,
    TAXPAYER,
    TZ,
    euros,
    flat,
    flat_text,
)

PUBLIC_URL = "https://oac.example.cat"


def make_payment(lang: str = "ca", **changes: Any) -> PaymentCertificateData:
    data = PaymentCertificateData(CITY, lang, TAXPAYER, REPRESENTATIVE, "IBI", 2025, PAID, TZ)
    return replace(data, **changes) if changes else data


def make_standing(lang: str = "ca", **changes: Any) -> StandingCertificateData:
    data = StandingCertificateData(CITY, lang, TAXPAYER, TAXPAYER, date(2026, 3, 5), TZ)
    return replace(data, **changes) if changes else data


def informative(lang: str) -> str:
    return flat(
        texts(lang)(
            "This tax certificate is informative (art. 70 and 71 of Royal Decree 1065/2007, "
            "under the General Tax Law 58/2003): it states the facts in the municipal tax "
            "records at the date and time of issue, cannot be appealed, creates no rights "
            "for the requester or third parties, and does not prevent later checks by the "
            "tax authority."
        )
    )


@pytest.fixture(scope="module", params=["ca", "es", "en"])
def payment(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    lang: str = request.param
    return lang, render_payment_certificate(make_payment(lang), ISSUANCE)


@pytest.fixture(scope="module", params=["ca", "es", "en"])
def standing(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    lang: str = request.param
    return lang, render_standing_certificate(make_standing(lang), ISSUANCE)


def test_the_payment_certificate_lists_what_was_paid_when_how_and_by_which_channel(
    payment: tuple[str, bytes],
) -> None:
    lang, pdf = payment
    _ = texts(lang)
    pages, text = flat_text(pdf)
    expected = [
        certificate_title("payment_certificate", lang),
        "2026/0000042",
        "05/03/2026 10:07:03 CET",
        flat(
            _(
                "According to the municipal tax records at the date and time of issue, the "
                "following receipts of {tax} for {year} in the name of the taxpayer below have "
                "been paid."
            ).format(tax="IBI", year=2025)
        ),
        f"Núria Puig i Ferrer ({_('NIF')} 12345678Z)",
        "2025-IBI-0000123",
        "2025-IBI-0000124",
        "03/06/2025",
        "01/10/2025",
        "Domiciliació",
        euros(24060, lang),
        euros(24061, lang),
        f"{_('Total paid')} {euros(48121, lang)}",
        # asked for by a representative: who, and in which capacity
        f"Gestoria Pla SL ({_('NIF')} B12345674)",
        flat(_("as the taxpayer's accredited representative")),
        informative(lang),
        ISSUANCE.code,
        _("Data protection."),
    ]
    assert [item for item in expected if item not in text] == []
    assert pages == 1


def test_the_standing_certificate_states_no_debt_in_enforcement_on_the_day(
    standing: tuple[str, bytes],
) -> None:
    lang, pdf = standing
    _ = texts(lang)
    pages, text = flat_text(pdf)
    expected = [
        certificate_title("standing_certificate", lang),
        "2026/0000042",
        flat(
            _(
                "According to the municipal tax records, on {date} the taxpayer below had no "
                "debts with the City Council in the enforcement period."
            ).format(date="05/03/2026")
        ),
        f"Núria Puig i Ferrer ({_('NIF')} 12345678Z)",
        informative(lang),
        ISSUANCE.code,
        _("Data protection."),
    ]
    assert [item for item in expected if item not in text] == []
    # Asked for by the taxpayer: no representative's line.
    assert flat(_("as the taxpayer's accredited representative")) not in text
    assert pages == 1


@pytest.mark.parametrize(
    ("lang", "payment_title", "standing_title", "statement"),
    [
        (
            "ca",
            "Certificat de pagament",
            "Certificat d'estar al corrent de pagament",
            "no tenia deutes amb l'Ajuntament en període executiu",
        ),
        (
            "es",
            "Certificado de pago",
            "Certificado de estar al corriente de pago",
            "no tenía deudas con el Ayuntamiento en período ejecutivo",
        ),
        (
            "en",
            "Payment certificate",
            "Certificate of being up to date with payments",
            "had no debts with the City Council in the enforcement period",
        ),
    ],
)
def test_the_titles_and_the_statement_in_each_language(
    lang: str, payment_title: str, standing_title: str, statement: str
) -> None:
    assert certificate_title("payment_certificate", lang) == payment_title
    assert certificate_title("standing_certificate", lang) == standing_title
    _pages, text = flat_text(render_standing_certificate(make_standing(lang), ISSUANCE))
    assert [item for item in (standing_title, statement) if item not in text] == []


def test_certificate_title_knows_only_the_taxes_kinds() -> None:
    assert certificate_title("payment_receipt", "es") == "Justificante de pago"
    for kind in ("household", "residence", "up_to_date_certificate", ""):
        with pytest.raises(ValueError):
            certificate_title(kind, "ca")


def _paid(**changes: Any) -> PaidLine:
    return replace(PAID[0], **changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lines": ()}, "at least one"),
        ({"lines": (PAID[0], PAID[0])}, "each receipt once"),
        ({"tax_label": "IVTM"}, "receipts of IVTM only, but got \\['IBI'\\]"),
        ({"year": True}, "year as an int"),
        ({"year": 25}, "four-digit year"),
        ({"requester": None}, "requester as a Party"),
        ({"lang": "de"}, "lang must be one of"),
        ({"tz": "Mars/Olympus"}, "time zone"),
    ],
)
def test_bad_payment_certificate_data_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_payment(**changes)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"amount": Cents(-100)}, ValueError, "amount of 1 cents or more"),
        ({"amount": Cents(0)}, ValueError, "amount of 1 cents or more"),
        ({"amount": 240.6}, TypeError, "integer cents"),
        ({"paid_on": datetime(2025, 6, 3, tzinfo=UTC)}, ValueError, "paid_on as a date"),
        ({"channel_label": "\n"}, ValueError, "empty"),
    ],
)
def test_a_wrong_paid_line_is_refused(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _paid(**changes)


def test_bad_parties_are_refused() -> None:
    with pytest.raises(ValueError, match="id_type among nif, nie, passport, other"):
        Party("Núria", "dni", "12345678Z")
    with pytest.raises(ValueError, match="empty"):
        Party(" ", "nif", "12345678Z")
    assert Party("A", "nif", "12.345.678-z").same_as(Party("B", "nif", "12345678Z"))
    assert not TAXPAYER.same_as(REPRESENTATIVE)


def test_issuing_both_certificates_registers_seals_and_verifies_them(
    documents_db: Database, seal: Seal, documents: Documents, registry: str, tmp_path: Path
) -> None:
    common: dict[str, Any] = {
        "seal": seal,
        "documents": documents,
        "public_url": PUBLIC_URL,
        "created_by": "clerk:1",
        "registry": registry,
        "now": NOW,
    }
    with documents_db.session() as session:
        paid = issue_payment_certificate(session, data=make_payment(), **common)
        up_to_date = issue_standing_certificate(session, data=make_standing("es"), tz=TZ, **common)
    assert (paid.registry_number, up_to_date.registry_number) == ("2026/0000001", "2026/0000002")
    assert up_to_date.title == "Certificado de estar al corriente de pago"
    with documents_db.session() as session:
        entry = get_by_code(session, paid.registry_code)
        assert entry is not None
        # In the requester's name, like a volant: the representative took it.
        assert (entry.direction, entry.party_name, entry.party_id_number, entry.subject) == (
            "out",
            "Gestoria Pla SL",
            "B12345674",
            "Certificat de pagament",
        )
        results = [verify(session, issued.code, documents.blobs) for issued in (paid, up_to_date)]
    assert [
        (result[0].status, result[0].kind, result[0].lang, result[1] == issued.pdf)
        for result, issued in zip(results, (paid, up_to_date), strict=True)
        if result is not None
    ] == [
        (Status.VALID, "payment_certificate", "ca", True),
        (Status.VALID, "standing_certificate", "es", True),
    ]

    need(tool("pdfsig") is not None, "pdfsig (poppler-utils) is not installed")
    (tmp_path / "standing.pdf").write_bytes(up_to_date.pdf)
    output = run("pdfsig", str(tmp_path / "standing.pdf")).stdout
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output


def test_a_situation_after_the_day_of_issue_takes_no_registry_number(
    documents_db: Database, seal: Seal, documents: Documents, registry: str
) -> None:
    common: dict[str, Any] = {
        "seal": seal,
        "documents": documents,
        "public_url": PUBLIC_URL,
        "created_by": "clerk:1",
        "registry": registry,
        "now": NOW,  # 5 March 2026 in Madrid
    }
    with documents_db.session() as session:
        with pytest.raises(ValueError, match="on or before the day of issue \\(2026-03-05\\)"):
            issue_standing_certificate(
                session, data=make_standing(as_of=date(2026, 3, 6)), **common
            )
        with pytest.raises(ValueError, match="check letter"):
            issue_payment_certificate(
                session,
                data=make_payment(requester=Party("Anna", "nie", "X1234567A")),
                **common,
            )
        mine = select(func.count()).where(IssuedDocument.registry_code.startswith(registry))
        assert session.scalar(mine.select_from(IssuedDocument)) == 0
        issued = issue_standing_certificate(session, data=make_standing(), **common)
    assert issued.registry_number == "2026/0000001"
