"""PDFs with active content (scripts, launched programs, attached files, forms that submit,
automatic actions) are refused, whichever way the names and objects are hidden: ``#xx``
escapes in names, objects inside compressed object streams, objects no page reaches.

The PDFs are written by hand here (``build``), so each one holds exactly the feature tested.
"""

from __future__ import annotations

import io
import zlib

import pytest

from finestreta.documents.validation import RejectedDocument, check

LIMIT = 10_000_000
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]%s>>"


def build(
    catalog_extra: bytes = b"",
    page_extra: bytes = b"",
    extra: tuple[bytes, ...] = (),
    object_stream: bool = False,
) -> bytes:
    """A one-page PDF: 1 catalog, 2 pages, 3 page, then ``extra`` objects numbered from 4.

    With ``object_stream`` every object but the first goes into a Flate-compressed object
    stream, indexed by a compressed cross-reference stream (PDF 1.5), as modern writers do.
    """
    objects = [
        b"<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        PAGE % page_extra,
        *extra,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    if not object_stream:
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(
            b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
        )
        return out.getvalue()
    # object 1 stays a plain object; 2.. go into object stream number n+1; the xref stream is n+2
    packed = objects[1:]
    header, data = b"", b""
    for index, body in enumerate(packed, start=2):
        header += b"%d %d " % (index, len(data))
        data += body + b"\n"
    stream_number = len(objects) + 1
    xref_number = stream_number + 1
    content = zlib.compress(header + data)
    first = out.tell()
    out.write(b"1 0 obj\n%s\nendobj\n" % objects[0])
    stream_offset = out.tell()
    out.write(
        b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n"
        % (stream_number, len(packed), len(header), len(content))
    )
    out.write(content + b"\nendstream\nendobj\n")
    xref_offset = out.tell()
    rows = [b"\x00\x00\x00\xff\xff", b"\x01" + first.to_bytes(2, "big") + b"\x00\x00"]
    for index in range(len(packed)):
        rows.append(b"\x02" + stream_number.to_bytes(2, "big") + index.to_bytes(2, "big"))
    rows.append(b"\x01" + stream_offset.to_bytes(2, "big") + b"\x00\x00")
    rows.append(b"\x01" + xref_offset.to_bytes(2, "big") + b"\x00\x00")
    table = zlib.compress(b"".join(rows))
    out.write(
        b"%d 0 obj\n<</Type/XRef/Size %d/W[1 2 2]/Root 1 0 R/Filter/FlateDecode/Length %d>>\n"
        b"stream\n" % (xref_number, xref_number + 1, len(table))
    )
    out.write(table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset)
    return out.getvalue()


HOSTILE = {
    "open_action_js": {"catalog_extra": b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>"},
    "open_action_launch": {"catalog_extra": b"/OpenAction<</S/Launch/F(calc.exe)>>"},
    "open_action_uri": {"catalog_extra": b"/OpenAction<</S/URI/URI(https://evil.example/)>>"},
    "page_aa_js": {"page_extra": b"/AA<</O<</S/JavaScript/JS 4 0 R>>>>", "extra": (b"(x)",)},
    "names_javascript": {
        "catalog_extra": b"/Names<</JavaScript<</Names[(a) 4 0 R]>>>>",
        "extra": (b"<</S/JavaScript/JS(app.alert(1))>>",),
    },
    "embedded_files": {
        "catalog_extra": b"/Names<</EmbeddedFiles<</Names[(evil.exe) 4 0 R]>>>>",
        "extra": (b"<</Type/Filespec/F(evil.exe)/EF<</F 5 0 R>>>>", b"<</Type/EmbeddedFile>>"),
    },
    "file_attachment_annotation": {
        "page_extra": b"/Annots[4 0 R]",
        "extra": (b"<</Type/Annot/Subtype/FileAttachment/Rect[0 0 9 9]/FS(evil.exe)>>",),
    },
    "rich_media": {
        "page_extra": b"/Annots[4 0 R]",
        "extra": (b"<</Type/Annot/Subtype/RichMedia/Rect[0 0 9 9]>>",),
    },
    "xfa_form": {"catalog_extra": b"/AcroForm<</Fields[]/XFA 4 0 R>>", "extra": (b"(<xdp/>)",)},
    "link_submit_form": {
        "page_extra": b"/Annots[4 0 R]",
        "extra": (b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/SubmitForm/F(https://x/)>>>>",),
    },
    "link_import_data": {
        "page_extra": b"/Annots[4 0 R]",
        "extra": (b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/ImportData/F(x.fdf)>>>>",),
    },
    "link_goto_remote": {
        "page_extra": b"/Annots[4 0 R]",
        "extra": (
            b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/GoToR/F(\\\\\\\\host\\\\s)/D[0/Fit]>>>>",
        ),
    },
    "link_javascript_uri": {
        "page_extra": b"/Annots[4 0 R]",
        "extra": (
            b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/URI/URI(javascript:alert(1))>>>>",
        ),
    },
    "chained_next_js": {
        "page_extra": b"/Annots[4 0 R]",
        "extra": (
            b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]"
            b"/A<</S/URI/URI(https://a.example/)/Next<</S/JavaScript/JS(1)>>>>>>",
        ),
    },
    # names written with #xx escapes: /#4A#53 is /JS, /J#61vaScript is /JavaScript
    "hex_escaped_names": {"catalog_extra": b"/OpenAction<</S/J#61vaScript/#4A#53(app.alert(1))>>"},
    # an object nothing points to is still looked at (a viewer may rebuild a broken file)
    "unreachable_object": {"extra": (b"<</S/Launch/F(calc.exe)/JS(1)>>",)},
}


@pytest.mark.parametrize("object_stream", [False, True], ids=["plain", "object_stream"])
@pytest.mark.parametrize("feature", sorted(HOSTILE))
def test_active_content_is_refused(feature: str, object_stream: bool) -> None:
    content = build(**HOSTILE[feature], object_stream=object_stream)  # type: ignore[arg-type]
    with pytest.raises(RejectedDocument) as refused:
        check(content, LIMIT)
    assert refused.value.code == "active_content"


@pytest.mark.parametrize("object_stream", [False, True], ids=["plain", "object_stream"])
@pytest.mark.parametrize(
    "harmless",
    [
        {},
        {"catalog_extra": b"/OpenAction[3 0 R/Fit]"},  # open at page 1, fitted (Word does it)
        {"catalog_extra": b"/OpenAction<</S/GoTo/D[3 0 R/Fit]>>"},
        {
            "page_extra": b"/Annots[4 0 R]",
            "extra": (
                b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/BS<</S/S/W 0>>"
                b"/A<</S/URI/URI(https://www.example.cat/)>>>>",
            ),
        },
    ],
    ids=["plain", "open_at_page", "open_goto", "web_link"],
)
def test_plain_pdfs_and_links_pass(harmless: dict[str, object], object_stream: bool) -> None:
    content = build(**harmless, object_stream=object_stream)  # type: ignore[arg-type]
    assert check(content, LIMIT).pages == 1


def test_the_platforms_own_pdfs_pass() -> None:
    """Info sheets carry web links and volants a seal: neither is active content."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "seu.example.cat")
    page.linkURL("https://seu.example.cat/", (72, 710, 200, 730))
    page.save()
    assert check(buffer.getvalue(), LIMIT).pages == 1


def test_the_object_stream_really_hides_the_objects() -> None:
    """The hostile objects of the object-stream variant are inside the compressed stream (the
    bytes do not show them), so only a walk of the parsed objects can find them."""
    from pypdf import PdfReader

    content = build(**HOSTILE["page_aa_js"], object_stream=True)  # type: ignore[arg-type]
    assert b"JavaScript" not in content
    assert len(PdfReader(io.BytesIO(content)).xref_objStm) == 3
