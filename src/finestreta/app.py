"""The application factory: ``create_app(settings)`` builds the ASGI app; ``uvicorn`` serves it.

The platform's routers, then each procedure's: its routes, its static files under
``/static/procedures/<name>/`` and its templates under the ``<name>/`` prefix of the template
loader (the console includes its panel fragment from there).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import jinja2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from finestreta import __version__
from finestreta.config import Settings, get_settings
from finestreta.context import AppContext, build_context
from finestreta.devices import routes as devices_routes
from finestreta.realtime import endpoints
from finestreta.singleton import only_one
from finestreta.web import (
    api,
    catalogue_api,
    contract,
    csp,
    errors,
    metrics_api,
    pages,
    payments_api,
    registry_api,
    report_pages,
    security,
    signatures_api,
    verify,
    wallboard_api,
)
from finestreta.web.bodies import BodyLimit
from finestreta.web.request_ids import RequestIds

WEB = Path(__file__).resolve().parent / "web"
PURGE_EVERY_S = 3600.0
PAYMENTS_EVERY_S = 30.0
UPKEEP_EVERY_S = 30.0
SWEEP_EVERY_S = 30.0
# A call that ended less than this ago is left to its own end-of-call listeners: they may still
# be running on the node that ended it, which alone holds the agent's socket (to cancel a job
# already sent) and whose procedures may still read the call's memory.
SWEEP_GRACE = timedelta(seconds=60)
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, ctx: AppContext | None = None) -> FastAPI:
    settings = settings or get_settings()
    ctx = ctx or build_context(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ctx.hub.start()
        if ctx.node is not None:
            await ctx.node.start()
        loop = asyncio.get_running_loop()
        tasks = [
            loop.create_task(_every(ctx, PURGE_EVERY_S, "housekeeping", _housekeeping)),
            loop.create_task(_every(ctx, PAYMENTS_EVERY_S, "payments", _payments_upkeep)),
            loop.create_task(_every(ctx, UPKEEP_EVERY_S, "procedures", _procedures_upkeep)),
            # the first round at once: calls that ended while no server ran keep nothing
            loop.create_task(_every(ctx, SWEEP_EVERY_S, "calls", _calls_sweep)),
        ]
        log.info("Finestreta %s ready", __version__)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if ctx.wallboard is not None:
                await ctx.wallboard.stop()
            if ctx.node is not None:
                await ctx.node.stop()
            await ctx.hub.stop()

    app = FastAPI(
        title="Finestreta",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.ctx = ctx
    app.add_middleware(security.HostCheck, allowed=security.allowed_hosts(settings))
    app.state.templates = _templates(ctx)
    errors.install(app)
    csp.install(app, settings.public_url)
    contract.install(app)
    for procedure in sorted(ctx.procedures.values(), key=lambda p: p.name):
        if procedure.static is not None:
            app.mount(
                f"/static/procedures/{procedure.name}",
                StaticFiles(directory=procedure.static),
                name=f"static-{procedure.name}",
            )
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(devices_routes.router)
    app.include_router(catalogue_api.router)
    app.include_router(registry_api.router)
    app.include_router(payments_api.router)
    app.include_router(signatures_api.router)
    app.include_router(verify.router)
    app.include_router(metrics_api.router)
    app.include_router(report_pages.router)
    app.include_router(wallboard_api.router)
    app.include_router(endpoints.router)
    for procedure in ctx.procedures.values():
        router = procedure.router()
        if router is not None:
            app.include_router(router)

    app.add_middleware(BodyLimit, settings=settings)  # innermost: before anything reads a body

    @app.middleware("http")
    async def _headers(request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(self), geolocation=()"
        )
        return response

    app.add_middleware(RequestIds)  # outermost (added last): every line of a request has its id
    return app


def _templates(ctx: AppContext) -> Jinja2Templates:
    """The platform's templates, and each procedure's under its name (``census/panel.html``)."""
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(WEB / "templates"),
            jinja2.PrefixLoader(
                {
                    p.name: jinja2.FileSystemLoader(p.templates)
                    for p in ctx.procedures.values()
                    if p.templates is not None
                }
            ),
        ]
    )
    return Jinja2Templates(env=jinja2.Environment(loader=loader, autoescape=True))


async def _every(
    ctx: AppContext, seconds: float, job: str, round_: Callable[[AppContext], None]
) -> None:
    """Run ``round_`` every ``seconds``, off the event loop, and only in the process that holds
    the job's lock this round (several processes on one database: see ``singleton``)."""
    while True:
        try:
            await asyncio.to_thread(_once, ctx, job, round_)
        except Exception:  # e.g. the database is away: the next round tries again
            log.exception("%s round failed", job)
        await asyncio.sleep(seconds)


