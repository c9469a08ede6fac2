"""The WebSocket protocol (version 1): every frame a booth or console may send, and the names of
every frame the server sends.

Frames are JSON objects with a ``type``. Inbound frames are validated here with pydantic;
anything else gets an ``error`` frame with a code (see ``docs/protocol.md``, which a test keeps
in step with the names below).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from finestreta.attention.states import LANGUAGES, TOPICS

PROTOCOL_VERSION = 1

Language = Literal["ca", "es", "en"]
Topic = Literal["general", "census", "taxes", "works", "complaints"]
assert set(LANGUAGES) == set(Language.__args__)  # type: ignore[attr-defined]
assert set(TOPICS) == set(Topic.__args__)  # type: ignore[attr-defined]

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: Annotated[str, Field(max_length=64)] | None = None  # echoed in errors, to match them up


class Ping(_Frame):
    type: Literal["ping"]
    t: float | None = None


class Signal(_Frame):
    """SDP descriptions and ICE candidates, relayed untouched to the other party of the call."""

    type: Literal["signal"]
    call_id: Id
    data: dict[str, Any]


class HangUp(_Frame):
    type: Literal["hang_up"]
    call_id: Id


class RequestAttention(_Frame):
    type: Literal["request_attention"]
    language: Language
    topic: Topic


class Cancel(_Frame):
    type: Literal["cancel"]
    request_id: Id | None = None


class Rate(_Frame):
    type: Literal["rate"]
    request_id: Id
    rating: Annotated[int, Field(ge=1, le=5)]


class SetState(_Frame):
    type: Literal["set_state"]
    state: Literal["available", "away", "offline"]


class Accept(_Frame):
    type: Literal["accept"]
    offer_id: Id


class Decline(_Frame):
    type: Literal["decline"]
    offer_id: Id


class WrapUp(_Frame):
    type: Literal["wrap_up"]
    call_id: Id
    outcome: Annotated[str, Field(min_length=1, max_length=40)]
    note: Annotated[str, Field(max_length=2000)] = ""


class MediaStatus(_Frame):
    """The booth page says whether it has a camera and a microphone."""

    type: Literal["media_status"]
    camera: bool
    microphone: bool


class ScanReady(_Frame):
    """The citizen placed the document and tapped "scan" on the booth."""

    type: Literal["scan_ready"]
    job_id: Id


class JobStatus(_Frame):
    """The kiosk agent's progress on a print or scan job."""

    type: Literal["job_status"]
    job_id: Id
    state: Literal["received", "processing", "done", "failed"]
    reason: Annotated[str, Field(max_length=60)] | None = None
    detail: Annotated[str, Field(max_length=500)] | None = None


class PrinterHealth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    uri: Annotated[str, Field(max_length=300)] = ""
    state: Literal["idle", "processing", "stopped", "unreachable"] = "unreachable"
    reasons: Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=50)] = []
    message: Annotated[str, Field(max_length=500)] = ""
    markers: Annotated[list[dict[str, Any]], Field(max_length=20)] = []
    accepting: bool | None = None


class ScannerHealth(BaseModel):
    model_config = ConfigDict(extra="ignore")
    device: Annotated[str, Field(max_length=200)] = ""
    present: bool = False
    error: Annotated[str, Field(max_length=500)] = ""


class Health(_Frame):
    """The kiosk agent's report on the booth's devices."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    type: Literal["health"]
    agent_version: Annotated[str, Field(max_length=40)] = ""
    printer: PrinterHealth = PrinterHealth()
    scanner: ScannerHealth = ScannerHealth()
    disk_free_bytes: int | None = None
    spool_pending: int | None = None


KioskFrame = Annotated[
    Ping | Signal | HangUp | RequestAttention | Cancel | Rate | MediaStatus | ScanReady,
    Field(discriminator="type"),
]
AgentFrame = Annotated[Ping | JobStatus | Health, Field(discriminator="type")]
ConsoleFrame = Annotated[
    Ping | Signal | HangUp | SetState | Accept | Decline | WrapUp, Field(discriminator="type")
]

kiosk_frames: TypeAdapter[KioskFrame] = TypeAdapter(KioskFrame)  # type: ignore[arg-type, unused-ignore]
console_frames: TypeAdapter[ConsoleFrame] = TypeAdapter(ConsoleFrame)  # type: ignore[arg-type, unused-ignore]
agent_frames: TypeAdapter[AgentFrame] = TypeAdapter(AgentFrame)  # type: ignore[arg-type, unused-ignore]

KIOSK_INBOUND = (
    "ping",
    "signal",
    "hang_up",
    "request_attention",
    "cancel",
    "rate",
    "media_status",
    "scan_ready",
)
AGENT_INBOUND = ("ping", "job_status", "health")
CONSOLE_INBOUND = ("ping", "signal", "hang_up", "set_state", "accept", "decline", "wrap_up")

# What the server sends; every name here is documented in docs/protocol.md.
KIOSK_OUTBOUND = (
    "hello",
    "pong",
    "error",
    "queue",
    "request_ended",
    "call_started",
    "call_restart",
    "signal",
    "call_ended",
    "rated",
    "office",
    "device_prompt",
    "show_document",
    "show_entry",
    "hide_document",
    "closed",
)
CONSOLE_OUTBOUND = (
    "hello",
    "pong",
    "error",
    "state",
    "ring",
    "ring_ended",
    "call_started",
    "call_restart",
    "signal",
    "call_ended",
    "attentions",
    "queue_summary",
    "job",
    "devices",
    "document",
    "closed",
)
AGENT_OUTBOUND = ("hello", "pong", "error", "job", "cancel", "closed")


def error(code: str, message: str, ref: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if ref is not None:
        frame["ref"] = ref
    return frame
