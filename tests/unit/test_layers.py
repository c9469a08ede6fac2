"""The layers hold, checked by import-linter on the real import graph:

* the platform imports no procedure package (it knows procedures only through the seam:
  ``procedures/base.py``, ``platform.py``, ``registry.py`` and the other modules beside them);
* no procedure imports another;
* the hub and the protocol know nothing of devices or procedures (they subscribe and route);
* the domain (attention, the registers, documents, identity, accounts, payments,
  signatures) knows
  nothing of the web, the sockets, the devices or the procedures.

The contracts are written from the installed procedures each run, so a new procedure is
covered without touching this file.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import finestreta
from finestreta.procedures import registry

DOMAIN = (
    "finestreta.attention",
    "finestreta.padro",
    "finestreta.streets",
    "finestreta.registry",
    "finestreta.catalogue",
    "finestreta.documents",
    "finestreta.identity",
    "finestreta.accounts",
    "finestreta.payments",
    "finestreta.signatures",
)


def _lines(names: list[str] | tuple[str, ...]) -> str:
    return "".join(f"\n    {name}" for name in names)


def contracts() -> str:
    procedures = sorted(
        f"finestreta.procedures.{p.name}"
        for p in registry.load()
        if type(p).__module__.startswith("finestreta.procedures.")
    )
    top = [
        f"finestreta.{m.name}"
        for m in pkgutil.iter_modules(finestreta.__path__)
        if m.name != "procedures"
    ]
    seam = [
        f"finestreta.procedures.{m.name}"
        for m in pkgutil.iter_modules([str(Path(finestreta.__file__).parent / "procedures")])
        if not m.ispkg
    ]
    return f"""
[importlinter]
root_package = finestreta
include_external_packages = True

[importlinter:contract:platform]
name = The platform imports no procedure package
type = forbidden
source_modules ={_lines(top + seam)}
forbidden_modules ={_lines(procedures)}

[importlinter:contract:independent]
name = No procedure imports another
type = independence
modules ={_lines(procedures)}

[importlinter:contract:hub]
name = The hub and the protocol know nothing of devices or procedures
type = forbidden
source_modules ={_lines(["finestreta.realtime.hub", "finestreta.realtime.frames", "finestreta.realtime.ports", "finestreta.realtime.connections"])}
forbidden_modules ={_lines(["finestreta.devices", "finestreta.procedures", "finestreta.web"])}

[importlinter:contract:domain]
name = The domain knows nothing of the web, the sockets, the devices or the procedures
type = forbidden
source_modules ={_lines(DOMAIN)}
forbidden_modules ={_lines(["finestreta.web", "finestreta.realtime", "finestreta.devices", "finestreta.procedures", "fastapi", "starlette"])}
"""


def test_the_layers_hold(tmp_path: Path) -> None:
    config = tmp_path / "importlinter.ini"
    config.write_text(contracts(), encoding="utf-8")
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), str(config), "--no-cache", "--no-logo"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout, result.stdout
