"""Municipal taxes during a call: identify the taxpayer, list their receipts, and, at the
citizen's choice, print a payment slip, pay by card at the booth, or get a payment certificate
or a certificate of being up to date.

Each step is a method of :class:`TaxDesk`. Like the census desk it holds nothing of the citizen
between requests: the identification in force is the call's last identity check (the
platform's ``identity_checks``, written the same way as for volants), and the register is asked
again, audited (``tax_lookups``), whenever its answer is needed. The rules (what is due today,
what may be paid by card, who is up to date) are :mod:`~finestreta.procedures.taxes.receipts`,
pure; the documents are :mod:`slip`, :mod:`payment_receipt` and :mod:`certificates`.

Card payments are the platform's (``finestreta.payments``): this desk makes the order of the
chosen receipts (amounts due on the day), the platform settles it on a verified notification
only, and calls back :meth:`TaxDesk.payment_settled` (post each receipt to the register, issue
the sealed payment receipt, print it at the booth) and :meth:`TaxDesk.payment_changed` (tell the
booth and the clerk).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from finestreta.documents.issuing import IssuedCertificate
from finestreta.documents.pdf.heading import CityHeading
from finestreta.errors import N_, Conflict, InvalidInput, NotFound, Unavailable, declare
from finestreta.identity.checks import last_check, record_check, validate_method
from finestreta.padro.identity import IdDocument
from finestreta.procedures.taxes import cuaderno60, receipts
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.register import (
    UNKNOWN_RECEIPT,
    Receipt,
    ReceiptState,
    Tax,
    Taxpayer,
)

log = logging.getLogger(__name__)

DOMAIN = "taxes"
LOCALE = Path(__file__).resolve().parent / "locale"
PURPOSE_IDENTIFY = "taxes: the taxpayer's receipts"
PURPOSE_PAY = "taxes: a receipt paid by its reference"
PURPOSE_CERTIFY = "taxes: a certificate"
CHANNEL_BOOTH = "card_booth"

NOT_IDENTIFIED = declare(
    "taxpayer_not_identified",
    InvalidInput,
    N_("Identify the taxpayer first."),
    domain=DOMAIN,
)
NOT_A_TAXPAYER = declare(
    "not_a_taxpayer",
    NotFound,
    N_("The tax register holds no receipt for this person."),
    domain=DOMAIN,
)
NO_SUCH_ORDER = declare(
    "no_such_order",
    NotFound,
    N_("There is no payment of this call with that number."),
    domain=DOMAIN,
)
DUE_UNKNOWN = declare(
    "due_unknown",
    Unavailable,
    N_(
        "What this receipt costs today cannot be worked out (the late-payment interest rate "
        "of a year is not configured): tell the treasury."
    ),
    domain=DOMAIN,
)
TAX_AND_YEAR_NEEDED = declare(
    "tax_and_year_needed", InvalidInput, N_("Choose the tax and the year."), domain=DOMAIN
)
NOTHING_CHOSEN = declare(
    "nothing_chosen", InvalidInput, N_("Choose at least one receipt."), domain=DOMAIN
)
NOTHING_PAID = declare(
    "nothing_paid",
    Conflict,
    N_("No receipt of that tax and year is paid: there is nothing to certify."),
    domain=DOMAIN,
)
NOT_THEIRS = declare(
    "not_the_taxpayer",
    InvalidInput,
    N_(
        "Only the taxpayer or their accredited representative may ask for this certificate: "
        "tick the representation once it was shown."
    ),
    domain=DOMAIN,
)
NO_SEAL = declare(
    "taxes_no_seal",
    Unavailable,
    N_("The city's electronic seal is not configured: certificates cannot be issued."),
    domain=DOMAIN,
)


def refusal_text(code: str | None, lang: str) -> str | None:
    """What a refusal of the rules (or an order under way) means, in ``lang``."""
    if code is None:
        return None
    if code in receipts.REFUSALS:
        return _texts(lang)(receipts.REFUSALS[code].clerk)
    if code == "due_unknown":
        return _texts(lang)(DUE_UNKNOWN.clerk)
    from finestreta.errors import CODES
    from finestreta.i18n import translator

    known = CODES.get(code)
    if known is None:
        return code
    return translator(lang, known.domain)(known.clerk)


@dataclass(frozen=True)
class ReceiptView:
    """A receipt as the clerk sees it on the day: what is due and what may be done with it."""

    receipt: Receipt
    due: receipts.Due | None  # None when nothing is due (paid, cancelled)
    card_refusal: str | None
    slip_refusal: str | None
    open_order: str | None


@dataclass(frozen=True)
class Identified:
    check_id: int
    method: str
    document: IdDocument
    taxpayer: Taxpayer | None
    receipts: tuple[ReceiptView, ...]


class TaxDesk:
    def __init__(
        self,
        *,
        platform: Any,
        register: Any,
        lookups: Any,
        settings: Any,
        clock: Callable[[], datetime],
    ) -> None:
        self.platform = platform
        self.register = register
        self.lookups = lookups
        self.settings = settings  # TaxesSettings
        self._clock = clock

    @property
    def city(self) -> Any:
        return self.platform.settings

    def today(self) -> date:
        return self._clock().astimezone(ZoneInfo(self.city.city_timezone)).date()

    @property
    def rates(self) -> dict[int, Decimal]:
        return dict(self.settings.interest_rates)

    # ------------------------------------------------------------------ 1. identify
    def identify(
        self,
        *,
        call_id: str,
        clerk_id: int,
        document: IdDocument,
        method: str,
        scan_document_id: str | None = None,
    ) -> Identified:
        validate_method(method, scan_document_id)  # before the register is asked
        found = self.lookups.receipts_of(
            document.number, clerk_id=clerk_id, call_id=call_id, purpose=PURPOSE_IDENTIFY
        )
        taxpayer = found[0].taxpayer if found else None
        with self.platform.db.session() as session:
            check_id = record_check(
                session,
                at=self._clock(),
                call_id=call_id,
                clerk_id=clerk_id,
                document=document,
                method=method,
                scan_document_id=scan_document_id,
                status="taxpayer" if found else "not_found",
                person_id=document.number if found else None,
                declared=None,
            )
        return Identified(check_id, method, document, taxpayer, self._views(found))

    def identified(self, call_id: str, clerk_id: int) -> Identified:
        """The identification in force in the call with its receipts, asked again (audited)."""
        with self.platform.db.session() as session:
            check = last_check(session, call_id)
        if check is None:
            raise NOT_IDENTIFIED("Identify the taxpayer first.")
        found = self.lookups.receipts_of(
            check.document.number, clerk_id=clerk_id, call_id=call_id, purpose=PURPOSE_IDENTIFY
        )
        taxpayer = found[0].taxpayer if found else None
        return Identified(check.id, check.method, check.document, taxpayer, self._views(found))

    def _views(self, found: Iterable[Receipt]) -> tuple[ReceiptView, ...]:
        today = self.today()
        found = list(found)
        held = self.platform.payments.open_orders_for([r.reference for r in found])
        return tuple(self._view(r, today, held.get(r.reference)) for r in found)

    def _view(self, receipt: Receipt, today: date, open_order: Any) -> ReceiptView:
        owed = receipt.state in (ReceiptState.PENDING, ReceiptState.ENFORCEMENT)
        due, unknown = (self._due(receipt, today), False) if owed else (None, False)
        if owed and due is None:
            unknown = True  # one receipt the rates cannot price: the others are still shown
        number = open_order.number if open_order is not None else None
        card = receipts.card_refusal(receipt, today)
        if card is None and unknown:
            card = "due_unknown"
        if card is None and number is not None:
            card = "payment_in_progress"
        slip = receipts.slip_refusal(receipt, today)
        if slip is None and unknown:
            slip = "due_unknown"
        return ReceiptView(receipt, due, card, slip, number)

    def _due(self, receipt: Receipt, today: date) -> receipts.Due | None:
        try:
            return receipts.amount_due(receipt, today, self.rates)
        except ValueError as exc:  # a year without an interest rate, inconsistent dates
            log.error("receipt %s cannot be priced today: %s", receipt.reference, exc)
            return None

    def _receipt(self, reference: str, *, call_id: str, clerk_id: int, purpose: str) -> Receipt:
        found = self.lookups.receipt(reference, clerk_id=clerk_id, call_id=call_id, purpose=purpose)
        if found is None:
            raise UNKNOWN_RECEIPT("No receipt with that reference")
        return found  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ 2. payment slip
    def slip(
        self, *, call_id: str, clerk_id: int, reference: str, lang: str
    ) -> Any:  # the stored document row
        from finestreta.procedures.taxes.printed import Party
        from finestreta.procedures.taxes.slip import SlipData, render_slip, slip_title

        identified = self.identified(call_id, clerk_id)
        view = next((v for v in identified.receipts if v.receipt.reference == reference), None)
        if view is None:
            raise UNKNOWN_RECEIPT("No receipt of this taxpayer with that reference")
        if view.slip_refusal == "due_unknown":
            raise DUE_UNKNOWN("The receipt cannot be priced today")
        if view.slip_refusal is not None:
            raise receipts.REFUSALS[view.slip_refusal]()
        receipt = view.receipt
        assert view.due is not None  # pending
        code = cuaderno60.Slip(
            issuer=self.settings.issuer,
            document=receipt.reference,
            tax_code=receipt.tax_code,
            tax_year=receipt.year,
            deadline=receipt.voluntary_until,
            amount=view.due.total,
        ).code
        data = SlipData(
            city=CityHeading.from_settings(self.city),
            lang=lang,
            taxpayer=Party(receipt.taxpayer.name, *_id_parts(receipt.taxpayer.nif)),
            line=tax_line(receipt, view.due, lang),
            issuer=self.settings.issuer,
            deadline=receipt.voluntary_until,
            barcode=code,
            printed_at=self._clock(),
            tz=self.city.city_timezone,
        )
        pdf = render_slip(data)
        call = self.platform.devices.call_for_clerk(clerk_id, call_id)
        row = self.platform.devices.attach(
            call,
            pdf,
            kind="payment_slip",
            title=f"{slip_title(lang)} {receipt.reference}",
            by=f"clerk:{clerk_id}",
        )
        self.platform.steps.record(
            DOMAIN, "slip", call_id=call_id, clerk_id=clerk_id, tax=receipt.tax.value
        )
        return row

    # ------------------------------------------------------------------ 3. card payment
    def pay(
        self,
        *,
        call_id: str,
        clerk_id: int,
        references: Sequence[str],
        lang: str,
    ) -> Any:  # (PaymentOrder, PaymentForm)
        """An order for the chosen receipts (amounts due today), shown on the booth. The
        identified taxpayer's receipts, or any receipt by its reference (anyone may pay a
        receipt: the look-up is audited)."""
        if not references:
            raise NOTHING_CHOSEN("Choose at least one receipt")
        call = self.platform.devices.call_for_clerk(clerk_id, call_id)
        today = self.today()
        items = []
        for reference in dict.fromkeys(references):  # each once, in the clerk's order
            receipt = self._receipt(
                reference, call_id=call_id, clerk_id=clerk_id, purpose=PURPOSE_PAY
            )
            refusal = receipts.card_refusal(receipt, today)
            if refusal is not None:
                raise receipts.REFUSALS[refusal]()
            due = self._due(receipt, today)
            if due is None:
                raise DUE_UNKNOWN("The receipt cannot be priced today")
            items.append((receipt, due))
        from finestreta.payments.orders import OrderItem

        order, form = self.platform.payments.create(
            owner=DOMAIN,
            items=[OrderItem(r.reference, item_label(r, "ca"), due.total) for r, due in items],
            language=lang,
            call_id=call.id,
            kiosk_id=call.kiosk_id,
            clerk_id=clerk_id,
        )
        self.platform.steps.record(
            DOMAIN,
            "pay_started",
            call_id=call_id,
            clerk_id=clerk_id,
            receipts=len(items),
            amount=order.amount,
        )
        from finestreta.procedures.taxes.frames import PayItem, TaxesPay

        self.platform.screen.show(
            call,
            TaxesPay(
                order=order.number,
                url=self.platform.payments.links(order.number).pay,
                amount=order.amount,
                items=[PayItem(label=item_label(r, lang), amount=due.total) for r, due in items],
            ),
        )
        return order, form

    def cancel(
        self, *, call_id: str, clerk_id: int | None, kiosk_id: int | None, number: str
    ) -> Any:
        order = self.platform.payments.find(number)
        if order is None or order.owner != DOMAIN or order.call_id != call_id:
            raise NO_SUCH_ORDER("No payment of this call with that number")
        by = f"clerk:{clerk_id}" if clerk_id is not None else f"kiosk:{kiosk_id}"
        return self.platform.payments.cancel(number, by=by)

    # ------------------------------------------------------------------ the platform's callbacks
    def payment_settled(self, order: Any) -> bool:
        """Post each receipt of a paid order to the register (idempotent: the order number is
        the payment's reference), then issue the sealed payment receipt (once per order) and
        print it at the booth if the citizen is still there. The platform calls this again
        until it answers True (a missing seal, a register that does not answer)."""
        from finestreta.procedures.taxes.register import PaymentPosting

        paid_on = (
            (order.settled_at or self._clock()).astimezone(ZoneInfo(self.city.city_timezone)).date()
        )
        otherwise = []
        for item in order.items:
            outcome = self.register.record_payment(
                item.reference,
                paid_on=paid_on,
                amount=item.amount,
                channel=CHANNEL_BOOTH,
                payment_reference=order.number,
            )
            if outcome in (PaymentPosting.PAID_OTHERWISE, PaymentPosting.CANCELLED):
                otherwise.append(f"{item.reference} ({outcome.value})")
        if otherwise:
            # Paid through another channel while this order was open (or cancelled by the
            # treasury meanwhile): what the card paid for it is refunded (reconcile lists the
            # order with refund_due).
            self.platform.payments.flag_refund(
                order.number, note="paid otherwise: " + ", ".join(otherwise)
            )
        return self._issue_payment_receipt(order)

    def _issue_payment_receipt(self, order: Any) -> bool:
        from sqlalchemy.exc import IntegrityError

        from finestreta.procedures.taxes.payment_receipt import (
            PaymentReceiptData,
            issue_payment_receipt,
        )
        from finestreta.procedures.taxes.records import PaymentReceiptRow

        try:
            seal = self.platform.seal()
        except Exception as exc:  # a wrong password, a damaged file
            log.error("the city's seal cannot be loaded: %s", exc)
            seal = None
        if seal is None:
            log.warning("payment %s: no seal, its receipt waits for one", order.number)
            return False  # posted again later: the receipt is issued once a seal is there
        lang = order.language if order.language in ("ca", "es", "en") else "ca"
        lines = []
        taxpayers = set()
        for item in order.items:
            receipt = self.register.receipt(item.reference)
            if receipt is None:  # gone from the register: the order's own words stand
                lines.append(_item_line(item))
                continue
            taxpayers.add(receipt.taxpayer)
            lines.append(tax_line(receipt, None, lang, paid=item.amount))
        # The receipt names the taxpayer whose receipts were paid; an order of several
        # taxpayers' receipts (paid by reference) names none ("payer not identified").
        payer = _party(next(iter(taxpayers))) if len(taxpayers) == 1 else None
        data = PaymentReceiptData(
            city=CityHeading.from_settings(self.city),
            lang=lang,
            payer=payer,
            order_number=order.number,
            lines=tuple(lines),
            total=order.amount,
            paid_at=order.settled_at or self._clock(),
            channel_label=channel_label(CHANNEL_BOOTH, lang),
            authorisation=order.authorisation_code or None,
            tz=self.city.city_timezone,
        )
        try:
            with self.platform.db.session() as session:
                if session.get(PaymentReceiptRow, order.number) is not None:
                    return True  # issued by an earlier posting
                claim = PaymentReceiptRow(order_number=order.number, code="")
                session.add(claim)
                session.flush()  # a concurrent posting of this order stops here
                issued = issue_payment_receipt(
                    session,
                    data=data,
                    seal=seal,
                    documents=self.platform.documents,
                    public_url=self.city.public_url or "",
                    created_by="payments",
                    call_id=order.call_id,
                    tz=self.city.city_timezone,
                )
                claim.code = issued.code
        except IntegrityError:
            return True  # another node or thread issued it meanwhile
        self._print_if_there(order, issued)
        return True

    def _print_if_there(self, order: Any, issued: IssuedCertificate) -> None:
        call = self.platform.calls.get(order.call_id) if order.call_id else None
        if call is None or not call.active:
            return  # the citizen left: the receipt is in the clerk's day view
        try:
            from finestreta.documents.records import DocumentRow

            with self.platform.db.session() as session:
                row = session.get(DocumentRow, issued.document_id)
            if row is not None:
                self.platform.devices.attached(call, row)
            self.platform.devices.request_print(call.clerk_id, call.id, issued.document_id, 1)
        except Exception as exc:  # the payment and its receipt stand; the clerk prints again
            log.warning("payment receipt of %s not printed: %s", order.number, exc)

    def payment_changed(self, order: Any, event: str) -> None:
        """Tell the booth and the clerk. A return through URL KO (the citizen gave up at the
        gateway, or it refused the card) frees the receipts at once: the order is cancelled
        (an authorised notification that still comes settles it all the same)."""
        from finestreta.payments.orders import OrderState
        from finestreta.procedures.taxes.frames import TaxesPayState

        state = f"returned_{order.returned}" if event == "returned" else event
        if event == "returned" and order.state is not OrderState.OPEN:
            # the gateway's notification came first (as Redsys's may): the browser's return
            # says nothing new, and must not undo what the booth shows
            state = order.state.value
        if state == "returned_ko" and order.state is OrderState.OPEN:
            try:
                order = self.platform.payments.cancel(order.number, by="booth")
                return  # the cancellation tells them
            except Exception as exc:
                log.info("order %s not cancelled after KO: %s", order.number, exc)
        call = self.platform.calls.get(order.call_id) if order.call_id else None
        frame = TaxesPayState(order=order.number, state=state, amount=order.amount)
        if call is not None and call.active:
            if state in ("paid", "declined", "expired", "cancelled", "returned_ko"):
                self.platform.screen.clear(call, tell=False)
            self.platform.outbox.to_kiosk(call.kiosk_id, frame)
        if order.clerk_id is not None:
            self.platform.outbox.to_clerk(order.clerk_id, frame)

    # ------------------------------------------------------------------ 4. certificates
    def _subject(
        self, identified: Identified, nif: str | None, representative: bool
    ) -> tuple[str, bool]:
        if not nif or nif == identified.document.number:
            return identified.document.number, False
        if not representative:
            raise NOT_THEIRS("Only the taxpayer or their accredited representative")
        return nif, True

    def paid_lines(
        self, *, call_id: str, clerk_id: int, nif: str, tax: Tax, year: int
    ) -> tuple[Taxpayer, list[Receipt]]:
        found = self.lookups.receipts_of(
            nif, clerk_id=clerk_id, call_id=call_id, purpose=PURPOSE_CERTIFY
        )
        if not found:
            raise NOT_A_TAXPAYER("The tax register holds no receipt for this person")
        paid = [
            r for r in found if r.tax is tax and r.year == year and r.state is ReceiptState.PAID
        ]
        return found[0].taxpayer, paid

    def certificate(
        self,
        *,
        call_id: str,
        clerk_id: int,
        kind: str,
        lang: str,
        tax: Tax | None = None,
        year: int | None = None,
        subject_nif: str | None = None,
        representative: bool = False,
    ) -> IssuedCertificate:
        from finestreta.procedures.taxes import certificates as c
        from finestreta.procedures.taxes.printed import Party

        identified = self.identified(call_id, clerk_id)
        nif, on_behalf = self._subject(identified, subject_nif, representative)
        requester = Party(
            (identified.taxpayer.name if identified.taxpayer else identified.document.number),
            "nie" if identified.document.type.value == "nie" else "nif",
            identified.document.number,
        )
        seal = self._seal()
        city = CityHeading.from_settings(self.city)
        tz = self.city.city_timezone
        if kind == "payment":
            assert tax is not None and year is not None
            taxpayer, paid = self.paid_lines(
                call_id=call_id, clerk_id=clerk_id, nif=nif, tax=tax, year=year
            )
            if not paid:
                raise NOTHING_PAID("Nothing of that tax and year is paid")
            data: Any = c.PaymentCertificateData(
                city=city,
                lang=lang,
                taxpayer=_party(taxpayer),
                requester=requester,
                tax_label=tax_label(tax, lang),
                year=year,
                lines=tuple(paid_line(r, lang) for r in paid),
                tz=tz,
            )
            issue: Any = c.issue_payment_certificate
        else:
            found = self.lookups.receipts_of(
                nif, clerk_id=clerk_id, call_id=call_id, purpose=PURPOSE_CERTIFY
            )
            if not found:
                raise NOT_A_TAXPAYER("The tax register holds no receipt for this person")
            standing = receipts.standing(found, self.today())
            if not standing.up_to_date:
                raise receipts.NOT_UP_TO_DATE(
                    "Receipts in enforcement",
                    details={"receipts": [r.reference for r in standing.in_enforcement]},
                )
            data = c.StandingCertificateData(
                city=city,
                lang=lang,
                taxpayer=_party(found[0].taxpayer),
                requester=requester,
                as_of=self.today(),
                tz=tz,
            )
            issue = c.issue_standing_certificate
        with self.platform.db.session() as session:
            issued: IssuedCertificate = issue(
                session,
                data=data,
                seal=seal,
                documents=self.platform.documents,
                public_url=self.city.public_url or "",
                created_by=f"clerk:{clerk_id}",
                call_id=call_id,
                tz=tz,
            )
        call = self.platform.devices.call_for_clerk(clerk_id, call_id)
        with self.platform.db.session() as session:
            from finestreta.documents.records import DocumentRow

            row = session.get(DocumentRow, issued.document_id)
        if row is not None:
            self.platform.devices.attached(call, row)
        self.platform.steps.record(
            DOMAIN,
            f"certificate_{kind}",
            call_id=call_id,
            clerk_id=clerk_id,
            on_behalf=on_behalf,
        )
        return issued

    def _seal(self) -> Any:
        try:
            seal = self.platform.seal()
        except Exception as exc:  # a wrong password, a damaged file
            log.error("the city's seal cannot be loaded: %s", exc)
            seal = None
        if seal is None:
            raise NO_SEAL("The city's electronic seal is not configured")
        return seal


# ---------------------------------------------------------------------- labels
TAX_LABELS = {
    Tax.IBI: N_("Property tax (IBI)"),
    Tax.IVTM: N_("Vehicle tax (IVTM)"),
    Tax.FEE: N_("Municipal fee"),
}
CHANNEL_LABELS = {
    "card_booth": N_("Card at a citizen-service booth"),
    "bank": N_("At a bank"),
    "domiciliation": N_("Direct debit"),
    "counter": N_("At a citizen-service office"),
}


def _texts(lang: str) -> Callable[[str], str]:
    from finestreta.i18n import translator

    return translator(lang, DOMAIN, LOCALE)


def tax_label(tax: Tax, lang: str) -> str:
    return _texts(lang)(TAX_LABELS[tax])


def channel_label(channel: str | None, lang: str) -> str:
    if channel is None:
        return ""
    return _texts(lang)(CHANNEL_LABELS.get(channel, channel))


def item_label(receipt: Receipt, lang: str) -> str:
    return f"{tax_label(receipt.tax, lang)} {receipt.period} · {receipt.object_label}"


def _id_parts(nif: str) -> tuple[str, str]:
    kind = "nie" if nif[:1].upper() in "XYZ" else "nif"
    return kind, nif


def _party(taxpayer: Taxpayer) -> Any:
    from finestreta.procedures.taxes.printed import Party

    return Party(taxpayer.name, *_id_parts(taxpayer.nif))


def tax_line(
    receipt: Receipt, due: receipts.Due | None, lang: str, *, paid: int | None = None
) -> Any:
    from finestreta.procedures.taxes.money import Cents
    from finestreta.procedures.taxes.printed import TaxLine

    if due is not None:
        surcharge, interest, total = due.surcharge, due.interest, due.total
    else:
        total = Cents(paid if paid is not None else receipt.principal)
        surcharge, interest = Cents(0), Cents(0)
        if paid is not None and paid > receipt.principal:
            surcharge = Cents(paid - receipt.principal)  # surcharge and interest, as charged
    return TaxLine(
        reference=receipt.reference,
        tax_label=tax_label(receipt.tax, lang),
        object_label=receipt.object_label,
        period=receipt.period,
        principal=receipt.principal,
        surcharge=surcharge,
        interest=interest,
        total=total,
    )


def _item_line(item: Any) -> Any:
    """A line of what an order paid for, from the order alone (its receipt is gone)."""
    from finestreta.procedures.taxes.printed import TaxLine

    return TaxLine(
        reference=item.reference,
        tax_label=item.label,
        object_label="—",
        period="—",
        principal=item.amount,
        surcharge=Cents(0),
        interest=Cents(0),
        total=item.amount,
    )


def paid_line(receipt: Receipt, lang: str) -> Any:
    from finestreta.procedures.taxes.printed import PaidLine

    assert receipt.paid_on is not None
    return PaidLine(
        reference=receipt.reference,
        tax_label=tax_label(receipt.tax, lang),
        object_label=receipt.object_label,
        period=receipt.period,
        paid_on=receipt.paid_on,
        amount=receipt.paid_amount if receipt.paid_amount is not None else receipt.principal,
        channel_label=channel_label(receipt.paid_channel, lang),
    )
