"""Account operations shared by the command line and the web: users, sessions, kiosks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from finestreta.accounts.models import (
    AuditEntry,
    Kiosk,
    KioskSession,
    Site,
    StaffSession,
    StaffUser,
)
from finestreta.accounts.secrets import (
    hash_secret,
    new_device_secret,
    new_token,
    token_hash,
    verify_secret,
)
from finestreta.attention.states import LANGUAGES
from finestreta.db import utcnow
from finestreta.errors import N_, InvalidInput, declare

ROLES = ("clerk", "supervisor", "admin")


class AccountError(InvalidInput):
    """Bad input to an account operation; the message says what was expected."""

    def __init__(self, message: str) -> None:
        super().__init__(ACCOUNT_REFUSED.code, message)


ACCOUNT_REFUSED = declare(
    "account_refused", InvalidInput, N_("The account cannot be made or changed as asked.")
)
TOPIC_CODE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def audit(session: Session, actor: str, action: str, subject: str = "", detail: str = "") -> None:
    session.add(AuditEntry(actor=actor, action=action, subject=subject, detail=detail))


def _check_list(kind: str, values: list[str], allowed: tuple[str, ...]) -> str:
    unknown = [v for v in values if v not in allowed]
    if unknown or not values:
        raise AccountError(f"{kind} must be some of {', '.join(allowed)}; got {', '.join(values)}")
    return ",".join(dict.fromkeys(values))


def _check_topics(values: list[str], known: Iterable[str] | None) -> str:
    if known is not None:
        return _check_list("Topics", values, tuple(known))
    bad = [v for v in values if not TOPIC_CODE.match(v)]
    if bad or not values:
        raise AccountError(f"Topics are codes like general or census; got {', '.join(values)}")
    return ",".join(dict.fromkeys(values))


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    languages: list[str] | None = None,
    topics: list[str] | None = None,
    locale: str = "ca",
    *,
    known_topics: Iterable[str] | None = None,
    known_roles: Iterable[str] = ROLES,
    habilitated: bool = False,
) -> StaffUser:
    """``known_topics``: the topics the office serves (its procedures'); None accepts any
    topic code. ``known_roles``: the platform's roles and those procedures add.
    ``habilitated``: in the register of habilitated officials (may record oral consent)."""
    username = username.strip().lower()
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
    ):
        raise AccountError("A user name is 1–64 letters, digits, '.', '-' or '_'")
    roles = tuple(known_roles)
    if role not in roles:
        raise AccountError(f"Role must be one of {', '.join(roles)}; got {role!r}")
    if len(password) < 8:
        raise AccountError("A password needs at least 8 characters")
    if locale not in ("ca", "es"):
        raise AccountError("The console speaks ca or es")
    if session.scalar(select(StaffUser).where(StaffUser.username == username)):
        raise AccountError(f"User {username!r} exists already")
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=hash_secret(password),
        role=role,
        languages=_check_list("Languages", languages or ["ca", "es"], LANGUAGES),
        topics=_check_topics(topics or ["general"], known_topics),
        locale=locale,
        habilitated=habilitated,
    )
    session.add(user)
    session.flush()
    audit(
        session,
        "cli",
        "user_added",
        username,
        f"role={role}" + (" habilitated" if habilitated else ""),
    )
    return user


def set_habilitated(session: Session, username: str, habilitated: bool) -> StaffUser:
    """Enter a staff account in the register of habilitated officials (Ley 39/2015 art. 12.3),
    or take it out: only they may record a citizen's oral consent instead of a signature."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        raise AccountError(f"No user {username!r}")
    user.habilitated = habilitated
    audit(
        session, "cli", "user_habilitated" if habilitated else "user_unhabilitated", user.username
    )
    return user


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    ok = verify_secret(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


def open_staff_session(session: Session, user: StaffUser, hours: float) -> str:
    token = new_token()
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    return token


def staff_of_token(session: Session, token: str | None) -> StaffUser | None:
    if not token:
        return None
    row = session.get(StaffSession, token_hash(token))
    if row is None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row.user


def close_staff_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))


