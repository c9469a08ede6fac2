"""The payment slip's barcode: Cuaderno 60 (the Spanish banks' collection standard for
public bodies), format 521, 42 digits::

    90 521 IIIIII DDDDDDDDDDCC 1TTTYYLNNN AAAAAAAA 0
    |  |   |      |         |  |          |        +- fixed 0
    |  |   |      |         |  |          +---------- amount, 8 digits of euro cents
    |  |   |      |         |  +--------------------- identification (10): 1, tax code (3),
    |  |   |      |         |                          tax year (YY), last digit of the
    |  |   |      |         |                          deadline's year, deadline day-of-year (3)
    |  |   |      |         +------------------------ check digits (2): :func:`check_digits`
    |  |   |      +---------------------------------- document number (10)
    |  |   +----------------------------------------- issuer (6: the city's code at the banks)
    |  +--------------------------------------------- format 521
    +------------------------------------------------ application identifier 90

The check digits are computed in :func:`check_digits` and nowhere else: the formula is the one
two public implementations agree on, and a published fixture disagrees with it, so it is to be
confirmed with a bank (docs/taxes.md). Invalid fields raise :class:`InvalidSlip`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from finestreta.procedures.taxes.money import MAX_CENTS, Cents, cents

PREFIX = "90" + "521"
LENGTH = 42
_CODE = re.compile(r"90521([0-9]{6})([0-9]{10})([0-9]{2})(1[0-9]{9})([0-9]{8})0")


class InvalidSlip(ValueError):
    """A field cannot go on a slip, or a code is not a valid format-521 barcode; ``field``
    names the field (``"code"`` for the code as a whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Slip:
    """What a format-521 barcode carries. The deadline's year is written with one digit only,
    so it must lie within ``tax_year - 1 … tax_year + 8`` to be read back unambiguously."""

    issuer: str
    document: str
    tax_code: str
    tax_year: int
    deadline: date
    amount: Cents

    def __post_init__(self) -> None:
        _digits("issuer", self.issuer, 6)
        _digits("document", self.document, 10)
        _digits("tax_code", self.tax_code, 3)
        if isinstance(self.tax_year, bool) or not isinstance(self.tax_year, int):
            raise InvalidSlip(
                "tax_year", f"Expected the tax year as an int, but got {self.tax_year!r}"
            )
        if not 2000 <= self.tax_year <= 2099:
            raise InvalidSlip(
                "tax_year", f"Expected a tax year in 2000–2099, but got {self.tax_year}"
            )
        if not isinstance(self.deadline, date):
            raise InvalidSlip(
                "deadline", f"Expected the deadline as a date, but got {self.deadline!r}"
            )
        if not self.tax_year - 1 <= self.deadline.year <= self.tax_year + 8:
            raise InvalidSlip(
                "deadline",
                f"Expected a deadline in {self.tax_year - 1}–{self.tax_year + 8} (its year is "
                f"written with one digit), but got {self.deadline.isoformat()}",
            )
        amount = cents(self.amount)
        if not 1 <= amount <= MAX_CENTS:
            raise InvalidSlip(
                "amount", f"Expected 1 to {MAX_CENTS} cents (8 digits), but got {amount}"
            )

    @property
    def identification(self) -> str:
        """``1`` + tax code + YY + last digit of the deadline's year + its day of the year."""
        day = self.deadline.timetuple().tm_yday
        return f"1{self.tax_code}{self.tax_year % 100:02d}{self.deadline.year % 10}{day:03d}"

    @property
    def reference(self) -> str:
        """The document number followed by its two check digits."""
        return self.document + check_digits(
            self.issuer, self.document, self.identification, self.amount
        )

    @property
    def code(self) -> str:
        """The 42 digits of the barcode (to be rendered as GS1-128)."""
        return f"{PREFIX}{self.issuer}{self.reference}{self.identification}{self.amount:08d}0"


def check_digits(issuer: str, document: str, identification: str, amount: int) -> str:
    """The reference's two check digits (to be confirmed: see the module's docstring)::

    T  = issuer·76 + document·9 + (identification + amount − 1)·55
    DC = 99 − ⌊100·(T mod 97) / 97⌋          (1 … 99, written with two digits)
    """
    total = int(issuer) * 76 + int(document) * 9 + (int(identification) + amount - 1) * 55
    return f"{99 - (100 * (total % 97)) // 97:02d}"


def parse(code: str) -> Slip:
    """The slip a 42-digit code was made from; a code of another shape, or whose check digits
    or dates do not hold, is refused (:class:`InvalidSlip`)."""
    match = _CODE.fullmatch(code) if isinstance(code, str) else None
    if match is None:
        raise InvalidSlip(
            "code", f"Expected 42 digits starting 90521 and ending 0, but got {code!r}"
        )
    issuer, document, given, identification, amount = match.groups()
    tax_code, yy, year_digit, day = (
        identification[1:4],
        int(identification[4:6]),
        int(identification[6]),
        int(identification[7:10]),
    )
    tax_year = 2000 + yy
    # The one year in tax_year - 1 … tax_year + 8 that ends in the written digit.
    deadline_year = tax_year - 1 + (year_digit - (tax_year - 1)) % 10
    days_in_year = (date(deadline_year + 1, 1, 1) - date(deadline_year, 1, 1)).days
    if not 1 <= day <= days_in_year:
        raise InvalidSlip(
            "deadline", f"Expected a day of {deadline_year} (1–{days_in_year}), but got {day}"
        )
    slip = Slip(
        issuer=issuer,
        document=document,
        tax_code=tax_code,
        tax_year=tax_year,
        deadline=date(deadline_year, 1, 1) + timedelta(days=day - 1),
        amount=Cents(int(amount)),
    )
    if slip.reference[10:] != given:
        raise InvalidSlip("code", f"Expected check digits {slip.reference[10:]}, but got {given}")
    return slip


def _digits(field: str, value: str, length: int) -> None:
    if not isinstance(value, str) or not re.fullmatch(rf"[0-9]{{{length}}}", value):
        raise InvalidSlip(field, f"Expected {length} digits for {field}, but got {value!r}")
