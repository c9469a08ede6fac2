"""The signature row every signed document ends with, and the line stating what was signed
(texts in the ``documents`` domain), used by the works notice and the complaint form:

* :func:`signature_row`: the signer's name beside the signature box — empty on the draft the
  citizen is shown; once signed, the time of signing under the name and in the box the strokes
  (vector paths, :func:`finestreta.signatures.render.flowable`) or the oral-consent statement
  naming the habilitated official and the reason;
* :func:`signed_line`: the SHA-256 of the draft that was signed, and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table

from finestreta.documents.pdf.issuance import when
from finestreta.documents.pdf.styles import RULE, Styles, para, table_style
from finestreta.i18n import translator
from finestreta.signatures.render import Drawable, flowable


@dataclass(frozen=True)
class Signed:
    """How the citizen signed the draft whose hash is ``draft_sha256``: ``signature`` (their
    strokes) or, when they could not sign, the official's record of their oral consent."""

    draft_sha256: str
    sealed_at: datetime  # aware
    signature: Drawable | None = None  # the strokes, or their drawing read back
    official: str | None = None  # the habilitated official, as the document names them
    reason: str | None = None


BOX_WIDTH, BOX_HEIGHT = 70 * mm, 28 * mm


def signature_row(
    name: str,
    details: Sequence[str],
    signed: Signed | None,
    *,
    lang: str,
    zone: ZoneInfo,
    styles: Styles,
    width: float,
) -> Table:
    """The signer's ``name`` (and ``details``: an identity document…) beside the signature
    box, ``width`` points in all: the box empty on the draft; once signed, the time of signing
    under the name and in the box the strokes or the oral-consent statement."""
    _ = translator(lang, "documents")
    left: list[Paragraph] = [para(_("Signed by"), styles.label), para(name, styles.heading)]
    left += [para(detail, styles.base) for detail in details if detail]
    if signed is not None:
        left.append(para(when(signed.sealed_at.astimezone(zone)), styles.small))
    box: Any
    if signed is None:
        box = para(_("Signature"), styles.small)
    elif signed.signature is not None:
        box = flowable(signed.signature, BOX_WIDTH - 4 * mm, BOX_HEIGHT - 4 * mm)
    else:
        box = para(
            _(
                "The citizen could not sign and gave oral consent before {official} "
                "(Law 39/2015, art. 12.2). Reason: {reason}"
            ).format(official=signed.official or "", reason=signed.reason or ""),
            styles.small,
        )
    return Table(
        [[left, box]],
        colWidths=[width - BOX_WIDTH, BOX_WIDTH],
        rowHeights=[BOX_HEIGHT],
        style=table_style(
            styles.fonts,
            [
                ("VALIGN", (0, 0), (0, 0), "TOP"),
                ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                ("BOX", (1, 0), (1, 0), 0.8, RULE),
                ("LEFTPADDING", (1, 0), (1, 0), 2 * mm),
                ("RIGHTPADDING", (1, 0), (1, 0), 2 * mm),
            ],
        ),
    )


def signed_line(signed: Signed, *, lang: str, zone: ZoneInfo, styles: Styles) -> Paragraph:
    """ "Signed document SHA-256: …, signed on …": the hash the signature sealed (the draft's,
    which stays filed as what was shown) and the time of signing."""
    _ = translator(lang, "documents")
    return para(
        _("Signed document SHA-256: {sha256}, signed on {time}").format(
            sha256=signed.draft_sha256, time=when(signed.sealed_at.astimezone(zone))
        ),
        styles.tiny,
    )
