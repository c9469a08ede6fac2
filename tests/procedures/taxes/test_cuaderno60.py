"""The Cuaderno 60 format-521 barcode: its fields, its check digits, and reading it back.

External vectors: the brief asked for the published implementations and the disagreeing
fixture the domain notes mention. The project's code search (public GitHub index) was asked
for them ("cuaderno 60 modalidad 1 521", "90521", the formula's weights 76/9/55 and modulus
97) and returned none: only Spain's SIGEM (ieci.tecdoc.sgm.pe) handles Cuaderno 60 there, and
it delegates the check digits to a bank's web service. So the vectors below are worked by hand
from the formula of the domain notes, arithmetic in the comments, and the formula stays
*to be confirmed* against a bank's published example (docs/taxes.md).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finestreta.procedures.taxes.cuaderno60 import InvalidSlip, Slip, check_digits, parse
from finestreta.procedures.taxes.money import Cents


def test_check_digits_worked_by_hand() -> None:
    # issuer 080193, document 0000012345, identification 1100255309, amount 45678:
    #   80193·76 = 6,094,668;  12345·9 = 111,105;  (1100255309 + 45678 − 1)·55 = 60,516,554,230
    #   T = 60,522,760,003;  T mod 97 = 40;  ⌊100·40/97⌋ = 41;  DC = 99 − 41 = 58
    assert check_digits("080193", "0000012345", "1100255309", 45678) == "58"


def test_a_slip_worked_by_hand() -> None:
    # IBI (tax code 100) of 2025, deadline 5 November 2025 = day 309 of 2025:
    #   identification = 1 · 100 · 25 · 5 · 309 = 1100255309
    slip = Slip("080193", "0000012345", "100", 2025, date(2025, 11, 5), Cents(45678))
    assert slip.identification == "1100255309"
    assert slip.code == "905210801930000012345581100255309000456780"
    assert len(slip.code) == 42
    assert parse(slip.code) == slip


def test_the_largest_fields_worked_by_hand() -> None:
    # identification: 1 · 999 · 99 · 9 · 365 (31 December 2099, not a leap year) = 1999999365
    #   999999·76 = 75,999,924;  9999999999·9 = 89,999,999,991
    #   (1999999365 + 99999999 − 1)·55 = 2,099,999,363·55 = 115,499,964,965
    #   T = 205,575,964,880;  T mod 97 = 12;  ⌊1200/97⌋ = 12;  DC = 99 − 12 = 87
    slip = Slip("999999", "9999999999", "999", 2099, date(2099, 12, 31), Cents(99_999_999))
    assert slip.reference == "999999999987"
    assert parse(slip.code) == slip


def test_a_wrong_check_digit_is_refused() -> None:
    code = Slip("080193", "0000012345", "100", 2025, date(2025, 11, 5), Cents(45678)).code
    tampered = code[:21] + "59" + code[23:]
    with pytest.raises(InvalidSlip, match="check digits 58"):
        parse(tampered)


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("issuer", {"issuer": "80193"}),
        ("issuer", {"issuer": "08019A"}),
        ("issuer", {"issuer": "٠٨٠١٩٣"}),  # Arabic-Indic digits are digits to \d, not to a bank
        ("document", {"document": "12345"}),
        ("tax_code", {"tax_code": "1000"}),
        ("tax_year", {"tax_year": 1999}),
        ("tax_year", {"tax_year": 2100}),
        ("deadline", {"deadline": date(2034, 1, 1)}),  # its year's digit would read back as 2024
        ("deadline", {"deadline": date(2023, 12, 31)}),
        ("amount", {"amount": Cents(0)}),
        ("amount", {"amount": Cents(100_000_000)}),
    ],
)
def test_each_field_is_validated(field: str, changes: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "issuer": "080193",
        "document": "0000012345",
        "tax_code": "100",
        "tax_year": 2025,
        "deadline": date(2025, 11, 5),
        "amount": Cents(45678),
    } | changes
    with pytest.raises(InvalidSlip) as refused:
        Slip(**fields)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_float_amount_is_refused() -> None:
    with pytest.raises(TypeError):
        Slip("080193", "0000012345", "100", 2025, date(2025, 11, 5), 456.78)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "code",
    [
        "",
        "9052108019300000123455811002553090004567",  # 40 digits
        "905210801930000012345581100255309000456781",  # ends in 1
        "915210801930000012345581100255309000456780",  # not 90521
        "905210801930000012345582100255309000456780",  # identification not starting with 1
        "905210801930000012345581100255000000456780",  # day 000 of the year
        "905210801930000012345581100255366000456780",  # day 366 of 2025
    ],
)
def test_codes_of_another_shape_are_refused(code: str) -> None:
    with pytest.raises(InvalidSlip):
        parse(code)


@st.composite
def slips(draw: st.DrawFn) -> Slip:
    tax_year = draw(st.integers(min_value=2000, max_value=2099))
    deadline = draw(
        st.dates(min_value=date(tax_year - 1, 1, 1), max_value=date(tax_year + 8, 12, 31))
    )
    return Slip(
        issuer=draw(st.from_regex(r"[0-9]{6}", fullmatch=True)),
        document=draw(st.from_regex(r"[0-9]{10}", fullmatch=True)),
        tax_code=draw(st.from_regex(r"[0-9]{3}", fullmatch=True)),
        tax_year=tax_year,
        deadline=deadline,
        amount=Cents(draw(st.integers(min_value=1, max_value=99_999_999))),
    )


@given(slips())
def test_any_valid_slip_gives_42_digits_that_parse_back_equal(slip: Slip) -> None:
    assert len(slip.code) == 42 and slip.code.isascii() and slip.code.isdigit()
    assert parse(slip.code) == slip


@given(slips(), st.integers(min_value=0, max_value=41), st.integers(min_value=1, max_value=9))
def test_one_changed_digit_is_never_read_as_another_valid_slip(
    slip: Slip, position: int, delta: int
) -> None:
    code = slip.code
    changed = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1 :]
    # A change in the reference's check digits, or in a field covered by them, is caught:
    # the formula is affine in each field with weights prime to 97 (76, 9, 55).
    with pytest.raises(InvalidSlip):
        parse(changed)


def test_day_of_year_accounts_for_leap_years() -> None:
    slip = Slip("000001", "0000000001", "001", 2024, date(2024, 12, 31), Cents(1))
    assert slip.identification == "1001244366"
    assert parse(slip.code).deadline == date(2024, 12, 31)
    assert parse(slip.code).deadline - timedelta(days=365) == date(2024, 1, 1)
