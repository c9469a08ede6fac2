"""Money as integer cents, end to end.

A binary float cannot hold 0.10 exactly, and a treasury reconciles to the cent: every amount
here is a :data:`Cents` (an ``int``), converted to euros only to be read or printed, through
:class:`~decimal.Decimal`. Every function refuses a ``float`` with :class:`TypeError`, so a
float that slips in from a form or a JSON body fails at once instead of rounding quietly
(tests/procedures/taxes/test_money.py also greps this package for float literals).
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_currency, get_decimal_symbol, get_group_symbol

# The platform's type, so that what this procedure computes is what the payment desk charges
# (one NewType for mypy, not two that look alike).
from finestreta.payments.money import Cents as Cents

# A Cuaderno 60 slip carries 8 digits of cents; no municipal receipt comes near it.
MAX_CENTS = Cents(99_999_999)
_SPACES = "\u00a0\u202f "  # Babel separates the symbol with a (narrow) no-break space


def cents(value: int) -> Cents:
    """``value`` as :data:`Cents`; a float, a bool or a Decimal is refused (TypeError)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Expected an amount as integer cents, but got {type(value).__name__}")
    return Cents(value)


def to_euros(amount: Cents) -> Decimal:
    """The exact euro value of ``amount`` (2 decimals), for printing and gateways."""
    return Decimal(cents(amount)).scaleb(-2)


def format_euros(amount: Cents, locale: str) -> str:
    """``amount`` as a person of ``locale`` writes euros: ``12,34 €`` (ca, es), ``€12.34`` (en)."""
    return format_currency(to_euros(amount), "EUR", locale=locale)


def parse_euros(text: str, locale: str) -> Cents:
    """The cents of an amount written in euros in ``locale`` (``1.234,56 €``, ``€1,234.56``,
    ``12``); more than two decimals, a sign or anything else is refused (ValueError)."""
    if not isinstance(text, str):
        raise TypeError(f"Expected the amount as text, but got {type(text).__name__}")
    decimal = re.escape(get_decimal_symbol(locale))
    group = re.escape(get_group_symbol(locale))
    bare = text.strip(_SPACES).removeprefix("€").removesuffix("€").strip(_SPACES)
    pattern = rf"([0-9]{{1,3}}(?:{group}[0-9]{{3}})+|[0-9]+)(?:{decimal}([0-9]{{1,2}}))?"
    match = re.fullmatch(pattern, bare)
    if match is None:
        raise ValueError(f"Expected an amount in euros as written in {locale!r}, but got {text!r}")
    whole = int(re.sub("[^0-9]", "", match.group(1)))
    fraction = int((match.group(2) or "0").ljust(2, "0"))
    return Cents(whole * 100 + fraction)
