"""The application factory: ``create_app(settings)`` builds the ASGI app; ``uvicorn`` serves it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from finestreta import __version__
from finestreta.config import Settings, get_settings
from finestreta.context import AppContext, build_context
from finestreta.procedures.census import routes as census_routes
from finestreta.procedures.information import routes as information_routes
from finestreta.realtime import endpoints
from finestreta.web import api, catalogue_api, devices_api, errors, pages, verify

WEB = Path(__file__).resolve().parent / "web"
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, ctx: AppContext | None = None) -> FastAPI:
    settings = settings or get_settings()
    ctx = ctx or build_context(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ctx.hub.start()
        log.info("Finestreta %s ready", __version__)
        try:
            yield
        finally:
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
    app.state.templates = Jinja2Templates(directory=WEB / "templates")
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    errors.install(app)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(devices_api.router)
    app.include_router(catalogue_api.router)
    app.include_router(information_routes.router)
    app.include_router(census_routes.router)
    app.include_router(verify.router)
    app.include_router(endpoints.router)

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

    return app
