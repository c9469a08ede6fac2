"""The citizen's handwritten signature on the booth's pad: the strokes checked and kept small
(``strokes``), a request made for a document's hash before the citizen signs and sealed with the
strokes or with the oral consent a habilitated official records instead (``sealing``), who may
read a signature and for how long (``access``), and drawing it into a PDF (``render``)."""

from finestreta.signatures.access import (
    Drawing,
    Reader,
    accesses,
    purge,
    read_drawing,
    read_signature,
)
from finestreta.signatures.encryption import SignatureKey
from finestreta.signatures.render import draw, flowable
from finestreta.signatures.sealing import (
    SealedRequest,
    open_request,
    record_oral_consent,
    sign,
)
from finestreta.signatures.strokes import Point, Signature, Stroke, parse, simplify

__all__ = [
    "Drawing",
    "Point",
    "Reader",
    "SealedRequest",
    "Signature",
    "SignatureKey",
    "Stroke",
    "accesses",
    "draw",
    "flowable",
    "open_request",
    "parse",
    "purge",
    "read_drawing",
    "read_signature",
    "record_oral_consent",
    "sign",
    "simplify",
]
