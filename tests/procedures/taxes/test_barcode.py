"""The slip's GS1-128 symbol: its symbol characters worked by hand, ReportLab's encoding held
to them, and the printed barcode read back by an independent decoder (zbar)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finestreta.procedures.taxes.barcode import codewords, gs1_128
from finestreta.procedures.taxes.cuaderno60 import Slip
from finestreta.procedures.taxes.money import Cents
from finestreta.procedures.taxes.slip import SlipData, render_slip
from tests.conftest import need
from tests.documents.conftest import run, tool
from tests.procedures.taxes.conftest import CITY, DEADLINE, IBI, NOW, SLIP, TAXPAYER

ZBAR = "{http://zbar.sourceforge.net/2008/barcode}"


def test_codewords_worked_by_hand() -> None:
    # START C 105, FNC1 102, pairs 90 and 52;
    # check = (105 + 1·102 + 2·90 + 3·52) mod 103 = 543 mod 103 = 28; STOP 106
    assert codewords("9052") == (105, 102, 90, 52, 28, 106)


def test_codewords_of_a_slip_worked_by_hand() -> None:
    code = "905210801930000012345321100266324000481200"
    assert code == SLIP.code
    pairs = [90, 52, 10, 80, 19, 30, 0, 0, 12, 34, 53, 21, 10, 2, 66, 32, 40, 0, 48, 12, 0]
    # weights 2, 3, … 22 on the pairs: 180 + 156 + 40 + 400 + 114 + 210 + 0 + 0 + 120 + 374
    #   + 636 + 273 + 140 + 30 + 1,056 + 544 + 720 + 0 + 960 + 252 + 0 = 6,205;
    # 105 + 1·102 + 6,205 = 6,412 = 62·103 + 26: check 26
    assert codewords(code) == (105, 102, *pairs, 26, 106)


@pytest.mark.parametrize("digits", ["", "905", "90a2", "９０", 9052])
def test_codewords_refuse_what_set_c_cannot_hold(digits: object) -> None:
    with pytest.raises(ValueError, match="even number of digits"):
        codewords(digits)  # type: ignore[arg-type]


slips = st.builds(
    Slip,
    issuer=st.from_regex(r"[0-9]{6}", fullmatch=True),
    document=st.from_regex(r"[0-9]{10}", fullmatch=True),
    tax_code=st.from_regex(r"[0-9]{3}", fullmatch=True),
    tax_year=st.just(2026),
    deadline=st.integers(0, 364).map(lambda days: date(2026, 1, 1) + timedelta(days=days)),
    amount=st.integers(1, 99_999_999).map(Cents),
)


@settings(max_examples=60, deadline=None)
@given(slips)
def test_reportlab_encodes_every_slip_as_gs1_128_in_set_c(slip: Slip) -> None:
    symbol = gs1_128(slip.code)
    assert tuple(symbol.encoded) == codewords(slip.code)
    assert len(symbol.encoded) == 25  # start, FNC1, 21 pairs, check, stop


def decoded(pdf: bytes, folder: Path) -> list[tuple[str, str, str]]:
    """What zbar reads on the printed page at 300 dpi: (type, modifiers, data) per symbol."""
    need(tool("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    need(tool("zbarimg") is not None, "zbarimg (zbar-tools) is not installed")
    (folder / "slip.pdf").write_bytes(pdf)
    rendered = run("pdftoppm", "-png", "-r", "300", str(folder / "slip.pdf"), str(folder / "p"))
    assert rendered.returncode == 0, rendered.stderr
    scan = run("zbarimg", "--nodbus", "--quiet", "--xml", str(folder / "p-1.png"))
    assert scan.returncode == 0, scan.stderr
    return [
        (
            symbol.get("type", ""),
            symbol.get("modifiers", ""),
            (symbol.findtext(f"{ZBAR}data") or ""),
        )
        for symbol in ElementTree.fromstring(scan.stdout).iter(f"{ZBAR}symbol")
    ]


def test_the_printed_barcode_reads_back_as_the_same_42_digits(tmp_path: Path) -> None:
    pdf = render_slip(SlipData(CITY, "ca", TAXPAYER, IBI, "080193", DEADLINE, SLIP.code, NOW))
    # Code 128 with FNC1 first is what a scanner calls GS1-128: zbar flags it "GS1" and gives
    # the data without FNC1 (no "]C1" prefix, no separator).
    assert decoded(pdf, tmp_path) == [("CODE-128", "GS1", SLIP.code)]
