"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the answers'
e-mails; and a case handler logged in in a browser of their own."""

from __future__ import annotations

import email
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from finestreta.accounts import service
from finestreta.accounts.service import ROLES
from finestreta.db import Database
from finestreta.mail import Mailer
from tests.api.conftest import Browser, login
from tests.conftest import PASSWORD

SENDER = "Ajuntament de Barcelona <no-reply@oac.example.cat>"


@dataclass
class Inbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def mailer(self) -> Mailer:
        return Mailer(host=self.host, port=self.port, sender=SENDER, starttls=False, timeout=5)

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    box = Inbox("127.0.0.1", port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def make_handler(
    db: Database, browser: Browser, username: str, role: str = "case-handler"
) -> tuple[TestClient, int]:
    """A staff user with ``role`` (the procedure's ``case-handler`` too) logged in."""
    with db.session() as session:
        user = service.add_user(
            session,
            username,
            PASSWORD,
            role,
            username.title(),
            ["ca", "es"],
            [],
            known_roles=(*ROLES, "case-handler"),
        )
        staff_id = user.id
    other = browser()
    login(other, username)
    return other, staff_id
