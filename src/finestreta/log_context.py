"""The ids a log line is about: the call and attention request being handled and the HTTP
request being answered. They live in context variables, set where that work happens (the
HTTP middleware ``web/request_ids.py``, the ``/api/calls/{call_id}/…`` dependency, the hub's
frame handling), so every line logged during it carries them without being passed around;
:class:`ContextFilter` copies them onto each record for the formatter.

Context variables follow asyncio tasks: what a request's task sets is not seen by another
task, and a value set while handling one frame is reset before the next."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

call_id: ContextVar[str | None] = ContextVar("finestreta_call_id", default=None)
request_id: ContextVar[str | None] = ContextVar("finestreta_request_id", default=None)
http_request_id: ContextVar[str | None] = ContextVar("finestreta_http_request_id", default=None)

# the record attributes the filter sets (and the JSON formatter reads)
FIELDS = ("call_id", "request_id", "http_request_id")


def bind_call(call: str | None, request: str | None) -> None:
    """The call (and its attention request) the rest of this task's work is about."""
    call_id.set(call)
    request_id.set(request)


@contextmanager
def about_call(call: str | None, request: str | None) -> Iterator[None]:
    """Log lines within carry this call's ids; the ids before are put back after."""
    call_token, request_token = call_id.set(call), request_id.set(request)
    try:
        yield
    finally:
        call_id.reset(call_token)
        request_id.reset(request_token)


class ContextFilter(logging.Filter):
    """Copies the current ids onto every record (``None`` when unknown). Cheap: three
    context-variable reads; sits on the root handlers like the redacting filter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.call_id = call_id.get()
        record.request_id = request_id.get()
        record.http_request_id = http_request_id.get()
        return True
