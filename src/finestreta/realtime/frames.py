"""The WebSocket protocol (version 1): every frame, as a typed model, in both directions.

Frames are JSON objects with a ``type``. Inbound frames are validated with these models
(unknown fields refused); outbound frames are built only from them, so the protocol table in
``docs/protocol.md`` and the JSON Schema (``finestreta protocol schema``) are the code itself
(``tests/protocol/test_docs.py`` keeps them in step).

Outbound wire rule: a field with a default (optional) is **absent** when its value is None; a
field without one (required) is always present, and may be null only where its type says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
)

from finestreta.errors import FinestretaError

PROTOCOL_VERSION = 1

KIOSK, CONSOLE, AGENT = "kiosk", "console", "agent"
SUPERVISOR = "supervisor"  # the wallboard: watches the hub, never rung (docs/wallboard.md)
PARTIES = (KIOSK, CONSOLE, AGENT, SUPERVISOR)

Language = Literal["ca", "es", "en"]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]


# ============================================================================ inbound


class Inbound(BaseModel):
    """A frame a client sends. ``parties``: who may send it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    parties: ClassVar[tuple[str, ...]] = ()
    ref: Annotated[str, Field(max_length=64)] | None = None  # echoed in errors, to match them up


class Ping(Inbound):
    parties = (KIOSK, CONSOLE, AGENT, SUPERVISOR)
    type: Literal["ping"]
    t: float | None = None


class Signal(Inbound):
    """SDP descriptions and ICE candidates, relayed untouched to the other party of the call."""

    parties = (KIOSK, CONSOLE)
    type: Literal["signal"]
    call_id: Id
    data: dict[str, Any]


class HangUp(Inbound):
    parties = (KIOSK, CONSOLE)
    type: Literal["hang_up"]
    call_id: Id


class RequestAttention(Inbound):
    parties = (KIOSK,)
    type: Literal["request_attention"]
    language: Language
    topic: Code  # one of the topics the office serves (procedures add theirs)


class Cancel(Inbound):
    parties = (KIOSK,)
    type: Literal["cancel"]
    request_id: Id | None = None


class Rate(Inbound):
    parties = (KIOSK,)
    type: Literal["rate"]
    request_id: Id
    rating: Annotated[int, Field(ge=1, le=5)]


class MediaStatus(Inbound):
    """The booth page says whether it has a camera and a microphone."""

    parties = (KIOSK,)
    type: Literal["media_status"]
    camera: bool
    microphone: bool
    # the citizen's own choice during the call (the booth's mute and camera buttons)
    muted: bool = False
    camera_off: bool = False


class ScanReady(Inbound):
    """The citizen placed the document and tapped "scan" on the booth."""

    parties = (KIOSK,)
    type: Literal["scan_ready"]
    job_id: Id


class SetState(Inbound):
    parties = (CONSOLE,)
    type: Literal["set_state"]
    state: Literal["available", "away", "offline"]


class AskHelp(Inbound):
    """The clerk asks a supervisor for help (``active``), or takes it back."""

    parties = (CONSOLE,)
    type: Literal["ask_help"]
    active: bool


class AcknowledgeHelp(Inbound):
    """A supervisor answers a clerk's call for help: it leaves every wallboard."""

    parties = (SUPERVISOR,)
    type: Literal["acknowledge_help"]
    clerk_id: Annotated[int, Field(ge=1)]


class SetClerkState(Inbound):
    """A supervisor sets a clerk available or away (the clerk's own ``set_state`` command,
    recorded with reason ``supervisor``)."""

    parties = (SUPERVISOR,)
    type: Literal["set_clerk_state"]
    clerk_id: Annotated[int, Field(ge=1)]
    state: Literal["available", "away"]


class Accept(Inbound):
    parties = (CONSOLE,)
    type: Literal["accept"]
    offer_id: Id


class Decline(Inbound):
    parties = (CONSOLE,)
    type: Literal["decline"]
    offer_id: Id


class WrapUp(Inbound):
    parties = (CONSOLE,)
    type: Literal["wrap_up"]
    call_id: Id
    outcome: Annotated[str, Field(min_length=1, max_length=40)]
    note: Annotated[str, Field(max_length=2000)] = ""


class JobStatus(Inbound):
    """The kiosk agent's progress on a print or scan job."""

    parties = (AGENT,)
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


