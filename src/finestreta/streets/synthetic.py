"""The demo's street register: the streets of the demo residents and taxpayers, and some more.

Real Barcelona streets, with their district and postcode, and a few numbers each. The codes are
the demo's own (``D001`` …), not the city's; the cadastral references are made up but valid
(their two check letters computed with python-stdnum). The flats of the demo people carry the
references the taxes demo bills (``procedures/taxes/synthetic.py``), so that a works notice at
Carrer de Mallorca 401, 3r 2a finds the property Marta pays IBI for. One building is catalogued
(heritage-protected): Casa Milà, Passeig de Gràcia 92.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session
from stdnum.es import referenciacatastral

from finestreta.streets.importer import COLUMNS, ImportReport, import_text

Row = dict[str, str]

CATALOGUED = ("Passeig de Gràcia", "92")

# name, kind, district, postcode, numbers (buildings)
STREETS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("Carrer de Mallorca", "carrer", "Eixample", "08013", ("399", "401", "403")),
    ("Carrer de Verdi", "carrer", "Gràcia", "08012", ("53", "55", "57")),
    ("Carrer Gran de Sant Andreu", "carrer", "Sant Andreu", "08030", ("208", "210", "212")),
    ("Carrer de Blai", "carrer", "Sants-Montjuïc", "08004", ("28", "30", "32")),
    ("Carrer de Sant Adrià", "carrer", "Sant Andreu", "08030", ("10", "12", "14")),
    ("Carrer de Ganduxer", "carrer", "Sarrià-Sant Gervasi", "08021", ("69", "71")),
    ("Rambla del Poblenou", "rambla", "Sant Martí", "08005", ("118", "120")),
    ("Passeig de Gràcia", "passeig", "Eixample", "08008", ("43", "90", "92")),
    ("Carrer d'Aragó", "carrer", "Eixample", "08009", ("255", "257")),
    ("Carrer del Consell de Cent", "carrer", "Eixample", "08011", ("150", "152-154")),
    ("Passeig de Sant Joan", "passeig", "Eixample", "08037", ("100", "102")),
    ("Carrer Gran de Gràcia", "carrer", "Gràcia", "08012", ("88", "90")),
    ("Carrer de Torrijos", "carrer", "Gràcia", "08012", ("21", "23 bis")),
    ("Carrer de la Princesa", "carrer", "Ciutat Vella", "08003", ("15", "17")),
    ("Carrer de l'Hospital", "carrer", "Ciutat Vella", "08001", ("40", "42")),
    ("Carrer de Ferran", "carrer", "Ciutat Vella", "08002", ("7", "9")),
    ("Carrer de Sants", "carrer", "Sants-Montjuïc", "08014", ("150", "152")),
    ("Avinguda del Paral·lel", "avinguda", "Sants-Montjuïc", "08004", ("120", "122")),
    ("Travessera de les Corts", "travessera", "Les Corts", "08028", ("210", "212")),
    ("Carrer Major de Sarrià", "carrer", "Sarrià-Sant Gervasi", "08017", ("60", "62")),
    ("Passeig de Maragall", "passeig", "Horta-Guinardó", "08032", ("180", "182")),
    ("Via Júlia", "via", "Nou Barris", "08042", ("30", "32")),
    ("Passeig de Torras i Bages", "passeig", "Sant Andreu", "08030", ("100", "102")),
    ("Carrer de Pere IV", "carrer", "Sant Martí", "08018", ("300", "302")),
    ("Avinguda Diagonal", "avinguda", "Sant Martí", "08019", ("100", "102")),
    ("Gran Via de les Corts Catalanes", "gran via", "Eixample", "08007", ("600", "602")),
    ("Plaça del Sol", "plaça", "Gràcia", "08012", ("5", "6")),
)

# The demo people's flats (padró demo) with the parcel and item the taxes demo bills.
FLATS = (
    ("Carrer de Mallorca", "401", "3r", "2a", "0758218DF3805H0012"),
    ("Carrer de Verdi", "55", "2n", "1a", "1486305DF2818F0007"),
    ("Carrer Gran de Sant Andreu", "210", "4t", "1a", "2653110DF3825C0015"),
    ("Carrer de Blai", "30", "1r", "1a", "0915807DF2801E0004"),
)


def cadastral_reference(parcel_and_item: str) -> str:
    """A valid 20-character cadastral reference from its first 18 (parcel and item)."""
    return parcel_and_item + referenciacatastral.calc_check_digits(parcel_and_item)


def code_of(index: int) -> str:
    return f"D{index + 1:03d}"


def rows() -> list[Row]:
    """The demo register as CSV rows (see :mod:`finestreta.streets.importer`), always the
    same: each building with the reference of its first item, then the demo flats."""
    result: list[Row] = []
    codes: dict[str, tuple[str, str, str, str]] = {}
    for index, (name, kind, district, postcode, numbers) in enumerate(STREETS):
        code = code_of(index)
        codes[name] = (code, kind, district, postcode)
        for position, number in enumerate(numbers):
            # a made-up parcel per building on a made-up sheet of the DF grid
            parcel = f"{(index + 1) * 104729 + position * 7919:07d}"[-7:]
            sheet = f"DF{38 + index % 4}{index % 10}{position}{'ABCDEFGH'[index % 8]}"
            result.append(
                {
                    "street_code": code,
                    "street_kind": kind,
                    "street_name": name,
                    "district": district,
                    "number": number,
                    "floor": "",
                    "door": "",
                    "postcode": postcode,
                    "cadastral_reference": cadastral_reference(f"{parcel}{sheet}0001"),
                    "catalogued": "yes" if (name, number) == CATALOGUED else "no",
                }
            )
    for name, number, floor, door, parcel_and_item in FLATS:
        code, kind, district, postcode = codes[name]
        result.append(
            {
                "street_code": code,
                "street_kind": kind,
                "street_name": name,
                "district": district,
                "number": number,
                "floor": floor,
                "door": door,
                "postcode": postcode,
                "cadastral_reference": cadastral_reference(parcel_and_item),
                "catalogued": "no",
            }
        )
    return result


def csv_text() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows())
    return out.getvalue()


def seed_demo(session: Session) -> ImportReport:
    """Import the demo register (idempotent: a second run changes nothing)."""
    report = import_text(session, csv_text())
    if not report.ok:  # a programming error in this module, not bad input
        raise ValueError("the demo street register does not import: " + str(report.errors[0]))
    return report
