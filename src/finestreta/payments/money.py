"""Money as integer cents (the platform's; a procedure's money module re-uses :data:`Cents`).

A payment's amount is never a float: a float cannot hold 0.10 exactly and a treasury
reconciles to the cent. :func:`cents` refuses anything but an ``int`` (a bool neither), and
:func:`euros_text` writes cents as a Spanish bank's settlement file does (``12,34``), by
integer arithmetic only.
"""

from __future__ import annotations

from typing import NewType

Cents = NewType("Cents", int)


def cents(value: int) -> Cents:
    """``value`` as :data:`Cents`; a float, a bool or a Decimal is refused (TypeError)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Expected an amount as integer cents, but got {type(value).__name__}")
    return Cents(value)


def euros_text(amount: Cents) -> str:
    """``amount`` in euros with a decimal comma and no grouping: ``1234`` → ``"12,34"``."""
    value = cents(amount)
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 100)
    return f"{sign}{whole},{fraction:02d}"
