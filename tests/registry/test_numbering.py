"""Numbers: ``YYYY/NNNNNNN``, one gapless sequence per registry and year, under concurrency too."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from finestreta.db import Database
from finestreta.registry import RegistryCounter, RegistryEntry, get_by_code, register
from tests.registry.conftest import entry_fields, make_call, register_one


def test_the_code_is_the_year_a_slash_and_seven_digits(registry_db: Database) -> None:
    # The general registry, in a year no other test uses.
    entry = register_one(registry_db, now=datetime(2031, 3, 5, 9, 0, tzinfo=UTC))
    assert re.fullmatch(r"\d{4}/\d{7}", entry.code)
    assert (entry.code, entry.number_text, entry.registry_name) == (
        "2031/0000001",
        "2031/0000001",
        "general",
    )
    with registry_db.session() as session:
        found = get_by_code(session, "2031/0000001")
        assert found is not None and found.id == entry.id
        assert get_by_code(session, "2031/0000002") is None


def test_another_registry_puts_its_name_before_the_number(
    registry_db: Database, registry: str
) -> None:
    entry = register_one(registry_db, registry=registry, now=datetime(2026, 3, 5, tzinfo=UTC))
    assert (entry.code, entry.number_text) == (f"{registry}:2026/0000001", "2026/0000001")
    with registry_db.session() as session:
        found = get_by_code(session, f"{registry}:2026/0000001")
        assert found is not None and found.id == entry.id


def test_numbers_start_at_one_per_registry_and_restart_each_year(
    registry_db: Database, registry: str
) -> None:
    other = f"{registry}_b"
    # 22:59:59 UTC on 31 December is still 2026 in Madrid; one second later it is 2027 there.
    last_second = datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)
    new_year = datetime(2026, 12, 31, 23, 0, 0, tzinfo=UTC)
    made = [
        register_one(registry_db, registry=registry, now=datetime(2026, 1, 1, 8, tzinfo=UTC)),
        register_one(registry_db, registry=registry, now=last_second),
        register_one(registry_db, registry=other, now=last_second),
        register_one(registry_db, registry=registry, now=new_year),
        register_one(registry_db, registry=other, now=new_year),
        register_one(registry_db, registry=registry, now=new_year),
    ]
    assert [(e.registry_name, e.number_text) for e in made] == [
        (registry, "2026/0000001"),
        (registry, "2026/0000002"),
        (other, "2026/0000001"),
        (registry, "2027/0000001"),
        (other, "2027/0000001"),
        (registry, "2027/0000002"),
    ]
    with registry_db.session() as session:
        counters = {
            (c.registry_name, c.year): c.last_number
            for c in session.scalars(
                select(RegistryCounter).where(RegistryCounter.registry_name.in_([registry, other]))
            )
        }
    assert counters == {
        (registry, 2026): 2,
        (registry, 2027): 2,
        (other, 2026): 1,
        (other, 2027): 1,
    }


def test_concurrent_registrations_get_every_number_exactly_once(
    registry_db: Database, registry: str
) -> None:
    threads, each = 8, 25
    total = threads * each
    start = threading.Barrier(threads)
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    call_id = make_call(registry_db)

    def clerk(index: int) -> None:
        # Half the clerks register during a call: register() then reads the call first.
        during = call_id if index % 2 else None
        try:
            start.wait(timeout=10)
            for _ in range(each):
                # A session, and so a connection and a transaction, per registration.
                entry = register_one(
                    registry_db, registry=registry, created_by=f"clerk:{index}", call_id=during
                )
                with lock:
                    codes.append(entry.code)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=clerk, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    with registry_db.session() as session:
        rows = session.scalars(
            select(RegistryEntry)
            .where(RegistryEntry.registry_name == registry)
            .order_by(RegistryEntry.number)
        ).all()
        year = rows[0].year
        counter = session.get(RegistryCounter, (registry, year))
    assert {r.year for r in rows} == {year}
    assert sorted(codes) == [f"{registry}:{year}/{n:07d}" for n in range(1, total + 1)]
    assert [r.number for r in rows] == list(range(1, total + 1))
    assert sum(r.call_id == call_id for r in rows) == total // 2
    assert counter is not None and counter.last_number == total
    # In order of receipt: a later number never has an earlier registration time.
    times = [r.registered_at for r in rows]
    assert times == sorted(times)


class Abandon(Exception):
    """Raised to roll a transaction back."""


def test_a_rolled_back_registration_leaves_no_gap(registry_db: Database, registry: str) -> None:
    assert register_one(registry_db, registry=registry).number == 1
    with pytest.raises(Abandon), registry_db.session() as session:
        assert register(session, **entry_fields(registry=registry)).number == 2
        raise Abandon
    assert register_one(registry_db, registry=registry).number == 2
    assert register_one(registry_db, registry=registry).number == 3
    with registry_db.session() as session:
        rows = session.scalars(
            select(RegistryEntry)
            .where(RegistryEntry.registry_name == registry)
            .order_by(RegistryEntry.number)
        ).all()
        counter = session.get(RegistryCounter, (registry, rows[0].year))
    assert [r.number for r in rows] == [1, 2, 3]
    assert counter is not None and counter.last_number == 3


@pytest.mark.parametrize("first_of_the_year", [True, False], ids=["first", "later"])
def test_a_waiting_registration_gets_the_number_given_back(
    registry_db: Database, registry: str, first_of_the_year: bool
) -> None:
    if not first_of_the_year:
        register_one(registry_db, registry=registry)
    expected = 1 if first_of_the_year else 2
    got: list[int] = []

    def other_clerk() -> None:
        got.append(register_one(registry_db, registry=registry, created_by="clerk:2").number)

    waiting = threading.Thread(target=other_clerk)
    with pytest.raises(Abandon), registry_db.session() as session:
        assert register(session, **entry_fields(registry=registry)).number == expected
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive(), "the second registration should wait for the first one"
        raise Abandon  # the first one gives up: its number goes to the one waiting
    waiting.join(timeout=20)
    assert got == [expected]
    with registry_db.session() as session:
        rows = session.scalars(
            select(RegistryEntry)
            .where(RegistryEntry.registry_name == registry)
            .order_by(RegistryEntry.number)
        ).all()
    before = [] if first_of_the_year else [(1, "clerk:1")]
    assert [(r.number, r.created_by) for r in rows] == [*before, (expected, "clerk:2")]