class Health(Inbound):
    """The kiosk agent's report on the booth's devices (unknown fields ignored: newer agents)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    parties = (AGENT,)
    type: Literal["health"]
    agent_version: Annotated[str, Field(max_length=40)] = ""
    printer: PrinterHealth = PrinterHealth()
    scanner: ScannerHealth = ScannerHealth()
    disk_free_bytes: int | None = None
    spool_pending: int | None = None


# ============================================================================ outbound


class Wire(BaseModel):
    """A model sent over the wire: optional fields (those with a default) that are None are
    left out, at every depth; required fields are always there."""

    # Non-finite numbers are not JSON: inbound frames refuse them (strict_json), and one that
    # slipped into an outbound frame is written as null, never as NaN.
    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="null")
    _optional: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._optional = frozenset(
            name
            for name, info in cls.model_fields.items()
            if not info.is_required() and name != "type"
        )

    @model_serializer(mode="wrap")
    def _absent_when_none(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if self._optional and isinstance(data, dict):
            for name in self._optional:
                if data.get(name, 0) is None:
                    del data[name]
        return data


class Outbound(Wire):
    """A frame the server sends. ``parties``: who receives it."""

    parties: ClassVar[tuple[str, ...]] = ()

    def to_json(self) -> str:
        """The frame on the wire."""
        return self.model_dump_json()

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Pong(Outbound):
    parties = (KIOSK, CONSOLE, AGENT, SUPERVISOR)
    type: Literal["pong"] = "pong"
    t: float | None


class Error(Outbound):
    """A frame was refused; ``code`` is stable, ``message`` English for logs."""

    parties = (KIOSK, CONSOLE, AGENT, SUPERVISOR)
    type: Literal["error"] = "error"
    code: str
    message: str
    ref: str | None = None
    details: dict[str, Any] | None = None


class Closed(Outbound):
    """The socket is about to be closed by the server (with the close code that follows)."""

    parties = (KIOSK, CONSOLE, AGENT, SUPERVISOR)
    type: Literal["closed"] = "closed"
    # draining: the server is restarting (close code 1012); reconnect at once, nothing is lost
    reason: Literal["replaced", "disabled", "logged_out", "draining"]


class IceServer(Wire):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class Ice(Wire):
    """An ``RTCConfiguration`` (``iceServers``, ``iceTransportPolicy``) plus ``expiresAt``,
    the Unix time the TURN credentials stop working (not an RTCConfiguration field)."""

    iceServers: list[IceServer]
    iceTransportPolicy: Literal["all", "relay"]
    expiresAt: int


class CallRestart(Outbound):
    parties = (KIOSK, CONSOLE)
    type: Literal["call_restart"] = "call_restart"
    call_id: str


class SignalOut(Outbound):
    parties = (KIOSK, CONSOLE)
    type: Literal["signal"] = "signal"
    call_id: str
    data: dict[str, Any]


class CallEnded(Outbound):
    """For the console ``wrap_up`` is true (the clerk is in wrap-up); absent for the booth."""

    parties = (KIOSK, CONSOLE)
    type: Literal["call_ended"] = "call_ended"
    call_id: str
    request_id: str
    ended_by: Literal["kiosk", "clerk", "system"]
    wrap_up: bool | None = None
    # for the booth: the clerk left the call (logged out), and a new request within a while
    # keeps the head of the queue
    rejoin: bool | None = None


# ---------------------------------------------------------------------------- kiosk


class KioskInfo(Wire):
    id: int
    name: str
    site: str


class LiveRequest(Wire):
    request_id: str
    language: str
    topic: str


class ClerkName(Wire):
    name: str  # the first name only


class KioskCallStarted(Outbound):
    parties = (KIOSK,)
    type: Literal["call_started"] = "call_started"
    call_id: str
    request_id: str
    role: Literal["polite"] = "polite"
    clerk: ClerkName
    ice_url: str
    ice: Ice


class KioskHello(Outbound):
    parties = (KIOSK,)
    type: Literal["hello"] = "hello"
    protocol: int = PROTOCOL_VERSION
    kiosk: KioskInfo
    heartbeat_s: float
    idle_reset_s: float
    topics: list[str]
    request: LiveRequest | None
    call: KioskCallStarted | None
    # true when the socket came with ?media= naming this call: the page keeps its peer
    # connection, and the clerk was not sent call_restart (docs/protocol.md, "Starting over")
    media_kept: bool | None = None


class OpeningSpan(Wire):
    day: str
    opens: str
    closes: str


class Office(Outbound):
    parties = (KIOSK,)
    type: Literal["office"] = "office"
    open: bool
    hours: list[OpeningSpan]


class Queue(Outbound):
    parties = (KIOSK,)
    type: Literal["queue"] = "queue"
    request_id: str
    state: Literal["waiting", "ringing"]
    position: int
    estimated_wait_s: int | None
    # why no clerk on duty can serve it now (attention/waiting.py), and what they could serve
    unserved: Literal["nobody", "language", "topic"] | None = None
    languages: list[str] = []
    topics: list[str] = []


class RequestEnded(Outbound):
    parties = (KIOSK,)
    type: Literal["request_ended"] = "request_ended"
    request_id: str
    reason: Literal["cancelled", "abandoned"]


class Rated(Outbound):
    parties = (KIOSK,)
    type: Literal["rated"] = "rated"
    request_id: str


class DevicePrompt(Outbound):
    """What the citizen should do for a print or scan job; ``prompt`` null clears it."""

    parties = (KIOSK,)
    type: Literal["device_prompt"] = "device_prompt"
    prompt: (
        Literal["place_on_scanner", "scanning", "printing", "collect_printout", "device_problem"]
        | None
    )
    job_id: str | None = None
    source: str | None = None
    confirm: bool | None = None


class DocumentSummary(Wire):
    document_id: str
    title: str
    kind: str
    media_type: str
    pages: int
    size: int
    sha256: str
    created_at: str
    url: str


class ShowDocument(Outbound, DocumentSummary):
    parties = (KIOSK,)
    type: Literal["show_document"] = "show_document"


class HideDocument(Outbound):
    """The booth stops showing what was shown beside the call (a document, an entry…)."""

    parties = (KIOSK,)
    type: Literal["hide_document"] = "hide_document"


class SignatureWithdrawn(Outbound):
    """The clerk withdrew the document the booth shows for signing: the booth says so to the
    citizen and takes the pad away (instead of ``hide_document``)."""

    parties = (KIOSK,)
    type: Literal["signature_withdrawn"] = "signature_withdrawn"
    request_id: str


class SignatureShow(Outbound):
    """The booth shows a document for the citizen to sign, with its fixed SHA-256, and the pad
    (signatures/desk.py). Replaces what was shown; ``hide_document`` takes it away."""

    parties = (KIOSK,)
    type: Literal["signature_show"] = "signature_show"
    request_id: str
    document_id: str
    title: str
    sha256: str
    pages: int
    url: str
    signer_name: str
    expires_at: str


# ---------------------------------------------------------------------------- console


class ClerkInfo(Wire):
    id: int
    name: str
    languages: list[str]
    topics: list[str]


class Ring(Outbound):
    parties = (CONSOLE,)
    type: Literal["ring"] = "ring"
    offer_id: str
    request_id: str
    topic: str
    language: str
    kiosk: str
    site: str
    waited_s: int
    expires_in_s: float
    ring_timeout_s: float


class ConsoleCallStarted(Outbound):
    parties = (CONSOLE,)
    type: Literal["call_started"] = "call_started"
    call_id: str
    request_id: str
    role: Literal["impolite"] = "impolite"
    kiosk: str
    site: str
    topic: str | None
    language: str | None
    started_at: str
    ice_url: str
    ice: Ice


class WrapUpPending(Wire):
    call_id: str


class ConsoleHello(Outbound):
    parties = (CONSOLE,)
    type: Literal["hello"] = "hello"
    protocol: int = PROTOCOL_VERSION
    clerk: ClerkInfo
    state: str
    heartbeat_s: float
    ring_timeout_s: float
    outcomes: list[str]
    offer: Ring | None
    call: ConsoleCallStarted | None
    wrap_up: WrapUpPending | None
    # as the booth's hello: the booth was not sent call_restart
    media_kept: bool | None = None


class State(Outbound):
    parties = (CONSOLE,)
    type: Literal["state"] = "state"
    state: str
    reason: str | None


class HelpState(Outbound):
    """Where the clerk's call for help stands: asked (``since``), or not any more (taken back,
    or answered by ``acknowledged_by``, a supervisor's name)."""

    parties = (CONSOLE,)
    type: Literal["help_state"] = "help_state"
    active: bool
    since: str | None = None
    acknowledged_by: str | None = None


