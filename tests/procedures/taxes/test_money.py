"""Money is integer cents: read and written as people write euros, never a float."""

from __future__ import annotations

import io
import tokenize
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finestreta.procedures.taxes import money
from finestreta.procedures.taxes.money import Cents, cents, format_euros, parse_euros, to_euros

PACKAGE = Path(money.__file__).parent


def floats_in(source: str) -> list[str]:
    """Float literals and ``float(`` calls in Python source (not ``isinstance(x, float)``)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    found = []
    for token, following in zip(tokens, [*tokens[1:], None], strict=True):
        number = token.type == tokenize.NUMBER and not token.string.lower().startswith("0x")
        if number and any(c in token.string.lower() for c in ".ej"):
            found.append(token.string)
        elif token.string == "float" and following is not None and following.string == "(":
            found.append("float(")
    return found


def test_the_float_detector_sees_floats() -> None:
    assert floats_in("a = 1.5\nb = float('2')\nc = 3e2\nd = 0xE\ne = isinstance(a, float)\n") == [
        "1.5",
        "float(",
        "3e2",
    ]


def test_no_float_in_the_taxes_package() -> None:
    found = {
        str(path.relative_to(PACKAGE)): floats_in(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert {path: hits for path, hits in found.items() if hits} == {}


@pytest.mark.parametrize("value", [12.34, True, Decimal("12.34"), "1234"])
def test_only_integers_are_cents(value: object) -> None:
    with pytest.raises(TypeError):
        cents(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_euros(value, "ca")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "locale", "text"),
    [
        # CLDR's patterns: the symbol after a no-break space in ca and es, before in en.
        (1234, "ca", "12,34\u00a0€"),
        (1234, "es", "12,34\u00a0€"),
        (1234, "en", "€12.34"),
        (123456, "ca", "1.234,56\u00a0€"),
        (123456, "en", "€1,234.56"),
        (5, "es", "0,05\u00a0€"),
    ],
)
def test_format_and_parse(amount: int, locale: str, text: str) -> None:
    assert format_euros(Cents(amount), locale) == text
    assert parse_euros(text, locale) == amount


@pytest.mark.parametrize(
    ("text", "locale", "amount"),
    [
        ("12,34 €", "ca", 1234),
        ("12", "es", 1200),
        ("12,3", "ca", 1230),
        ("€ 1,234.5", "en", 123450),
    ],
)
def test_parse_what_people_type(text: str, locale: str, amount: int) -> None:
    assert parse_euros(text, locale) == amount


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("12.34", "ca"),
        ("12,345", "ca"),
        ("-12,00", "es"),
        ("1e3", "en"),
        ("", "en"),
        ("12,34 $", "es"),
        ("١٢", "en"),
    ],
)
def test_parse_refuses_what_is_not_an_amount(text: str, locale: str) -> None:
    with pytest.raises(ValueError, match="Expected an amount in euros"):
        parse_euros(text, locale)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["ca", "es", "en"]))
def test_format_then_parse_gives_the_same_cents(amount: int, locale: str) -> None:
    assert parse_euros(format_euros(Cents(amount), locale), locale) == amount
    assert to_euros(Cents(amount)) * 100 == amount
