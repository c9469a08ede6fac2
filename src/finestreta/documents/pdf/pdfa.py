"""PDF/A-2b out of ReportLab: what the open-source ReportLab does not do by itself.

ReportLab already embeds TrueType fonts (as symbolic subsets with one ``cmap`` encoding and a
``ToUnicode`` map, which PDF/A-2 accepts), writes a binary header comment and a trailer ``/ID``.
A canvas made by :func:`canvas_maker` adds the rest:

* an XMP metadata stream (not compressed) with ``pdfaid:part`` 2 and ``pdfaid:conformance`` B,
  and a document information dictionary whose entries say the same (title, author, subject,
  creator, producer, creation and modification dates, in the city's time zone);
* an sRGB ``OutputIntent`` (``GTS_PDFA1``) with the ICC profile made by Pillow (LittleCMS), so
  DeviceRGB colours have a defined meaning;
* an end-of-line marker before every ``endstream`` (ISO 19005-2 §6.1.7.1; ReportLab writes
  ``~>endstream``);
* header version 1.7, so that pyHanko's incremental update need not set ``/Version``.

What the caller must do: use only fonts registered from TrueType files (never the standard 14,
which are not embedded), set the canvas's initial font to one of them (ReportLab otherwise
selects Helvetica in every page's preamble), draw in RGB, add no transparency, links or
JavaScript, and print only characters the font has (a ``.notdef`` glyph is not allowed).
:func:`finestreta.documents.pdf.layout.build` and the toolkit's styles do all that. veraPDF is
not available on the project's machines: ``tests/documents`` checks these markers with pypdf
instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

PDFA_PART = 2
PDFA_CONFORMANCE = "B"
SRGB_IDENTIFIER = "sRGB IEC61966-2.1"


@dataclass(frozen=True)
class DocumentInfo:
    """What the information dictionary and the XMP metadata both say. ``created`` is aware."""

    title: str
    author: str
    subject: str
    creator: str
    producer: str
    created: datetime
    lang: str  # BCP 47, e.g. ca-ES


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (LittleCMS's, through Pillow), made once per process."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    data: bytes = profile.tobytes()
    return data


def pdf_date(moment: datetime) -> str:
    """``D:20260305100703+01'00'`` (ISO 32000-1 §7.9.4), in ``moment``'s own offset."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("PDF dates need an aware datetime")
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    if minutes == 0:
        return f"D:{moment:%Y%m%d%H%M%S}Z"
    return f"D:{moment:%Y%m%d%H%M%S}{sign}{hours:02d}'{mins:02d}'"


