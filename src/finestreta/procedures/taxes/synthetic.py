"""Demo receipts of the census demo's fixed residents, relative to the day they are made.

``generate(today)`` returns CSV rows (see :mod:`finestreta.procedures.taxes.importer`) for five
of the people of :data:`finestreta.padro.synthetic.DEMO_PEOPLE` — the same DNIs, NIE and names,
so that a demo clerk finds them in both registers — with their property tax (IBI, on a valid
cadastral reference), vehicle tax (IVTM, on a plate) and fees (waste collection): some paid,
some pending in their voluntary period, one past it, one in enforcement, one domiciled with a
future charge date and one cancelled. Dates are counted from ``today``, so a demo made on any
day has receipts to pay; docs/taxes.md lists them. Never import this into a real register.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from stdnum.es import referenciacatastral

from finestreta.padro.synthetic import DEMO
from finestreta.procedures.taxes.importer import COLUMNS, OPTIONAL_COLUMNS
from finestreta.procedures.taxes.register import Channel, ObjectKind, ReceiptState, Tax

Row = dict[str, str]

# The tax codes the demo prints on its slips (a city has its own).
TAX_CODES = {Tax.IBI: "100", Tax.IVTM: "200", Tax.FEE: "300"}
WASTE_FEE = "Taxa de residus"


def cadastral_reference(parcel_and_item: str) -> str:
    """A valid 20-character cadastral reference from its first 18 (parcel and item)."""
    return parcel_and_item + referenciacatastral.calc_check_digits(parcel_and_item)


@dataclass(frozen=True)
class Thing:
    kind: ObjectKind
    id: str
    label: str


MALLORCA = Thing(
    ObjectKind.PROPERTY,
    cadastral_reference("0758218DF3805H0012"),
    "Carrer de Mallorca 401, 3r 2a",
)
VERDI = Thing(
    ObjectKind.PROPERTY, cadastral_reference("1486305DF2818F0007"), "Carrer de Verdi 55, 2n 1a"
)
SANT_ANDREU = Thing(
    ObjectKind.PROPERTY,
    cadastral_reference("2653110DF3825C0015"),
    "Carrer Gran de Sant Andreu 210, 4t 1a",
)
JORDI_CAR = Thing(ObjectKind.VEHICLE, "4821KLM", "Turisme 4821 KLM")
CARME_CAR = Thing(ObjectKind.VEHICLE, "9035HJB", "Turisme 9035 HJB")
YOUSSEF_VAN = Thing(ObjectKind.VEHICLE, "7312GPR", "Furgoneta 7312 GPR")
BLAI = Thing(
    ObjectKind.PROPERTY, cadastral_reference("0915807DF2801E0004"), "Carrer de Blai 30, 1r 1a"
)
CARME_SHOP = Thing(ObjectKind.ACTIVITY, "ACT-2019-00412", "Merceria, Carrer de Sant Adrià 12")


class _Generator:
    def __init__(self, today: date) -> None:
        self.today = today
        self.rows: list[Row] = []
        self.sequence = 0

    def receipt(
        self,
        person: str,
        tax: Tax,
        thing: Thing,
        principal: int,
        *,
        years_ago: int = 0,
        starts: int,  # the voluntary period's first day, in days from today
        days: int = 60,  # its length
        state: ReceiptState = ReceiptState.PENDING,
        fee: str = "",
        domiciled_charge: int | None = None,  # days from today
        notified: int | None = None,  # days from today
        paid: tuple[int, Channel, str] | None = None,  # days from today, channel, reference
    ) -> None:
        who = DEMO[person]
        year = self.today.year - years_ago
        first = self.today + timedelta(days=starts)
        last = first + timedelta(days=days)
        self.sequence += 1
        code = TAX_CODES[tax]
        label = f"{fee}: {thing.label}" if fee else thing.label
        paid_on, channel, payment = paid if paid else (None, None, "")
        self.rows.append(
            {
                "reference": f"{year % 100:02d}{code}{self.sequence:05d}",
                "nif": who.document_number,
                "name": f"{who.given_name} {who.surnames}",
                "tax": tax.value,
                "tax_code": code,
                "year": str(year),
                "period": str(year),
                "object_kind": thing.kind.value,
                "object_id": thing.id,
                "object_label": label,
                "principal_cents": str(principal),
                "voluntary_from": first.isoformat(),
                "voluntary_until": last.isoformat(),
                "state": state.value,
                "domiciled": "yes" if domiciled_charge is not None else "no",
                "charge_date": self._day(domiciled_charge),
                "enforcement_notified_on": self._day(notified),
                "paid_on": self._day(paid_on),
                "paid_cents": str(principal) if paid else "",
                "paid_channel": channel.value if channel else "",
                "payment_reference": payment,
            }
        )

    def _day(self, offset: int | None) -> str:
        return (self.today + timedelta(days=offset)).isoformat() if offset is not None else ""

    def demo(self) -> None:
        paid, pending = ReceiptState.PAID, ReceiptState.PENDING
        # Marta: two receipts to pay now (the card flow pays both), last year's IBI paid.
        self.receipt("family_adult", Tax.IBI, MALLORCA, 45678, starts=-30)
        self.receipt("family_adult", Tax.FEE, MALLORCA, 9850, starts=-30, fee=WASTE_FEE)
        self.receipt(
            "family_adult", Tax.IBI, MALLORCA, 44321, years_ago=1, starts=-400, state=paid,
            paid=(-350, Channel.BANK, "BANC-0049-7731"),
        )  # fmt: skip
        # Jordi: his car tax will be charged to his account in 30 days; a duplicate cancelled.
        self.receipt("family_partner", Tax.IVTM, JORDI_CAR, 14230, starts=-10, domiciled_charge=30)
        self.receipt(
            "family_partner", Tax.IVTM, JORDI_CAR, 14230, years_ago=1, starts=-380,
            domiciled_charge=-350, state=paid, paid=(-350, Channel.DOMICILIATION, "DOM-88120"),
        )  # fmt: skip
        self.receipt(
            "family_partner", Tax.FEE, MALLORCA, 9850, years_ago=1, starts=-400,
            fee=WASTE_FEE, state=ReceiptState.CANCELLED,
        )  # fmt: skip
        # Joan: last year's IBI in enforcement (order notified 10 days ago: 10 % today).
        self.receipt(
            "alone", Tax.IBI, VERDI, 38765, years_ago=1, starts=-130,
            state=ReceiptState.ENFORCEMENT, notified=-10,
        )  # fmt: skip
        self.receipt("alone", Tax.IBI, VERDI, 39540, starts=-30)
        # Carme: everything paid (up to date): IBI at a counter, IVTM by card at a booth.
        self.receipt(
            "sixteen_parent", Tax.IBI, SANT_ANDREU, 52110, starts=-40, state=paid,
            paid=(-12, Channel.COUNTER, "OAC-2231"),
        )  # fmt: skip
        self.receipt(
            "sixteen_parent", Tax.IVTM, CARME_CAR, 9871, starts=-40, state=paid,
            paid=(-20, Channel.CARD_BOOTH, "0001DEMO0001"),
        )  # fmt: skip
        self.receipt(
            "sixteen_parent", Tax.FEE, CARME_SHOP, 21500, starts=-40, state=paid,
            fee="Taxa de residus comercials", paid=(-25, Channel.BANK, "BANC-2100-0412"),
        )  # fmt: skip
        # Youssef: his van's tax in its voluntary period; a fee past it (5 % surcharge today).
        self.receipt("flatmate_nie", Tax.IVTM, YOUSSEF_VAN, 16815, starts=-15)
        self.receipt("flatmate_nie", Tax.FEE, BLAI, 7420, starts=-100, state=pending, fee=WASTE_FEE)


def generate(today: date | None = None) -> list[Row]:
    """The demo receipts, dated from ``today`` (default: the current date)."""
    generator = _Generator(today or date.today())
    generator.demo()
    return generator.rows


def write_csv(path: Path | str, *, today: date | None = None) -> int:
    """Write the demo receipts as an importable CSV file; returns how many."""
    rows = generate(today)
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=(*COLUMNS, *OPTIONAL_COLUMNS), lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
