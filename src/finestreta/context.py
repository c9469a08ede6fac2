"""Everything a running server holds, wired together once: settings, database, clock, hub,
device desk, booth screen, call memory, step log, throttles, and the procedures (each set up on
the :class:`~finestreta.procedures.platform.Platform`, subscribed to calls, its frames routed)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from finestreta.accounts.directory import Directory, load_directory
from finestreta.accounts.models import Kiosk, KioskSession, StaffSession, StaffUser
from finestreta.accounts.service import LAST_USE_EVERY
from finestreta.accounts.throttle import LoginGuard
from finestreta.attention import RoutingRules, Switchboard
from finestreta.attention.boards import BoardKeeper, LocalBoard
from finestreta.attention.memory import CallMemory
from finestreta.attention.shared import SharedBoard
from finestreta.attention.store import AttentionStore
from finestreta.clock import SYSTEM_CLOCK, Clock
from finestreta.config import Settings
from finestreta.db import Database, utcnow
from finestreta.devices.desk import DeviceDesk
from finestreta.devices.screen import BoothScreen
from finestreta.devices.signing import BoothSigning
from finestreta.documents.retention import Retention
from finestreta.documents.service import Documents
from finestreta.documents.storage import BlobStore
from finestreta.documents.validation import DecodeBudget
from finestreta.payments.desk import PaymentDesk
from finestreta.payments.gateways import gateway_for
from finestreta.payments.orders import PaymentOrder
from finestreta.procedures import registry
from finestreta.procedures.base import Procedure
from finestreta.procedures.platform import Platform
from finestreta.procedures.steps import StepLog
from finestreta.realtime import frames as f
from finestreta.realtime.cluster import ClusterNode, new_node_id
from finestreta.realtime.hub import Hub
from finestreta.realtime.ports import CallListener, CallView
from finestreta.realtime.redis_bus import RedisBus, default_prefix
from finestreta.realtime.registry import NodeRoster, PartyRegistry
from finestreta.signatures.desk import SignatureDesk, SignatureGiven
from finestreta.streets.factory import street_register
from finestreta.supervision.live import Wallboard
from finestreta.supervision.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    settings: Settings
    db: Database
    clock: Clock
    hub: Hub
    devices: DeviceDesk
    screen: BoothScreen
    memory: CallMemory
    steps: StepLog
    documents: Documents
    procedures: dict[str, Procedure]
    login_throttle: LoginGuard
    pair_throttle: LoginGuard
    payments: PaymentDesk
    signatures: SignatureDesk
    extra: dict[str, Any] = field(default_factory=dict)
    metrics: Metrics | None = None  # GET /metrics (None: not counted, e.g. some tests)
    wallboard: Wallboard | None = None  # /ws/supervisor (None: no wallboard, e.g. some tests)
    node: ClusterNode | None = None  # several nodes (FINESTRETA_REDIS_URL); None: one node

    def procedure(self, name: str) -> Procedure:
        return self.procedures[name]


def revoked_parties(
    db: Database, kiosks: dict[int, str], consoles: dict[int, str], pairing_idle_days: float
) -> tuple[set[int], set[int], set[int]]:
    """Which connected booths and consoles may no longer be connected: booths disabled, booth
    pages whose pairing was revoked (paired again) or expired, staff deactivated, logged out or
    session expired. Values are the SHA-256 of the token each socket was opened with ("" for
    the kiosk agent, which has no session). An open booth page is a use of its pairing: its
    ``last_used_at`` is renewed here (at most once an hour), so a booth connected for weeks does
    not expire."""
    if not kiosks and not consoles:
        return set(), set(), set()
    now = utcnow()
    idle_since = now - timedelta(days=pairing_idle_days)
    tokens = [t for t in kiosks.values() if t]
    with db.session() as session:
        enabled = set(
            session.scalars(select(Kiosk.id).where(Kiosk.id.in_(list(kiosks)), Kiosk.enabled))
        )
        paired = set(
            session.scalars(
                select(KioskSession.token_hash).where(
                    KioskSession.token_hash.in_(tokens), KioskSession.last_used_at > idle_since
                )
            )
        )
        stale = [t for t in paired if t]
        if stale:
            session.execute(
                update(KioskSession)
                .where(
                    KioskSession.token_hash.in_(stale),
                    KioskSession.last_used_at <= now - LAST_USE_EVERY,
                )
                .values(last_used_at=now)
            )
        live = set(
            session.scalars(
                select(StaffSession.token_hash)
                .join(StaffUser, StaffUser.id == StaffSession.user_id)
                .where(
                    StaffSession.token_hash.in_(list(consoles.values())),
                    StaffSession.expires_at > now,
                    StaffUser.active,
                )
            )
        )
    disabled = {k for k in kiosks if k not in enabled}
    unpaired = {k for k, t in kiosks.items() if k in enabled and t and t not in paired}
    bad_consoles = {c for c, t in consoles.items() if t not in live}
    return disabled, unpaired, bad_consoles


def build_context(
    settings: Settings,
    db: Database | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    procedures: list[Procedure] | None = None,
) -> AppContext:
    db = db or Database(settings.database_url)
    chosen = procedures if procedures is not None else registry.load(settings.procedures)
    frames = f.FrameSet()
    for procedure in chosen:
        for inbound in procedure.inbound_frames:
            frames.add_inbound(inbound)
        for outbound in procedure.outbound_frames:
            frames.add_outbound(outbound)
    topics = tuple(registry.topics(chosen)) or ("general",)
    rules = RoutingRules(
        ring_timeout=settings.ring_timeout_seconds,
        missed_rings_before_away=settings.missed_rings_before_away,
        kiosk_grace=settings.kiosk_grace_seconds,
        console_grace=settings.console_grace_seconds,
    )
    directory = Directory(lambda: load_directory(db))
    store = AttentionStore(db)
    keeper: BoardKeeper = LocalBoard(Switchboard(rules), store)
    bus: RedisBus | None = None
    node_id = settings.node_id or new_node_id(settings.host, settings.port)
    if settings.clustered:  # several nodes: the board is the database's log, frames cross Redis
        prefix = settings.redis_prefix or default_prefix(settings.database_url)
        bus = RedisBus(settings.redis_url.get_secret_value(), prefix, node_id)
        keeper = SharedBoard(db, node_id, rules, publish=bus.hint, clock=clock.time)
    hub = Hub(
        settings,
        keeper,
        store,
        directory,
        clock=clock,
        revoked=lambda kiosks, clerks: revoked_parties(
            db, kiosks, clerks, settings.pairing_idle_days
        ),
        topics=topics,
        frames=frames,
        bus=bus,
    )
    node: ClusterNode | None = None
    if bus is not None:
        hub.poll_s = settings.cluster_poll_seconds
        bus.on_reconnect = hub.refresh  # hints were lost while Redis was away
        node = ClusterNode(
            hub,
            bus,
            PartyRegistry(db),
            NodeRoster(db),
            node_id,
            f"{settings.host}:{settings.port}",
            settings.node_lease_seconds,
        )
        hub.parties = node
    retention = Retention.from_settings(settings, [p.retention for p in chosen])
    decoding = DecodeBudget(
        int(settings.max_image_decode_mib * 1024 * 1024), settings.image_decodes_at_once
    )
    documents = Documents(
        BlobStore(settings.documents_dir), retention, settings.max_upload_bytes, decoding
    )
    memory = CallMemory(db)
    screen = BoothScreen(hub, memory, frames)
    devices = DeviceDesk(
        outbox=hub,
        calls=hub,
        agents=hub.agents,
        link=hub,
        screen=screen,
        directory=directory,
        db=db,
        documents=documents,
        health_interval_s=settings.health_interval_seconds,
        timezone=settings.city_timezone,
    )
    if node is not None:  # a clerk on another node may queue jobs for an agent held here
        node.every_second(devices.deliver_queued)
    hub.on_frame(f.KIOSK, "media_status", devices.media_status)
    hub.on_frame(f.KIOSK, "scan_ready", devices.scan_ready_frame)
    hub.subscribe(devices)
    steps = StepLog(db, clock)
    owners = PaymentOwners({p.name: p for p in chosen})
    payments = PaymentDesk(db, settings, clock, gateway_for(settings), owners)
    signatures = SignatureDesk(
        db,
        clock,
        documents,
        BoothSigning(screen, hub),
        settings.signature_key.get_secret_value(),
        SignatureOwners({p.name: p for p in chosen}),
        settings.signature_retention_days,
    )
    platform = Platform(
        settings=settings,
        db=db,
        clock=clock,
        calls=hub,
        outbox=hub,
        screen=screen,
        devices=devices,
        documents=documents,
        memory=memory,
        steps=steps,
        seal=lambda: _seal(settings),
        procedure_settings=lambda name: _procedure_settings(chosen, name),
        payments=payments,
        streets=street_register(settings, db),
        signatures=signatures,
    )
    for procedure in chosen:
        procedure.setup(platform)
        for (party, frame_type), handler in procedure.frame_handlers().items():
            hub.on_frame(party, frame_type, handler)
        hub.subscribe(procedure)
    hub.subscribe(_WithdrawSignatures(signatures))
    hub.subscribe(_Forget(memory))  # last: the others may still read the call's memory
    metrics = Metrics(hub, db)
    hub.observe(metrics.observe)
    wallboard = Wallboard(hub, db)
    hub.observe(wallboard.observe, folded=True)  # every event of the office, wherever made
    hub.observe_ratings(wallboard.rated)
    hub.on_frame(f.CONSOLE, "ask_help", wallboard.ask_help)
    return AppContext(
        settings=settings,
        db=db,
        clock=clock,
        hub=hub,
        devices=devices,
        screen=screen,
        memory=memory,
        steps=steps,
        documents=documents,
        procedures={p.name: p for p in chosen},
        login_throttle=LoginGuard(
            settings.login_attempts_per_minute, settings.login_failures_per_user_hour
        ),
        pair_throttle=LoginGuard(
            settings.login_attempts_per_minute, settings.login_failures_per_user_hour
        ),
        payments=payments,
        signatures=signatures,
        metrics=metrics,
        wallboard=wallboard,
        node=node,
    )


class SignatureOwners:
    """The signature desk's listener: a signature given goes to the procedure that asked for
    it (``given.procedure``); one not loaded is not told (False: the desk offers it again)."""

    def __init__(self, procedures: dict[str, Procedure]) -> None:
        self.procedures = procedures

    def signature_given(self, given: SignatureGiven) -> bool | None:
        procedure = self.procedures.get(given.procedure)
        if procedure is None:
            return False
        procedure.signature_given(given)
        return True


class PaymentOwners:
    """The payment desk's listener: what happens to an order goes to the procedure that made it
    (``order.owner``); an order whose procedure is not loaded stays unposted."""

    def __init__(self, procedures: dict[str, Procedure]) -> None:
        self.procedures = procedures

    def payment_changed(self, order: PaymentOrder, event: str) -> None:
        procedure = self.procedures.get(order.owner)
        if procedure is not None:
            procedure.payment_changed(order, event)

    def payment_settled(self, order: PaymentOrder) -> bool:
        procedure = self.procedures.get(order.owner)
        if procedure is None:
            log.warning("payment %s belongs to %s, which is not loaded", order.number, order.owner)
            return False
        return procedure.payment_settled(order) is True


class _WithdrawSignatures(CallListener):
    """At the end of a call, the signatures asked for in it and not given are withdrawn."""

    def __init__(self, signatures: SignatureDesk) -> None:
        self.signatures = signatures

    def call_ended(self, call: CallView) -> None:
        self.signatures.call_ended(call)


class _Forget(CallListener):
    """At the end of a call, what was kept about it in the call memory goes."""

    def __init__(self, memory: CallMemory) -> None:
        self.memory = memory

    def call_ended(self, call: CallView) -> None:
        self.memory.forget(call.id)


def _procedure_settings(procedures: list[Procedure], name: str) -> Any:
    for procedure in procedures:
        if procedure.name == name and procedure.settings_model is not None:
            return procedure.settings_model()
    return None


_SEALS: dict[tuple[str, float], Any] = {}
_MISSING_SEALS: set[str] = set()


def _seal(settings: Settings) -> Any:
    """The seal of the settings' PKCS#12 file, loaded once per version of the file."""
    from pathlib import Path

    from finestreta.documents.seal import load_seal_from_settings

    path = settings.seal_pkcs12
    if not path:
        return None
    try:
        key = (path, Path(path).stat().st_mtime)
    except OSError:
        if path not in _MISSING_SEALS:  # said once, not at every volant
            _MISSING_SEALS.add(path)
            log.error("FINESTRETA_SEAL_PKCS12 names %s, which cannot be read", path)
        return None
    if key not in _SEALS:
        _SEALS[key] = load_seal_from_settings(settings)
    return _SEALS[key]
