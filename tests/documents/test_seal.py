"""The electronic seal: PAdES signatures that an independent tool (poppler's pdfsig) accepts,
tampering detected, demo seals written and loaded, the password kept out of logs."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from finestreta.documents.seal import (
    Seal,
    SealError,
    check_seal,
    init_seal,
    load_seal_file,
    load_seal_from_settings,
    make_demo_seal,
    seal_from_objects,
)
from tests.conftest import need
from tests.documents.conftest import run, tool

PASSWORD = "s3cret-seal-passphrase"


def pdfsig(path: Path) -> str:
    need(tool("pdfsig") is not None, "pdfsig (poppler-utils) is not installed")
    result = run("pdfsig", str(path))
    return result.stdout + result.stderr


def tampered(pdf: bytes) -> bytes:
    """One byte changed inside the first signed range (the title in the info dictionary)."""
    at = pdf.index(b"Volant de conviv")
    assert at < pdf.index(b"/ByteRange")
    return pdf[:at] + b"Volent" + pdf[at + 6 :]


def test_pdfsig_validates_the_seal(sealed_file: Path) -> None:
    output = pdfsig(sealed_file)
    assert "Signature Type: ETSI.CAdES.detached" in output
    assert "Total document signed" in output
    assert "Signature Validation: Signature is Valid." in output
    # A self-signed demo seal: poppler does not know its issuer, which is expected.
    assert "Segell electrònic de l'Ajuntament de Barcelona (DEMO)" in output


def test_pdfsig_reports_one_changed_byte(sealed_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered(sealed_pdf))
    output = pdfsig(path)
    assert "Signature Validation: Signature is Valid." not in output
    assert "Signature Validation: Digest Mismatch." in output


def test_pdfsig_reports_bytes_added_after_the_seal(sealed_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "appended.pdf"
    path.write_bytes(sealed_pdf + b"% added later\n")
    assert "Not total document signed" in pdfsig(path)


def test_check_seal_accepts_the_sealed_document(sealed_pdf: bytes, seal: Seal) -> None:
    check = check_seal(sealed_pdf, {seal.info.sha256})
    assert (check.intact, check.whole_file, check.trusted, check.ok) == (True, True, True, True)
    assert "Segell electrònic de l'Ajuntament de Barcelona (DEMO)" in check.signer
    assert check.signer_sha256 == seal.info.sha256 and check.problem == ""


def test_check_seal_detects_tampering(sealed_pdf: bytes, seal: Seal) -> None:
    trusted = {seal.info.sha256}
    changed = check_seal(tampered(sealed_pdf), trusted)
    appended = check_seal(sealed_pdf + b"% added later\n", trusted)
    stranger = check_seal(sealed_pdf, {"0" * 64})
    unsigned = check_seal(sealed_pdf[: sealed_pdf.index(b"/ByteRange")], trusted)
    assert (changed.intact, changed.ok) == (False, False)
    assert (appended.intact, appended.whole_file, appended.ok) == (True, False, False)
    assert (stranger.intact, stranger.trusted, stranger.ok) == (True, False, False)
    assert unsigned.ok is False and unsigned.problem


@pytest.mark.parametrize("key_type", ["rsa-2048", "ec-p256"])
def test_other_key_types_seal_too(key_type: str, household_pdf: bytes, tmp_path: Path) -> None:
    key, certificate = make_demo_seal("Girona", key_type=key_type, nif="P1708500B")
    seal = seal_from_objects(key, certificate)
    sealed = seal.sign(household_pdf, reason="Volant", location="Girona")
    assert check_seal(sealed, {seal.info.sha256}).ok
    assert "organizationIdentifier=VATES-P1708500B" in seal.info.subject or (
        "2.5.4.97=VATES-P1708500B" in seal.info.subject
    )
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    if tool("pdfsig"):
        assert "Signature Validation: Signature is Valid." in pdfsig(path)


def test_init_seal_writes_a_private_pkcs12_that_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "seal" / "seal.p12"
    caplog.set_level(logging.DEBUG)
    info = init_seal(path, PASSWORD, "Barcelona", key_type="ec-p256")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "CN=Segell electrònic de l'Ajuntament de Barcelona (DEMO)" in info.subject
    assert info.subject == info.issuer  # self-signed
    seal = load_seal_file(path, PASSWORD)
    assert seal.info == info
    same = load_seal_from_settings(SimpleNamespace(seal_pkcs12=str(path), seal_password=PASSWORD))
    assert same is not None and same.info.sha256 == info.sha256
    assert load_seal_from_settings(SimpleNamespace(seal_pkcs12="", seal_password="")) is None
    assert PASSWORD not in caplog.text
    with pytest.raises(SealError, match="exists already"):
        init_seal(path, PASSWORD, "Barcelona")


def test_a_wrong_password_is_refused_without_repeating_it(tmp_path: Path) -> None:
    path = tmp_path / "seal.p12"
    init_seal(path, PASSWORD, "Barcelona", key_type="ec-p256")
    with pytest.raises(SealError) as refused:
        load_seal_file(path, "not-the-password")
    assert "not-the-password" not in str(refused.value) and PASSWORD not in str(refused.value)
    with pytest.raises(SealError, match="cannot be read"):
        load_seal_file(tmp_path / "missing.p12", PASSWORD)


def test_the_key_must_match_the_certificate() -> None:
    key, _certificate = make_demo_seal("Barcelona", key_type="ec-p256")
    _other_key, certificate = make_demo_seal("Barcelona", key_type="ec-p256")
    with pytest.raises(SealError, match="does not belong"):
        seal_from_objects(key, certificate)


def test_every_seal_signs_its_own_digest(household_pdf: bytes, tmp_path: Path) -> None:
    """Later signatures reuse the first one's signed attributes with their own digest."""
    key, certificate = make_demo_seal("Barcelona", key_type="ec-p256")
    seal = seal_from_objects(key, certificate)
    other = household_pdf.replace(b"Volant de conviv", b"Volant de Conviv", 1)
    first, second, third = (
        seal.sign(pdf, reason="Volant", location="Barcelona")
        for pdf in (household_pdf, other, household_pdf)
    )
    assert [check_seal(pdf, {seal.info.sha256}).ok for pdf in (first, second, third)] == [True] * 3
    # The second document's seal does not fit the first document, nor the reverse.
    start = second.index(b"/Contents <") + len(b"/Contents <")
    end = second.index(b">", start)
    swapped = first[:start] + second[start:end] + first[end:]
    assert len(swapped) == len(first) and not check_seal(swapped, {seal.info.sha256}).intact
    path = tmp_path / "second.pdf"
    path.write_bytes(second)
    if tool("pdfsig"):
        assert "Signature Validation: Signature is Valid." in pdfsig(path)
