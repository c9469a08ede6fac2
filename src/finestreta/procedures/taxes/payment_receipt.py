"""The payment receipt (*justificant de pagament*) as a sealed PDF/A-2b: plain data in, PDF
bytes out.

Issued once an order is settled (never on the browser's return from the card page): who
paid, the order, when and by which channel, the gateway's authorisation code, and each
receipt paid with its principal, surcharge and interest, and the total. Sealed, registered
and verifiable like a volant (:func:`issue_payment_receipt` goes through
:func:`finestreta.documents.issuing.issue_sealed`, kind ``payment_receipt``).

Anyone may pay a receipt by its reference: a payer who was not identified is printed as such,
and the registry entry is then in the name of the order (its number as an "other" document),
the only identity the payment has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Spacer
from sqlalchemy.orm import Session

from finestreta.documents.issuing import Issuance, IssuedCertificate
from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.heading import CityHeading
from finestreta.documents.pdf.issuance import when
from finestreta.documents.pdf.styles import facts_table, para, paragraph_styles
from finestreta.documents.seal import Seal
from finestreta.documents.service import Documents
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.printed import (
    GAP,
    ISSUING_UNIT,
    DocumentKind,
    Party,
    TaxLine,
    check_amount,
    check_aware,
    check_text,
    check_zone,
    document_title,
    euros,
    issue_document,
    lines_tuple,
    same_zone,
    sealed_pdf,
    tax_lines_table,
    texts,
)

__all__ = [
    "PaymentReceiptData",
    "issue_payment_receipt",
    "payment_receipt_title",
    "render_payment_receipt",
]

KIND = DocumentKind.PAYMENT_RECEIPT
# A payment order: 4 to 12 characters, the first 4 digits (the gateways' rule).
_ORDER = re.compile(r"[0-9]{4}[0-9A-Za-z]{0,8}")


def payment_receipt_title(lang: str) -> str:
    """``Justificant de pagament`` and the like."""
    return document_title(KIND, lang)


@dataclass(frozen=True)
class PaymentReceiptData:
    """Everything a payment receipt shows. ``total`` is the sum of the lines' totals (checked);
    ``paid_at`` (aware) is when the payment was settled, printed in ``tz``; ``channel_label``
    says how, in the document's language ("Card at the booth"); ``authorisation`` is the
    gateway's authorisation code, when there is one. ``payer`` is None when whoever paid was
    not identified."""

    city: CityHeading
    lang: str
    payer: Party | None
    order_number: str
    lines: tuple[TaxLine, ...]
    total: Cents
    paid_at: datetime
    channel_label: str
    authorisation: str | None
    tz: str = "Europe/Madrid"

    def __post_init__(self) -> None:
        layout.check_language(self.lang)
        if self.payer is not None and not isinstance(self.payer, Party):
            raise ValueError(f"Expected the payer as a Party or None, but got {self.payer!r}")
        if not isinstance(self.order_number, str) or not _ORDER.fullmatch(self.order_number):
            raise ValueError(
                "Expected an order number of 4 to 12 letters and digits, the first 4 digits, "
                f"but got {self.order_number!r}"
            )
        lines = lines_tuple("receipts paid", self.lines, TaxLine)
        object.__setattr__(self, "lines", lines)
        references = [line.reference for line in lines]
        if len(set(references)) != len(references):
            raise ValueError(f"Expected each receipt once, but got {references}")
        check_amount("the total", self.total, minimum=1)
        if sum(line.total for line in lines) != self.total:
            raise ValueError(
                f"Expected the total to be the sum of the lines "
                f"({sum(line.total for line in lines)}), but got {self.total}"
            )
        check_aware("paid_at", self.paid_at)
        check_text("the channel", self.channel_label)
        if self.authorisation is not None:
            check_text("the authorisation code", self.authorisation, 40)
        check_zone(self.tz)

    @property
    def title(self) -> str:
        return payment_receipt_title(self.lang)

    @property
    def party(self) -> Party:
        """In whose name the receipt is registered: the payer, or else the order."""
        if self.payer is not None:
            return self.payer
        _ = texts(self.lang)
        return Party(_("Payer not identified"), "other", self.order_number.upper())


def render_payment_receipt(data: PaymentReceiptData, issuance: Issuance) -> bytes:
    """The payment receipt as PDF/A-2b bytes, with what its issuance gave it (registry
    number, code, verification address, time)."""
    _ = texts(data.lang)
    lang = data.lang
    styles = paragraph_styles(load_fonts())
    payer = data.payer.shown(lang) if data.payer else _("Not identified (paid by reference)")
    facts = [
        (_("Payer"), payer),
        (_("Payment order"), data.order_number),
        (_("Paid on"), when(data.paid_at.astimezone(ZoneInfo(data.tz)))),
        (_("Payment channel"), data.channel_label),
    ]
    if data.authorisation:
        facts.append((_("Authorisation code"), data.authorisation))
    facts.append((_("Amount paid"), euros(data.total, lang)))
    count = len(data.lines)
    body: list[Any] = [
        para(
            _(
                "The City Council has received the payment below, which settles the receipts listed."
            ),
            styles.base,
        ),
        Spacer(1, 3 * mm),
        facts_table(facts, styles, 45 * mm),
        Spacer(1, 5 * mm),
        para(_("Receipts paid ({count})").format(count=count), styles.heading),
        Spacer(1, GAP),
        tax_lines_table(data.lines, data.total, lang, styles),
        Spacer(1, 4 * mm),
        para(
            _(
                "Keep this receipt: it proves the payment of the receipts listed, for the "
                "amounts shown. It does not certify that there are no other debts."
            ),
            styles.strong,
        ),
    ]
    return sealed_pdf(
        city=data.city,
        lang=lang,
        tz=data.tz,
        title=data.title,
        subject=_("Payment order {number}").format(number=data.order_number),
        issuance=issuance,
        body=body,
    )


def issue_payment_receipt(
    session: Session,
    *,
    data: PaymentReceiptData,
    seal: Seal,
    documents: Documents,
    public_url: str,
    created_by: str,
    call_id: str | None = None,
    tz: str | None = None,
    registry: str | None = None,
    issuing_unit: str = ISSUING_UNIT,
    now: datetime | None = None,
) -> IssuedCertificate:
    """Issue the payment receipt in the session's transaction (see
    :func:`~finestreta.documents.issuing.issue_sealed`): the data was checked when it was made;
    the entry is in the payer's name (or the order's), titled in the data's language. ``tz``,
    if given, must be the data's."""
    if not isinstance(data, PaymentReceiptData):
        raise ValueError(f"Expected PaymentReceiptData, but got {type(data).__name__}")
    return issue_document(
        session,
        kind=KIND,
        render=lambda issuance: render_payment_receipt(data, issuance),
        party=data.party,
        city=data.city,
        lang=data.lang,
        tz=same_zone(data.tz, tz),
        seal=seal,
        documents=documents,
        public_url=public_url,
        created_by=created_by,
        call_id=call_id,
        registry=registry,
        issuing_unit=issuing_unit,
        now=now,
    )