@dataclass(frozen=True)
class NewKiosk:
    kiosk: Kiosk
    secret: str  # shown once, never stored


def add_site(session: Session, name: str, address: str = "") -> Site:
    site = session.scalar(select(Site).where(Site.name == name))
    if site is None:
        site = Site(name=name, address=address)
        session.add(site)
        session.flush()
    return site


def add_kiosk(
    session: Session, code: str, name: str, site_name: str, secret: str | None = None
) -> NewKiosk:
    code = code.strip().lower()
    if not code or len(code) > 64 or not code.replace("-", "").replace("_", "").isalnum():
        raise AccountError("A kiosk code is 1–64 letters, digits, '-' or '_'")
    if session.scalar(select(Kiosk).where(Kiosk.code == code)):
        raise AccountError(f"Kiosk {code!r} exists already")
    secret = secret or new_device_secret()
    site = add_site(session, site_name)
    kiosk = Kiosk(code=code, name=name, site_id=site.id, secret_hash=hash_secret(secret))
    session.add(kiosk)
    session.flush()
    audit(session, "cli", "kiosk_added", code, f"site={site_name}")
    return NewKiosk(kiosk, secret)


def pair_kiosk(session: Session, code: str, secret: str) -> tuple[Kiosk, str] | None:
    """Check a booth's code and secret; returns the kiosk and a new pairing token."""
    kiosk = session.scalar(select(Kiosk).where(Kiosk.code == code.strip().lower()))
    ok = verify_secret(kiosk.secret_hash if kiosk else None, secret.strip().upper())
    if kiosk is None or not ok or not kiosk.enabled:
        return None
    # One live pairing per booth: the new one revokes the others (their cookies stop working
    # and the hub closes their open sockets), so a forgotten browser keeps nothing.
    revoked = session.execute(delete(KioskSession).where(KioskSession.kiosk_id == kiosk.id))
    token = new_token()
    session.add(KioskSession(token_hash=token_hash(token), kiosk_id=kiosk.id))
    count = getattr(revoked, "rowcount", 0) or 0
    audit(session, f"kiosk:{kiosk.code}", "kiosk_paired", kiosk.code, f"revoked={count}")
    return kiosk, token


# A pairing's last use is written at most this often: a booth page asks many times a minute.
LAST_USE_EVERY = timedelta(hours=1)


def kiosk_of_token(session: Session, token: str | None, idle_days: float) -> Kiosk | None:
    """The booth of a live pairing: enabled, and used within ``idle_days`` (each use renews
    it)."""
    if not token:
        return None
    row = session.get(KioskSession, token_hash(token))
    if row is None or not row.kiosk.enabled:
        return None
    now = utcnow()
    if row.last_used_at <= now - timedelta(days=idle_days):
        return None
    if row.last_used_at <= now - LAST_USE_EVERY:
        row.last_used_at = now
    return row.kiosk


def kiosk_of_secret(session: Session, code: str, secret: str) -> Kiosk | None:
    """For devices that present the secret itself (the kiosk agent)."""
    kiosk = session.scalar(select(Kiosk).where(Kiosk.code == code.strip().lower()))
    ok = verify_secret(kiosk.secret_hash if kiosk else None, secret.strip().upper())
    return kiosk if kiosk is not None and ok and kiosk.enabled else None


def set_kiosk_enabled(session: Session, code: str, enabled: bool) -> Kiosk:
    kiosk = session.scalar(select(Kiosk).where(Kiosk.code == code.strip().lower()))
    if kiosk is None:
        raise AccountError(f"No kiosk {code!r}")
    kiosk.enabled = enabled
    if not enabled:
        session.execute(delete(KioskSession).where(KioskSession.kiosk_id == kiosk.id))
    audit(session, "cli", "kiosk_enabled" if enabled else "kiosk_disabled", kiosk.code)
    return kiosk