class RingEnded(Outbound):
    parties = (CONSOLE,)
    type: Literal["ring_ended"] = "ring_ended"
    offer_id: str
    reason: str


class Attention(Wire):
    call_id: str
    started_at: str
    topic: str
    language: str
    kiosk: str
    site: str
    wait_s: int
    duration_s: int | None
    outcome: str | None
    rating: int | None


class Attentions(Outbound):
    parties = (CONSOLE,)
    type: Literal["attentions"] = "attentions"
    items: list[Attention]


class UnservedRequest(Wire):
    """A waiting request nobody on duty can serve, and why."""

    request_id: str
    kiosk: str
    language: str
    topic: str
    reason: Literal["nobody", "language", "topic"]
    waited_s: int


class QueueSummary(Outbound):
    parties = (CONSOLE,)
    type: Literal["queue_summary"] = "queue_summary"
    waiting: int
    longest_wait_s: int
    unserved: list[UnservedRequest] = []


class PrinterStatus(Wire):
    ok: bool
    reason: str
    state: str | None
    reasons: list[str]
    markers: list[dict[str, Any]]


class ScannerStatus(Wire):
    ok: bool
    reason: str


class Devices(Outbound):
    parties = (CONSOLE,)
    type: Literal["devices"] = "devices"
    kiosk_id: int
    agent_online: bool
    reported_at: str | None
    printer: PrinterStatus
    scanner: ScannerStatus
    camera: bool | None
    microphone: bool | None
    last_error: str
    citizen_muted: bool = False  # the citizen muted the booth's microphone
    citizen_camera_off: bool = False  # the citizen turned the booth's camera off


