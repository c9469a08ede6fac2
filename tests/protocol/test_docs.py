"""docs/protocol.md and the code cannot drift apart.

* every frame type each party sends and receives (the platform's and the installed procedures',
  as the server builds them) has a row in that party's inbound or outbound table, the tables list
  nothing else, and every field of the frame's model, nested ones too, is named in its row;
* the procedures' own frames are listed where the document says which procedure adds them;
* every outbound model is built by the server somewhere, and frames handed to a booth or a
  console are frames that party receives;
* the protocol version, the close codes and the limits are documented;
* every error code the socket layer can send is in the document's error table and declared in
  the error catalogue (``finestreta.errors.CODES``), and the table lists nothing else.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from finestreta.attention.switchboard import Switchboard
from finestreta.config import Settings
from finestreta.context import AppContext
from finestreta.errors import CODES, ErrorCode
from finestreta.procedures import registry
from finestreta.realtime import connections, endpoints
from finestreta.realtime import frames as f
from finestreta.realtime.frames import PARTIES, FrameSet, Inbound, Outbound, frame_type
from finestreta.realtime.hub import Hub

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "protocol.md"
SRC = ROOT / "src" / "finestreta"
DIRECTIONS = ("inbound", "outbound")

SECTION = re.compile(r"^### (\w+) (inbound|outbound)\b", re.IGNORECASE)
ROW = re.compile(r"^\|\s*`?([\w]+)`?\s*\|")


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def doc_rows() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(party, direction) → (frame type, whole row) for each row of that section's table."""
    sections: dict[tuple[str, str], list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in doc_text().splitlines():
        if line.startswith("#"):
            match = SECTION.match(line)
            current = None
            if match:
                current = sections.setdefault((match[1].lower(), match[2].lower()), [])
            continue
        row = re.match(r"^\|\s*`([a-z_]+)`\s*\|", line)
        if current is not None and row:
            current.append((row[1], line))
    return sections


def doc_table_after(heading: str) -> list[list[str]]:
    """The cells of each row of the tables under ``## heading`` (header and rule left out)."""
    rows: list[list[str]] = []
    inside = False
    for line in doc_text().splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == heading
            continue
        if inside and line.startswith("|") and not line.startswith("| ---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:] if rows else rows


def first_column(heading: str) -> list[str]:
    return [cells[0].strip("`") for cells in doc_table_after(heading)]


def models_of(frames: FrameSet, party: str, direction: str) -> list[type[BaseModel]]:
    return [*frames.inbound(party)] if direction == "inbound" else [*frames.outbound(party)]


def types_of(frames: FrameSet, party: str, direction: str) -> list[str]:
    if direction == "inbound":
        return frames.inbound_types(party)
    return frames.outbound_types(party)


# ------------------------------------------------------------------------------ frame tables


@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_every_frame_type_is_in_its_table(frames: FrameSet, party: str, direction: str) -> None:
    sections = doc_rows()
    assert (party, direction) in sections, (
        f"docs/protocol.md has no '### {party.title()} {direction} …' section"
    )
    documented = [name for name, _ in sections[(party, direction)]]
    expected = types_of(frames, party, direction)
    assert expected, f"the {party} has no {direction} frames: has the FrameSet changed shape?"
    missing = sorted(set(expected) - set(documented))
    extra = sorted(set(documented) - set(expected))
    assert not missing, f"{party} {direction} frames missing from docs/protocol.md: {missing}"
    assert not extra, f"{party} {direction} frames documented but not in the code: {extra}"
    assert len(documented) == len(set(documented)), f"duplicate rows in {party} {direction}"


@pytest.mark.parametrize("party", PARTIES)
def test_the_inbound_tables_are_what_the_validators_accept(frames: FrameSet, party: str) -> None:
    """Each type in the party's inbound table is one its socket's validator knows (refused
    only for its fields), and no other type is."""
    documented = {name for name, _ in doc_rows()[(party, "inbound")]}
    every = {name for p in PARTIES for name, _ in doc_rows()[(p, "inbound")]} | {"nonsense"}
    for name in every:
        try:
            frames.adapter(party).validate_python({"type": name})
            known = True
        except ValidationError as exc:
            known = not any(e["type"] == "union_tag_invalid" for e in exc.errors())
        assert known == (name in documented), f"{party} sends {name!r}: validator {known}"


def test_no_section_without_its_frames() -> None:
    stale = sorted(set(doc_rows()) - {(p, d) for p in PARTIES for d in DIRECTIONS})
    assert not stale, f"docs/protocol.md has frame sections for no party and direction: {stale}"


def nested_models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models inside a field's type (``X | None``, ``list[X]``…)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for argument in get_args(annotation):
        yield from nested_models(argument)


def field_names(model: type[BaseModel], table: list[type[BaseModel]]) -> set[str]:
    """Every field a row must name: the model's own and, recursively, those of the models in
    it, but for a model that has its own row in the same table (``hello.call`` is "as
    ``call_started``") or is the base of one (``job.result_document`` is "as ``document``")."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        if name == "type" or (name == "ref" and issubclass(model, Inbound)):
            continue  # every frame's type; the inbound ref is documented once, under Frames
        names.add(name)
        for nested in nested_models(info.annotation):
            if any(issubclass(frame, nested) for frame in table):
                continue
            names |= field_names(nested, table)
    return names


@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_every_field_is_named_in_its_row(frames: FrameSet, party: str, direction: str) -> None:
    rows = dict(doc_rows().get((party, direction), []))
    table = models_of(frames, party, direction)
    unnamed = {}
    for model in table:
        row = rows.get(frame_type(model), "")
        missing = sorted(n for n in field_names(model, table) if f"`{n}`" not in row)
        if missing:
            unnamed[frame_type(model)] = missing
    assert not unnamed, f"{party} {direction} fields not named in their rows: {unnamed}"


def test_ref_and_the_wire_rule_are_documented() -> None:
    frames_section = doc_text().split("## Frames", 1)[1].split("\n## ", 1)[0]
    assert "`ref`" in frames_section
    assert "**Absent, not null.**" in frames_section


def test_the_procedures_frames_are_listed_with_their_procedure() -> None:
    built_in = [
        p for p in registry.load(()) if type(p).__module__.startswith("finestreta.procedures.")
    ]
    assert built_in, "no built-in procedure is installed: run scripts/install"
    expected = {
        (p.name, party, direction, frame_type(model))
        for p in built_in
        for direction, models in (("inbound", p.inbound_frames), ("outbound", p.outbound_frames))
        for model in models
        for party in model.parties
    }
    rows = doc_table_after("Procedures add frames")
    listed = {tuple(cell.strip("`") for cell in cells) for cells in rows if cells[1] != "—"}
    assert listed == expected
    without_frames = {cells[0].strip("`") for cells in rows if cells[1] == "—"}
    assert without_frames == {p.name for p in built_in if not p.inbound_frames + p.outbound_frames}


# ------------------------------------------------------------------------------ what is sent


def sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(SRC.rglob("*.py"))}


def test_every_outbound_model_is_built_somewhere(frames: FrameSet) -> None:
    texts = sources()
    unused = []
    for model in {m for party in PARTIES for m in frames.outbound(party)}:
        defined_in = Path(inspect.getfile(model)).resolve()
        built = re.compile(rf"\b{model.__name__}(\(|\.model_validate\b)")
        if not any(built.search(text) for path, text in texts.items() if path != defined_in):
            unused.append(model.__name__)
    assert not unused, f"frames declared but never built: {sorted(unused)}"


def test_frames_go_out_through_the_models_only() -> None:
    raw = sorted(
        str(path.relative_to(SRC))
        for path, text in sources().items()
        if ".send_text(" in text
        and path.name != "connections.py"
        and "kiosk_agent" not in path.parts
    )
    assert not raw, f"frames written as raw text (not from a model): {raw}"


def _return_models(tree: ast.AST, namespace: dict[str, Any]) -> dict[str, type[Outbound]]:
    """Function name → the frame model its return annotation names (``-> f.Ring``)."""
    found: dict[str, type[Outbound]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.returns is not None:
            model = _model_named(node.returns, namespace)
            if model is not None:
                found[node.name] = model
    return found


def _model_named(node: ast.expr, namespace: dict[str, Any]) -> type[Outbound] | None:
    value: Any = None
    if isinstance(node, ast.Name):
        value = namespace.get(node.id)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        value = getattr(namespace.get(node.value.id), node.attr, None)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):  # "f.Ring" annotations
        return _model_named(ast.parse(node.value, mode="eval").body, namespace)
    return value if isinstance(value, type) and issubclass(value, Outbound) else None


def test_frames_handed_to_a_party_are_frames_it_receives() -> None:
    to_party = {"to_kiosk": "kiosk", "to_clerk": "console"}
    checked, wrong = 0, []
    for module in (
        sys.modules["finestreta.realtime.hub"],
        sys.modules["finestreta.devices.desk"],
        sys.modules["finestreta.devices.screen"],
    ):
        tree = ast.parse(inspect.getsource(module))
        namespace = vars(module)
        returns = _return_models(tree, namespace)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            party = to_party.get(node.func.attr)
            if party is None or len(node.args) != 2:
                continue
            sent = node.args[1]
            model = None
            if isinstance(sent, ast.Call):
                model = _model_named(sent.func, namespace)
                callee = sent.func
                name = (
                    callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
                )
                model = model or returns.get(name)
            if model is None:
                continue  # a variable: its model is checked where it is made
            checked += 1
            if party not in model.parties:
                wrong.append(f"{module.__name__}:{node.lineno} {model.__name__} to the {party}")
    assert checked >= 15, f"only {checked} frames handed to parties found: code changed shape?"
    assert not wrong, f"frames handed to a party that does not receive them: {wrong}"


# ------------------------------------------------------------------------------ the rest


def test_protocol_version_is_documented() -> None:
    match = re.search(r"Protocol version: \*\*(\d+)\*\*", doc_text())
    assert match, "docs/protocol.md must state 'Protocol version: **N**'"
    assert int(match[1]) == f.PROTOCOL_VERSION


def test_every_close_code_is_documented() -> None:
    constants = {
        name: value for name, value in vars(connections).items() if name.startswith("CLOSE_")
    }
    assert {4401, 4403, 4409, 4000, 1008, 1009, 1001} <= set(constants.values())
    documented = {int(code) for code in first_column("Close codes") if code.isdigit()}
    assert documented == set(constants.values()), (
        f"close codes in realtime/connections.py {sorted(constants.values())}, "
        f"in docs/protocol.md {sorted(documented)}"
    )


def test_limits_and_heartbeat_are_documented_with_their_defaults() -> None:
    text = doc_text()
    lines = text.splitlines()

    def default(name: str) -> Any:
        return Settings.model_fields[name].default

    for name in (
        "max_frame_bytes",
        "frame_burst",
        "frames_per_second",
        "frame_bytes_burst",
        "frame_bytes_per_second",
        "heartbeat_seconds",
    ):
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


# ------------------------------------------------------------------------------ error codes


def _codes_in(function: Callable[..., Any], follow: type | None) -> tuple[set[str], list[Any]]:
    """Error codes ``function`` names (catalogue entries, ``code="…"`` keywords) and the
    methods of ``follow`` it calls on ``self``."""
    source = textwrap.dedent(inspect.getsource(function))
    namespace = vars(sys.modules[function.__module__])
    codes: set[str] = set()
    called: list[Any] = []
    for node in ast.walk(ast.parse(source)):
        value: Any = None
        if isinstance(node, ast.Name):
            value = namespace.get(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = namespace.get(node.value.id)
            if isinstance(owner, types.ModuleType):
                value = getattr(owner, node.attr, None)
            elif node.value.id == "self" and follow is not None:
                called.append(getattr(follow, node.attr, None))
        elif (
            isinstance(node, ast.keyword)
            and node.arg == "code"
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            codes.add(node.value.value)
        if isinstance(value, ErrorCode):
            codes.add(value.code)
    return codes, [c for c in called if inspect.isfunction(c)]


def socket_error_codes(handlers: Iterable[Callable[..., Any]]) -> set[str]:
    """Every error code an ``error`` frame can carry: what the socket endpoints, the hub and
    the switchboard (whose commands are booth and console frames) name, and what the frame
    handlers that layers and procedures add to the hub name, following their calls to their
    own methods."""
    todo: list[tuple[Any, type | None]] = [
        (function, None) for _, function in inspect.getmembers(endpoints, inspect.isfunction)
    ]
    for cls in (Hub, Switchboard):
        todo += [(function, cls) for _, function in inspect.getmembers(cls, inspect.isfunction)]
    for handler in handlers:
        owner = type(handler.__self__) if inspect.ismethod(handler) else None
        todo.append((getattr(handler, "__func__", handler), owner))
    codes: set[str] = set()
    done: set[Any] = set()
    while todo:
        function, owner = todo.pop()
        if function in done or function.__module__ not in sys.modules:
            continue
        done.add(function)
        found, called = _codes_in(function, owner)
        codes |= found
        todo += [(method, owner) for method in called]
    return codes


@pytest.fixture
def handlers(server_context: AppContext) -> list[Callable[..., Any]]:
    """The frame handlers wired to a server's hub (the device desk's, the procedures'), the
    device desk's handler of the agent's socket and the wallboard's of the supervisor's."""
    routed = list(server_context.hub._handlers.values())  # the hub's routing table, read only
    assert routed, "no frame handlers are routed through the hub: has the wiring changed?"
    assert server_context.wallboard is not None
    return [*routed, server_context.devices.agent_frame, server_context.wallboard.on_frame]


def test_every_error_code_is_documented_and_declared(handlers: list[Callable[..., Any]]) -> None:
    sent = socket_error_codes(handlers)
    assert {"bad_json", "bad_frame", "unknown_type", "invalid", "rate_limited", "internal"} <= sent
    assert {"no_call", "no_offer", "busy", "no_job"} <= sent, "the walk missed known codes"
    documented = first_column("Errors")
    missing = sorted(sent - set(documented))
    stale = sorted(set(documented) - sent)
    undeclared = sorted(set(documented) - set(CODES))
    assert not missing, f"error codes the sockets send but docs/protocol.md lacks: {missing}"
    assert not stale, f"error codes documented but never sent on a socket: {stale}"
    assert not undeclared, f"error codes not declared in finestreta.errors.CODES: {undeclared}"
    assert len(documented) == len(set(documented)), "duplicate rows in the error table"
