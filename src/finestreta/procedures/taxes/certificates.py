"""The tax certificates as sealed PDF/A-2b: plain data in, PDF bytes out.

* the **payment certificate** (*certificat de pagament*, kind ``payment_certificate``): which
  receipts of one tax and year were paid, on which day, how much and by which channel;
* the **certificate of being up to date** (*certificat d'estar al corrent*, kind
  ``standing_certificate``): that on a given day the taxpayer had no debt with the City
  Council in the enforcement period.

Both are issued to the taxpayer or to an accredited representative (who asked is printed,
and the representation when it is not the taxpayer), with the notes a treasury prints: a tax
certificate is informative (Royal Decree 1065/2007, art. 70 ff.; General Tax Law 58/2003),
and data protection. Whether a certificate may be issued at all (nothing paid, a debt in
enforcement, no representation) is the procedure's decision, made before these are called;
they only refuse data that cannot make a true document (``ValueError``, before a registry
number is taken). Issued through :func:`finestreta.documents.issuing.issue_sealed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Spacer
from sqlalchemy.orm import Session

from finestreta.db import utcnow
from finestreta.documents.issuing import Issuance, IssuedCertificate
from finestreta.documents.pdf import layout
from finestreta.documents.pdf.fonts import load_fonts
from finestreta.documents.pdf.heading import CityHeading
from finestreta.documents.pdf.styles import Styles, facts_table, para, paragraph_styles
from finestreta.documents.seal import Seal
from finestreta.documents.service import Documents
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.printed import (
    GAP,
    ISSUING_UNIT,
    DocumentKind,
    PaidLine,
    Party,
    check_aware,
    check_day,
    check_text,
    check_zone,
    day,
    document_title,
    euros,
    grid,
    issue_document,
    lines_tuple,
    number_styles,
    same_zone,
    sealed_pdf,
    texts,
)

__all__ = [
    "PaymentCertificateData",
    "StandingCertificateData",
    "certificate_title",
    "issue_payment_certificate",
    "issue_standing_certificate",
    "render_payment_certificate",
    "render_standing_certificate",
]


def certificate_title(kind: DocumentKind | str, lang: str) -> str:
    """The title of a sealed taxes document by its kind (``payment_certificate``,
    ``standing_certificate``, and the ``payment_receipt``), in ``lang``: what the procedure's
    ``document_title`` answers for ``/verify``. ``ValueError`` for a kind not of taxes."""
    return document_title(kind, lang)


def _check_parties(taxpayer: object, requester: object) -> None:
    if not isinstance(taxpayer, Party):
        raise ValueError(f"Expected the taxpayer as a Party, but got {taxpayer!r}")
    if not isinstance(requester, Party):
        raise ValueError(f"Expected the requester as a Party, but got {requester!r}")


@dataclass(frozen=True)
class PaymentCertificateData:
    """Everything a payment certificate shows: the receipts of ``tax_label`` (every line's
    tax, checked) for ``year`` that were paid, each once."""

    city: CityHeading
    lang: str
    taxpayer: Party
    requester: Party
    tax_label: str
    year: int
    lines: tuple[PaidLine, ...]
    tz: str = "Europe/Madrid"

    def __post_init__(self) -> None:
        layout.check_language(self.lang)
        _check_parties(self.taxpayer, self.requester)
        check_text("the tax", self.tax_label)
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise ValueError(f"Expected the year as an int, but got {self.year!r}")
        if not 1900 <= self.year <= 2999:
            raise ValueError(f"Expected a four-digit year, but got {self.year}")
        lines = lines_tuple("paid receipts", self.lines, PaidLine)
        object.__setattr__(self, "lines", lines)
        others = sorted({line.tax_label for line in lines} - {self.tax_label})
        if others:
            raise ValueError(f"Expected receipts of {self.tax_label} only, but got {others}")
        references = [line.reference for line in lines]
        if len(set(references)) != len(references):
            raise ValueError(f"Expected each receipt once, but got {references}")
        check_zone(self.tz)

    @property
    def title(self) -> str:
        return certificate_title(DocumentKind.PAYMENT_CERTIFICATE, self.lang)

    @property
    def total(self) -> Cents:
        return Cents(sum(line.amount for line in self.lines))


@dataclass(frozen=True)
class StandingCertificateData:
    """Everything a certificate of being up to date shows: the situation on ``as_of`` (not
    after the day of issue, checked when issued)."""

    city: CityHeading
    lang: str
    taxpayer: Party
    requester: Party
    as_of: date
    tz: str = "Europe/Madrid"

    def __post_init__(self) -> None:
        layout.check_language(self.lang)
        _check_parties(self.taxpayer, self.requester)
        check_day("as_of", self.as_of)
        check_zone(self.tz)

    @property
    def title(self) -> str:
        return certificate_title(DocumentKind.STANDING_CERTIFICATE, self.lang)


def _requested_by(taxpayer: Party, requester: Party, lang: str) -> str:
    """Who asked; under the name, the representation when it is not the taxpayer."""
    shown = requester.shown(lang)
    if requester.same_as(taxpayer):
        return shown
    _ = texts(lang)
    return shown + "\n" + _("as the taxpayer's accredited representative")


def _informative_note(_: Callable[[str], str], styles: Styles) -> Any:
    return para(
        _(
            "This tax certificate is informative (art. 70 and 71 of Royal Decree 1065/2007, "
            "under the General Tax Law 58/2003): it states the facts in the municipal tax "
            "records at the date and time of issue, cannot be appealed, creates no rights "
            "for the requester or third parties, and does not prevent later checks by the "
            "tax authority."
        ),
        styles.small,
    )


def _paid_table(data: PaymentCertificateData, styles: Styles) -> Any:
    _ = texts(data.lang)
    lang = data.lang
    amount, amount_bold = number_styles(styles)
    rows: list[list[Any]] = [
        [
            para(_("Receipt"), styles.label),
            para(_("Object"), styles.label),
            para(_("Period"), styles.label),
            para(_("Paid on"), styles.label),
            para(_("Payment channel"), styles.label),
            para(_("Amount"), styles.label),
        ]
    ]
    for line in data.lines:
        rows.append(
            [
                para(line.reference, styles.cell),
                para(line.object_label, styles.cell),
                para(line.period, styles.cell),
                para(day(line.paid_on), styles.cell),
                para(line.channel_label, styles.cell),
                para(euros(line.amount, lang), amount),
            ]
        )
    rows.append(
        [
            "",
            para(_("Total paid"), styles.cell_bold),
            "",
            "",
            "",
            para(euros(data.total, lang), amount_bold),
        ]
    )
    return grid(rows, [36 * mm, None, 15 * mm, 21 * mm, 28 * mm, 23 * mm], styles, total_row=True)


def render_payment_certificate(data: PaymentCertificateData, issuance: Issuance) -> bytes:
    """The payment certificate as PDF/A-2b bytes, with what its issuance gave it."""
    _ = texts(data.lang)
    lang = data.lang
    styles = paragraph_styles(load_fonts())
    intro = _(
        "According to the municipal tax records at the date and time of issue, the following "
        "receipts of {tax} for {year} in the name of the taxpayer below have been paid."
    ).format(tax=data.tax_label, year=data.year)
    body: list[Any] = [
        para(intro, styles.base),
        Spacer(1, 3 * mm),
        facts_table(
            [
                (_("Taxpayer"), data.taxpayer.shown(lang)),
                (_("Tax"), data.tax_label),
                (_("Year"), str(data.year)),
            ],
            styles,
            45 * mm,
        ),
        Spacer(1, 5 * mm),
        para(_("Receipts paid ({count})").format(count=len(data.lines)), styles.heading),
        Spacer(1, GAP),
        _paid_table(data, styles),
        Spacer(1, 4 * mm),
        facts_table(
            [
                (_("Requested by"), _requested_by(data.taxpayer, data.requester, lang)),
                (_("Electronic seal"), data.city.council),
            ],
            styles,
            45 * mm,
        ),
        Spacer(1, 4 * mm),
        _informative_note(_, styles),
    ]
    return sealed_pdf(
        city=data.city,
        lang=lang,
        tz=data.tz,
        title=data.title,
        subject=f"{data.tax_label} {data.year}",
        issuance=issuance,
        body=body,
    )


def render_standing_certificate(data: StandingCertificateData, issuance: Issuance) -> bytes:
    """The certificate of being up to date as PDF/A-2b bytes, with what its issuance gave it."""
    _ = texts(data.lang)
    lang = data.lang
    styles = paragraph_styles(load_fonts())
    statement = _(
        "According to the municipal tax records, on {date} the taxpayer below had no debts "
        "with the City Council in the enforcement period."
    ).format(date=day(data.as_of))
    body: list[Any] = [
        para(statement, styles.strong),
        Spacer(1, 3 * mm),
        facts_table(
            [
                (_("Taxpayer"), data.taxpayer.shown(lang)),
                (_("Situation on"), day(data.as_of)),
                (_("Requested by"), _requested_by(data.taxpayer, data.requester, lang)),
                (_("Electronic seal"), data.city.council),
            ],
            styles,
            45 * mm,
        ),
        Spacer(1, 4 * mm),
        para(
            _(
                "It covers only debts whose collection the City Council manages, and only "
                "those in the enforcement period: receipts still within their voluntary "
                "payment period are not debts in arrears."
            ),
            styles.base,
        ),
        Spacer(1, 3 * mm),
        _informative_note(_, styles),
    ]
    return sealed_pdf(
        city=data.city,
        lang=lang,
        tz=data.tz,
        title=data.title,
        subject=day(data.as_of),
        issuance=issuance,
        body=body,
    )


def issue_payment_certificate(
    session: Session,
    *,
    data: PaymentCertificateData,
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
    """Issue a payment certificate in the session's transaction (see
    :func:`~finestreta.documents.issuing.issue_sealed`), in the requester's name."""
    if not isinstance(data, PaymentCertificateData):
        raise ValueError(f"Expected PaymentCertificateData, but got {type(data).__name__}")
    return issue_document(
        session,
        kind=DocumentKind.PAYMENT_CERTIFICATE,
        render=lambda issuance: render_payment_certificate(data, issuance),
        party=data.requester,
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


def issue_standing_certificate(
    session: Session,
    *,
    data: StandingCertificateData,
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
    """Issue a certificate of being up to date in the session's transaction, in the
    requester's name; ``as_of`` after the day of issue is refused (a certificate states
    what the records say, never what they will)."""
    if not isinstance(data, StandingCertificateData):
        raise ValueError(f"Expected StandingCertificateData, but got {type(data).__name__}")
    zone = same_zone(data.tz, tz)
    if now is not None:
        check_aware("now", now)
    # The registry reads the time itself when now is None (after taking the number): this
    # check only needs the day.
    today = (now or utcnow()).astimezone(ZoneInfo(zone)).date()
    if data.as_of > today:
        raise ValueError(
            f"Expected as_of on or before the day of issue ({today.isoformat()}), but got "
            f"{data.as_of.isoformat()}"
        )
    return issue_document(
        session,
        kind=DocumentKind.STANDING_CERTIFICATE,
        render=lambda issuance: render_standing_certificate(data, issuance),
        party=data.requester,
        city=data.city,
        lang=data.lang,
        tz=zone,
        seal=seal,
        documents=documents,
        public_url=public_url,
        created_by=created_by,
        call_id=call_id,
        registry=registry,
        issuing_unit=issuing_unit,
        now=now,
    )
