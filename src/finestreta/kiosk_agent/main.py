"""Entry point: ``run(["--config", FILE])`` returns the exit status.

Exit statuses: 0 stopped on request (SIGTERM/SIGINT), 1 ``--check`` found a problem, 2 bad
command line or configuration (one line on stderr, never a traceback), 3 the server refused this
booth (unknown code, wrong or revoked secret, booth disabled) so retrying is pointless.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from finestreta import __version__
from finestreta.kiosk_agent.config import (
    AgentConfig,
    ConfigError,
    load_config,
    loose_permissions,
    prepare_spool,
)

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3
PROG = "finestreta kiosk-agent"
log = logging.getLogger("finestreta.kiosk_agent")


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Run a booth's print and scan jobs for the Finestreta server.",
    )
    parser.add_argument("--config", required=True, type=Path, help="the agent's TOML file")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check the configuration, the server, the printer and the scanner, then exit",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def setup_logging(level: str) -> None:
    # Under systemd, journald stamps the time itself.
    stamp = "" if os.environ.get("JOURNAL_STREAM") else "%(asctime)s "
    logging.basicConfig(
        level=level.upper(),
        format=stamp + "%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    from finestreta.kiosk_agent.agent import keep_secret_out_of_logs

    keep_secret_out_of_logs()


def run(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(list(argv) if argv is not None else None)
    except _UsageError as exc:
        print(f"{PROG}: {exc} (see --help)", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    try:
        config = load_config(args.config)
        prepare_spool(config)
    except ConfigError as exc:
        print(f"{PROG}: bad configuration: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(config.log_level)
    for loose in loose_permissions(config, args.config):
        log.warning("the secret is in %s, which other users can read: chmod 600 it", loose)
    if args.check:
        return asyncio.run(check(config))
    try:
        return asyncio.run(_serve(config))
    except ConfigError as exc:
        print(f"{PROG}: bad configuration: {exc}", file=sys.stderr)
        return EXIT_USAGE


async def _serve(config: AgentConfig) -> int:
    from finestreta.kiosk_agent.agent import Agent
    from finestreta.kiosk_agent.journal import Journal

    try:
        journal = Journal(config.journal_path)
    except OSError as exc:
        raise ConfigError(
            f"spool_dir: cannot use the journal {config.journal_path}: {exc.strerror or exc}"
        ) from None
    agent = Agent(config, journal=journal)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stopping, agent, sig)
    log.info(
        "kiosk agent %s for booth %s: server %s, printer %s, scanner %s",
        __version__,
        config.kiosk_code,
        config.server_url,
        config.printer_uri,
        config.scanner_device,
    )
    try:
        return await agent.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def _stopping(agent: object, sig: signal.Signals) -> None:
    from finestreta.kiosk_agent.agent import Agent

    assert isinstance(agent, Agent)
    log.info("%s: stopping", sig.name)
    agent.stop()


async def check(config: AgentConfig) -> int:
    """Try everything once and say what works: for whoever installs the booth."""
    from finestreta.kiosk_agent.printer import IppPrinter
    from finestreta.kiosk_agent.scanner import SaneScanner, describe_options
    from finestreta.kiosk_agent.server import ServerClient

    ok = True
    server = ServerClient(
        config.server_url,
        config.authorization,
        ca_file=str(config.server_ca_file) if config.server_ca_file else None,
        attempts=1,
    )
    try:
        good, message = await server.check_credentials()
    finally:
        await server.aclose()
    ok &= good
    print(f"server   {'ok  ' if good else 'FAIL'} {config.server_url}: {message}")

    printer = await IppPrinter(config.printer_uri).status()
    blocked = printer.blocking_reason()
    good = blocked is None
    ok &= good
    what = (
        blocked[1] if blocked else f"{printer.state}, accepts {', '.join(printer.formats) or '?'}"
    )
    print(f"printer  {'ok  ' if good else 'FAIL'} {config.printer_uri}: {what}")
    if good and "application/pdf" not in printer.formats:
        print("         warning: the printer does not list application/pdf among its formats")

    scanner = SaneScanner(
        config.scanner_device, sane_config_dir=config.sane_config_dir, work_dir=config.spool_dir
    )
    status = await scanner.probe()
    ok &= status.present
    what = f"options {describe_options(scanner.options)}" if status.present else status.error
    print(f"scanner  {'ok  ' if status.present else 'FAIL'} {config.scanner_device}: {what}")
    return EXIT_OK if ok else EXIT_CHECK_FAILED
