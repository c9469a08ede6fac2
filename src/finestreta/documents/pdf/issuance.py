"""What an issued document prints about its issuance (texts in the ``documents`` domain).

* :func:`issue_facts`: a shaded box with the outgoing registry number and the date and time of
  issue;
* :func:`verification_note`: the QR code of the verification address beside the secure
  verification code (CSV), where and how to check it, the statement that the document was
  issued by automated action and sealed, and that a paper copy is a copy;
* :func:`verification_box`: a QR code beside any column of text (the registry receipt's).

The registry number, code, address and time are known only when the document is issued
(:mod:`finestreta.documents.issuing` passes them to the layout).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from finestreta.documents.pdf.qr import QrCode
from finestreta.documents.pdf.styles import RULE, SHADE, Styles, para, table_style
from finestreta.i18n import translator


def when(moment: datetime) -> str:
    """``05/03/2026 10:07:03 CET``: a time as documents print it (in ``moment``'s zone)."""
    return f"{moment:%d/%m/%Y %H:%M:%S} {moment.tzname() or ''}".strip()


def verify_page(verify_url: str, code: str) -> str:
    """The address printed beside the code: the verification URL without the code."""
    for suffix in (f"/{code}", f"/{code.replace('-', '')}"):
        if verify_url.endswith(suffix):
            return verify_url[: -len(suffix)]
    return verify_url


def issue_facts(
    registry_number: str, issued_at: datetime, lang: str, styles: Styles, width: float
) -> Table:
    """Registry number and time of issue side by side, shaded (``issued_at`` as printed)."""
    _ = translator(lang, "documents")
    return Table(
        [
            [
                para(_("Outgoing registry number"), styles.label),
                para(_("Date and time of issue"), styles.label),
            ],
            [para(registry_number, styles.heading), para(when(issued_at), styles.heading)],
        ],
        colWidths=[width / 2, width / 2],
        style=table_style(
            styles.fonts,
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
                ("TOPPADDING", (0, 1), (-1, 1), 0),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ],
        ),
    )


def verification_box(url: str, column: list[Any], styles: Styles, side: float = 30 * mm) -> Table:
    """The QR code of ``url``, ``side`` wide, beside ``column``, in a ruled box."""
    return Table(
        [[QrCode(url, side), column]],
        colWidths=[side + 6 * mm, None],
        style=table_style(
            styles.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ],
        ),
    )


def verification_note(code: str, verify_url: str, lang: str, styles: Styles) -> Table:
    """The verification note of a sealed document: QR code of ``verify_url``, the ``code``
    (formatted), where to check it, the seal and paper-copy statements."""
    _ = translator(lang, "documents")
    check = _(
        "You can check that this document is authentic at {url} with the code {code}, or by "
        "scanning the QR code."
    )
    sealed = _(
        "Issued by automated administrative action and sealed electronically (seal of the "
        "public body)."
    )
    copy = _(
        "On paper, this is a copy of the original electronic document, which can be obtained "
        "with the same code."
    )
    column = [
        para(_("Secure verification code (CSV)"), styles.label),
        para(code, styles.code),
        Spacer(1, 1.5 * mm),
        para(check.format(url=verify_page(verify_url, code), code=code), styles.small),
        Spacer(1, 1 * mm),
        para(f"{sealed} {copy}", styles.small),
    ]
    return verification_box(verify_url, column, styles)