def xmp_date(moment: datetime) -> str:
    """``2026-03-05T10:07:03+01:00``: the same instant as :func:`pdf_date`, to the second."""
    if moment.tzinfo is None:
        raise ValueError("XMP dates need an aware datetime")
    text = moment.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def xmp_packet(info: DocumentInfo) -> bytes:
    """The XMP metadata of a PDF/A-2b document (UTF-8, with the ``xpacket`` wrapper)."""

    def text(value: str) -> str:
        return escape(value, {'"': "&quot;"})

    when = xmp_date(info.created)
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>{PDFA_PART}</pdfaid:part>
   <pdfaid:conformance>{PDFA_CONFORMANCE}</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text(info.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{text(info.author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text(info.subject)}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{text(info.lang)}</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
   <xmp:CreatorTool>{text(info.creator)}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{text(info.producer)}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""
    return packet.encode("utf-8")


class _Info(pdfdoc.PDFInfo):  # type: ignore[misc]
    """The information dictionary, with exactly the entries the XMP packet repeats."""

    def __init__(self, info: DocumentInfo) -> None:
        super().__init__()
        self._info = info

    def format(self, document: Any) -> bytes:
        info = self._info
        date = pdfdoc.PDFString(pdf_date(info.created))
        entries = pdfdoc.PDFDictionary(
            {
                "Title": pdfdoc.PDFString(info.title),
                "Author": pdfdoc.PDFString(info.author),
                "Subject": pdfdoc.PDFString(info.subject),
                "Creator": pdfdoc.PDFString(info.creator),
                "Producer": pdfdoc.PDFString(info.producer),
                "CreationDate": date,
                "ModDate": date,
            }
        )
        result: bytes = entries.format(document)
        return result


_FRAMED: dict[type[Any], type[Any]] = {}


def _framed(cls: type[Any]) -> type[Any]:
    """A subclass of the stream class ``cls`` that writes an EOL marker before ``endstream``."""
    framed = _FRAMED.get(cls)
    if framed is not None:
        return framed

    def format(self: Any, document: Any) -> bytes:
        data: bytes = cls.format(self, document)
        if not data.endswith(b"endstream\n"):  # pragma: no cover - ReportLab changed
            raise RuntimeError("unexpected ReportLab stream framing")
        # /Length counts the content only: the bytes before this EOL, as PDF/A asks.
        return data[: -len(b"endstream\n")] + b"\nendstream\n"

    framed = _FRAMED.setdefault(cls, type(f"PdfA{cls.__name__}", (cls,), {"format": format}))
    return framed


class _Document(pdfdoc.PDFDocument):  # type: ignore[misc]
    """Every stream passes through ``Reference`` before it is written (streams are
    reference-only objects): it is given the framing PDF/A asks for there."""

    def Reference(self, obj: Any, name: str | None = None) -> Any:
        if isinstance(obj, pdfdoc.PDFStream) and not getattr(obj, "_pdfa_framed", False):
            obj.__class__ = _framed(type(obj))
            obj._pdfa_framed = True
        return super().Reference(obj, name)


@cache
def _compressed_profile() -> bytes:
    return zlib.compress(srgb_profile(), 9)


def _output_intent(document: Any) -> Any:
    profile = pdfdoc.PDFStream(  # compressed once per process: "Filter" set means "done"
        dictionary=pdfdoc.PDFDictionary({"N": 3, "Filter": pdfdoc.PDFName("FlateDecode")}),
        content=_compressed_profile(),
    )
    return pdfdoc.PDFDictionary(
        {
            "Type": pdfdoc.PDFName("OutputIntent"),
            "S": pdfdoc.PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": pdfdoc.PDFString(SRGB_IDENTIFIER),
            "Info": pdfdoc.PDFString(SRGB_IDENTIFIER),
            "RegistryName": pdfdoc.PDFString("http://www.color.org"),
            "DestOutputProfile": document.Reference(profile, "sRGBProfile"),
        }
    )


def make_pdfa(canvas: Canvas, info: DocumentInfo) -> None:
    """Turn a fresh canvas's document into a PDF/A-2b one (see the module's notes)."""
    document = canvas._doc
    document.__class__ = _Document
    document.info = _Info(info)
    catalog = document.Catalog
    xmp = pdfdoc.PDFStream(
        dictionary=pdfdoc.PDFDictionary(
            {"Type": pdfdoc.PDFName("Metadata"), "Subtype": pdfdoc.PDFName("XML")}
        ),
        content=xmp_packet(info),
        filters=None,  # the document has no default filters: never compressed, as PDF/A asks
    )
    catalog.Metadata = xmp
    catalog.OutputIntents = pdfdoc.PDFArray([_output_intent(document)])
    # PDFCatalog writes only the keys it knows; dunder names are not mangled, so this instance
    # can know one more.
    catalog.__NoDefault__ = [*pdfdoc.PDFCatalog.__NoDefault__, "OutputIntents"]


def canvas_maker(info: DocumentInfo) -> Callable[..., Canvas]:
    """A ``canvasmaker`` for platypus' ``build``: a PDF 1.7 canvas made PDF/A-2b."""

    def make(*args: Any, **kwargs: Any) -> Canvas:
        kwargs["pdfVersion"] = (1, 7)
        kwargs["enforceColorSpace"] = "rgb"
        canvas = Canvas(*args, **kwargs)
        make_pdfa(canvas, info)
        return canvas

    return make
