"""The frames as JSON Schema (draft 2020-12), made from the typed models of ``frames.py``.

``finestreta protocol schema`` prints it; ``docs/protocol.schema.json`` is the copy a client
author reads (``tests/protocol/test_schema.py`` keeps the two equal). There is one schema per
party and direction, ``#/$defs/<party>_<direction>`` (``kiosk_outbound``: what the booth page
receives), each a ``oneOf`` over its frames, whose ``type`` is a ``const``; the models are in
``$defs`` beside them.

Pydantic describes what its validators accept. The wire is narrower (the wire rule in
``frames.py``), and the schema says so:

* an optional field (default None) is absent when it has no value, never null;
* a frame the server sends always carries its other fields, ``type`` and those with a default
  (``protocol``, ``role``) included; a required field is null only where its type allows.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from finestreta.realtime.frames import PARTIES, PROTOCOL_VERSION, FrameSet, Wire

DIALECT = "https://json-schema.org/draft/2020-12/schema"
NULL = {"type": "null"}

_WHO = {
    "kiosk": "the booth page",
    "console": "a clerk's console",
    "agent": "the kiosk agent",
    "supervisor": "a supervisor's wallboard",
}


def frames_schema(frames: FrameSet) -> dict[str, Any]:
    """Every frame of ``frames``: one schema per party and direction, the models in ``$defs``."""
    groups: dict[str, tuple[str, list[type[BaseModel]]]] = {}
    for party in PARTIES:
        groups[f"{party}_inbound"] = (f"What {_WHO[party]} sends.", [*frames.inbound(party)])
        groups[f"{party}_outbound"] = (f"What {_WHO[party]} receives.", [*frames.outbound(party)])
    models = list(dict.fromkeys(model for _, members in groups.values() for model in members))
    refs, bundle = models_json_schema(
        [(model, "validation") for model in models], schema_generator=_WireSchema
    )
    definitions: dict[str, Any] = dict(bundle.get("$defs", {}))
    for name, (description, members) in groups.items():
        definitions[name] = {
            "description": description,
            "oneOf": [refs[(model, "validation")] for model in members],
        }
    return {
        "$schema": DIALECT,
        "title": f"Finestreta WebSocket frames, protocol version {PROTOCOL_VERSION}",
        "description": (
            "docs/protocol.md says when each frame is sent and what it means. Validate a frame "
            "against #/$defs/<party>_<direction>: kiosk, console, agent or supervisor; inbound is what "
            "that party sends, outbound what it receives. Optional fields are absent, never "
            "null. Made by `finestreta protocol schema` from the server's own models."
        ),
        "$defs": dict(sorted(definitions.items())),
    }


def frames_schema_json(frames: FrameSet) -> str:
    """:func:`frames_schema` as the text of ``docs/protocol.schema.json``."""
    return json.dumps(frames_schema(frames), indent=2, ensure_ascii=False) + "\n"


class _WireSchema(GenerateJsonSchema):
    """Pydantic's validation schema, narrowed to what travels on the wire."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # "Request Id" says nothing that the property's name does not

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        model: type[BaseModel] = schema["cls"]
        properties: dict[str, Any] = json_schema.get("properties", {})
        required = set(json_schema.get("required", ()))
        for name, field in model.model_fields.items():
            if field.is_required() or name not in properties:
                continue
            if field.default is None:  # absent when it has no value
                properties[name] = _not_null(properties[name])
            elif issubclass(model, Wire):  # the server always sends it
                properties[name].pop("default", None)
                required.add(name)
        if required:
            json_schema["required"] = [name for name in properties if name in required]
        return json_schema


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """``prop`` without its null branch and its null default."""
    narrowed = {key: value for key, value in prop.items() if key not in ("anyOf", "default")}
    branches = [branch for branch in prop.get("anyOf", ()) if branch != NULL]
    if "anyOf" not in prop:
        return narrowed
    if len(branches) == 1:
        return {**branches[0], **narrowed}
    return {**narrowed, "anyOf": branches}
