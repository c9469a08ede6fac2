"""What the JSON API promises, in its OpenAPI document (``/api/openapi.json``): every answer's
model, and every error status a route can answer with, all in the one error envelope
(``web/errors.py``).

Routes say their statuses with ``responses=refusals(401, 404, …)``; :func:`install` makes the
validation error (422) every route with parameters or a body can answer be our envelope, not
FastAPI's own shape, which we never send. ``tests/api/test_openapi.py`` checks that every JSON
operation has a real 2xx schema and lists its errors, and ``tests/api/test_api_contract.py``
lets schemathesis hold the running app to it.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

MEANINGS = {
    400: "Refused: the input is wrong or incomplete",
    401: "Nobody we know is asking: log in, or pair the booth",
    403: "This caller may not, or the request came from another site",
    404: "No such thing for this caller (another's call answers this too)",
    409: "Not possible in the present state (the call has ended, …)",
    410: "It existed, and is no longer kept or valid",
    413: "Larger than allowed",
    422: "Not the expected shape (a parameter or the body)",
    429: "Too many attempts: wait and try again",
    503: "A part we depend on does not answer now: try again later",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    """Every refusal: ``{"ok": false, "error": {"code", "message", "details"?}}``."""

    ok: Literal[False]
    error: ErrorDetail


class Done(BaseModel):
    """An action taken, nothing more to say."""

    ok: Literal[True]


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with its meaning and the error envelope."""
    return {s: {"model": ErrorBody, "description": MEANINGS[s]} for s in sorted(statuses)}


# The statuses of the shared dependencies, to add to a route's own.
STAFF = (401, 403)  # require_clerk, require_supervisor
CALL = (401, 403, 404, 409, 422)  # ActiveCall: who asks, whose call, still on, call id
OWN_CALL = (401, 403, 404, 422)  # OwnCall: an ended call too
SAME_ORIGIN = (403,)


def install(app: FastAPI) -> None:
    """Make FastAPI's default 422 answers our envelope in the OpenAPI document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # one schema per model, the validation one: wire models (realtime/frames.py) have a
            # serializer that only drops empty optional fields, whose own schema says nothing
            schema = get_openapi(
                title=app.title,
                version=app.version,
                routes=app.routes,
                separate_input_output_schemas=False,
            )
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    answer = operation.get("responses", {}).get("422")
                    if answer is not None and "HTTPValidationError" in str(answer):
                        operation["responses"]["422"] = {
                            "description": MEANINGS[422],
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorBody"}
                                }
                            },
                        }
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
            components["ErrorBody"] = ErrorBody.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            components.update(components["ErrorBody"].pop("$defs", {}))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
