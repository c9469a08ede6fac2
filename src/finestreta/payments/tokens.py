"""The tokens in our own payment links (the booth's pay page, URL OK and URL KO).

A token is an HMAC of the order number and the link's purpose under a server secret, so that
nobody can mark someone else's order as "back at the booth" by guessing its (sequential)
number, and a return link cannot be used as a pay link. Tokens prove a link was made here;
they never settle anything: only a signed notification does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

Purpose = Literal["pay", "return"]
TOKEN_BYTES = 16  # 128 bits, 22 characters in Base64url


def make_token(secret: bytes, number: str, purpose: Purpose) -> str:
    digest = hmac.new(secret, f"{purpose}:{number}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode("ascii").rstrip("=")


def token_holds(secret: bytes, number: str, purpose: Purpose, token: str | None) -> bool:
    """Whether ``token`` is the one made for ``number`` and ``purpose`` (constant time)."""
    if not token or len(token) > 64 or not token.isascii():
        return False
    return hmac.compare_digest(make_token(secret, number, purpose), token)
