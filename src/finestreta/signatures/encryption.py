"""Timing and pressure of a signature, encrypted at rest (AES-256-GCM).

They are the part of a handwritten signature that tells most about the hand that made it (the
biometric part), so they are kept only encrypted, with a key derived (HKDF-SHA256) from the
server secret ``FINESTRETA_SIGNATURE_KEY``. The request's id is the associated data: a blob
copied onto another signature does not open.
"""

from __future__ import annotations

import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from finestreta.errors import N_, Unavailable, declare

KEY_MISSING = declare(
    "signature_key_missing",
    Unavailable,
    N_(
        "Signatures cannot be kept: the server has no signature key configured. Tell the "
        "administrator."
    ),
)
KEY_WRONG = declare(
    "signature_key_wrong",
    Unavailable,
    N_(
        "A kept signature cannot be opened with the server's signature key. Tell the administrator."
    ),
)

VERSION = b"\x01"  # the first byte of every blob: the scheme, so that it can change later
NONCE_BYTES = 12
Timing = list[list[tuple[float, float]]]


class SignatureKey:
    """The AES key, derived once from the setting; its repr never shows it."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise KEY_MISSING("FINESTRETA_SIGNATURE_KEY is empty")
        self._aes = AESGCM(
            HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=b"finestreta signatures timing v1",
            ).derive(secret.encode())
        )

    def __repr__(self) -> str:
        return "SignatureKey(…)"

    def seal(self, timing: Timing, request_id: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(timing, separators=(",", ":")).encode()
        return VERSION + nonce + self._aes.encrypt(nonce, plain, request_id.encode())

    def open(self, blob: bytes, request_id: str) -> Timing:
        if blob[:1] != VERSION:
            raise KEY_WRONG("unknown scheme of the timing blob")
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            plain = self._aes.decrypt(nonce, sealed, request_id.encode())
        except InvalidTag:
            raise KEY_WRONG("the timing of this signature does not open with this key") from None
        return [[(t, p) for t, p in stroke] for stroke in json.loads(plain)]
