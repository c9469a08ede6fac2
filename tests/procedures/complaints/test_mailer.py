"""The platform's mailer against a real SMTP server on loopback: one multipart message (text
and HTML) with its language; a server that cannot be reached is a ``MailFailed`` whose reason
names neither the addressee nor the content; no server configured sends nothing."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from finestreta.config import Settings
from finestreta.mail import Mailer, MailFailed, MailMessage, MailNotConfigured, plain_address
from tests.procedures.complaints.smtp import SENDER, Inbox

MESSAGE = MailMessage(
    to="nuria.puig@example.cat",
    subject="Resposta",
    text="Hola,\n\nJa està arreglat.",
    html="<p>Hola,</p><p>Ja està arreglat.</p>",
    language="ca",
)


def test_a_multipart_message_reaches_the_server(inbox: Inbox) -> None:
    inbox.mailer().send(MESSAGE)
    [mail] = inbox.wait()
    assert inbox.envelopes[0].rcpt_tos == ["nuria.puig@example.cat"]
    assert mail["From"] == SENDER and mail["Content-Language"] == "ca"
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain is not None and "Ja està arreglat." in plain.get_content()
    assert html is not None and "<p>Ja està arreglat.</p>" in html.get_content()


@pytest.mark.parametrize(
    "address", ["postmaster,victim@example.com", "a<b>@example.com", "x@y.cat, z@w.cat"]
)
def test_an_address_read_as_someone_else_is_never_sent_to(inbox: Inbox, address: str) -> None:
    with pytest.raises(MailFailed) as failure:
        inbox.mailer().send(dataclasses.replace(MESSAGE, to=address))
    assert failure.value.reason == "bad address"
    inbox.mailer().send(MESSAGE)  # the server works: only the one good message reached it
    inbox.wait()
    assert [e.rcpt_tos for e in inbox.envelopes] == [["nuria.puig@example.cat"]]


@pytest.mark.parametrize("address", ["nuria.puig@example.cat", "o'brien+oac@ex-ample.co.uk"])
def test_plain_addresses_are_taken(address: str) -> None:
    assert plain_address(address)


def test_an_unreachable_server_is_a_failure_without_personal_data() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nobody listens there now
    with pytest.raises(MailFailed) as failure:
        Mailer("127.0.0.1", port, SENDER, starttls=False, timeout=2).send(MESSAGE)
    assert "nuria" not in failure.value.reason and "arreglat" not in failure.value.reason


def test_no_server_configured_sends_nothing() -> None:
    mailer = Mailer.from_settings(Settings(_env_file=None))
    assert not mailer.configured
    with pytest.raises(MailNotConfigured):
        mailer.send(MESSAGE)


def test_the_password_is_never_shown() -> None:
    mailer = Mailer("smtp.example", 587, SENDER, username="oac", password="s3cret-pass")
    assert "s3cret" not in repr(mailer) and "s3cret" not in str(mailer)
