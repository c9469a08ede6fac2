"""SQL checks every cluster test runs at its end (docs/design/cluster.md §7): what a double
assignment would leave in the projected rows, whatever path it took."""

from __future__ import annotations

from sqlalchemy import create_engine, text

OVERLAP = """
SELECT o1.id, o2.id, o1.{key}
FROM offers o1 JOIN offers o2 ON o1.{key} = o2.{key} AND o1.id < o2.id
WHERE o1.created_at < coalesce(o2.ended_at, 'infinity')
  AND o2.created_at < coalesce(o1.ended_at, 'infinity')
"""

CHECKS = {
    "offers of one clerk overlapping in time": OVERLAP.format(key="clerk_id"),
    "offers of one request overlapping in time": OVERLAP.format(key="request_id"),
    "a clerk in two active calls": (
        "SELECT clerk_id, count(*) FROM calls WHERE state = 'active' "
        "GROUP BY clerk_id HAVING count(*) > 1"
    ),
    "a request in two calls": (
        "SELECT request_id, count(*) FROM calls GROUP BY request_id HAVING count(*) > 1"
    ),
    "a booth with two live requests": (
        "SELECT kiosk_id, count(*) FROM attention_requests "
        "WHERE state IN ('waiting', 'ringing', 'in_call') GROUP BY kiosk_id HAVING count(*) > 1"
    ),
    "two accepted offers for one request": (
        "SELECT request_id, count(*) FROM offers WHERE state = 'accepted' "
        "GROUP BY request_id HAVING count(*) > 1"
    ),
}


def violations(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    """Each check that found rows, with (up to 10 of) them; empty when all is well."""
    engine = create_engine(db_url)
    found: dict[str, list[tuple[object, ...]]] = {}
    try:
        with engine.connect() as conn:
            for name, sql in CHECKS.items():
                rows = [tuple(r) for r in conn.execute(text(sql)).fetchmany(10)]
                if rows:
                    found[name] = rows
    finally:
        engine.dispose()
    return found


def waiting_list(db_url: str) -> list[str]:
    """The request ids waiting (or ringing), in the order they are served."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id FROM attention_requests WHERE state IN ('waiting', 'ringing') "
                    "ORDER BY priority DESC, seq"
                )
            )
            return [str(r[0]) for r in rows]
    finally:
        engine.dispose()


def assert_green(db_url: str) -> None:
    found = violations(db_url)
    assert not found, f"double assignments or broken invariants: {found}"
