"""docs/protocol.md and the code cannot drift apart.

* every frame type in the ``*_INBOUND`` / ``*_OUTBOUND`` tuples of ``realtime/frames.py`` has a
  row in the table of its party and direction, and the tables list nothing else;
* the inbound tuples are exactly what the validators accept;
* the server code builds no frame ``type`` that the outbound tuples do not declare (and each
  declared type is built somewhere);
* the protocol version, the error codes, the close codes and the limits are documented.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, get_args

import pytest

from finestreta.config import Settings
from finestreta.realtime import connections
from finestreta.realtime import frames as f

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "protocol.md"
SRC = ROOT / "src" / "finestreta"
REALTIME = SRC / "realtime"

TUPLE_NAME = re.compile(r"^([A-Z]+)_(INBOUND|OUTBOUND)$")
SECTION = re.compile(r"^### (\w+) (inbound|outbound)\b", re.IGNORECASE)
ROW_TYPE = re.compile(r"^\|\s*`([a-z_]+)`\s*\|")
TYPE_LITERAL = re.compile(r"""["']type["']\s*:\s*["']([a-z_]+)["']""")


def declared() -> dict[tuple[str, str], tuple[str, ...]]:
    """(party, direction) → frame types, from every ``PARTY_DIRECTION`` tuple in frames.py."""
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for name, value in vars(f).items():
        match = TUPLE_NAME.match(name)
        if match and isinstance(value, tuple):
            found[(match[1].lower(), match[2].lower())] = value
    return found


DECLARED = declared()


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def doc_sections() -> dict[tuple[str, str], list[str]]:
    """(party, direction) → the frame types in the first column of that section's table."""
    sections: dict[tuple[str, str], list[str]] = {}
    current: list[str] | None = None
    for line in doc_text().splitlines():
        if line.startswith("#"):
            match = SECTION.match(line)
            current = None
            if match:
                current = sections.setdefault((match[1].lower(), match[2].lower()), [])
            continue
        row = ROW_TYPE.match(line)
        if current is not None and row:
            current.append(row[1])
    return sections


def doc_table_after(heading: str) -> list[str]:
    """The code-span first column of the table under the ``## heading`` section."""
    rows: list[str] = []
    inside = False
    for line in doc_text().splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == heading
            continue
        row = re.match(r"^\|\s*`?([\w]+)`?\s*\|", line)
        if inside and row:
            rows.append(row[1])
    return rows


def sources(directory: Path) -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.py"))}


def sent_types() -> dict[str, set[Path]]:
    """Every ``"type": "…"`` literal the realtime package builds, and where."""
    found: dict[str, set[Path]] = {}
    for path, text in sources(REALTIME).items():
        for name in TYPE_LITERAL.findall(text):
            found.setdefault(name, set()).add(path)
    return found


# ------------------------------------------------------------------------------ frame tables


def test_the_kiosk_and_console_tuples_are_found() -> None:
    for key in (("kiosk", "inbound"), ("kiosk", "outbound"), ("console", "inbound")):
        assert key in DECLARED
    assert ("console", "outbound") in DECLARED
    assert all(DECLARED.values())


@pytest.mark.parametrize(("party", "direction"), sorted(DECLARED))
def test_every_frame_type_is_in_its_table(party: str, direction: str) -> None:
    sections = doc_sections()
    assert (party, direction) in sections, (
        f"docs/protocol.md has no '### {party.title()} {direction} …' section"
    )
    documented = sections[(party, direction)]
    expected = DECLARED[(party, direction)]
    missing = sorted(set(expected) - set(documented))
    extra = sorted(set(documented) - set(expected))
    assert not missing, f"{party} {direction} frames missing from docs/protocol.md: {missing}"
    assert not extra, f"{party} {direction} frames documented but not declared: {extra}"
    assert len(documented) == len(set(documented)), f"duplicate rows in {party} {direction}"


def test_no_section_without_its_tuple() -> None:
    stale = sorted(set(doc_sections()) - set(DECLARED))
    assert not stale, f"docs/protocol.md documents parties/directions frames.py lacks: {stale}"


@pytest.mark.parametrize(
    "party", sorted({party for party, direction in DECLARED if direction == "inbound"})
)
def test_inbound_tuples_are_what_the_validators_accept(party: str) -> None:
    union = getattr(f, f"{party.title()}Frame")  # Annotated[A | B | …, Field(discriminator)]
    models = get_args(get_args(union)[0])
    accepted = {get_args(model.model_fields["type"].annotation)[0] for model in models}
    assert accepted == set(DECLARED[(party, "inbound")])


# ------------------------------------------------------------------------------ what is sent


def test_the_server_sends_only_declared_frame_types() -> None:
    outbound = {
        name
        for (_, direction), names in DECLARED.items()
        if direction == "outbound"
        for name in names
    }
    undeclared = {
        name: sorted(p.name for p in paths)
        for name, paths in sent_types().items()
        if name not in outbound
    }
    assert not undeclared, f"frames built but not in any *_OUTBOUND tuple: {undeclared}"


