"""Which procedures a server runs, and loading them.

Every installed package that declares an entry point in the ``finestreta.procedures`` group
is a procedure (the built-in ones are declared in Finestreta's own ``pyproject.toml``, exactly
as a city's package would). ``FINESTRETA_PROCEDURES`` chooses: empty for all installed ones, or
a comma-separated list of entry-point names and ``package.module:attribute`` specs (a city's
procedure that is not packaged, or one of the test suite's).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib.metadata import entry_points

from finestreta.errors import N_, InvalidInput, declare
from finestreta.procedures.base import NAME, Procedure, Topic

GROUP = "finestreta.procedures"

BAD_PROCEDURE = declare(
    "bad_procedure", InvalidInput, N_("A procedure named in the configuration cannot be loaded.")
)


def installed() -> dict[str, str]:
    """Entry-point name → ``module:attribute`` of every installed procedure."""
    return {point.name: point.value for point in entry_points(group=GROUP)}


def _load(spec: str) -> Procedure:
    module_name, _, attribute = spec.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attribute or "procedure")
    except (ImportError, AttributeError) as exc:
        raise BAD_PROCEDURE(f"procedure {spec!r} cannot be loaded: {exc}") from None
    procedure = target() if isinstance(target, type) else target
    if not isinstance(procedure, Procedure):
        raise BAD_PROCEDURE(f"{spec!r} is not a Procedure")
    if not NAME.match(procedure.name):
        raise BAD_PROCEDURE(f"{spec!r} has no valid name (lower-case letters, digits, _)")
    return procedure


def topics(procedures: Iterable[Procedure]) -> dict[str, tuple[Topic, Procedure]]:
    """Every topic the procedures offer, in their order (a topic declared twice: the first)."""
    found: dict[str, tuple[Topic, Procedure]] = {}
    for procedure in procedures:
        for code, topic in procedure.topics.items():
            found.setdefault(code, (topic, procedure))
    return dict(sorted(found.items(), key=lambda item: (item[1][0].order, item[0])))


def load(choice: Iterable[str] = ()) -> list[Procedure]:
    """The procedures ``choice`` names (all installed ones when empty), each once, in order."""
    available = installed()
    specs = [name.strip() for name in choice if name.strip()] or sorted(available)
    procedures: dict[str, Procedure] = {}
    for spec in specs:
        if ":" not in spec and spec not in available:
            known = ", ".join(sorted(available)) or "none"
            raise BAD_PROCEDURE(f"no procedure {spec!r} is installed (installed: {known})")
        procedure = _load(available.get(spec, spec))
        if procedure.name in procedures:
            raise BAD_PROCEDURE(f"two procedures are named {procedure.name!r}")
        procedures[procedure.name] = procedure
    return list(procedures.values())
