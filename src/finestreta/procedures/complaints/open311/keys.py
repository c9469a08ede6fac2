"""API keys for filing requests: made from the command line, shown once, kept only as the
SHA-256 of the key, compared in constant time, revocable; and the per-key rate limit.

A key is ``o311_`` + 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits): a hash
without salt or stretching is enough for a secret that random (nobody can guess one to match
it), and lets a key be found by its first characters (``prefix``) without keeping it.

The rate limit counts the requests a key filed in the last 60 seconds in the database
(``open311_requests``), so it holds across processes and restarts; :func:`authenticate` with
``lock=True`` locks the key's row (``SELECT … FOR UPDATE`` in PostgreSQL), so two POSTs of one
key at once are counted one after the other; with SQLite the route files one at a time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finestreta.errors import (
    N_,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    TooManyRequests,
    declare,
)
from finestreta.procedures.complaints.open311.records import ApiKeyRow, RequestRow
from finestreta.procedures.complaints.types import DOMAIN

PREFIX = "o311_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}")
_KEY = re.compile(r"o311_[A-Za-z0-9_-]{43}")
WINDOW = timedelta(seconds=60)

OPEN311_KEY_REFUSED = declare(
    "open311_key_refused",
    NotAllowed,
    N_("The API key is missing, unknown or revoked."),
    domain=DOMAIN,
)
OPEN311_RATE_LIMITED = declare(
    "open311_rate_limited",
    TooManyRequests,
    N_("Too many requests with this API key: wait a minute and try again."),
    domain=DOMAIN,
)
OPEN311_BAD_KEY_NAME = declare(
    "open311_bad_key_name",
    InvalidInput,
    N_("A key's name has 1 to 60 letters, digits, spaces, '.', '_' or '-'."),
    domain=DOMAIN,
)
OPEN311_KEY_NAME_TAKEN = declare(
    "open311_key_name_taken", Conflict, N_("There is already a key with this name."), domain=DOMAIN
)
OPEN311_NO_SUCH_KEY = declare(
    "open311_no_such_key", NotFound, N_("There is no API key with this name or id."), domain=DOMAIN
)


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.id, row.name, row.created_at, row.revoked_at)


def create(session: Session, name: str, *, now: datetime) -> tuple[ApiKey, str]:
    """A new key: the row and the key itself, which is never kept (show it once)."""
    name = name.strip() if isinstance(name, str) else ""
    if not _NAME.fullmatch(name):
        raise OPEN311_BAD_KEY_NAME(
            f"{name!r} is not a key name: 1 to 60 letters, digits, spaces, . _ -"
        )
    if session.scalar(select(ApiKeyRow.id).where(ApiKeyRow.name == name)) is not None:
        raise OPEN311_KEY_NAME_TAKEN(f"there is already a key named {name!r}")
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(
        name=name, prefix=key[len(PREFIX) : len(PREFIX) + 8], key_hash=_hash(key), created_at=now
    )
    session.add(row)
    session.flush()
    return _key(row), key


def listed(session: Session) -> list[ApiKey]:
    return [_key(row) for row in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]


def revoke(session: Session, name_or_id: str, *, now: datetime) -> ApiKey:
    """Revoke a key by its name or its id (a revoked key stays listed, and stays revoked)."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name_or_id))
    if row is None and name_or_id.isdigit():
        row = session.get(ApiKeyRow, int(name_or_id))
    if row is None:
        raise OPEN311_NO_SUCH_KEY(f"no API key named {name_or_id!r} or with that id")
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return _key(row)


def authenticate(session: Session, key: str | None, *, lock: bool = False) -> ApiKey:
    """The key's row if ``key`` is a key we made and have not revoked (``open311_key_refused``
    otherwise, the same refusal for every reason a caller could probe)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise OPEN311_KEY_REFUSED("no API key, or not one of ours")
    digest = _hash(key)
    query = select(ApiKeyRow).where(ApiKeyRow.prefix == key[len(PREFIX) : len(PREFIX) + 8])
    if lock:
        query = query.with_for_update()
    for row in session.scalars(query):
        if hmac.compare_digest(row.key_hash, digest):
            if row.revoked_at is not None:
                raise OPEN311_KEY_REFUSED("the API key was revoked")
            return _key(row)
    raise OPEN311_KEY_REFUSED("no API key, or not one of ours")


def check_rate(session: Session, key: ApiKey, *, now: datetime, per_minute: int) -> None:
    """Refuse when ``key`` filed ``per_minute`` requests in the last 60 seconds."""
    filed = session.scalar(
        select(func.count(RequestRow.id)).where(
            RequestRow.key_id == key.id, RequestRow.created_at > now - WINDOW
        )
    )
    if (filed or 0) >= per_minute:
        raise OPEN311_RATE_LIMITED(
            f"at most {per_minute} requests a minute", {"per_minute": per_minute}
        )
