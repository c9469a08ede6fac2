"""DNI, NIE and passport numbers: check letters computed as DOMAIN.md says, normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finestreta.padro.identity import (
    DocumentType,
    IdDocument,
    InvalidId,
    check_letter,
    parse_any,
    parse_id,
)

LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_letter(number: int) -> str:
    """DOMAIN.md: 'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]."""
    return LETTERS[number % 23]


def nie_letter(prefix: str, number: int) -> str:
    """DOMAIN.md: the leading X/Y/Z counts as 0/1/2 first."""
    return dni_letter(int(f"{'XYZ'.index(prefix)}{number:07d}"))


@pytest.mark.parametrize("number", [0, 1, 12345678, 11111111, 55555555, 99999999, 47123456])
def test_valid_dni(number: int) -> None:
    text = f"{number:08d}{dni_letter(number)}"
    assert parse_id("dni", text) == IdDocument(DocumentType.DNI, text)


@pytest.mark.parametrize(
    ("prefix", "number"), [("X", 1234567), ("Y", 2345678), ("Z", 3456789), ("X", 0)]
)
def test_valid_nie(prefix: str, number: int) -> None:
    text = f"{prefix}{number:07d}{nie_letter(prefix, number)}"
    assert parse_id("nie", text) == IdDocument(DocumentType.NIE, text)


def test_known_values() -> None:
    assert dni_letter(12345678) == "Z"
    assert parse_id("dni", "12345678Z").number == "12345678Z"
    assert parse_id("nie", "X1234567L").number == "X1234567L"


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("dni", "12345678z", "12345678Z"),
        ("dni", " 12 345 678-Z ", "12345678Z"),
        ("dni", "12.345.678-z", "12345678Z"),
        ("DNI", "12345678Z", "12345678Z"),
        ("nif", "12345678Z", "12345678Z"),
        ("nie", "x-1234567-l", "X1234567L"),
        ("NIE", "y 2345678 z", "Y2345678Z"),
        ("passport", "ab 123-456", "AB123456"),
        ("pasaporte", "pa1234567", "PA1234567"),
    ],
)
def test_normalisation(type_: str, raw: str, expected: str) -> None:
    assert parse_id(type_, raw).number == expected


@pytest.mark.parametrize(
    ("type_", "raw", "code"),
    [
        ("dni", "12345678A", "bad_check_letter"),
        ("dni", f"11111111{'T' if dni_letter(11111111) != 'T' else 'R'}", "bad_check_letter"),
        ("nie", "X1234567A", "bad_check_letter"),
        ("nie", "Z3456789T", "bad_check_letter"),
        ("dni", "1234567Z", "bad_format"),  # 7 digits
        ("dni", "123456789", "bad_format"),  # no letter
        ("dni", "X1234567L", "bad_format"),  # a NIE given as DNI
        ("nie", "A1234567L", "bad_format"),
        ("nie", "X12345678L", "bad_format"),
        ("passport", "AB12", "bad_format"),
        ("passport", "A" * 21, "bad_format"),
        ("passport", "AB#12345", "bad_format"),
        ("dni", "  - ", "empty"),
        ("driving_licence", "12345678Z", "unknown_id_type"),
    ],
)
def test_invalid(type_: str, raw: str, code: str) -> None:
    with pytest.raises(InvalidId) as caught:
        parse_id(type_, raw)
    assert caught.value.code == code


def test_bad_letter_message_names_the_right_letter() -> None:
    with pytest.raises(InvalidId) as caught:
        parse_id("dni", "12345678A")
    assert "should be Z" in caught.value.message


def test_parse_any_guesses_the_type() -> None:
    assert parse_any("12345678-z") == IdDocument(DocumentType.DNI, "12345678Z")
    assert parse_any("x1234567l") == IdDocument(DocumentType.NIE, "X1234567L")
    assert parse_any("pa 123 456") == IdDocument(DocumentType.PASSPORT, "PA123456")
    with pytest.raises(InvalidId) as caught:
        parse_any("12345678A")  # a DNI with a wrong letter is not a passport
    assert caught.value.code == "bad_check_letter"


def test_str_is_type_and_number() -> None:
    assert str(parse_id("nie", "x1234567l")) == "nie:X1234567L"


@given(st.integers(min_value=0, max_value=99_999_999), st.sampled_from(LETTERS))
def test_exactly_one_letter_fits_every_dni(number: int, letter: str) -> None:
    text = f"{number:08d}{letter}"
    fits = letter == dni_letter(number)
    assert check_letter(f"{number:08d}") == dni_letter(number)
    try:
        parse_id("dni", text)
        accepted = True
    except InvalidId:
        accepted = False
    assert accepted is fits


@given(st.sampled_from("XYZ"), st.integers(min_value=0, max_value=9_999_999))
def test_nie_letter_matches_the_domain_formula(prefix: str, number: int) -> None:
    body = f"{prefix}{number:07d}"
    assert parse_id("nie", body + nie_letter(prefix, number)).number == body + nie_letter(
        prefix, number
    )
    assert check_letter(body) == nie_letter(prefix, number)