def _once(ctx: AppContext, job: str, round_: Callable[[AppContext], None]) -> bool:
    """One round of ``job`` if this process gets its lock (true), else nothing (false)."""
    with only_one(ctx.db, job) as mine:
        if mine:
            round_(ctx)
        return mine


def _housekeeping(ctx: AppContext) -> None:
    """Every hour: files past their retention are deleted (rows and hashes stay), and so are
    signatures' strokes past theirs (the request stays)."""
    try:
        count = ctx.devices.purge_expired()
        if count:
            log.info("%d documents past retention deleted", count)
    except Exception:  # the next hour tries again
        log.exception("document purge failed")
    try:
        count = ctx.signatures.purge_expired()
        if count:
            log.info("%d signatures past retention purged", count)
    except Exception:
        log.exception("signature purge failed")


def _calls_sweep(ctx: AppContext) -> None:
    """Every half minute, what the end-of-call listeners leave when the process that ended a
    call dies between the commit and them (they run only there), for calls that ended more than
    ``SWEEP_GRACE`` ago: device jobs not started expire, open signature requests are withdrawn,
    the call memory is forgotten (last, as the listeners do: the others may read it). Each step
    is a conditional change, so a round that finds nothing changes nothing."""
    before = ctx.clock.now() - SWEEP_GRACE
    try:
        count = ctx.devices.sweep_ended_calls(before)
        if count:
            log.info("%d device jobs of ended calls expired", count)
    except Exception:  # the next round tries again
        log.exception("device job sweep failed")
    try:
        count = ctx.signatures.sweep_ended_calls(before)
        if count:
            log.info("%d signature requests of ended calls withdrawn", count)
    except Exception:
        log.exception("signature request sweep failed")
    try:
        count = ctx.memory.sweep(before)
        if count:
            log.info("memory of %d ended calls forgotten", count)
    except Exception:
        log.exception("call memory sweep failed")


def _payments_upkeep(ctx: AppContext) -> None:
    """Every half minute: open orders past their time expire (what they held is payable
    again), and settled orders their procedure has not posted yet are offered again."""
    try:
        expired = ctx.payments.expire_due()
        posted = ctx.payments.post_pending()
        if expired or posted:
            log.info("payments: %d orders expired, %d posted", len(expired), len(posted))
    except Exception:  # the next round tries again
        log.exception("payment upkeep failed")


def _procedures_upkeep(ctx: AppContext) -> None:
    """Every half minute each procedure's ``upkeep`` (e.g. mail that could not be sent yet is
    tried again); one failing does not keep the others from theirs. Before them, signatures
    sealed whose procedure's ``signature_given`` has not succeeded yet are offered again."""
    try:
        count = ctx.signatures.deliver_pending()
        if count:
            log.info("%d signatures delivered again to their procedures", count)
    except Exception:  # the next round tries again
        log.exception("signature redelivery failed")
    for procedure in ctx.procedures.values():
        try:
            procedure.upkeep()
        except Exception:  # the next round tries again
            log.exception("upkeep of %s failed", procedure.name)
