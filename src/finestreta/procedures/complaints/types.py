"""What a citizen can bring as a case: its type and its theme, as data (docs/complaints.md).

The types are those of Barcelona's IRIS (incidents, complaints, suggestions, queries, thanks;
IRIS' "service requests" are other procedures here). Each says whether it may be anonymous, how
many business days the city gives itself to answer (a default: ``settings.py`` changes it) and
whether it may be published through Open311 at all.

Anonymity follows IRIS practice: an incident (a broken lamp) is acted on whoever reports it, a
suggestion or a thanks needs no reply, and a query is answered on the tracking page, read with
the case's code printed at the booth. A *complaint* needs someone identified and reachable: it
is answered to the person who complained (the answer is the city's duty and may be contested),
and IRIS asks for identification for it too.

Themes are IRIS-like (civic life, cleaning, lighting, mobility, …), each with the unit that
handles it by default. A theme ``about_people`` concerns a person (a member of staff, a
neighbour): its cases are never published, whatever their type, since even without a name the
text can point at someone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from finestreta.errors import N_

DOMAIN = "complaints"


@dataclass(frozen=True)
class CaseType:
    code: str
    label: str  # English msgid, translated in the complaints domain
    description: str
    anonymous_allowed: bool
    due_days: int  # business days to answer, by default
    open311: bool  # may be published through Open311 (unless its theme is about people)


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    unit: str  # the responsible unit by default (settings.py may change it)
    about_people: bool = False


TYPES: Mapping[str, CaseType] = {
    t.code: t
    for t in (
        CaseType(
            "incident",
            N_("Incident"),
            N_("Something in the street or a service is broken or not working"),
            anonymous_allowed=True,
            due_days=10,
            open311=True,
        ),
        CaseType(
            "complaint",
            N_("Complaint"),
            N_("A service was not given as it should have been"),
            anonymous_allowed=False,
            due_days=30,
            open311=True,
        ),
        CaseType(
            "suggestion",
            N_("Suggestion"),
            N_("An idea to improve a service"),
            anonymous_allowed=True,
            due_days=30,
            open311=False,
        ),
        CaseType(
            "query",
            N_("Query"),
            N_("A question about a municipal service"),
            anonymous_allowed=True,
            due_days=15,
            open311=False,
        ),
        CaseType(
            "thanks",
            N_("Thanks"),
            N_("Thanks for a service well given"),
            anonymous_allowed=True,
            due_days=30,
            open311=False,
        ),
    )
}

UNITS: Mapping[str, str] = {
    "cleaning": N_("Street cleaning and waste"),
    "lighting": N_("Street lighting"),
    "environment": N_("Environment"),
    "parks": N_("Parks and gardens"),
    "mobility": N_("Mobility"),
    "public_works": N_("Public works"),
    "civic": N_("Civic affairs"),
    "citizen_services": N_("Citizen services"),
}

THEMES: Mapping[str, Theme] = {
    t.code: t
    for t in (
        Theme("street_cleaning", N_("Street cleaning and waste"), "cleaning"),
        Theme("lighting", N_("Street lighting"), "lighting"),
        # noise comes from someone (a neighbour's flat, a bar below): about people
        Theme("noise", N_("Noise"), "environment", about_people=True),
        Theme("green_spaces", N_("Parks and green spaces"), "parks"),
        Theme("transport_stops", N_("Public transport stops"), "mobility"),
        Theme("roads", N_("Pavements and roads"), "public_works"),
        Theme("civic_behaviour", N_("Civic behaviour"), "civic", about_people=True),
        Theme("municipal_services", N_("Municipal offices and services"), "citizen_services"),
        Theme("staff", N_("Treatment by municipal staff"), "citizen_services", about_people=True),
    )
}


def published(case_type: str, theme: str) -> bool:
    """Whether a case of this type and theme may appear in Open311's public requests."""
    return TYPES[case_type].open311 and not THEMES[theme].about_people
