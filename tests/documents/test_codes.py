"""Verification codes: format, check character, typo tolerance, uniqueness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from finestreta.documents.verification import (
    ALPHABET,
    CODE_LENGTH,
    CodeError,
    check_character,
    format_code,
    new_code,
    parse_code,
)

SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]{6}")
SAMPLE = [new_code() for _ in range(40)]


def test_codes_are_three_groups_of_six_crockford_characters() -> None:
    for code in SAMPLE:
        assert len(code) == CODE_LENGTH == 18
        assert SHAPE.fullmatch(format_code(code)), code
        assert parse_code(format_code(code)) == code


def test_ten_thousand_codes_are_distinct_valid_and_use_every_symbol() -> None:
    codes = [new_code() for _ in range(10_000)]
    assert len(set(codes)) == 10_000
    assert all(parse_code(c) == c for c in codes)
    # 85 random bits: every symbol turns up in every random position.
    assert all({c[i] for c in codes} == set(ALPHABET) for i in range(CODE_LENGTH - 1))


def test_every_single_wrong_character_is_a_typo() -> None:
    missed = []
    for code in SAMPLE[:10]:
        for position in range(CODE_LENGTH):
            for symbol in ALPHABET:
                if symbol == code[position]:
                    continue
                wrong = code[:position] + symbol + code[position + 1 :]
                try:
                    parse_code(wrong)
                    missed.append(wrong)
                except CodeError as error:
                    assert error.reason == "typo"
    assert missed == []


def test_every_swap_of_two_characters_is_a_typo() -> None:
    missed = []
    for code in SAMPLE:
        for i in range(CODE_LENGTH):
            for j in range(i + 1, CODE_LENGTH):
                if code[i] == code[j]:
                    continue
                chars = list(code)
                chars[i], chars[j] = chars[j], chars[i]
                try:
                    parse_code("".join(chars))
                    missed.append("".join(chars))
                except CodeError as error:
                    assert error.reason == "typo"
    assert missed == []


def test_reading_is_tolerant() -> None:
    body = "0123456789ABCDEFG"
    code = body + check_character(body)
    shown = format_code(code)
    typed = [
        shown.lower(),
        code,
        " ".join(shown.split("-")),
        f"  {shown}  ",
        shown.replace("0", "O").replace("1", "I"),
        shown.replace("1", "l").replace("0", "o"),
        shown.replace("-", "."),
    ]
    assert [parse_code(t) for t in typed] == [code] * len(typed)


@pytest.mark.parametrize(
    "text",
    ["", "ABC", "0123456789ABCDEFGHJ", "0123456789ABCDEFGU", "0123456789ABCDEF*H", "x" * 200],
)
def test_what_is_not_a_code_is_malformed(text: str) -> None:
    with pytest.raises(CodeError) as refused:
        parse_code(text)
    assert refused.value.reason == "malformed"


def test_the_check_character_needs_a_full_body() -> None:
    with pytest.raises(ValueError, match="17 base-32"):
        check_character("ABC")


def test_the_example_on_the_form_is_a_valid_code() -> None:
    template = Path(__file__).parents[2] / "src/finestreta/web/templates/verify.html"
    example = re.search(r"for example ([0-9A-Z-]{20})\.", template.read_text(encoding="utf-8"))
    assert example is not None and parse_code(example[1]) == example[1].replace("-", "")