def test_the_hub_sends_only_kiosk_and_console_frames() -> None:
    allowed = set(DECLARED[("kiosk", "outbound")]) | set(DECLARED[("console", "outbound")])
    built = set(TYPE_LITERAL.findall((REALTIME / "hub.py").read_text(encoding="utf-8")))
    assert built, "no frame literals found in hub.py: has the code changed shape?"
    assert built <= allowed, sorted(built - allowed)


def _addressed_frames() -> dict[str, set[str]]:
    """Frame literals passed straight to a party: ``send_to_kiosk(id, {"type": …})`` etc."""
    to_party = {
        "send_to_kiosk": "kiosk",
        "_to_kiosk": "kiosk",
        "send_to_clerk": "console",
        "_to_clerk": "console",
    }
    found: dict[str, set[str]] = {"kiosk": set(), "console": set()}
    for path in REALTIME.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            party = to_party.get(node.func.attr)
            if party is None:
                continue
            for arg in node.args:
                if not isinstance(arg, ast.Dict):
                    continue
                for key, value in zip(arg.keys, arg.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "type"
                        and isinstance(value, ast.Constant)
                    ):
                        found[party].add(str(value.value))
    return found


def test_frames_addressed_to_a_party_are_declared_for_that_party() -> None:
    found = _addressed_frames()
    assert found["kiosk"] and found["console"], "no addressed frames found: code changed shape?"
    for party, names in found.items():
        wrong = sorted(names - set(DECLARED[(party, "outbound")]))
        assert not wrong, f"sent to the {party} but not in {party.upper()}_OUTBOUND: {wrong}"


def test_every_declared_outbound_type_is_built_somewhere() -> None:
    built = set(sent_types())
    for (party, direction), names in DECLARED.items():
        if direction == "outbound":
            unused = sorted(set(names) - built)
            assert not unused, f"{party.upper()}_OUTBOUND declares frames never built: {unused}"


# ------------------------------------------------------------------------------ the rest


def test_protocol_version_is_documented() -> None:
    match = re.search(r"Protocol version: \*\*(\d+)\*\*", doc_text())
    assert match, "docs/protocol.md must state 'Protocol version: **N**'"
    assert int(match[1]) == f.PROTOCOL_VERSION


def _error_codes_in_code() -> set[str]:
    codes: set[str] = set()
    patterns = (
        re.compile(r"\bf\.error\(\s*\"([a-z_]+)\""),
        re.compile(r"\bAttentionError\(\s*\"([a-z_]+)\""),
    )
    for directory in (REALTIME, SRC / "attention"):
        for text in sources(directory).values():
            for pattern in patterns:
                codes.update(pattern.findall(text))
    # Chosen by expression in endpoints._parse rather than passed as a literal.
    endpoints = (REALTIME / "endpoints.py").read_text(encoding="utf-8")
    codes.update(c for c in ("unknown_type", "invalid") if f'"{c}"' in endpoints)
    return codes


def test_every_error_code_is_documented() -> None:
    in_code = _error_codes_in_code()
    assert {"bad_json", "bad_frame", "unknown_type", "invalid", "rate_limited"} <= in_code
    documented = set(doc_table_after("Errors"))
    missing = sorted(in_code - documented)
    stale = sorted(documented - in_code - {"Code"})
    assert not missing, f"error codes missing from docs/protocol.md: {missing}"
    assert not stale, f"error codes documented but never sent: {stale}"


def test_every_close_code_is_documented() -> None:
    used: set[int] = set()
    for text in sources(REALTIME).values():
        used.update(int(c) for c in re.findall(r"\.close\(\s*(\d{4})", text))
        used.update(int(c) for c in re.findall(r"^CLOSE_\w+ = (\d{4})", text, re.MULTILINE))
    assert {4401, 4403, 4409, 4000, 1008} <= used
    documented = {int(c) for c in doc_table_after("Close codes") if c.isdigit()}
    assert used <= documented, sorted(used - documented)


def test_limits_and_heartbeat_are_documented_with_their_defaults() -> None:
    text = doc_text()
    lines = text.splitlines()

    def default(name: str) -> Any:
        return Settings.model_fields[name].default

    for name in ("max_frame_bytes", "frame_burst", "frames_per_second", "heartbeat_seconds"):
        env = f"FINESTRETA_{name.upper()}"
        rows = [line for line in lines if env in line]
        assert rows, f"{env} is not mentioned in docs/protocol.md"
        value = re.compile(rf"[(\s]{re.escape(format(default(name), 'g'))}\b")
        assert any(value.search(row) for row in rows), (
            f"{env}'s default {default(name):g} is not stated next to it"
        )
    assert f"{connections.MAX_PENDING} frames" in text
    assert "3 × heartbeat_s" in text
    assert "at most one** `rate_limited` error per second" in text
