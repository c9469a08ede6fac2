"""The OpenAPI document is a contract a schema check can fail: every JSON operation declares
the shape of its answer and the error statuses it can answer with, each in the one error
envelope; a method an address does not take is a 405 that says which it takes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

FILE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def _is_file(operation: dict[str, Any]) -> bool:
    """Routes that answer a document's bytes declare the file types, not JSON."""
    content = operation["responses"].get("200", {}).get("content", {})
    return bool(content) and set(content) <= FILE_TYPES


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _json_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        if path.startswith(("/api/", "/i18n/"))
        for method, operation in item.items()
        if not _is_file(operation)
    ]


def test_every_json_operation_declares_its_answer_and_its_errors(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    operations = _json_operations(document)
    assert len(operations) >= 20
    problems = []
    for method, path, operation in operations:
        responses = operation["responses"]
        ok = responses.get("200", {}).get("content", {}).get("application/json", {})
        schema = _resolve(ok.get("schema", {}), document)
        # a real shape: named properties, or a map whose values have a type
        if not schema.get("properties") and not isinstance(
            schema.get("additionalProperties"), dict
        ):
            problems.append(f"{method} {path}: 2xx is {schema}")
        errors = {int(s) for s in responses if s[0] in "45"}
        if not errors and (operation.get("parameters") or operation.get("requestBody")):
            problems.append(f"{method} {path}: no error status")
        for status in errors:
            body = responses[str(status)]["content"]["application/json"]["schema"]
            if body != {"$ref": "#/components/schemas/ErrorBody"}:
                problems.append(f"{method} {path}: {status} is not the error envelope")
        if path.startswith("/api/calls/") and method == "POST":
            missing = {401, 403, 404, 409, 422} - errors
            if missing:
                problems.append(f"{method} {path}: the call's refusals {missing} are missing")
        if "{" in path and 422 not in errors and 404 not in errors:
            problems.append(f"{method} {path}: a bad id's answer is missing")
    assert problems == [], "\n".join(problems)
    envelope = _resolve(document["components"]["schemas"]["ErrorBody"], document)
    assert envelope["required"] == ["ok", "error"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_a_wrong_method_says_which_are_allowed(client: TestClient) -> None:
    answer = client.put("/api/health")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"
    assert answer.json()["error"]["code"] == "method_not_allowed"
