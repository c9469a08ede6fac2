"""JSON log lines (``FINESTRETA_LOG_FORMAT=json``): valid JSON a line, the ids of the work
being done, and nothing personal or secret, in the message or the exception text."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from finestreta import log_context, logs
from finestreta.cli import _secret_patterns
from finestreta.config import Settings
from finestreta.procedures import registry
from finestreta.web.request_ids import request_id_of

NIF = "12345678Z"
OPEN311_KEY = "o311_" + "Ab-_9" * 8 + "xyz"
SMTP_PASSWORD = "correct horse battery"
SIGNATURE_KEY = "k" * 40
TURN_SECRET = "turn-shared-secret-42"


@pytest.fixture
def root(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Lets a test empty the root logger's handlers, as in a fresh server process (put back
    after); emptied in the test itself, after pytest has added its own for the call."""
    logger = logging.getLogger()
    monkeypatch.setattr(logger, "level", logger.level)
    yield monkeypatch


def server_logging(root: pytest.MonkeyPatch, fmt: str) -> io.StringIO:
    """``finestreta serve``'s logging (cli.py), with every procedure's patterns and the
    settings' secrets, writing to a buffer."""
    root.setattr(logging.getLogger(), "handlers", [])
    settings = Settings(
        _env_file=None,
        smtp_password=SMTP_PASSWORD,
        signature_key=SIGNATURE_KEY,
        turn_secret=TURN_SECRET,
    )
    procedures = registry.load(["census", "complaints", "taxes"])
    patterns = [pattern for p in procedures for pattern in p.redact]
    logs.configure("debug", (*patterns, *_secret_patterns(settings)), fmt)
    out = io.StringIO()
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    return out


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_line_is_one_json_object_with_the_fields(root: pytest.MonkeyPatch) -> None:
    out = server_logging(root, "json")
    logging.getLogger("finestreta.test").info('said "%s"\nover two lines', "hola")
    logging.getLogger("uvicorn.error").warning("plain")
    first, second = lines(out)
    assert set(first) == {"ts", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "finestreta.test"
    assert first["message"] == 'said "hola"\nover two lines'
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first["ts"])
    assert second["level"] == "WARNING" and second["logger"] == "uvicorn.error"


def test_lines_carry_the_ids_of_the_work_they_are_about(root: pytest.MonkeyPatch) -> None:
    out = server_logging(root, "json")
    log = logging.getLogger("finestreta.test")
    token = log_context.http_request_id.set("req-1")
    try:
        with log_context.about_call("call-1", "request-1"):
            log.info("inside")
        log.info("after")
    finally:
        log_context.http_request_id.reset(token)
    log.info("outside")
    inside, after, outside = lines(out)
    assert (inside["call_id"], inside["request_id"], inside["http_request_id"]) == (
        "call-1",
        "request-1",
        "req-1",
    )
    assert "call_id" not in after and after["http_request_id"] == "req-1"
    assert not set(outside) & set(log_context.FIELDS)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_secrets_and_personal_data_are_redacted(root: pytest.MonkeyPatch, fmt: str) -> None:
    out = server_logging(root, fmt)
    log = logging.getLogger("finestreta.test")
    log.info("citizen %s asked with key %s", NIF, OPEN311_KEY)
    log.warning("SMTP login failed for password %s", SMTP_PASSWORD)
    log.info("signing with %s", SIGNATURE_KEY)
    log.info("TURN credentials from %s", TURN_SECRET)
    log.info("pay: Ds_Signature=abcDEF123== signature=xyz789")
    try:
        raise ValueError(f"no such NIF {NIF} (key {OPEN311_KEY}, password {SMTP_PASSWORD})")
    except ValueError:
        log.exception("lookup failed for %s", NIF)
    text = out.getvalue()
    for secret in (
        NIF,
        OPEN311_KEY,
        SMTP_PASSWORD,
        SIGNATURE_KEY,
        TURN_SECRET,
        "abcDEF123",
        "xyz789",
    ):
        assert secret not in text, secret
    assert "[redacted]" in text
    if fmt == "json":
        last = lines(out)[-1]
        assert last["message"] == "lookup failed for [redacted]"
        assert "ValueError: no such NIF [redacted]" in last["exception"]
        assert "Traceback" in last["exception"]


def test_the_text_format_is_unchanged(root: pytest.MonkeyPatch) -> None:
    out = server_logging(root, "text")
    with log_context.about_call("call-1", "request-1"):
        logging.getLogger("finestreta.test").info("hello %s", "world")
    (line,) = out.getvalue().splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO finestreta\.test: hello world", line
    ), line


def test_short_secret_values_are_not_patterns() -> None:
    # a 3-letter "secret" would redact ordinary words everywhere
    assert logs.secret_values(["abc", "", "long enough"]) == (re.compile("long\\ enough"),)


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("abc-123_DEF.4:5", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("with space", False),
        ('quote"', False),
        ("new\nline", False),
        ("", False),
        (None, False),
    ],
)
def test_an_incoming_request_id_is_kept_only_if_safe(incoming: str | None, kept: bool) -> None:
    rid = request_id_of(incoming)
    assert (rid == incoming) is kept
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", rid)
