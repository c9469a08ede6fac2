"""The ``finestreta`` command: run the server or the demo, migrate, manage users and booths.

Bad input ends with a one-line message on stderr and exit status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from finestreta.config import Settings

EXIT_USAGE = 2


def _fail(message: str) -> NoReturn:
    print(f"finestreta: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def _secret_patterns(settings: Settings) -> tuple[re.Pattern[str], ...]:
    """The configured secrets' values, redacted wherever a log line would carry one."""
    from pydantic import SecretStr

    from finestreta.logs import secret_values

    values = (getattr(settings, name) for name in type(settings).model_fields)
    secrets = [v.get_secret_value() for v in values if isinstance(v, SecretStr)]
    return secret_values([*secrets, settings.turn_secret])  # a plain string, but a secret


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        # a rule across settings has no one field (loc is empty): its message names them
        problems = "; ".join(
            f"FINESTRETA_{str(e['loc'][0]).upper()}: {e['msg']}" if e["loc"] else e["msg"]
            for e in exc.errors()
        )
        _fail(f"bad configuration: {problems}")


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    """The database of a management command, which must already have its schema.

    Opening a missing SQLite file would create it: a mistyped or unset
    ``FINESTRETA_DATABASE_URL`` (the demo's database is ``var/demo.db``, not the default
    ``var/finestreta.db``) would leave an empty database behind and fail on a missing table.
    """
    from pathlib import Path

    from sqlalchemy import inspect

    from finestreta.db import Database

    url = settings.database_url
    hint = (
        "run `finestreta db upgrade` to create it, or set FINESTRETA_DATABASE_URL "
        "(the demo's is sqlite:///var/demo.db)"
    )
    if url.startswith("sqlite:///") and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            _fail(f"no database at {path} (FINESTRETA_DATABASE_URL={_shown(url)}): {hint}")
    db = Database(url)
    if not inspect(db.engine).has_table("alembic_version"):
        db.dispose()
        _fail(f"the database {_shown(url)} has no Finestreta schema: {hint}")
    return db


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from finestreta.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, procedures=_procedures(settings))
    print("database is at the newest schema")


