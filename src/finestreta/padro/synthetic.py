"""Deterministic synthetic residents of Barcelona for the demo and the tests.

``generate(n_households, seed=…, today=…)`` returns CSV rows (see :mod:`finestreta.padro.importer`)
for a few hundred people in households: people living alone, couples, families with minors,
flatmates, a care home, and some who have moved out of the city. The same seed and the same
``today`` always give the same rows. A handful of fixed, well-known people (:data:`DEMO_PEOPLE`)
come first so that a clerk can look them up during a demo.

Random DNIs are drawn from 99 000 000–99 999 999 and random NIEs from Z9000000–Z9999999, ranges
unlikely to belong to anyone; passports start with ``SYN``. Never import this into a real
register.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from finestreta.padro.identity import check_letter
from finestreta.padro.importer import COLUMNS

Row = dict[str, str]

DEFAULT_SEED = 20261128
DEFAULT_HOUSEHOLDS = 150

FEMALE = (
    "Maria", "Marta", "Laia", "Núria", "Montserrat", "Anna", "Júlia", "Carla", "Paula", "Mireia",
    "Clara", "Elena", "Carmen", "Lucía", "Sara", "Rosa", "Mercè", "Cristina", "Alba", "Berta",
    "Aina", "Queralt", "Roser", "Teresa", "Isabel", "Pilar", "Neus", "Ariadna", "Gemma", "Sílvia",
)  # fmt: skip
MALE = (
    "Jordi", "Joan", "Pere", "Marc", "Pau", "Pol", "Oriol", "Arnau", "Xavier", "Josep", "Jaume",
    "Albert", "David", "Sergi", "Manuel", "Antonio", "Francisco", "Javier", "Carlos", "Miquel",
    "Ramon", "Enric", "Lluís", "Àlex", "Eduard", "Guillem", "Jan", "Biel", "Quim", "Víctor",
)  # fmt: skip
SURNAMES = (
    "Garcia", "Martínez", "López", "Sánchez", "Pérez", "Rodríguez", "Fernández", "Puig", "Vidal",
    "Soler", "Ferrer", "Font", "Roca", "Serra", "Pujol", "Vila", "Casals", "Bosch", "Mas",
    "Riera", "Camps", "Coll", "Sala", "Prat", "Roig", "Costa", "Ribas", "Martí", "Torres",
    "Navarro", "Romero", "Ruiz", "Moreno", "Jiménez", "Muñoz", "Alonso", "Gil", "Domènech",
    "Batlle", "Comas", "Codina", "Vives", "Planas", "Grau", "Sabaté", "Oliver", "Esteve",
)  # fmt: skip
SPANISH_BIRTH_PLACES = (
    ("Barcelona", 12), ("L'Hospitalet de Llobregat", 1), ("Badalona", 1), ("Girona", 1),
    ("Lleida", 1), ("Tarragona", 1), ("Vic", 1), ("Manresa", 1), ("Reus", 1), ("Sevilla", 1),
    ("Madrid", 1), ("Zaragoza", 1), ("València", 1), ("Granada", 1), ("Jaén", 1),
)  # fmt: skip


@dataclass(frozen=True)
class Origin:
    nationality: str
    birth_places: tuple[str, ...]
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    document: str  # nie | passport


FOREIGN = (
    Origin("Italy", ("Roma", "Milano", "Napoli"), ("Giulia", "Francesca", "Chiara"),
           ("Marco", "Luca", "Matteo"), ("Rossi", "Russo", "Bianchi", "Romano"), "nie"),
    Origin("Morocco", ("Tànger", "Casablanca", "Nador"), ("Fatima", "Amina", "Salma"),
           ("Mohamed", "Youssef", "Hamza"), ("El Amrani", "Benali", "Bouzid"), "nie"),
    Origin("Pakistan", ("Lahore", "Gujrat"), ("Ayesha", "Fatima", "Sana"),
           ("Ali", "Imran", "Bilal"), ("Khan", "Hussain", "Iqbal"), "nie"),
    Origin("China", ("Wenzhou", "Qingtian"), ("Na", "Mei", "Xin"),
           ("Wei", "Jun", "Hao"), ("Wang", "Chen", "Zhang", "Li"), "nie"),
    Origin("Colombia", ("Bogotá", "Medellín", "Cali"), ("Valentina", "Daniela", "Camila"),
           ("Andrés", "Santiago", "Felipe"), ("Gómez", "Restrepo", "Ospina"), "nie"),
    Origin("France", ("Paris", "Lyon", "Toulouse"), ("Camille", "Léa", "Manon"),
           ("Louis", "Hugo", "Théo"), ("Martin", "Dubois", "Bernard"), "nie"),
    Origin("United Kingdom", ("London", "Manchester"), ("Emily", "Olivia", "Sophie"),
           ("James", "Oliver", "Harry"), ("Smith", "Taylor", "Clarke"), "passport"),
    Origin("Philippines", ("Manila", "Cebu"), ("Maricel", "Joy", "Rowena"),
           ("Jose", "Mark", "Rodel"), ("Santos", "Reyes", "Cruz"), "passport"),
)  # fmt: skip

# street, district, postcode
STREETS = (
    ("Carrer de Mallorca", "Eixample", "08013"),
    ("Carrer d'Aragó", "Eixample", "08009"),
    ("Carrer del Consell de Cent", "Eixample", "08011"),
    ("Carrer de Provença", "Eixample", "08036"),
    ("Passeig de Sant Joan", "Eixample", "08037"),
    ("Carrer de Verdi", "Gràcia", "08012"),
    ("Carrer Gran de Gràcia", "Gràcia", "08012"),
    ("Carrer de Torrijos", "Gràcia", "08012"),
    ("Carrer de la Princesa", "Ciutat Vella", "08003"),
    ("Carrer de l'Hospital", "Ciutat Vella", "08001"),
    ("Carrer de Ferran", "Ciutat Vella", "08002"),
    ("Carrer de Sants", "Sants-Montjuïc", "08014"),
    ("Carrer de Blai", "Sants-Montjuïc", "08004"),
    ("Travessera de les Corts", "Les Corts", "08028"),
    ("Carrer de Numància", "Les Corts", "08029"),
    ("Carrer Major de Sarrià", "Sarrià-Sant Gervasi", "08017"),
    ("Carrer de Ganduxer", "Sarrià-Sant Gervasi", "08021"),
    ("Passeig de Maragall", "Horta-Guinardó", "08032"),
    ("Carrer de Lisboa", "Horta-Guinardó", "08032"),
    ("Passeig de Fabra i Puig", "Nou Barris", "08031"),
    ("Via Júlia", "Nou Barris", "08042"),
    ("Carrer Gran de Sant Andreu", "Sant Andreu", "08030"),
    ("Passeig de Torras i Bages", "Sant Andreu", "08030"),
    ("Rambla del Poblenou", "Sant Martí", "08005"),
    ("Carrer de Pere IV", "Sant Martí", "08018"),
    ("Carrer de Bilbao", "Sant Martí", "08005"),
)
FLOORS = ("bj", "entl", "pral", "1r", "2n", "3r", "4t", "5è", "6è", "àt")
DOORS = ("1a", "2a", "3a", "4a")

CARE_HOME = ("Carrer de Ganduxer", "71", "", "", "08021", "Sarrià-Sant Gervasi")
CARE_HOME_RESIDENTS = 8


@dataclass(frozen=True)
class DemoPerson:
    """A fixed person for demos; ``age`` is their age on the generation day."""

    key: str
    document_type: str
    document_number: str
    given_name: str
    surnames: str
    sex: str
    age: int
    situation: str


DEMO_PEOPLE = (
    DemoPerson("family_adult", "dni", "11111111H", "Marta", "Soler Puig", "female", 42,
               "lives with her partner (Jordi) and their son Pol, 9"),
    DemoPerson("family_partner", "dni", "22222222J", "Jordi", "Vidal Roca", "male", 44,
               "Marta's partner, same address"),
    DemoPerson("family_child", "dni", "77777777B", "Pol", "Vidal Soler", "male", 9,
               "minor, lives with Marta and Jordi"),
    DemoPerson("alone", "dni", "33333333P", "Joan", "Martí Serra", "male", 67,
               "lives alone"),
    DemoPerson("care_home", "dni", "44444444A", "Montserrat", "Casals Ribas", "female", 89,
               "resident of a care home (collective establishment)"),
    DemoPerson("moved_out", "dni", "55555555K", "Àlex", "Roig Font", "male", 35,
               "moved out of the city 200 days ago"),
    DemoPerson("sixteen", "dni", "66666666Q", "Laia", "Pujol Mas", "female", 16,
               "16 years old, lives with her mother Carme"),
    DemoPerson("sixteen_parent", "dni", "12345678Z", "Carme", "Mas Bosch", "female", 47,
               "Laia's mother, same address"),
    DemoPerson("flatmate_nie", "nie", "X1234567L", "Youssef", "El Amrani", "male", 31,
               "shares a flat with Giulia (unrelated adults)"),
    DemoPerson("flatmate_nie_2", "nie", "Y2345678Z", "Giulia", "Romano", "female", 29,
               "shares a flat with Youssef"),
    DemoPerson("passport", "passport", "DEMO12345", "Emily", "Clarke", "female", 38,
               "British, registered with a passport, lives alone"),
)  # fmt: skip
DEMO = {person.key: person for person in DEMO_PEOPLE}


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def birth_for_age(rng: random.Random, today: date, age: int) -> date:
    """A birth date on which someone is exactly ``age`` on ``today``."""
    latest = years_before(today, age)
    earliest = years_before(today, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


class _Generator:
    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.rows: list[Row] = []
        self.documents: set[str] = {person.document_number for person in DEMO_PEOPLE}
        self.addresses: set[tuple[str, str, str, str]] = set()

    # -- pieces ---------------------------------------------------------------------------

    def dni(self) -> str:
        while True:
            digits = f"99{self.rng.randint(0, 999_999):06d}"
            number = digits + check_letter(digits)
            if number not in self.documents:
                self.documents.add(number)
                return number

    def nie(self) -> str:
        while True:
            body = f"Z9{self.rng.randint(0, 999_999):06d}"
            number = body + check_letter(body)
            if number not in self.documents:
                self.documents.add(number)
                return number

    def passport(self) -> str:
        while True:
            number = f"SYN{self.rng.randint(0, 999_999):06d}"
            if number not in self.documents:
                self.documents.add(number)
                return number

    def address(self) -> dict[str, str]:
        while True:
            street, district, postcode = self.rng.choice(STREETS)
            number = str(self.rng.randint(1, 320))
            floor = self.rng.choice(FLOORS)
            door = (
                "" if floor in ("bj", "àt") and self.rng.random() < 0.5 else self.rng.choice(DOORS)
            )
            key = (street, number, floor, door)
            if key not in self.addresses and key[:2] != CARE_HOME[:2]:
                self.addresses.add(key)
                return {
                    "street": street,
                    "number": number,
                    "floor": floor,
                    "door": door,
                    "postcode": postcode,
                    "district": district,
                    "address_kind": "dwelling",
                }

    def row(
        self,
        *,
        document_type: str,
        document_number: str,
        given_name: str,
        surnames: str,
        sex: str,
        birth: date,
        birth_place: str,
        nationality: str,
        address: dict[str, str],
        since: date,
        moved_out_on: date | None = None,
    ) -> None:
        since = max(since, birth)
        self.rows.append(
            {
                "document_type": document_type,
                "document_number": document_number,
                "given_name": given_name,
                "surnames": surnames,
                "sex": sex,
                "birth_date": birth.isoformat(),
                "birth_place": birth_place,
                "nationality": nationality,
                **address,
                "registered_since": since.isoformat(),
                "moved_out_on": moved_out_on.isoformat() if moved_out_on else "",
            }
        )

    def spanish_birth_place(self) -> str:
        places = [place for place, _ in SPANISH_BIRTH_PLACES]
        weights = [weight for _, weight in SPANISH_BIRTH_PLACES]
        return self.rng.choices(places, weights)[0]

    # -- people ---------------------------------------------------------------------------

    def adult(
        self,
        address: dict[str, str],
        since: date,
        age: int,
        origin: Origin | None,
        sex: str | None = None,
        surname: str | None = None,
        moved_out_on: date | None = None,
    ) -> tuple[str, str]:
        """Adds an adult; returns (sex, first surname)."""
        rng = self.rng
        sex = sex or rng.choice(("female", "male"))
        birth = birth_for_age(rng, self.today, age)
        if origin is None:
            first = surname or rng.choice(SURNAMES)
            surnames = f"{first} {rng.choice(SURNAMES)}"
            given = rng.choice(FEMALE if sex == "female" else MALE)
            self.row(
                document_type="dni",
                document_number=self.dni(),
                given_name=given,
                surnames=surnames,
                sex=sex,
                birth=birth,
                birth_place=self.spanish_birth_place(),
                nationality="Spain",
                address=address,
                since=since,
                moved_out_on=moved_out_on,
            )
            return sex, first
        first = surname or rng.choice(origin.surnames)
        document = self.nie() if origin.document == "nie" else self.passport()
        self.row(
            document_type=origin.document,
            document_number=document,
            given_name=rng.choice(origin.female if sex == "female" else origin.male),
            surnames=first,
            sex=sex,
            birth=birth,
            birth_place=rng.choice(origin.birth_places),
            nationality=origin.nationality,
            address=address,
            since=since,
            moved_out_on=moved_out_on,
        )
        return sex, first

    def child(
        self,
        address: dict[str, str],
        since: date,
        origin: Origin | None,
        surnames: str,
    ) -> None:
        rng = self.rng
        sex = rng.choice(("female", "male"))
        birth = birth_for_age(rng, self.today, rng.randint(0, 17))
        if origin is None:
            document_type, number = "dni", self.dni()
            given = rng.choice(FEMALE if sex == "female" else MALE)
            place, nationality = "Barcelona", "Spain"
        else:
            document_type = origin.document
            number = self.nie() if origin.document == "nie" else self.passport()
            given = rng.choice(origin.female if sex == "female" else origin.male)
            place = "Barcelona" if rng.random() < 0.6 else rng.choice(origin.birth_places)
            nationality = origin.nationality
        self.row(
            document_type=document_type,
            document_number=number,
            given_name=given,
            surnames=surnames,
            sex=sex,
            birth=birth,
            birth_place=place,
            nationality=nationality,
            address=address,
            since=max(since, birth),
        )

    def origin(self) -> Origin | None:
        roll = self.rng.random()
        if roll < 0.74:
            return None
        return self.rng.choice(FOREIGN)

    def since(self, youngest_adult_age: int) -> date:
        earliest = max(
            years_before(self.today, min(youngest_adult_age - 18, 35)),
            date(1996, 5, 1),  # the continuous register started in 1996
        )
        return between(self.rng, earliest, self.today - timedelta(days=30))

    def moved_out(self, since: date) -> date | None:
        """A day to have left the city, at least 90 days after arriving (None if too recent)."""
        first = since + timedelta(days=90)
        last = self.today - timedelta(days=1)
        return between(self.rng, first, last) if first <= last else None

    # -- households -------------------------------------------------------------------------

    def household(self) -> None:
        rng = self.rng
        kind = rng.choices(
            ("single", "couple", "family", "single_parent", "flatmates", "three_generations"),
            (30, 22, 25, 8, 10, 5),
        )[0]
        origin = self.origin()
        address = self.address()
        if kind == "single":
            age = rng.randint(20, 92)
            since = self.since(age)
            moved = self.moved_out(since) if rng.random() < 0.12 else None
            self.adult(address, since, age, origin, moved_out_on=moved)
        elif kind == "couple":
            age = rng.randint(22, 88)
            partner_age = max(19, age + rng.randint(-6, 6))
            since = self.since(min(age, partner_age))
            sex, _ = self.adult(address, since, age, origin)
            other = rng.choice(("female", "male")) if rng.random() < 0.1 else None
            self.adult(
                address,
                since,
                partner_age,
                origin,
                sex=other or ("male" if sex == "female" else "female"),
            )
        elif kind in ("family", "single_parent"):
            age = rng.randint(28, 52)
            since = self.since(age)
            _, mother = self.adult(address, since, age, origin, sex="female")
            if kind == "family":
                father_age = max(19, age + rng.randint(-3, 6))
                _, father = self.adult(address, since, father_age, origin, sex="male")
                surnames = f"{father} {mother}" if origin is None else father
            else:
                surnames = f"{mother} {rng.choice(SURNAMES)}" if origin is None else mother
            for _ in range(rng.randint(1, 3)):
                self.child(address, since, origin, surnames)
        elif kind == "flatmates":
            for _ in range(rng.randint(2, 4)):
                age = rng.randint(19, 40)
                since = self.since(age)
                moved = self.moved_out(since) if rng.random() < 0.1 else None
                self.adult(address, since, age, self.origin(), moved_out_on=moved)
        else:  # an elderly couple and an adult son or daughter
            age = rng.randint(70, 90)
            since = self.since(age)
            _, first = self.adult(address, since, age, origin, sex="male")
            self.adult(address, since, max(65, age - rng.randint(0, 5)), origin, "female")
            self.adult(address, since, rng.randint(35, 55), origin, surname=first)

    def care_home(self) -> None:
        street, number, floor, door, postcode, district = CARE_HOME
        address = {
            "street": street,
            "number": number,
            "floor": floor,
            "door": door,
            "postcode": postcode,
            "district": district,
            "address_kind": "collective",
        }
        for _ in range(CARE_HOME_RESIDENTS):
            age = self.rng.randint(76, 99)
            since = between(self.rng, years_before(self.today, 8), self.today - timedelta(days=10))
            self.adult(address, since, age, None, sex=self.rng.choice(("female", "female", "male")))

    # -- the fixed demo people --------------------------------------------------------------

    def demo(self) -> None:
        today = self.today

        def person(
            key: str,
            address: dict[str, str],
            since: date,
            *,
            birth_place: str = "Barcelona",
            nationality: str = "Spain",
            moved_out_on: date | None = None,
        ) -> None:
            who = DEMO[key]
            birth = years_before(today, who.age) - timedelta(days=45 + len(who.key))
            self.row(
                document_type=who.document_type,
                document_number=who.document_number,
                given_name=who.given_name,
                surnames=who.surnames,
                sex=who.sex,
                birth=birth,
                birth_place=birth_place,
                nationality=nationality,
                address=address,
                since=since,
                moved_out_on=moved_out_on,
            )

        def dwelling(street: str, number: str, floor: str, door: str) -> dict[str, str]:
            _, district, postcode = next(s for s in STREETS if s[0] == street)
            self.addresses.add((street, number, floor, door))
            return {
                "street": street,
                "number": number,
                "floor": floor,
                "door": door,
                "postcode": postcode,
                "district": district,
                "address_kind": "dwelling",
            }

        family = dwelling("Carrer de Mallorca", "401", "3r", "2a")
        person("family_adult", family, years_before(today, 12))
        person("family_partner", family, years_before(today, 12), birth_place="Girona")
        person("family_child", family, years_before(today, 12))
        person("alone", dwelling("Carrer de Verdi", "55", "2n", "1a"), years_before(today, 27))
        street, number, floor, door, postcode, district = CARE_HOME
        care_home = {
            "street": street,
            "number": number,
            "floor": floor,
            "door": door,
            "postcode": postcode,
            "district": district,
            "address_kind": "collective",
        }
        person("care_home", care_home, years_before(today, 3))
        person(
            "moved_out",
            dwelling("Rambla del Poblenou", "120", "1r", "2a"),
            years_before(today, 6),
            moved_out_on=today - timedelta(days=200),
        )
        mother_and_daughter = dwelling("Carrer Gran de Sant Andreu", "210", "4t", "1a")
        person("sixteen_parent", mother_and_daughter, years_before(today, 20))
        person("sixteen", mother_and_daughter, years_before(today, 20))
        flat = dwelling("Carrer de Blai", "30", "1r", "1a")
        person(
            "flatmate_nie",
            flat,
            years_before(today, 4),
            birth_place="Tànger",
            nationality="Morocco",
        )
        person(
            "flatmate_nie_2",
            flat,
            years_before(today, 2),
            birth_place="Roma",
            nationality="Italy",
        )
        person(
            "passport",
            dwelling("Passeig de Sant Joan", "88", "5è", "3a"),
            years_before(today, 1),
            birth_place="London",
            nationality="United Kingdom",
        )


def generate(
    n_households: int = DEFAULT_HOUSEHOLDS,
    *,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
) -> list[Row]:
    """The fixed demo people, a care home, then ``n_households`` random households."""
    generator = _Generator(seed, today or date.today())
    generator.demo()
    generator.care_home()
    for _ in range(n_households):
        generator.household()
    return generator.rows


def write_csv(
    path: Path | str,
    n_households: int = DEFAULT_HOUSEHOLDS,
    *,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
) -> int:
    """Write the generated rows as an importable CSV file; returns the number of people."""
    rows = generate(n_households, seed=seed, today=today)
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
