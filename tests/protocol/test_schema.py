"""``docs/protocol.schema.json`` is what the server's models make, and it says what the wire
rule says: optional fields are absent (never null), every other field is always there."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from finestreta.cli import main
from finestreta.realtime import frames as f
from finestreta.realtime.frames import PARTIES, FrameSet, frame_type
from finestreta.realtime.schema import frames_schema_json
from tests.protocol.wire import SCHEMA_FILE, check, schema, validator

STALE = "docs/protocol.schema.json is stale: run `finestreta protocol schema > docs/protocol.schema.json`"


def test_the_committed_schema_is_the_one_the_models_make(frames: FrameSet) -> None:
    if SCHEMA_FILE.read_text(encoding="utf-8") != frames_schema_json(frames):
        pytest.fail(STALE)


def test_the_command_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    main(["protocol", "schema"])
    if capsys.readouterr().out != SCHEMA_FILE.read_text(encoding="utf-8"):
        pytest.fail(STALE)


def test_it_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_one_schema_per_party_and_direction(frames: FrameSet, party: str, direction: str) -> None:
    names = frames.inbound_types(party) if direction == "inbound" else frames.outbound_types(party)
    group = schema()["$defs"][f"{party}_{direction}"]
    consts = [
        schema()["$defs"][ref["$ref"].rsplit("/", 1)[1]]["properties"]["type"]["const"]
        for ref in group["oneOf"]
    ]
    assert consts == names
    for ref in group["oneOf"]:
        assert "type" in schema()["$defs"][ref["$ref"].rsplit("/", 1)[1]]["required"]


def kiosk_call() -> f.KioskCallStarted:
    return f.KioskCallStarted(
        call_id="c1",
        request_id="r1",
        clerk=f.ClerkName(name="Anna"),
        ice_url="/api/calls/c1/ice",
        ice=f.Ice(
            iceServers=[f.IceServer(urls=["stun:stun.example.org"])],
            iceTransportPolicy="all",
            expiresAt=1,
        ),
    )


@pytest.mark.parametrize(
    ("party", "frame"),
    [
        ("kiosk", f.Error(code="no_call", message="No call")),
        ("kiosk", f.Pong(t=None)),
        ("kiosk", f.DevicePrompt(prompt=None)),
        ("kiosk", kiosk_call()),
        ("kiosk", f.CallEnded(call_id="c1", request_id="r1", ended_by="clerk")),
        ("console", f.CallEnded(call_id="c1", request_id="r1", ended_by="clerk", wrap_up=True)),
        ("agent", f.AgentJob(job_id="j1", kind="scan", upload_url="/u")),
    ],
)
def test_what_the_models_send_matches(party: str, frame: f.Outbound) -> None:
    check(party, "outbound", frame.to_dict())


def without(frame: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in frame.items() if key != name}


def test_optional_fields_are_absent_never_null() -> None:
    error = f.Error(code="no_call", message="No call").to_dict()
    assert "ref" not in error and "details" not in error  # the wire rule, in the models
    assert not validator("kiosk_outbound").is_valid({**error, "ref": None})
    ice = kiosk_call().to_dict()["ice"]
    assert "username" not in ice["iceServers"][0]
    assert not validator("Ice").is_valid(
        {**ice, "iceServers": [{"urls": ["stun:x"], "username": None}]}
    )
    assert not validator("kiosk_inbound").is_valid({"type": "ping", "t": None})


def test_required_fields_are_always_there_null_only_where_allowed() -> None:
    pong = f.Pong(t=None).to_dict()
    assert pong == {"type": "pong", "t": None}
    assert not validator("kiosk_outbound").is_valid(without(pong, "t"))
    started = kiosk_call().to_dict()
    for name in ("type", "role", "ice"):  # type and role have defaults, and are sent all the same
        assert not validator("kiosk_outbound").is_valid(without(started, name)), name
    assert not validator("kiosk_outbound").is_valid({**started, "call_id": None})
    hello = schema()["$defs"]["KioskHello"]
    assert {"protocol", "topics", "request", "call"} <= set(hello["required"])


def test_inbound_frames_are_what_the_validators_accept(frames: FrameSet) -> None:
    for party in PARTIES:
        for model in frames.inbound(party):
            assert schema()["$defs"][model.__name__]["properties"]["type"] == {
                "const": frame_type(model),
                "type": "string",
            }
    assert validator("console_inbound").is_valid(
        {"type": "wrap_up", "call_id": "c1", "outcome": "x"}
    )
    assert not validator("console_inbound").is_valid(
        {"type": "wrap_up", "call_id": "c 1", "outcome": "x"}
    )
    assert not validator("kiosk_inbound").is_valid({"type": "accept", "offer_id": "o1"})
