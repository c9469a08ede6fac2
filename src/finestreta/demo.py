"""Seed data for demo mode: two civic-centre booths, three clerks, a supervisor, an admin, and
opening hours that include now (each procedure seeds its own demo data: ``seed_demo``). Demo
secrets are public by design: never use them elsewhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finestreta.accounts import service
from finestreta.accounts.models import Kiosk, OfficeHours, StaffUser

DEMO_PASSWORD = "finestreta"


@dataclass(frozen=True)
class DemoKiosk:
    code: str
    name: str
    site: str
    address: str
    secret: str


@dataclass(frozen=True)
class DemoStaff:
    username: str
    name: str
    role: str
    languages: tuple[str, ...]
    topics: tuple[str, ...]
    locale: str


KIOSKS = (
    DemoKiosk(
        "casa-del-mig",
        "Cabina Casa del Mig",
        "Casa del Mig (Sants-Montjuïc)",
        "Parc de l'Espanya Industrial, Barcelona",
        "DEMO1-CASAD-ELMIG-KIOSK-00001",
    ),
    DemoKiosk(
        "can-baste",
        "Cabina Can Basté",
        "Centre Cívic Can Basté (Nou Barris)",
        "Passeig de Fabra i Puig, 274, Barcelona",
        "DEMO2-CANBA-STEKI-OSK00-00002",
    ),
)

STAFF = (
    DemoStaff(
        "anna", "Anna Puig", "clerk", ("ca", "es"), ("general", "census", "complaints"), "ca"
    ),
    DemoStaff(
        "jordi", "Jordi Soler", "clerk", ("ca", "es", "en"), ("general", "taxes", "works"), "ca"
    ),
    DemoStaff(
        "marta",
        "Marta Vidal",
        "clerk",
        ("es", "en"),
        ("general", "census", "taxes", "works", "complaints"),
        "es",
    ),
    DemoStaff("silvia", "Sílvia Roca", "supervisor", ("ca", "es"), ("general",), "ca"),
    DemoStaff("admin", "Administració", "admin", ("ca",), ("general",), "ca"),
)

ALWAYS_OPEN = "mon-sun 00:00-24:00"


def seed(session: Session) -> bool:
    """Add what is missing; returns False when the database was seeded already."""
    if session.scalar(select(StaffUser).limit(1)) is not None:
        return False
    for person in STAFF:
        service.add_user(
            session,
            person.username,
            DEMO_PASSWORD,
            person.role,
            person.name,
            list(person.languages),
            list(person.topics),
            person.locale,
            # the demo's clerks and supervisors are in the register of habilitated officials
            habilitated=person.role in ("clerk", "supervisor"),
        )
    for kiosk in KIOSKS:
        service.add_site(session, kiosk.site, kiosk.address)
        if session.scalar(select(Kiosk).where(Kiosk.code == kiosk.code)) is None:
            service.add_kiosk(session, kiosk.code, kiosk.name, kiosk.site, kiosk.secret)
    if session.get(OfficeHours, 1) is None:
        session.add(OfficeHours(id=1, spec=ALWAYS_OPEN, closed_days="", timezone="Europe/Madrid"))
    return True


def seed_all(session: Session, procedures: Iterable[Any]) -> bool:
    """The platform's demo data and, on a new demo database, every procedure's."""
    if not seed(session):
        return False
    for procedure in procedures:
        procedure.seed_demo(session)
    return True
