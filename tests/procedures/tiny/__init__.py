"""A tiny procedure that lives in the test suite, to prove the seam with something that is not
census: it registers through ``FINESTRETA_PROCEDURES`` exactly as a city's own would, and has
one of everything a procedure may have (a topic, a table and its migration, a route, a console
panel, a booth module, frames both ways, a call listener, a command, demo data, settings, a
document kind with its retention, a log-redaction pattern, texts of its own)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from finestreta.db import NAMING
from finestreta.devices.desk import summary
from finestreta.procedures.base import Panel, Procedure, Topic
from finestreta.realtime.connections import Connection
from finestreta.realtime.frames import CONSOLE, KIOSK, Inbound, Outbound
from finestreta.realtime.ports import CallView
from finestreta.web import security
from finestreta.web.calls import ActiveCall

NAME = "tiny"


class TinyBase(DeclarativeBase):
    """The tiny procedure's own metadata: it is not installed, so its table must not join the
    platform's ``Base.metadata`` (which the migration and clean-up tests compare with every
    database). A packaged procedure uses ``finestreta.db.Base``."""

    metadata = MetaData(naming_convention=NAMING)


class TinyNote(TinyBase):
    __tablename__ = "tiny_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(200))


class TinySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FINESTRETA_TINY_", extra="ignore")
    greeting: str = "Hola"


class Wave(Inbound):
    """The clerk waves at the citizen."""

    parties = (CONSOLE,)
    type: Literal["tiny_wave"]
    times: int = 1


class Waved(Outbound):
    """The booth shows the clerk's wave."""

    parties = (KIOSK,)
    type: Literal["tiny_waved"] = "tiny_waved"
    greeting: str
    times: int


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


def pixel() -> bytes:
    """A PNG of one white pixel: a document the platform's content checks accept."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(out, format="PNG")
    return out.getvalue()


class Tiny(Procedure):
    name = NAME
    topics: ClassVar[Mapping[str, Topic]] = {
        "tiny": Topic(label="Tiny things", description="Small matters", order=60)
    }
    document_kinds: ClassVar[Mapping[str, str]] = {"tiny_note": "Tiny note"}
    roles = ("tiny-keeper",)
    inbound_frames = (Wave,)
    outbound_frames = (Waved,)
    panel = Panel(order=5)
    booth_module = "booth.js"
    retention: ClassVar[Mapping[str, float | str | None]] = {"tiny_note": None}
    redact = (re.compile(r"TINY-\d{4}"),)
    settings_model = TinySettings

    def setup(self, platform: Any) -> None:
        self.platform = platform
        self.settings: TinySettings = platform.procedure_settings(NAME)
        self.heard: list[tuple[str, str]] = []

    def router(self) -> APIRouter:
        router = APIRouter()
        same_origin = [Depends(security.require_same_origin)]

        @router.post("/api/calls/{call_id}/tiny/note", dependencies=same_origin)
        def note(body: NoteBody, access: ActiveCall) -> dict[str, Any]:
            platform = self.platform
            with platform.db.session() as session:
                session.add(TinyNote(call_id=access.call.id, text=body.text))
            row = platform.devices.attach(
                access.call, pixel(), kind="tiny_note", title=body.text, by="tiny"
            )
            platform.memory.put(access.call.id, NAME, "last_note", body.text)
            platform.steps.record(
                NAME,
                "noted",
                call_id=access.call.id,
                clerk_id=access.staff.id,
                length=len(body.text),
            )
            return {"ok": True, "document": summary(row).model_dump()}

        @router.get("/api/calls/{call_id}/tiny/memory")
        def memory(access: ActiveCall) -> dict[str, Any]:
            return {
                "ok": True,
                "last_note": self.platform.memory.get(access.call.id, NAME, "last_note"),
            }

        return router

    def frame_handlers(self) -> Mapping[tuple[str, str], Any]:
        return {(CONSOLE, "tiny_wave"): self.wave}

    def wave(self, conn: Connection, frame: Wave) -> None:
        call = self.platform.calls.active_of_clerk(conn.party_id)
        if call is None:
            from finestreta.attention.errors import NO_CALL

            raise NO_CALL("Wave during a call")
        self.platform.outbox.to_kiosk(
            call.kiosk_id, Waved(greeting=self.settings.greeting, times=frame.times)
        )

    def call_started(self, call: CallView) -> None:
        self.heard.append(("started", call.id))
        self.platform.steps.record(NAME, "call_started", call_id=call.id)

    def call_ended(self, call: CallView) -> None:
        # listeners run before the platform forgets the call's memory
        note = self.platform.memory.get(call.id, NAME, "last_note")
        self.heard.append(("ended", call.id))
        self.platform.steps.record(NAME, "call_ended", call_id=call.id, had_note=note is not None)

    def add_commands(self, commands: argparse._SubParsersAction[Any]) -> None:
        tiny = commands.add_parser(NAME, help="the tiny procedure").add_subparsers(
            dest="tiny_command", required=True
        )
        hello = tiny.add_parser("hello", help="say hello")
        hello.set_defaults(func=lambda args: print(f"{TinySettings().greeting} from tiny"))

    def seed_demo(self, session: Session) -> None:
        session.add(TinyNote(call_id="demo", text="a demo note"))


procedure = Tiny()
