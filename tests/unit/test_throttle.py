"""The login and pairing throttles: bounded tables, and a policy that slows guessing without
locking the real user out (docs/security.md, "Inputs and resources")."""

from __future__ import annotations

import tracemalloc

from finestreta.accounts.throttle import MAX_KEYS, LoginGuard, Throttle

# What 100,000 failed names may cost at most, all tables of one guard together (measured:
# about 10 MiB for three full tables of 10,000 keys; unbounded, it was ~60 MiB and growing).
BOUND_BYTES = 16 * 1024 * 1024


def test_a_hundred_thousand_names_stay_within_a_bound() -> None:
    guard = LoginGuard(per_minute=5, per_user_hour=30)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(100_000):
            address, name = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", f"user{n}"
            guard.refused(address, name, now=float(n) / 1000)
            guard.failed(address, name, now=float(n) / 1000)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < BOUND_BYTES, f"{held / 2**20:.1f} MiB held"
    assert max(guard.sizes()) <= MAX_KEYS
    # the oldest were evicted, the newest are still counted
    assert guard.pairs.count("10.0.0.0 user0", now=100.0) == 0
    assert guard.pairs.count("10.1.134.159 user99999", now=100.0) == 1


def test_asking_never_adds_a_key() -> None:
    throttle = Throttle(limit=5)
    for n in range(1000):
        assert not throttle.blocked(f"user{n}")
    assert len(throttle) == 0


def test_keys_leave_when_their_hits_leave_the_window() -> None:
    throttle = Throttle(limit=2, window_s=60)
    throttle.hit("a", now=0.0)
    throttle.hit("a", now=1.0)
    assert throttle.blocked("a", now=2.0)
    assert not throttle.blocked("a", now=62.0)
    assert len(throttle) == 0


def test_failures_from_one_address_do_not_refuse_another() -> None:
    guard = LoginGuard(per_minute=5, per_user_hour=30)
    for _ in range(5):
        guard.failed("203.0.113.9", "anna", now=0.0)
    assert guard.refused("203.0.113.9", "anna", now=1.0)
    assert not guard.refused("198.51.100.7", "anna", now=1.0)


def test_one_address_guessing_many_names_waits() -> None:
    guard = LoginGuard(per_minute=5, per_user_hour=30)
    for n in range(20):
        guard.failed("203.0.113.9", f"user{n}", now=0.0)
    assert guard.refused("203.0.113.9", "somebody_else", now=1.0)


def test_many_addresses_against_one_user_slow_new_addresses_not_the_known_one() -> None:
    guard = LoginGuard(per_minute=5, per_user_hour=30)
    guard.succeeded("198.51.100.7", "anna")  # anna's usual address
    for n in range(30):
        guard.failed(f"203.0.113.{n}", "anna", now=float(n))
    assert guard.refused("192.0.2.200", "anna", now=40.0)  # a new address waits
    assert not guard.refused("198.51.100.7", "anna", now=40.0)  # anna does not
    assert not guard.refused("192.0.2.200", "anna", now=3700.0)  # an hour later, nobody waits
