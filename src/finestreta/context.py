"""Everything a running server holds: settings, database, hub, throttles, templates."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from finestreta.accounts.models import (
    Kiosk,
    KioskSession,
    OfficeHours,
    Site,
    StaffSession,
    StaffUser,
)
from finestreta.accounts.throttle import Throttle
from finestreta.attention import RoutingRules, Switchboard
from finestreta.attention.opening_hours import OpeningHours, parse_hours
from finestreta.attention.store import AttentionStore
from finestreta.config import Settings
from finestreta.db import Database, utcnow
from finestreta.documents.service import Documents
from finestreta.documents.storage import BlobStore
from finestreta.padro.lookups import LookupService
from finestreta.padro.port import PopulationRegister
from finestreta.procedures.census.service import CensusDesk
from finestreta.realtime.device_desk import DeviceDesk
from finestreta.realtime.hub import Directory, Hub

DEFAULT_HOURS = "mon-fri 08:30-19:00"
log = logging.getLogger(__name__)


@dataclass
class AppContext:
    settings: Settings
    db: Database
    hub: Hub
    login_throttle: Throttle
    pair_throttle: Throttle
    devices: DeviceDesk
    census: CensusDesk
    extra: dict[str, Any] = field(default_factory=dict)


def load_directory(db: Database) -> dict[str, Any]:
    # Plain rows in one query each, not ORM objects (and one lazy load of the site per booth):
    # this runs on the event loop every DIRECTORY_TTL_SECONDS, and with 1,000 booths the ORM
    # version took ~250 ms and its garbage set off the slowest GC pauses (bench/attention.py).
    with db.session() as session:
        kiosks = {
            kiosk_id: {"name": name, "site": site, "code": code, "enabled": enabled}
            for kiosk_id, name, site, code, enabled in session.execute(
                select(Kiosk.id, Kiosk.name, Site.name, Kiosk.code, Kiosk.enabled).join(
                    Site, Site.id == Kiosk.site_id
                )
            )
        }
        clerks = {
            user_id: {
                "name": name,
                "first_name": name.split()[0] if name else "",
                "active": active,
            }
            for user_id, name, active in session.execute(
                select(StaffUser.id, StaffUser.display_name, StaffUser.active)
            )
        }
        row = session.get(OfficeHours, 1)
        spec = row.spec if row else DEFAULT_HOURS
        closed = frozenset(
            date.fromisoformat(d.strip())
            for d in (row.closed_days if row else "").split(",")
            if d.strip()
        )
        timezone = row.timezone if row else "Europe/Madrid"
    return {
        "kiosks": kiosks,
        "clerks": clerks,
        "hours": OpeningHours(parse_hours(spec), closed),
        "timezone": timezone,
    }


def revoked_parties(
    db: Database, kiosks: dict[int, str], consoles: dict[int, str]
) -> tuple[set[int], set[int]]:
    """Which connected booths and consoles may no longer be connected: booth disabled or
    unpaired, staff deactivated, logged out or session expired. Values are the SHA-256 of the
    token each socket was opened with ("" for the kiosk agent, which has no session)."""
    if not kiosks and not consoles:
        return set(), set()
    now = utcnow()
    with db.session() as session:
        enabled = set(
            session.scalars(select(Kiosk.id).where(Kiosk.id.in_(list(kiosks)), Kiosk.enabled))
        )
        paired = set(
            session.scalars(
                select(KioskSession.token_hash).where(
                    KioskSession.token_hash.in_([t for t in kiosks.values() if t])
                )
            )
        )
        live = set(
            session.scalars(
                select(StaffSession.token_hash)
                .join(StaffUser, StaffUser.id == StaffSession.user_id)
                .where(
                    StaffSession.token_hash.in_(list(consoles.values())),
                    StaffSession.expires_at > now,
                    StaffUser.active,
                )
            )
        )
    bad_kiosks = {k for k, t in kiosks.items() if k not in enabled or (t and t not in paired)}
    bad_consoles = {c for c, t in consoles.items() if t not in live}
    return bad_kiosks, bad_consoles


def build_context(settings: Settings, db: Database | None = None) -> AppContext:
    db = db or Database(settings.database_url)
    rules = RoutingRules(
        ring_timeout=settings.ring_timeout_seconds,
        missed_rings_before_away=settings.missed_rings_before_away,
        kiosk_grace=settings.kiosk_grace_seconds,
        console_grace=settings.console_grace_seconds,
    )
    hub = Hub(
        settings,
        Switchboard(rules),
        AttentionStore(db),
        Directory(lambda: load_directory(db)),
        revoked=lambda kiosks, clerks: revoked_parties(db, kiosks, clerks),
    )
    documents = Documents(
        BlobStore(settings.documents_dir),
        settings.document_retention_days,
        settings.max_upload_bytes,
    )
    devices = DeviceDesk(hub, db, documents, settings.health_interval_seconds)
    hub.devices = devices
    # Issued volants are kept as long as /verify must be able to show them.
    certificates = Documents(
        documents.blobs, settings.certificate_retention_days, settings.max_upload_bytes
    )
    census = CensusDesk(
        db,
        LookupService(population_register(settings, db), db.session),
        certificates,
        settings,
        seal=lambda: _seal(settings),
    )
    hub.call_end_hooks.append(census.forget)
    return AppContext(
        settings=settings,
        db=db,
        hub=hub,
        devices=devices,
        census=census,
        login_throttle=Throttle(settings.login_attempts_per_minute),
        pair_throttle=Throttle(settings.login_attempts_per_minute),
    )


def population_register(settings: Settings, db: Database) -> PopulationRegister:
    """The built-in register over our own tables, or the city's adapter named in settings
    (``package.module:factory``, called with the settings and the database)."""
    spec = settings.population_register
    if not spec:
        from finestreta.padro.sql_register import SqlPopulationRegister

        return SqlPopulationRegister(db.session)
    import importlib

    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    register = factory(settings, db)
    if not isinstance(register, PopulationRegister):
        raise TypeError(f"{spec} did not return a PopulationRegister")
    return register


_SEALS: dict[tuple[str, float], Any] = {}
_MISSING_SEALS: set[str] = set()


def _seal(settings: Settings) -> Any:
    """The seal of the settings' PKCS#12 file, loaded once per version of the file."""
    from pathlib import Path

    from finestreta.documents.seal import load_seal_from_settings

    path = settings.seal_pkcs12
    if not path:
        return None
    try:
        key = (path, Path(path).stat().st_mtime)
    except OSError:
        if path not in _MISSING_SEALS:  # said once, not at every volant
            _MISSING_SEALS.add(path)
            log.error("FINESTRETA_SEAL_PKCS12 names %s, which cannot be read", path)
        return None
    if key not in _SEALS:
        _SEALS[key] = load_seal_from_settings(settings)
    return _SEALS[key]
