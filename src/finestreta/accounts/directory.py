"""Names of booths, sites and clerks, and the office's hours, as the hub needs them: read from
the database in one query each and cached for a few seconds (the command line changes them from
another process)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from finestreta.accounts.models import Kiosk, OfficeHours, Site, StaffUser
from finestreta.attention.opening_hours import OpeningHours, parse_hours
from finestreta.db import Database

DEFAULT_HOURS = "mon-fri 08:30-19:00"
# Names, hours and the like are re-read this often, so command-line changes show up quickly.
DIRECTORY_TTL_SECONDS = 5.0


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


class Directory:
    """Names of kiosks, sites and clerks, and the office's hours, cached from the database."""

    def __init__(self, loader: Callable[[], dict[str, Any]]) -> None:
        self._loader = loader
        self._data: dict[str, Any] = {}
        self._loaded_at = 0.0

    def _get(self) -> dict[str, Any]:
        if time.monotonic() - self._loaded_at > DIRECTORY_TTL_SECONDS or not self._data:
            self._data = self._loader()
            self._loaded_at = time.monotonic()
        return self._data

    def refresh(self) -> None:
        self._loaded_at = 0.0

    def kiosks(self) -> dict[int, dict[str, Any]]:
        """Every booth: its name, site, code and whether it is enabled (the wallboard)."""
        kiosks: dict[int, dict[str, Any]] = self._get()["kiosks"]
        return {kiosk_id: dict(data) for kiosk_id, data in kiosks.items()}

    def kiosk(self, kiosk_id: int) -> dict[str, str]:
        data = self._get()["kiosks"].get(kiosk_id)
        if data is None:
            self.refresh()
            data = self._get()["kiosks"].get(kiosk_id, {"name": f"#{kiosk_id}", "site": ""})
        return dict(data)

    def clerk(self, clerk_id: int) -> dict[str, str]:
        data = self._get()["clerks"].get(clerk_id)
        if data is None:
            self.refresh()
            data = self._get()["clerks"].get(clerk_id, {"name": f"#{clerk_id}", "first_name": ""})
        return dict(data)

    def opening_hours(self) -> OpeningHours:
        hours: OpeningHours = self._get()["hours"]
        return hours

    def office_timezone(self) -> str:
        return str(self._get()["timezone"])
