"""The volant as PDF/A-2b: what it says (read back with pypdf), the PDF/A markers, the QR code."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from finestreta.config import Settings
from finestreta.documents.pdf.heading import CityHeading
from finestreta.documents.pdf.pdfa import pdf_date, xmp_date
from finestreta.documents.pdf.qr import QrCode
from finestreta.i18n import catalogue, translator
from finestreta.padro.identity import parse_id
from finestreta.padro.model import Address, AddressKind, Person, Sex
from finestreta.procedures.census.eligibility import CertificateKind
from finestreta.procedures.census.volant import (
    LANGUAGES,
    LOCALE_DIR,
    CertifiedAddress,
    CertifiedPerson,
    certificate_title,
    nationality_in,
    render_certificate,
    texts,
)
from tests.conftest import need
from tests.documents.conftest import (
    ADDRESS,
    CODE,
    PERSONS,
    URL,
    make_data,
    page_fonts,
    pdf_array,
    pdf_dict,
    pdf_int,
    pdf_str,
    pdf_stream,
    pdf_text,
    run,
    tool,
)


def labels(lang: str) -> dict[str, str]:
    """Texts the volant prints in ``lang``, from the catalogues it prints them from."""
    _ = texts(lang)
    platform = translator(lang, "documents")
    return {
        "title_household": _("Proof of registration: household"),
        "title_residence": _("Proof of registration: individual"),
        "intro_household": _(
            "According to the municipal population register at the date and time of issue, "
            "the following {count} persons are registered at the address below."
        ),
        "name": _("Name and surnames"),
        "passport": _("Passport"),
        "privacy_title": _("Data protection."),
        "volant": _(
            "This document is a volant: it is informative, shows the register's data at the "
            "date and time of issue, and is not a certificate of registration."
        ),
        "verify": platform(
            "You can check that this document is authentic at {url} with the code {code}, or "
            "by scanning the QR code."
        ),
    }


@pytest.mark.parametrize("lang", ["ca", "es", "en"])
def test_a_household_volant_shows_everyone_at_the_address(lang: str) -> None:
    pages, text = pdf_text(render_certificate(make_data("household", lang)))
    flat = " ".join(text.split())  # cells wrap: compare words, not lines
    printed = labels(lang)
    expected = [
        "Ajuntament de Barcelona",
        "Plaça de Sant Jaume, 1 · 08002 Barcelona",
        printed["title_household"],
        "2026/0000042",
        "05/03/2026 10:07:03 CET",
        "Carrer de Mallorca, 401, 3r 2a · 08013 Barcelona",
        "Eixample",
        *(person.full_name for person in PERSONS),
        "DNI 12345678Z",
        "NIE X1234567L",
        "DNI 87654321X",
        f"{printed['passport']} PAB123456",
        "17/05/1980",
        "Kraków (Polònia)",
        "12/09/2016",
        CODE,
        "https://oac.example.cat/verify",
        printed["privacy_title"],
    ]
    assert [item for item in expected if item not in flat] == []
    assert printed["intro_household"].format(count=4) in flat
    assert pages == 1


@pytest.mark.parametrize("lang", ["ca", "es", "en"])
def test_a_residence_volant_shows_one_person_and_says_it_is_a_volant(lang: str) -> None:
    pages, text = pdf_text(render_certificate(make_data("residence", lang)))
    printed = labels(lang)
    flat = " ".join(text.split())
    expected = [
        printed["title_residence"],
        "Núria Puig i Ferrer",
        "DNI 12345678Z",
        "Espanya",
        "02/03/2015",
        printed["volant"],
        printed["verify"].format(url="https://oac.example.cat/verify", code=CODE),
    ]
    assert [item for item in expected if item not in flat] == []
    assert "Łukasz" not in text
    assert pages == 1


def test_a_large_household_runs_onto_a_second_page_with_the_header_repeated() -> None:
    many = tuple(
        CertifiedPerson(
            f"Persona{i}",
            "Prova",
            "dni",
            "12345678Z",
            p.birth_date,
            "Girona",
            "Espanya",
            p.registered_since,
        )
        for i, p in enumerate(PERSONS * 6)
    )
    pages, text = pdf_text(render_certificate(make_data(persons=many)))
    assert pages == 2
    assert all(f"Persona{i} Prova" in text for i in range(len(many)))
    assert text.count(labels("ca")["name"]) == 2  # the table header, on both pages
    assert text.count(f"CSV {CODE}") == 2  # the footer, on both pages


def test_the_three_languages_have_the_same_texts() -> None:
    tables = {lang: catalogue(lang, "census", LOCALE_DIR) for lang in LANGUAGES}
    assert tables["ca"] and tables["es"].keys() == tables["ca"].keys() == tables["en"].keys()
    assert [lang for lang, table in tables.items() if not all(table.values())] == []


@pytest.mark.parametrize(
    ("lang", "title", "intro", "verify"),
    [
        (
            "ca",
            "Volant de convivència",
            "Segons les dades del Padró municipal d'habitants en la data i l'hora d'emissió, a "
            "l'adreça que s'indica hi figuren inscrites les 4 persones següents.",
            "Podeu comprovar l'autenticitat d'aquest document a https://oac.example.cat/verify "
            f"amb el codi {CODE}, o bé escanejant el codi QR.",
        ),
        (
            "es",
            "Volante de convivencia",
            "Según los datos del Padrón municipal de habitantes en la fecha y la hora de "
            "emisión, en la dirección indicada figuran inscritas las 4 personas siguientes.",
            "Puede comprobar la autenticidad de este documento en https://oac.example.cat/verify "
            f"con el código {CODE}, o escaneando el código QR.",
        ),
    ],
)
def test_the_volant_reads_as_before_the_texts_moved_to_gettext(
    lang: str, title: str, intro: str, verify: str
) -> None:
    _pages, text = pdf_text(render_certificate(make_data("household", lang)))
    flat = " ".join(text.split())
    assert [
        item
        for item in (title, intro, verify, "Pàgina 1" if lang == "ca" else "Página 1")
        if item not in flat
    ] == []
    assert certificate_title("household", lang) == title


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lang": "fr"}, "lang must be one of ca, es, en"),
        ({"kind": "residence"}, "exactly one person"),
        ({"persons": ()}, "at least one person"),
        ({"kind": "certificat"}, "certificat"),
        ({"issued_at": datetime(2026, 3, 5, 10, 0)}, "aware"),
    ],
)
def test_bad_data_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(make_data("household"), **changes)


def test_the_city_heading_comes_from_the_settings() -> None:
    settings = Settings(
        _env_file=None,
        city_name="Girona",
        city_council="",
        city_address="Plaça del Vi, 1",
        city_lines="NIF X, web",  # as the environment gives it
    )
    heading = CityHeading.from_settings(settings)
    assert heading == CityHeading(
        "Girona", "Ajuntament de Girona", "Plaça del Vi, 1", ("NIF X", "web")
    )
    _pages, text = pdf_text(render_certificate(make_data(city=heading)))
    assert "Ajuntament de Girona\nPlaça del Vi, 1\nNIF X\nweb" in text


def test_the_padro_values_convert() -> None:
    person = Person(
        id="7",
        document=parse_id("nie", "x1234567l"),
        given_name="Łukasz",
        surnames="Kowalski",
        sex=Sex.MALE,
        birth_date=PERSONS[1].birth_date,
        birth_place="Kraków (Polònia)",
        nationality="Polònia",
    )
    address = Address(
        "3", "Carrer de Mallorca", "401", "3r", "2a", "08013", "Eixample", AddressKind.DWELLING
    )
    assert CertifiedPerson.from_padro(person, PERSONS[1].registered_since) == PERSONS[1]
    assert CertifiedAddress.from_padro(address, "Barcelona") == ADDRESS


# ------------------------------------------------------------------------ PDF/A markers


def _xmp(reader: PdfReader) -> str:
    stream = pdf_stream(pdf_dict(reader.trailer["/Root"])["/Metadata"])
    assert "/Filter" not in stream  # PDF/A: the XMP packet is not compressed
    return bytes(stream.get_data()).decode("utf-8")


@pytest.mark.parametrize("which", ["rendered", "sealed"])
def test_pdfa_markers(which: str, household_pdf: bytes, sealed_pdf: bytes) -> None:
    pdf = household_pdf if which == "rendered" else sealed_pdf
    reader = PdfReader(io.BytesIO(pdf))
    root = pdf_dict(reader.trailer["/Root"])
    xmp = _xmp(reader)
    assert "<pdfaid:part>2</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp

    intents = pdf_array(root["/OutputIntents"])
    assert len(intents) == 1
    intent = pdf_dict(intents[0])
    assert pdf_str(intent["/S"]) == "/GTS_PDFA1"
    assert pdf_str(intent["/OutputConditionIdentifier"]) == "sRGB IEC61966-2.1"
    profile = pdf_stream(intent["/DestOutputProfile"])
    assert pdf_int(profile["/N"]) == 3
    icc = profile.get_data()
    assert icc[36:40] == b"acsp" and icc[16:20] == b"RGB "

    # Information dictionary and XMP say the same things (ISO 19005-2 §6.6.2.3).
    info = pdf_dict(reader.trailer["/Info"])
    moment = make_data().local_issued_at
    assert pdf_str(info["/CreationDate"]) == pdf_str(info["/ModDate"]) == pdf_date(moment)
    assert f"<xmp:CreateDate>{xmp_date(moment)}</xmp:CreateDate>" in xmp
    assert f"<xmp:ModifyDate>{xmp_date(moment)}</xmp:ModifyDate>" in xmp
    for key, tag in [
        ("/Title", 'rdf:li xml:lang="x-default"'),
        ("/Author", "rdf:li"),
        ("/Producer", "pdf:Producer"),
        ("/Creator", "xmp:CreatorTool"),
    ]:
        assert f"<{tag}>{info[key]}</" in xmp, key
    assert set(info) == {
        "/Title",
        "/Author",
        "/Subject",
        "/Creator",
        "/Producer",
        "/CreationDate",
        "/ModDate",
    }

    # Fonts: every font of every page is embedded (no standard 14 font).
    fonts = page_fonts(reader)
    assert fonts
    assert [
        f["/BaseFont"] for f in fonts if "/FontFile2" not in pdf_dict(f["/FontDescriptor"])
    ] == []
    assert b"/Helvetica" not in pdf and b"/Courier" not in pdf

    # Stream framing (§6.1.7.1), header (§6.1.2), no encryption or scripts (§6.1.3, §6.6.1).
    assert re.findall(rb"[^\r\n]endstream", pdf) == []
    assert pdf.startswith(b"%PDF-1.7\n%") and all(b > 127 for b in pdf[10:14])
    assert "/Encrypt" not in reader.trailer and b"/JavaScript" not in pdf
    assert "/ID" in reader.trailer


def test_the_seal_field_is_invisible_and_printable(sealed_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(sealed_pdf))
    annotations = [pdf_dict(a) for a in pdf_array(reader.pages[0]["/Annots"])]
    assert len(annotations) == 1
    widget = annotations[0]
    assert pdf_str(widget["/FT"]) == "/Sig" and pdf_str(widget["/T"]) == "SegellElectronic"
    assert [float(v) for v in pdf_array(widget["/Rect"])] == [0, 0, 0, 0]
    flags = pdf_int(widget["/F"])
    assert flags & 4 and not flags & (1 | 2 | 32)  # print; not hidden/invisible
    root = pdf_dict(reader.trailer["/Root"])
    assert "/NeedAppearances" not in pdf_dict(root["/AcroForm"])
    permissions = pdf_dict(root["/Perms"])
    assert isinstance(permissions.get("/DocMDP"), IndirectObject)


# ------------------------------------------------------------------------ QR code


def test_the_qr_code_encodes_the_verification_url() -> None:
    story_qr = QrCode(URL, 30)
    assert story_qr.value == URL
    assert len(story_qr.modules) == len(story_qr.modules[0]) >= 21  # a real QR symbol


def test_the_printed_qr_code_decodes_to_the_verification_url(
    household_pdf: bytes, tmp_path: Path
) -> None:
    need(tool("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    need(tool("zbarimg") is not None, "zbarimg (zbar-tools) is not installed")
    (tmp_path / "v.pdf").write_bytes(household_pdf)
    rendered = run("pdftoppm", "-png", "-r", "150", str(tmp_path / "v.pdf"), str(tmp_path / "p"))
    assert rendered.returncode == 0, rendered.stderr
    decoded = run("zbarimg", "--quiet", "--raw", str(tmp_path / "p-1.png"))
    assert decoded.stdout.strip().splitlines() == [URL]


def test_pdfinfo_reads_the_metadata(household_pdf: bytes, tmp_path: Path) -> None:
    need(tool("pdfinfo") is not None, "pdfinfo (poppler-utils) is not installed")
    (tmp_path / "v.pdf").write_bytes(household_pdf)
    info = run("pdfinfo", str(tmp_path / "v.pdf"))
    assert info.returncode == 0, info.stderr
    lines = dict(line.split(":", 1) for line in info.stdout.splitlines() if ":" in line)
    assert lines["Title"].strip() == "Volant de convivència 2026/0000042"
    assert lines["Metadata Stream"].strip() == "yes"
    assert lines["PDF version"].strip() == "1.7"
    assert lines["Page size"].strip().startswith("595.276 x 841.89")


def test_the_kind_enum_matches_the_titles() -> None:
    assert {k.value for k in CertificateKind} == {"residence", "household"}


@pytest.mark.parametrize(
    ("held", "lang", "printed"),
    [
        ("Spain", "ca", "Espanya"),
        ("Spain", "es", "España"),
        ("morocco", "es", "Marruecos"),
        ("PL", "ca", "Polònia"),
        ("United Kingdom", "en", "United Kingdom"),
        ("Polònia", "es", "Polònia"),  # not a name CLDR knows in English: printed as held
    ],
)
def test_the_nationality_is_printed_in_the_volants_language(
    held: str, lang: str, printed: str
) -> None:
    assert nationality_in(held, lang) == printed
    person = replace(PERSONS[0], nationality=held)
    data = replace(make_data("residence", lang), persons=(person,))
    _, text = pdf_text(render_certificate(data))
    assert printed in " ".join(text.split())
