"""GeoReport v2's two formats from one structure: JSON as is, XML built with
``xml.etree.ElementTree`` (the API only *emits* XML: it never parses any).

A structure is dicts, lists and scalars. In XML a list becomes the children of its element,
each named by :data:`ITEMS` (``services`` → ``service``); a value ``None`` is left out in both
formats (the spec omits what is not known); times are ISO 8601 with their zone.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from starlette.responses import Response

FORMATS = ("xml", "json")
MEDIA = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def plain(value: Any) -> Any:
    """Dataclasses as dicts (their ``None`` fields dropped), times in ISO 8601 with zone."""
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a time without zone")
        return value.isoformat(timespec="seconds")
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for name, item in value.items():
            _fill(ET.SubElement(element, name), item)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        child = ITEMS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, child), item)
    else:
        element.text = _text(value)


DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'  # as the spec asks it, verbatim


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, plain(value))
    return DECLARATION + ET.tostring(element, encoding="unicode").encode()


def to_json(value: Any) -> bytes:
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":")).encode()


def respond(
    fmt: str,
    root: str,
    value: Any,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``value`` in ``fmt``; ``root`` names the XML document's element (a JSON answer is the
    value itself: GeoReport's JSON lists have no wrapper)."""
    body = to_json(value) if fmt == "json" else to_xml(root, value)
    return Response(body, status_code=status, media_type=MEDIA[fmt], headers=dict(headers or {}))


def error_document(fmt: str, status: int, code: str, message: str) -> bytes:
    """The spec's error list: ``code`` is the HTTP status (as in the spec's examples), the
    description starts with our own stable code (``docs/errors.md``)."""
    errors = [{"code": status, "description": f"{code}: {message}"}]
    return to_json(errors) if fmt == "json" else to_xml("errors", errors)
