"""Helpers of the Open311 tests: a key, a case filed at the booth with every personal detail,
and the spec's shapes checked on XML parsed with lxml (with entities never resolved)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lxml import etree

from finestreta.clock import SYSTEM_CLOCK
from finestreta.procedures.complaints.cases import AddressLocation, Contact, open_case
from finestreta.procedures.complaints.open311 import keys

V2 = "/open311/v2"
# A citizen at the booth with every personal detail the case can hold: none may reach Open311.
SECRETS = {
    "name": "Montserrat Vilaregut-Casas",
    "email": "montse.vilaregut@example.cat",
    "phone": "612345678",
    "description": "My neighbour Pere Quintana at number 401 leaves bags out every night",
    "place": "Behind the flat of Pere Quintana",
}
PERSONAL_BITS = (
    "Montserrat",
    "Vilaregut",
    "montse.vilaregut",
    "612345678",
    "612 345 678",
    "Pere Quintana",
    "neighbour",
)

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def xml(body: bytes) -> Any:
    return etree.fromstring(body, PARSER)


def make_key(ctx: Any, name: str = "app") -> str:
    with ctx.db.session() as session:
        _, key = keys.create(session, name, now=SYSTEM_CLOCK.now())
    return key


def booth_case(
    ctx: Any,
    *,
    case_type: str = "complaint",
    theme: str = "street_cleaning",
    now: datetime | None = None,
    location: Any = None,
) -> Any:
    complaints = ctx.procedure("complaints")
    with ctx.db.session() as session:
        return open_case(
            session,
            case_type=case_type,
            theme=theme,
            description=SECRETS["description"],
            location=location or AddressLocation("D001", "401"),
            contact=Contact(email=SECRETS["email"], phone=SECRETS["phone"], name=SECRETS["name"]),
            language="ca",
            registry_code="E/2026/0000042",
            call_id="c" * 32,
            now=now or SYSTEM_CLOCK.now(),
            streets=complaints.platform.streets,
            settings=complaints.settings,
        )
