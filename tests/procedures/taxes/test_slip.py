"""The payment slip: what it says in each language (read back with pypdf), PDF/A with
embedded fonts only, and the data it refuses before anything is drawn."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from finestreta.documents.pdf import layout
from finestreta.procedures.taxes.cuaderno60 import InvalidSlip, Slip
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.printed import TaxLine, texts
from finestreta.procedures.taxes.slip import SlipData, digit_groups, render_slip, slip_title
from tests.documents.conftest import page_fonts, pdf_dict, pdf_stream
from tests.procedures.taxes.conftest import (
    CITY,
    DEADLINE,
    IBI,
    IVTM,
    NOW,
    SLIP,
    TAXPAYER,
    euros,
    flat,
    flat_text,
)


def make_slip(lang: str = "ca", **changes: Any) -> SlipData:
    data = SlipData(CITY, lang, TAXPAYER, IBI, "080193", DEADLINE, SLIP.code, NOW)
    return replace(data, **changes) if changes else data


@pytest.fixture(scope="module", params=["ca", "es", "en"])
def rendered(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    lang: str = request.param
    return lang, render_slip(make_slip(lang))


def test_the_slip_shows_the_receipt_the_amount_the_deadline_and_the_digits(
    rendered: tuple[str, bytes],
) -> None:
    lang, pdf = rendered
    _ = texts(lang)
    pages, text = flat_text(pdf)
    expected = [
        "Ajuntament de Barcelona",
        slip_title(lang),
        "Núria Puig i Ferrer",
        f"{_('NIF')} 12345678Z",
        "2026-IBI-0000123",
        "9872023VH5797S0001WX",
        euros(48120, lang),
        "20/11/2026",
        flat(
            _("Payable at any collaborating bank until {date} (voluntary period).").format(
                date="20/11/2026"
            )
        ),
        flat(
            _(
                "This slip is not proof of payment: the payment is proven by the bank's "
                "receipt or by its stamp on this slip."
            )
        ),
        "05/03/2026 10:07:03 CET",  # printed on, in the city's time
        "080193",  # issuer
        "000001234532",  # reference: document and check digits
        "1100266324",  # identification
        "90 521 080193 000001234532 1100266324 00048120 0",
        _("Data protection."),
    ]
    assert [item for item in expected if item not in text] == []
    assert _("Surcharge") not in text  # none on a receipt in its voluntary period
    assert pages == 1


@pytest.mark.parametrize(
    ("lang", "title", "payable"),
    [
        (
            "ca",
            "Carta de pagament",
            "Es pot pagar en qualsevol entitat col·laboradora fins al 20/11/2026 "
            "(període voluntari).",
        ),
        (
            "es",
            "Carta de pago",
            "Se puede pagar en cualquier entidad colaboradora hasta el 20/11/2026 "
            "(período voluntario).",
        ),
        ("en", "Payment slip", "Payable at any collaborating bank until 20/11/2026"),
    ],
)
def test_the_slip_reads_in_its_language(lang: str, title: str, payable: str) -> None:
    _pages, text = flat_text(render_slip(make_slip(lang)))
    assert [item for item in (title, payable, euros(48120, lang)) if item not in text] == []
    assert slip_title(lang) == title


def test_a_slip_with_a_surcharge_shows_it_and_is_not_in_the_voluntary_period() -> None:
    slip = Slip("080193", "0000000456", "200", 2025, date(2026, 4, 20), IVTM.total)
    data = make_slip("en", line=IVTM, deadline=date(2026, 4, 20), barcode=slip.code)
    _pages, text = flat_text(render_slip(data))
    expected = [
        "Surcharge €28.00",
        "Late-payment interest €3.12",
        "Total to pay €171.12",
        "until 20/04/2026, enforcement surcharge included.",
        digit_groups(slip.code),
    ]
    assert [item for item in expected if item not in flat(text)] == []
    assert "(voluntary period)" not in text


def test_the_digit_groups_are_the_code() -> None:
    grouped = digit_groups(SLIP.code)
    assert grouped.replace(" ", "") == SLIP.code
    assert [len(group) for group in grouped.split()] == [2, 3, 6, 12, 10, 8, 1]


def test_the_slip_is_pdfa_with_embedded_fonts_only(rendered: tuple[str, bytes]) -> None:
    _lang, pdf = rendered
    reader = PdfReader(io.BytesIO(pdf))
    metadata = pdf_stream(pdf_dict(reader.trailer["/Root"])["/Metadata"]).get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part>" in metadata
    fonts = page_fonts(reader)
    assert fonts
    assert [
        f["/BaseFont"] for f in fonts if "/FontFile2" not in pdf_dict(f["/FontDescriptor"])
    ] == []
    # The barcode library's own text font (Courier) is never drawn.
    assert b"/Courier" not in pdf and b"/Helvetica" not in pdf


def _other_code(**changes: Any) -> str:
    fields: dict[str, Any] = {
        "issuer": "080193",
        "document": "0000012345",
        "tax_code": "100",
        "tax_year": 2026,
        "deadline": DEADLINE,
        "amount": IBI.total,
    }
    fields.update(changes)
    return Slip(**fields).code


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"barcode": SLIP.code[:21] + "99" + SLIP.code[23:]}, InvalidSlip, "check digits 32"),
        ({"barcode": SLIP.code[:-1]}, InvalidSlip, "42 digits"),
        ({"barcode": _other_code(amount=Cents(48121))}, ValueError, "amount 48120 on the slip"),
        ({"barcode": _other_code(issuer="080194")}, ValueError, "issuer 080193 on the slip"),
        (
            {"barcode": _other_code(deadline=date(2026, 11, 21))},
            ValueError,
            "deadline 2026-11-20 on the slip",
        ),
        ({"issuer": "Hisenda"}, ValueError, "six-digit issuer"),
        ({"lang": "fr"}, ValueError, "lang must be one of"),
        ({"printed_at": datetime(2026, 3, 5, 10, 0)}, ValueError, "aware"),
        ({"printed_at": datetime(2026, 11, 20, 23, 30, tzinfo=UTC)}, ValueError, "day of printing"),
        ({"tz": "Europe/Nowhere"}, ValueError, "time zone"),
        ({"taxpayer": "Núria"}, ValueError, "Party"),
    ],
)
def test_a_wrong_slip_is_refused_before_anything_is_drawn(
    changes: dict[str, Any],
    error: type[Exception],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn: list[object] = []
    monkeypatch.setattr(layout, "build", lambda *args, **kwargs: drawn.append(args))
    with pytest.raises(error, match=message):
        render_slip(make_slip(**changes))
    assert drawn == []


def test_a_slip_can_be_printed_until_the_last_minute_of_its_deadline_in_madrid() -> None:
    # 22:59 UTC on the 20th is 23:59 CET, still the deadline there; 23:30 UTC is already the
    # 21st in Madrid (refused above).
    late = make_slip(printed_at=datetime(2026, 11, 20, 22, 59, tzinfo=UTC))
    assert late.local_printed_at.date() == late.deadline


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"principal": Cents(-1), "total": Cents(-1)}, ValueError, "principal of 0 cents"),
        ({"surcharge": Cents(1)}, ValueError, "principal \\+ surcharge \\+ interest"),
        ({"principal": Cents(0), "total": Cents(0)}, ValueError, "total of 1 cents"),
        ({"principal": 481.2}, TypeError, "integer cents"),
        ({"reference": " "}, ValueError, "empty"),
        ({"tax_label": "IBI\x00"}, ValueError, "control characters"),
    ],
)
def test_a_wrong_line_is_refused(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    fields: dict[str, Any] = {
        "reference": IBI.reference,
        "tax_label": IBI.tax_label,
        "object_label": IBI.object_label,
        "period": IBI.period,
        "principal": IBI.principal,
        "surcharge": IBI.surcharge,
        "interest": IBI.interest,
        "total": IBI.total,
    }
    fields.update(changes)
    with pytest.raises(error, match=message):
        TaxLine(**fields)
