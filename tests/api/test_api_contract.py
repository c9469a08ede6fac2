"""The API keeps the promises of its OpenAPI document, under property-based testing:
schemathesis generates requests for every operation from the document (valid ones and
broken ones) and checks each answer: never a 5xx, a status the operation lists, the content
type and the schema it declares, the headers it declares.

It runs as a clerk holding a live call (call ids in paths are that call's, so the call's
endpoints really act) and anonymously (everything refused, in the envelope). The budget is
bounded (a few examples per operation, no shrinking, no example database) so that the whole
file stays within about a minute on two cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import ORIGIN, BoothBrowser, ClerkBrowser, open_socket, start_call

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES = 6
BUDGET = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a slow machine is not a failure; the examples are few
    derandomize=True,  # the same cases every run: CI failures can be reproduced
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is shown as found
    suppress_health_check=list(HealthCheck),
)


def operations(app: FastAPI) -> list[Any]:
    """Every JSON operation of the document as the app serves it (the platform's and its
    procedures'); pages (HTML, forms) are the browser tests' part."""
    loaded = schemathesis.openapi.from_dict(app.openapi()).include(path_regex=r"^/(api|i18n)/")
    found = []
    for result in loaded.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the document itself is broken
        found.append(result.ok())
    return found


@pytest.fixture
def clerk_in_call(
    clerk_browser: ClerkBrowser, booth_browser: BoothBrowser
) -> Iterator[tuple[TestClient, str]]:
    """A clerk's browser, and the id of the call they hold with a booth."""
    anna, _ = clerk_browser("anna", "clerk")
    sants, _ = booth_browser("sants")
    with open_socket(anna, "/ws/console") as console, open_socket(sants, "/ws/kiosk") as kiosk:
        console.expect("hello")
        kiosk.expect("hello")
        _, started, _ = start_call(console, kiosk)
        yield anna, started["call_id"]


def send(client: TestClient, case: Any) -> Any:
    """The case through the app's own test client (its cookies; the app's running loop)."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=ORIGIN)
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    kwargs.pop("timeout", None)
    kwargs.pop("cookies", None)  # no operation takes cookie parameters: the browser's own go
    kwargs.pop("verify", None)
    kwargs.pop("allow_redirects", None)
    if kwargs.get("files"):
        # requests writes any value as its text; httpx takes only text and bytes
        kwargs["files"] = [
            (name, (filename, value if isinstance(value, str | bytes) else str(value)))
            for name, (filename, value, *_rest) in kwargs["files"]
        ]
    request = client.build_request(**kwargs)
    request.read()  # a multipart body is a stream: read once, so the checks can show it
    return client.send(request, follow_redirects=False)


def exercise(app: FastAPI, client: TestClient, call_id: str | None = None) -> list[str]:
    """Valid and invalid cases for every operation; what broke the contract, one line each
    (the first failing case of an operation; hypothesis does not shrink it)."""
    broken = []
    for operation in operations(app):
        fixed = {"call_id": call_id} if call_id and "{call_id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

            @BUDGET
            @given(case=strategy)
            def run(case: Any) -> None:
                case.validate_response(send(client, case), checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing to break: every value its parameters take is valid
            except Exception as failure:  # a check failed: say which operation and why
                first = str(failure).strip().splitlines()[:6]
                broken.append(f"{operation.method.upper()} {operation.path} ({mode}): {first}")
                break
    return broken


@pytest.mark.slow
@SQLITE
def test_as_a_clerk_in_a_call(app: FastAPI, clerk_in_call: tuple[TestClient, str]) -> None:
    client, call_id = clerk_in_call
    broken = exercise(app, client, call_id)
    assert broken == [], "\n".join(broken)


@pytest.mark.slow
@SQLITE
def test_anonymously(app: FastAPI, client: TestClient) -> None:
    broken = exercise(app, client)
    assert broken == [], "\n".join(broken)
