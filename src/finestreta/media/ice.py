"""ICE configuration for a call, with TURN credentials in the TURN REST scheme.

coturn's ``use-auth-secret`` accepts a username ``<expiry unix time>:<user>`` and a password
``base64(HMAC-SHA1(static-auth-secret, username))``; credentials expire by themselves, so nothing
needs revoking and the secret never leaves the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any


def turn_credentials(secret: str, user: str, now: float, ttl_s: int) -> tuple[str, str]:
    username = f"{int(now) + ttl_s}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_configuration(
    stun_urls: tuple[str, ...],
    turn_urls: tuple[str, ...],
    turn_secret: str,
    user: str,
    now: float,
    ttl_s: int,
    transport_policy: str = "all",
) -> dict[str, Any]:
    """An ``RTCConfiguration``-shaped dict for the browser."""
    servers: list[dict[str, Any]] = []
    if stun_urls:
        servers.append({"urls": list(stun_urls)})
    if turn_urls and turn_secret:
        username, credential = turn_credentials(turn_secret, user, now, ttl_s)
        servers.append({"urls": list(turn_urls), "username": username, "credential": credential})
    return {
        "iceServers": servers,
        "iceTransportPolicy": transport_policy,
        "expiresAt": int(now) + ttl_s,
    }
