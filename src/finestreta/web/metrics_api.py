"""``GET /metrics``: the Prometheus exposition (``supervision/metrics.py``).

Off unless configured (404, as if there were no such page). Allowed to a client address in
``FINESTRETA_METRICS_ALLOW``, or with ``Authorization: Bearer <FINESTRETA_METRICS_TOKEN>``
(compared in constant time; the logs redact bearer tokens). Without credentials: 401; with a
wrong token: 403. Not in the OpenAPI document: it is for Prometheus, not for the pages.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from functools import cache

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from finestreta.web.errors import FORBIDDEN, NOT_FOUND, UNAUTHORIZED
from finestreta.web.security import client_address, ctx_of

router = APIRouter()

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(allow: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in allow)


def _allowed_address(address: str, allow: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(allow))


def _check(request: Request) -> None:
    settings = ctx_of(request).settings
    token = settings.metrics_token.get_secret_value()
    if not token and not settings.metrics_allow:
        raise NOT_FOUND("/metrics is not enabled")
    if settings.metrics_allow and _allowed_address(client_address(request), settings.metrics_allow):
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer" or not given:
        raise UNAUTHORIZED("/metrics needs the metrics token or an allowed address")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise FORBIDDEN("Wrong metrics token")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    _check(request)
    ctx = ctx_of(request)
    if ctx.metrics is None:
        raise NOT_FOUND("/metrics is not enabled")
    live = ctx.metrics.live()  # here, on the loop: the hub changes its state only there
    body = await asyncio.to_thread(ctx.metrics.render, live)  # reads the database
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
