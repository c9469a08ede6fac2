"""Frames checked against the committed JSON Schema, ``docs/protocol.schema.json``: the one a
client author reads, not the one the models would make now (``test_schema.py`` keeps the two
equal)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "docs" / "protocol.schema.json"


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator of ``#/$defs/<name>`` (``kiosk_outbound``, ``Ice``…)."""
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": schema()["$defs"]})


def model_of(group: str, frame_type: object) -> str | None:
    """The name of the model in ``group`` whose ``type`` is ``frame_type``."""
    for ref in schema()["$defs"][group]["oneOf"]:
        name = ref["$ref"].rsplit("/", 1)[1]
        if schema()["$defs"][name]["properties"]["type"].get("const") == frame_type:
            return str(name)
    return None


def check(party: str, direction: str, frame: Any) -> None:
    """``frame`` is one of the frames ``party`` sends (inbound) or receives (outbound)."""
    group = f"{party}_{direction}"
    if validator(group).is_valid(frame):
        return
    model = model_of(group, frame.get("type") if isinstance(frame, dict) else None)
    if model is None:
        raise AssertionError(f"{party} {direction}: no frame of this type in the schema: {frame!r}")
    error = best_match(validator(model).iter_errors(frame))
    where = "/".join(str(part) for part in error.absolute_path) if error else ""
    raise AssertionError(
        f"{party} {direction} {model} does not match docs/protocol.schema.json"
        f" ({error.message if error else 'matches more than one frame'} at /{where}): {frame!r}"
    )


def check_model(name: str, value: Any) -> None:
    """``value`` is a ``name`` (a model of the schema, e.g. ``Ice``)."""
    error = best_match(validator(name).iter_errors(value))
    if error is not None:
        raise AssertionError(f"not a {name} ({error.message}): {value!r}")