def cmd_user_add(args: argparse.Namespace) -> None:
    from finestreta.accounts import service

    password = args.password or os.environ.get("FINESTRETA_NEW_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            import getpass

            password = getpass.getpass("Password: ")
    settings = _settings()
    procedures = _procedures(settings)
    db = _database(settings)
    try:
        with db.session() as session:
            user = service.add_user(
                session,
                args.username,
                password,
                args.role,
                args.name or "",
                _split(args.languages),
                _split(args.topics),
                args.locale,
                known_topics=[topic for p in procedures for topic in p.topics],
                known_roles=(*service.ROLES, *(role for p in procedures for role in p.roles)),
                habilitated=args.habilitated,
            )
            print(
                f"added {user.role} {user.username}"
                + (" (habilitated)" if args.habilitated else "")
            )
    except service.AccountError as exc:
        _fail(str(exc))


def cmd_user_habilitate(args: argparse.Namespace) -> None:
    from finestreta.accounts import service

    db = _database(_settings())
    try:
        with db.session() as session:
            user = service.set_habilitated(session, args.username, not args.revoke)
            state = "habilitated" if user.habilitated else "no longer habilitated"
            print(f"{user.username} is {state}")
    except service.AccountError as exc:
        _fail(str(exc))


def cmd_kiosk_add(args: argparse.Namespace) -> None:
    from finestreta.accounts import service

    db = _database(_settings())
    try:
        with db.session() as session:
            made = service.add_kiosk(session, args.code, args.name or args.code, args.site)
            print(f"added kiosk {made.kiosk.code} at {args.site}")
            print(f"device secret (shown once, keep it safe): {made.secret}")
    except service.AccountError as exc:
        _fail(str(exc))


def cmd_kiosk_enable(args: argparse.Namespace, enabled: bool) -> None:
    from finestreta.accounts import service

    db = _database(_settings())
    try:
        with db.session() as session:
            kiosk = service.set_kiosk_enabled(session, args.code, enabled)
            print(f"kiosk {kiosk.code} {'enabled' if enabled else 'disabled'}")
    except service.AccountError as exc:
        _fail(str(exc))


def cmd_hours_set(args: argparse.Namespace) -> None:
    from datetime import date
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from finestreta.accounts.models import OfficeHours
    from finestreta.attention.opening_hours import parse_hours

    try:
        parse_hours(args.spec)
        closed = [date.fromisoformat(d.strip()) for d in _split(args.closed)]
        ZoneInfo(args.timezone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        _fail(f"bad opening hours: {exc}")
    db = _database(_settings())
    with db.session() as session:
        row = session.get(OfficeHours, 1) or OfficeHours(id=1)
        row.spec, row.timezone = args.spec, args.timezone
        row.closed_days = ",".join(d.isoformat() for d in closed)
        session.add(row)
    print(f"opening hours: {args.spec} ({args.timezone}) in {_shown(db.url)}")


def cmd_serve(args: argparse.Namespace, demo: bool = False) -> None:
    import uvicorn

    from finestreta.app import create_app
    from finestreta.context import build_context
    from finestreta.migrate import upgrade

    if demo:
        os.environ.setdefault("FINESTRETA_DATABASE_URL", "sqlite:///var/demo.db")
        os.environ["FINESTRETA_DEMO"] = "true"
        # A self-signed seal, made on first run, so that volants can be issued in the demo.
        if not os.environ.get("FINESTRETA_SEAL_PKCS12"):
            os.environ["FINESTRETA_SEAL_PKCS12"] = "var/demo-seal.p12"
            os.environ["FINESTRETA_SEAL_PASSWORD"] = DEMO_SEAL_PASSWORD
        # Signatures can be taken in the demo; the key is public, as the demo's data is made up.
        if not os.environ.get("FINESTRETA_SIGNATURE_KEY"):
            os.environ["FINESTRETA_SIGNATURE_KEY"] = DEMO_SIGNATURE_KEY
    if args.port is not None:
        os.environ["FINESTRETA_PORT"] = str(args.port)
    if args.host is not None:
        os.environ["FINESTRETA_HOST"] = args.host
    settings = _settings()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    if demo and not settings.public_url:
        # volants seal their /verify address: the demo's is where it listens
        settings = settings.model_copy(update={"public_url": f"http://{host}:{settings.port}"})
    sandbox = demo and settings.payments_gateway == "sandbox"
    if sandbox and not os.environ.get("FINESTRETA_PAYMENTS_SANDBOX_URL"):
        # the demo pays offline: the sandbox gateway answers on the next port
        sandbox_url = f"http://{host}:{settings.port + 1}"
        settings = settings.model_copy(update={"payments_sandbox_url": sandbox_url})
    from finestreta import logs

    procedures = _procedures(settings)
    logs.configure(
        settings.log_level,
        (*(pattern for p in procedures for pattern in p.redact), *_secret_patterns(settings)),
        settings.log_format,
    )
    if demo and args.reset and settings.database_url.startswith("sqlite:///"):
        from pathlib import Path

        for suffix in ("", "-wal", "-shm"):
            Path(settings.database_url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    if not args.no_migrate:
        upgrade(settings.database_url, procedures=procedures)
    if demo:
        _demo_seal(settings)
    ctx = build_context(settings, procedures=procedures)
    if demo:
        from finestreta import demo as demo_data
        from finestreta.catalogue import seed_demo
        from finestreta.streets import synthetic as demo_streets

        with ctx.db.session() as session:
            fresh = demo_data.seed_all(session, procedures)
            seed_demo(session)
            demo_streets.seed_demo(session)
        if fresh:  # a new demo database: three months of pilot history before today
            from finestreta.supervision.simulation.command import seed_demo as seed_history

            print(seed_history(ctx.db, settings), flush=True)
        ctx.extra["demo_kiosks"] = [
            {"code": k.code, "name": k.name, "secret": k.secret} for k in demo_data.KIOSKS
        ]
        base = f"http://{settings.host}:{settings.port}"
        print("\nFinestreta demo", flush=True)
        print(f"  booth:   {base}/kiosk   (pick a demo booth on the pairing page)")
        print(f"  console: {base}/console")
        print(f"  staff (password '{demo_data.DEMO_PASSWORD}' for all):")
        for person in demo_data.STAFF:
            print(
                f"    {person.username:<7} {person.role:<10} languages {','.join(person.languages):<9}"
                f" topics {','.join(person.topics)}"
            )
        if sandbox:
            print(
                f"  card payments: the sandbox gateway at {settings.payments_sandbox_url}",
                flush=True,
            )
            print("    (test card 4548 8100 0000 0003, any future date, any 3 digits)", flush=True)
        print("  Open the booth and the console in two browser windows.\n", flush=True)
    app = create_app(settings, ctx)
    # Everything loaded so far (modules, the ORM's metadata, templates, translations) lives as
    # long as the process: keep it out of the collector's full passes, which otherwise walk it
    # all and stall the event loop for a few hundred ms (bench/attention.py --stall-watch).
    import gc

    gc.collect()
    gc.freeze()
    if sandbox:
        import asyncio

        asyncio.run(_serve_with_sandbox(app, settings))
        return
    if settings.drain_seconds > 0:
        _serve_draining(app, ctx, settings)
        return
    uvicorn.run(app, host=settings.host, port=settings.port, **uvicorn_options(settings))


def _serve_draining(app: Any, ctx: Any, settings: Settings) -> None:
    """uvicorn, where the first SIGTERM drains (docs/operations.md, "Rolling upgrade"): stop
    listening, health 503, every socket ``closed`` (``draining``) and 1012 in jittered batches
    over the first half of FINESTRETA_DRAIN_SECONDS, then requests in flight finish within the
    rest and the server stops as usual (the hub's own stop). A second SIGTERM exits at once;
    Ctrl-C (SIGINT) stops as uvicorn always did."""
    import asyncio
    import contextlib
    import logging
    import signal
    import time
    from collections.abc import Iterator

    import uvicorn

    log = logging.getLogger("finestreta.serve")
    window = settings.drain_seconds

    class Draining(uvicorn.Server):
        drain_requested = False
        drain_task: asyncio.Task[None] | None = None

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            loop = asyncio.get_running_loop()

            def on_term(signum: int, frame: Any) -> None:
                if self.drain_requested or self.should_exit:  # the second: at once
                    self.force_exit = self.should_exit = True
                    return
                self.drain_requested = True
                # a signal handler runs between two bytecodes of whatever the loop was doing:
                # the drain starts on the loop, not here
                loop.call_soon_threadsafe(self.start_drain)

            with super().capture_signals():
                previous = signal.signal(signal.SIGTERM, on_term)
                try:
                    yield
                finally:
                    signal.signal(signal.SIGTERM, previous)

        def start_drain(self) -> None:
            self.drain_task = asyncio.get_running_loop().create_task(self.drain())

        async def drain(self) -> None:
            started = time.monotonic()
            log.info("SIGTERM: draining for up to %.0f s (a second SIGTERM stops at once)", window)
            for server in self.servers:  # new connections are refused: a proxy fails over
                server.close()
            if ctx.node is not None:  # the next heartbeat says so to the other nodes
                ctx.node.draining = True
            others = [ctx.wallboard.sockets] if ctx.wallboard is not None else []
            try:
                closed = await ctx.hub.drain(window, others)
            except Exception:  # the server must stop all the same
                log.exception("drain failed; stopping")
                closed = -1
            # This process must stop before the grace of the first socket it closed runs out,
            # or its ticker would abandon that booth's request while the booth cannot come
            # back (the next process counts the grace afresh from its start: store.load).
            grace = min(settings.kiosk_grace_seconds, settings.console_grace_seconds)
            left = min(window, grace - 1) - (time.monotonic() - started)
            log.info(
                "drain: %d sockets closed with 1012; requests in flight get %.0f s", closed, left
            )
            self.config.timeout_graceful_shutdown = max(1, math.floor(left))
            self.should_exit = True

    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, **uvicorn_options(settings)
    )
    server = Draining(config)
    server.run()
    if not server.started:  # as uvicorn.run: a port in use, a failed start-up
        sys.exit(3)


async def _serve_with_sandbox(app: Any, settings: Settings) -> None:
    """The app and, on the sandbox URL's port, the sandbox gateway, in one process (the demo
    pays offline). Ctrl-C or SIGTERM stops both (twice: at once)."""
    import asyncio
    import contextlib
    import signal
    from collections.abc import Iterator
    from urllib.parse import urlsplit

    import uvicorn

    from finestreta.web.sandbox_gateway import create_sandbox_app, merchant_origins

    servers: list[uvicorn.Server] = []

    class Together(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if self is not servers[0]:
                yield  # the app's server has them
                return

            def stop(signum: int, frame: Any) -> None:
                for server in servers:
                    server.force_exit = server.should_exit
                    server.should_exit = True

            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    parts = urlsplit(settings.payments_sandbox_url)
    sandbox_app = create_sandbox_app(
        origin=settings.payments_sandbox_url,
        merchants=merchant_origins(settings.public_url, settings.payments_sandbox_merchants),
        merchant_name=settings.city_council or f"Ajuntament de {settings.city_name}",
    )
    servers.append(
        Together(
            uvicorn.Config(app, host=settings.host, port=settings.port, **uvicorn_options(settings))
        )
    )
    servers.append(
        Together(
            uvicorn.Config(
                sandbox_app,
                host=settings.host,
                port=parts.port or 80,
                log_level=settings.log_level.lower(),
                log_config=None,
                proxy_headers=False,
            )
        )
    )
    await asyncio.gather(*(server.serve() for server in servers))


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How ``serve`` runs uvicorn (the tests run it the same way)."""
    return {
        "log_level": settings.log_level.lower(),
        "log_config": None,  # uvicorn logs through the root handlers, which redact (logs.py)
        "ws_ping_interval": settings.heartbeat_seconds,
        "ws_ping_timeout": settings.heartbeat_seconds * 2,
        # The socket's cap, above the application's own limit (a frame between the two gets a
        # `too_large` error frame; past this the socket closes with 1009): frames are small.
        "ws_max_size": WS_CAP_FRAMES * settings.max_frame_bytes,
        # Frames are small JSON: compressing them saves little, and every socket would keep
        # zlib state (bench/attention.py measured 89.8 KiB per idle socket with it on).
        "ws_per_message_deflate": False,
        # One rule for the client's address: web.security.client_address, which believes
        # X-Forwarded-For only from FINESTRETA_TRUSTED_PROXIES (uvicorn's own rule would trust
        # 127.0.0.1 and rewrite the peer before we see it).
        "proxy_headers": False,
    }


WS_CAP_FRAMES = 4


DEMO_SEAL_PASSWORD = "demo-seal"  # the demo seal is self-signed and says DEMO: no secret
DEMO_SIGNATURE_KEY = "finestreta-demo-signature-key-public-not-secret"  # demo data only


def _demo_seal(settings: Any) -> None:
    from pathlib import Path

    from finestreta.documents.seal import init_seal

    path = Path(settings.seal_pkcs12)
    if settings.seal_pkcs12 and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        init_seal(path, settings.seal_password.get_secret_value(), settings.city_name)
        print(f"demo seal written to {path} (self-signed, no legal value)", flush=True)


def cmd_audit_lookups(args: argparse.Namespace) -> None:
    """The register's look-up audit as CSV on stdout, for the data protection officer."""
    import csv
    from datetime import UTC, date, datetime, time, timedelta

    from sqlalchemy import select

    from finestreta.accounts.models import StaffUser
    from finestreta.padro.records import LookupRow

    def day(text: str, option: str) -> datetime:
        try:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        except ValueError:
            _fail(f"{option}: a date as YYYY-MM-DD, not {text!r}")

    since = day(args.since, "--since") if args.since else None
    until = day(args.until, "--until") + timedelta(days=1) if args.until else None
    db = _database(_settings())
    with db.session() as session:
        query = (
            select(LookupRow, StaffUser.username)
            .join(StaffUser, StaffUser.id == LookupRow.clerk_id, isouter=True)
            .order_by(LookupRow.at, LookupRow.id)
        )
        if since is not None:
            query = query.where(LookupRow.at >= since)
        if until is not None:
            query = query.where(LookupRow.at < until)
        if args.clerk:
            query = query.where(StaffUser.username == args.clerk)
        if args.document:
            query = query.where(LookupRow.document_number == args.document.strip().upper())
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(
            ["at", "clerk", "call_id", "action", "document_type", "document_number",
             "person_id", "outcome", "purpose"]
        )  # fmt: skip
        count = 0
        for row, username in session.execute(query):
            writer.writerow(
                [row.at.isoformat(), username or f"#{row.clerk_id}", row.call_id or "",
                 row.action, row.document_type or "", row.document_number or "",
                 row.person_id or "", row.outcome, row.purpose]
            )  # fmt: skip
            count += 1
    db.dispose()
    print(f"{count} look-ups", file=sys.stderr)


def cmd_kiosk_agent(args: argparse.Namespace) -> None:
    from finestreta.kiosk_agent.main import run

    raise SystemExit(run(["--config", args.config]))


def cmd_documents_purge(args: argparse.Namespace) -> None:
    from finestreta.context import build_context

    settings = _settings()
    _database(settings).dispose()  # refuses a missing database instead of creating one
    ctx = build_context(settings)
    count = ctx.devices.purge_expired()
    print(f"{count} documents past retention deleted")


def cmd_padro_import(args: argparse.Namespace) -> None:
    from pathlib import Path

    from finestreta.padro.importer import format_report, import_csv

    path = Path(args.file)
    if not path.is_file():
        _fail(f"no such file: {path}")
    db = _database(_settings())
    with db.session() as session:
        report = import_csv(session, path)
    print(format_report(report))
    if not report.ok:
        raise SystemExit(1)


def cmd_streets_import(args: argparse.Namespace) -> None:
    from pathlib import Path

    from finestreta.streets.importer import format_report, import_csv

    path = Path(args.file)
    if not path.is_file():
        _fail(f"no such file: {path}")
    with _database(_settings()).session() as session:
        report = import_csv(session, path)
    print(format_report(report))
    if not report.ok:
        raise SystemExit(1)


def cmd_catalogue_import(args: argparse.Namespace) -> None:
    from pathlib import Path

    from finestreta.catalogue.importer import format_report, import_file

    path = Path(args.file)
    if not path.is_file():
        _fail(f"no such file: {path}")
    with _database(_settings()).session() as session:
        report = import_file(session, path, prune=args.prune)
    print(format_report(report))
    if not report.ok:
        raise SystemExit(1)


def cmd_seal_init(args: argparse.Namespace) -> None:
    from pathlib import Path

    from finestreta.documents.seal import SealError, init_seal

    settings = _settings()
    password = settings.seal_password.get_secret_value()
    if not password:
        if not sys.stdin.isatty():
            _fail("set FINESTRETA_SEAL_PASSWORD (the password is never read from arguments)")
        import getpass

        password = getpass.getpass("Seal password: ")
    path = Path(args.output or settings.seal_pkcs12 or (settings.var_dir / "seal.p12"))
    try:
        info = init_seal(path, password, settings.city_name, overwrite=args.overwrite)
    except (SealError, FileExistsError, ValueError) as exc:
        _fail(str(exc))
    print(f"self-signed demo seal written to {path} (mode 0600)")
    print(f"  subject:   {info.subject}")
    print(f"  valid to:  {info.not_after}")
    print(f"  SHA-256:   {info.sha256}")
    print(f"set FINESTRETA_SEAL_PKCS12={path} to use it")


def cmd_payments_sandbox(args: argparse.Namespace) -> None:
    """The sandbox gateway on its own (its origin: --host and --port)."""
    import uvicorn

    from finestreta.web.sandbox_gateway import create_sandbox_app, merchant_origins

    settings = _settings()
    from finestreta import logs

    logs.configure(settings.log_level, _secret_patterns(settings), settings.log_format)
    origin = f"http://{args.host}:{args.port}"
    merchants = merchant_origins(settings.public_url, settings.payments_sandbox_merchants)
    if not merchants:
        _fail("set FINESTRETA_PUBLIC_URL or FINESTRETA_PAYMENTS_SANDBOX_MERCHANTS: the sandbox "
              "serves only the merchants it knows")  # fmt: skip
    app = create_sandbox_app(
        origin=origin,
        merchants=merchants,
        merchant_name=settings.city_council or f"Ajuntament de {settings.city_name}",
    )
    print(f"sandbox gateway at {origin} for {', '.join(merchants)}", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        proxy_headers=False,
    )


def _payment_desk(settings: Settings):  # type: ignore[no-untyped-def]
    from finestreta.clock import SYSTEM_CLOCK
    from finestreta.context import PaymentOwners
    from finestreta.payments.desk import PaymentDesk
    from finestreta.payments.gateways import gateway_for

    db = _database(settings)
    return PaymentDesk(db, settings, SYSTEM_CLOCK, gateway_for(settings), PaymentOwners({}))


def cmd_payments_reconcile(args: argparse.Namespace) -> None:
    """The orders of a period by state, and their CSV for the treasury."""
    from datetime import date
    from pathlib import Path

    from finestreta.payments.money import Cents, euros_text
    from finestreta.payments.reconcile import summary, write_csv

    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError:
        _fail("--from and --to are dates, YYYY-MM-DD")
    if end < start:
        _fail("--to is before --from")
    settings = _settings()
    desk = _payment_desk(settings)
    orders = desk.reconcile(start, end)
    desk.db.dispose()
    if args.csv:
        with Path(args.csv).open("w", encoding="utf-8", newline="") as out:
            write_csv(orders, out, settings.city_timezone)
    elif args.csv is None and not args.quiet:
        write_csv(orders, sys.stdout, settings.city_timezone)
    stream = sys.stderr if not args.csv else sys.stdout
    print(f"{len(orders)} orders from {start} to {end}", file=stream)
    for state, (count, amount) in sorted(summary(orders).items()):
        print(f"  {state:<10} {count:>6}  {euros_text(Cents(amount)):>14} EUR", file=stream)


def cmd_payments_post_pending(args: argparse.Namespace) -> None:
    """Offer paid orders their procedure has not posted yet to it again (the server does it
    every half minute too)."""
    from finestreta.context import build_context

    settings = _settings()
    _database(settings).dispose()  # refuses a missing database instead of creating one
    ctx = build_context(settings)  # the procedures, set up: they post
    posted = ctx.payments.post_pending()
    ctx.db.dispose()
    print(f"{len(posted)} paid orders posted")
    for order in posted:
        print(f"  {order.number} ({order.owner})")


def _figure(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        _fail(f"{option} takes a number, got {text!r}")
    if not math.isfinite(value):
        _fail(f"{option} takes a finite number, got {text!r}")
    return value


def _whole(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        _fail(f"{option} takes a whole number, got {text!r}")


def cmd_plan_staffing(args: argparse.Namespace) -> None:
    """The clerks an hour needs (Erlang C, or Erlang A with --patience-seconds) and what the
    counts around it give (docs/staffing.md)."""
    import json

    from finestreta.supervision import staffing

    if args.date_from or args.date_to:  # the week, from observed data
        from finestreta.supervision.commands import cmd_plan_week

        return cmd_plan_week(args)
    if args.calls_per_hour is None or args.aht_seconds is None:
        _fail("give --calls-per-hour and --aht-seconds, or --from and --to (observed data)")
    if args.model == "erlang-a" and args.patience_seconds is None:
        _fail("typed-in figures use Erlang A with --patience-seconds")
    if args.model == "erlang-c" and args.patience_seconds is not None:
        _fail("--patience-seconds means Erlang A: not with --model erlang-c")
    calls = _figure(args.calls_per_hour, "--calls-per-hour")
    aht = _figure(args.aht_seconds, "--aht-seconds")
    target = _figure(args.target_sl, "--target-sl")
    within = _figure(args.answer_within, "--answer-within")
    occupancy = (
        None if args.max_occupancy is None else _figure(args.max_occupancy, "--max-occupancy")
    )
    patience = (
        None
        if args.patience_seconds is None
        else _figure(args.patience_seconds, "--patience-seconds")
    )
    booths = None if args.booths is None else _whole(args.booths, "--booths")
    around = _whole(args.around, "--around")
    if not 0 <= around <= 50:
        _fail(f"--around takes 0 to 50 counts, got {around}")
    result = staffing.plan(calls, aht, target, within, occupancy, patience, around, booths)
    model = (
        "finite_source" if booths is not None else "erlang_c" if patience is None else "erlang_a"
    )
    traffic = staffing.traffic_erlangs(calls, aht)
    if args.json:

        def finite(value: float) -> float | None:
            return value if math.isfinite(value) else None

        rows = [
            {
                "agents": row.agents,
                "service_level": row.service_level,
                "asa_seconds": finite(row.asa_seconds),
                "occupancy": row.occupancy,
                "p_wait": row.p_wait,
                "p_abandon": row.p_abandon,
            }
            for row in result.rows
        ]
        figures = {
            "model": model,
            "calls_per_hour": calls,
            "aht_seconds": aht,
            "target_sl": target,
            "answer_within_s": within,
            "max_occupancy": occupancy,
            "patience_seconds": patience,
            "booths": booths,
            "traffic_erlangs": traffic,
            "agents_needed": result.needed,
            "rows": rows,
        }
        print(json.dumps(figures, indent=2))
        return
    name = "Erlang C" if patience is None else f"Erlang A (mean patience {patience:g} s)"
    if booths is not None:
        name = f"Finite source ({booths} booths)"
    print(f"{name}: {calls:g} calls/h x {aht:g} s = {traffic:.2f} erlangs offered")
    limit = "" if occupancy is None else f", occupancy at most {occupancy:.0%}"
    print(f"target: {target:.0%} answered within {within:g} s{limit}")
    print(f"agents needed: {result.needed}")
    if not result.rows:
        return
    abandon = patience is not None
    print()
    print(
        f"  {'agents':>6}  {'service level':>13}  {'ASA (s)':>8}  {'occupancy':>9}  {'P(wait)':>7}"
        + (f"  {'abandon':>7}" if abandon else "")
    )
    for row in result.rows:
        asa = f"{row.asa_seconds:8.1f}" if math.isfinite(row.asa_seconds) else f"{'-':>8}"
        mark = "*" if row.agents == result.needed else " "
        print(
            f"{mark} {row.agents:>6}  {row.service_level:>13.1%}  {asa}  {row.occupancy:>9.1%}"
            f"  {row.p_wait:>7.1%}" + (f"  {row.p_abandon:>7.1%}" if abandon else "")
        )


def cmd_protocol_schema(args: argparse.Namespace) -> None:
    """The JSON Schema of every frame, the installed procedures' included
    (``docs/protocol.schema.json`` is its committed copy)."""
    from finestreta.realtime import frames as f
    from finestreta.realtime.schema import frames_schema_json

    procedures = _procedures(_settings())
    frames = f.FrameSet(
        [*f.PLATFORM_INBOUND, *(model for p in procedures for model in p.inbound_frames)],
        [*f.PLATFORM_OUTBOUND, *(model for p in procedures for model in p.outbound_frames)],
    )
    sys.stdout.write(frames_schema_json(frames))


def _procedures(settings: Settings) -> list[Any]:
    from finestreta.errors import FinestretaError
    from finestreta.procedures import registry

    try:
        return registry.load(settings.procedures)
    except FinestretaError as exc:
        _fail(f"FINESTRETA_PROCEDURES: {exc.message}")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def build_parser(procedures: Sequence[Any] | None = None) -> argparse.ArgumentParser:
    """The command line: the platform's commands and those of ``procedures``."""
    parser = argparse.ArgumentParser(prog="finestreta", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    for name, helptext in (
        ("serve", "run the server"),
        ("demo", "run the server with a demo database and seeded data"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default=None)
        p.add_argument("--port", type=int, default=None)
        p.add_argument("--no-migrate", action="store_true", help="do not upgrade the schema first")
        if name == "demo":
            p.add_argument("--reset", action="store_true", help="start from a fresh demo database")
            p.set_defaults(func=lambda a: cmd_serve(a, demo=True))
        else:
            p.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="upgrade to the newest schema").set_defaults(func=cmd_db_upgrade)

    user = sub.add_parser("user", help="staff accounts").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser(
        "add",
        help="add a staff user (password from --password, "
        "FINESTRETA_NEW_PASSWORD, stdin or a prompt)",
    )
    add.add_argument("username")
    add.add_argument(
        "--role", default="clerk", help="clerk, supervisor, admin, or a role a procedure adds"
    )
    add.add_argument("--name", help="display name")
    add.add_argument("--password")
    add.add_argument("--languages", default="ca,es", help="e.g. ca,es,en")
    add.add_argument(
        "--topics", default="general", help="e.g. general,census,taxes,works,complaints"
    )
    add.add_argument("--locale", choices=("ca", "es"), default="ca", help="console language")
    add.add_argument(
        "--habilitated",
        action="store_true",
        help="in the register of habilitated officials: may record a citizen's oral consent",
    )
    add.set_defaults(func=cmd_user_add)
    habilitate = user.add_parser(
        "habilitate",
        help="enter a staff user in the register of habilitated officials (or --revoke)",
    )
    habilitate.add_argument("username")
    habilitate.add_argument("--revoke", action="store_true", help="take the user out of it")
    habilitate.set_defaults(func=cmd_user_habilitate)

    kiosk = sub.add_parser("kiosk", help="booths").add_subparsers(
        dest="kiosk_command", required=True
    )
    kadd = kiosk.add_parser("add", help="register a booth and print its device secret once")
    kadd.add_argument("code")
    kadd.add_argument("--name")
    kadd.add_argument("--site", required=True)
    kadd.set_defaults(func=cmd_kiosk_add)
    for verb, enabled in (("enable", True), ("disable", False)):
        k = kiosk.add_parser(
            verb, help=f"{verb} a booth" + ("" if enabled else " (closes its sockets)")
        )
        k.add_argument("code")
        k.set_defaults(func=lambda a, e=enabled: cmd_kiosk_enable(a, e))

    agent = sub.add_parser("kiosk-agent", help="run the booth's device agent (printer, scanner)")
    agent.add_argument("--config", required=True, help="TOML file, see docs/kiosk-setup.md")
    agent.set_defaults(func=cmd_kiosk_agent)

    documents = sub.add_parser("documents", help="stored documents").add_subparsers(
        dest="documents_command", required=True
    )
    documents.add_parser("purge", help="delete files past their retention period").set_defaults(
        func=cmd_documents_purge
    )

    padro = sub.add_parser("padro", help="the population register").add_subparsers(
        dest="padro_command", required=True
    )
    pimport = padro.add_parser("import", help="import residents from a CSV file (docs/padro.md)")
    pimport.add_argument("file")
    pimport.set_defaults(func=cmd_padro_import)

    streets = sub.add_parser("streets", help="the street register").add_subparsers(
        dest="streets_command", required=True
    )
    simport = streets.add_parser(
        "import", help="import addresses from a CSV file (docs/streets.md)"
    )
    simport.add_argument("file")
    simport.set_defaults(func=cmd_streets_import)

    catalogue = sub.add_parser("catalogue", help="the information catalogue").add_subparsers(
        dest="catalogue_command", required=True
    )
    cimport = catalogue.add_parser(
        "import", help="import entries from a JSON file (docs/catalogue.md)"
    )
    cimport.add_argument("file")
    cimport.add_argument("--prune", action="store_true", help="remove entries not in the file")
    cimport.set_defaults(func=cmd_catalogue_import)

    seal = sub.add_parser("seal", help="the city's electronic seal").add_subparsers(
        dest="seal_command", required=True
    )
    sinit = seal.add_parser("init", help="create a self-signed seal for demos (PKCS#12)")
    sinit.add_argument(
        "--output", help="file to write (default: FINESTRETA_SEAL_PKCS12 or var/seal.p12)"
    )
    sinit.add_argument("--overwrite", action="store_true")
    sinit.set_defaults(func=cmd_seal_init)

    audit = sub.add_parser("audit", help="audit trails").add_subparsers(
        dest="audit_command", required=True
    )
    alookups = audit.add_parser(
        "lookups", help="look-ups in the population register, as CSV (who, when, whom, why)"
    )
    alookups.add_argument("--since", help="first day, YYYY-MM-DD (UTC)")
    alookups.add_argument("--until", help="last day, YYYY-MM-DD (UTC)")
    alookups.add_argument("--clerk", help="only this staff user")
    alookups.add_argument("--document", help="only look-ups of this ID number")
    alookups.set_defaults(func=cmd_audit_lookups)

    payments = sub.add_parser("payments", help="card payments").add_subparsers(
        dest="payments_command", required=True
    )
    psandbox = payments.add_parser(
        "sandbox", help="run the sandbox gateway (Redsys's protocol, offline; docs/payments.md)"
    )
    psandbox.add_argument("--host", default="127.0.0.1")
    psandbox.add_argument("--port", type=int, default=8001)
    psandbox.set_defaults(func=cmd_payments_sandbox)
    preconcile = payments.add_parser(
        "reconcile", help="the orders of a period by state; CSV on stdout or to --csv FILE"
    )
    preconcile.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    preconcile.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
    preconcile.add_argument("--csv", help="write the CSV to this file")
    preconcile.add_argument("--quiet", action="store_true", help="only the totals")
    preconcile.set_defaults(func=cmd_payments_reconcile)
    payments.add_parser(
        "post-pending", help="offer paid orders not posted yet to their procedure again"
    ).set_defaults(func=cmd_payments_post_pending)

    protocol = sub.add_parser("protocol", help="the WebSocket protocol").add_subparsers(
        dest="protocol_command", required=True
    )
    protocol.add_parser(
        "schema", help="print the JSON Schema of every frame (docs/protocol.schema.json)"
    ).set_defaults(func=cmd_protocol_schema)

    plan = sub.add_parser("plan", help="planning figures").add_subparsers(
        dest="plan_command", required=True
    )
    pstaffing = plan.add_parser(
        "staffing",
        help="clerks needed for a service level: Erlang C, or Erlang A with --patience-seconds "
        "(docs/staffing.md)",
    )
    pstaffing.add_argument("--calls-per-hour", help="arrivals in the hour")
    pstaffing.add_argument("--aht-seconds", help="average handle time")
    pstaffing.add_argument("--from", dest="date_from", help="plan the week from observed data")
    pstaffing.add_argument("--to", dest="date_to", help="last day observed (included)")
    pstaffing.add_argument(
        "--model", choices=("erlang-c", "erlang-a"), default=None, help="with --from (erlang-c)"
    )
    pstaffing.add_argument(
        "--target-sl", default="0.8", help="share to answer in time, 0 to 1 (default 0.8)"
    )
    pstaffing.add_argument(
        "--answer-within", default="20", help="seconds, the service level's threshold (20)"
    )
    pstaffing.add_argument("--max-occupancy", help="at most this share of a clerk's time")
    pstaffing.add_argument(
        "--patience-seconds", help="citizens' mean patience: use Erlang A, with abandonment"
    )
    pstaffing.add_argument(
        "--booths",
        help="the booths calling: a waiting citizen occupies one (finite source, no Erlang C)",
    )
    pstaffing.add_argument(
        "--around", default="3", help="agent counts shown either side (default 3)"
    )
    pstaffing.add_argument("--json", action="store_true", help="machine-readable output")
    pstaffing.set_defaults(func=cmd_plan_staffing)

    from finestreta.supervision.simulation.command import add_parser as add_simulate

    add_simulate(sub)

    from finestreta.supervision.commands import add_report_commands

    add_report_commands(sub)

    hours = sub.add_parser("hours", help="the office's opening hours").add_subparsers(
        dest="hours_command", required=True
    )
    hset = hours.add_parser("set", help='e.g. "mon-fri 08:30-14:00,16:00-19:00; sat 09:00-13:00"')
    hset.add_argument("spec")
    hset.add_argument("--closed", default="", help="closed days, ISO dates, comma-separated")
    hset.add_argument("--timezone", default="Europe/Madrid")
    hset.set_defaults(func=cmd_hours_set)
    for procedure in procedures or ():
        procedure.add_commands(sub)
    return parser


def _installed_procedures() -> list[Any]:
    """The procedures whose commands the command line offers (none when the settings or a
    procedure cannot be loaded: the command then says why when it runs)."""
    from pydantic import ValidationError

    from finestreta.errors import FinestretaError
    from finestreta.procedures import registry

    try:
        return registry.load(Settings().procedures)
    except (ValidationError, FinestretaError):
        return []


def main(argv: Sequence[str] | None = None) -> None:
    # pyHanko imports cryptography's deprecated DSA key class (we seal with EC or RSA only):
    # the warning would greet every operator at start-up for nothing they can change.
    warnings.filterwarnings(
        "ignore", message="DSA is deprecated", module="pyhanko.sign.signers.pdf_cms"
    )
    args = build_parser(_installed_procedures()).parse_args(argv)
    try:
        args.func(args)
    except KeyboardInterrupt:
        pass
    except SystemExit:
        raise
    except Exception as exc:  # a clear line, not a traceback, for what we did not foresee
        from sqlalchemy.exc import OperationalError

        from finestreta.errors import FinestretaError

        if isinstance(exc, OperationalError):
            url = _shown(Settings().database_url)
            _fail(f"database error in {url}: {exc.orig}")
        if isinstance(exc, FinestretaError):
            _fail(exc.message)
        _fail(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
