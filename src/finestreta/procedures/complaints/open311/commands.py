"""``finestreta open311 keys create|list|revoke``: the API keys, from the command line only.

``create`` prints the key once (it is kept only as its hash); nothing here logs a key.
"""

from __future__ import annotations

import argparse
from typing import Any

from finestreta.clock import SYSTEM_CLOCK
from finestreta.errors import FinestretaError


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    open311 = commands.add_parser("open311", help="Open311 GeoReport v2 (docs/open311.md)")
    groups = open311.add_subparsers(dest="open311_command", required=True)
    keys = groups.add_parser("keys", help="API keys for filing requests").add_subparsers(
        dest="open311_keys_command", required=True
    )
    create = keys.add_parser("create", help="make a key (printed once) for a client")
    create.add_argument("--name", required=True, help="who the key is for (unique)")
    create.set_defaults(func=_create)
    listing = keys.add_parser("list", help="the keys (never the keys themselves)")
    listing.set_defaults(func=_list)
    revoke = keys.add_parser("revoke", help="revoke a key by its name or id")
    revoke.add_argument("key", metavar="NAME|ID")
    revoke.set_defaults(func=_revoke)


def _run(action: Any) -> Any:
    from finestreta.cli import _database, _fail, _settings

    db = _database(_settings())
    try:
        with db.session() as session:
            return action(session)
    except FinestretaError as error:
        _fail(error.message)
    finally:
        db.dispose()


def _create(args: argparse.Namespace) -> None:
    from finestreta.procedures.complaints.open311 import keys

    made, key = _run(lambda s: keys.create(s, args.name, now=SYSTEM_CLOCK.now()))
    print(f"API key {made.id} for {made.name!r} (shown only now; keep it secret):")
    print(key)


def _list(args: argparse.Namespace) -> None:
    from finestreta.procedures.complaints.open311 import keys

    listed = _run(keys.listed)
    if not listed:
        print("no API keys")
    for key in listed:
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        print(f"{key.id}\t{key.name}\tcreated {key.created_at:%Y-%m-%d %H:%M}\t{state}")


def _revoke(args: argparse.Namespace) -> None:
    from finestreta.procedures.complaints.open311 import keys

    revoked = _run(lambda s: keys.revoke(s, args.key, now=SYSTEM_CLOCK.now()))
    print(f"API key {revoked.id} ({revoked.name!r}) is revoked")