class Job(Outbound):
    parties = (CONSOLE,)
    type: Literal["job"] = "job"
    job_id: str
    call_id: str | None
    kind: Literal["print", "scan"]
    state: str
    reason: str
    detail: str
    waiting_for_citizen: bool
    document_id: str | None
    params: dict[str, Any]
    result_document: DocumentSummary | None = None


class Document(Outbound, DocumentSummary):
    parties = (CONSOLE,)
    type: Literal["document"] = "document"


class SignatureState(Outbound):
    """A signature the clerk asked for changed: ``signing`` (the citizen's first stroke),
    ``signed`` on the booth, ``oral_consent`` recorded, ``cancelled`` by the clerk, ``expired``
    (found so when the citizen signed late)."""

    parties = (CONSOLE,)
    type: Literal["signature_state"] = "signature_state"
    request_id: str
    call_id: str
    procedure: str | None = None
    purpose: str | None = None
    state: Literal["signing", "signed", "oral_consent", "cancelled", "expired"]
    at: str


# ---------------------------------------------------------------------------- agent


class AgentKiosk(Wire):
    code: str
    name: str


class AgentHello(Outbound):
    parties = (AGENT,)
    type: Literal["hello"] = "hello"
    protocol: int = PROTOCOL_VERSION
    kiosk: AgentKiosk
    health_interval_s: float


class PrintDocument(Wire):
    id: str
    url: str
    sha256: str
    media_type: str
    title: str
    pages: int


class ScanOptions(Wire):
    resolution: int
    mode: str
    source: str
    format: str


class AgentJob(Outbound):
    """A print job carries ``copies`` and ``document``; a scan job ``options`` and
    ``upload_url``."""

    parties = (AGENT,)
    type: Literal["job"] = "job"
    job_id: str
    kind: Literal["print", "scan"]
    copies: int | None = None
    document: PrintDocument | None = None
    options: ScanOptions | None = None
    upload_url: str | None = None


class AgentCancel(Outbound):
    parties = (AGENT,)
    type: Literal["cancel"] = "cancel"
    job_id: str


# ============================================================================ the wallboard


class Count(Wire):
    key: str
    count: int


class HelpCall(Wire):
    clerk_id: int
    name: str
    since: str


class ClerkNow(Wire):
    id: int
    name: str
    state: str
    since: str | None  # when the clerk entered the state (null: before the server started)


class BoothNow(Wire):
    id: int
    name: str
    site: str
    state: Literal["idle", "waiting", "in_call", "offline"]
    problem: str | None  # why its devices cannot serve (printer_can_print's reason), or null


class WallboardNow(Wire):
    """What is happening now; waiting citizens only as counts (no request, no person)."""

    at: str
    waiting: int
    by_topic: list[Count]
    by_language: list[Count]
    longest_since: str | None  # when the longest-waiting request was queued (the page ticks)
    clerks: list[ClerkNow]
    booths: list[BoothNow]


class Wallboard(Outbound):
    """The wallboard: sent on connect and whenever the hub's state changes (coalesced).
    ``today`` is ``GET /api/supervision/figures``'s answer for today (docs/wallboard.md)."""

    parties = (SUPERVISOR,)
    type: Literal["wallboard"] = "wallboard"
    now: WallboardNow
    help: list[HelpCall]
    today: dict[str, Any]
    answer_within_s: float


# ============================================================================ the set


PLATFORM_INBOUND: tuple[type[Inbound], ...] = (
    Ping,
    Signal,
    HangUp,
    RequestAttention,
    Cancel,
    Rate,
    MediaStatus,
    ScanReady,
    SetState,
    AskHelp,
    AcknowledgeHelp,
    SetClerkState,
    Accept,
    Decline,
    WrapUp,
    JobStatus,
    Health,
)
PLATFORM_OUTBOUND: tuple[type[Outbound], ...] = (
    Pong,
    Error,
    Closed,
    CallRestart,
    SignalOut,
    CallEnded,
    KioskHello,
    KioskCallStarted,
    Office,
    Queue,
    RequestEnded,
    Rated,
    DevicePrompt,
    ShowDocument,
    HideDocument,
    SignatureShow,
    SignatureWithdrawn,
    ConsoleHello,
    ConsoleCallStarted,
    State,
    HelpState,
    Ring,
    RingEnded,
    Attentions,
    QueueSummary,
    Devices,
    Job,
    Document,
    SignatureState,
    AgentHello,
    AgentJob,
    AgentCancel,
    Wallboard,
)


def frame_type(model: type[BaseModel]) -> str:
    """The ``type`` a frame model carries (its Literal)."""
    annotation = model.model_fields["type"].annotation
    (value,) = annotation.__args__  # type: ignore[union-attr]
    return str(value)


class FrameSet:
    """Every frame each party may send and receive: the platform's and those procedures add.
    Inbound validators are built once per party, after everything is registered."""

    def __init__(
        self,
        inbound: Iterable[type[Inbound]] = PLATFORM_INBOUND,
        outbound: Iterable[type[Outbound]] = PLATFORM_OUTBOUND,
    ) -> None:
        self._inbound: list[type[Inbound]] = []
        self._outbound: list[type[Outbound]] = []
        self._adapters: dict[str, TypeAdapter[Any]] = {}
        for sent in inbound:
            self.add_inbound(sent)
        for received in outbound:
            self.add_outbound(received)

    def add_inbound(self, model: type[Inbound]) -> None:
        if not model.parties:
            raise ValueError(f"{model.__name__} names no party that sends it")
        name = frame_type(model)
        for party in model.parties:
            if name in self.inbound_types(party):
                raise ValueError(f"{party} already sends frames of type {name!r}")
        self._inbound.append(model)
        self._adapters.clear()

    def add_outbound(self, model: type[Outbound]) -> None:
        if not model.parties:
            raise ValueError(f"{model.__name__} names no party that receives it")
        self._outbound.append(model)

    def inbound(self, party: str) -> list[type[Inbound]]:
        return [m for m in self._inbound if party in m.parties]

    def outbound(self, party: str) -> list[type[Outbound]]:
        return [m for m in self._outbound if party in m.parties]

    def outbound_model(self, party: str, name: str) -> type[Outbound] | None:
        """The model of the frames of type ``name`` that ``party`` receives (the first one)."""
        for model in self.outbound(party):
            if frame_type(model) == name:
                return model
        return None

    def inbound_types(self, party: str) -> list[str]:
        return [frame_type(m) for m in self.inbound(party)]

    def outbound_types(self, party: str) -> list[str]:
        return list(dict.fromkeys(frame_type(m) for m in self.outbound(party)))

    def adapter(self, party: str) -> TypeAdapter[Any]:
        """The validator of everything ``party`` may send (a union discriminated by type)."""
        adapter = self._adapters.get(party)
        if adapter is None:
            models = tuple(self.inbound(party))
            if len(models) == 1:
                adapter = TypeAdapter(models[0])
            else:
                union: Any = Annotated[_union(models), Field(discriminator="type")]
                adapter = TypeAdapter(union)
            self._adapters[party] = adapter
        return adapter


def _union(models: tuple[type[BaseModel], ...]) -> Any:
    from functools import reduce
    from operator import or_

    return reduce(or_, models)


def error_frame(exc: FinestretaError, ref: str | None = None) -> Error:
    """The ``error`` frame of a refusal (the one place refusals become frames)."""
    return Error(code=exc.code, message=exc.message, ref=ref, details=exc.details or None)
