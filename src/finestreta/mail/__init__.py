"""Mail the city sends (answers to complaints, later others), through a real SMTP server.

``Mailer.from_settings(settings)`` reads ``FINESTRETA_SMTP_*`` and ``FINESTRETA_MAIL_FROM``;
``Mailer.send(message)`` sends one multipart (text + HTML) message or raises
:class:`MailNotConfigured` (no server or sender set) or :class:`MailFailed` (the server refused
or could not be reached; the reason says nothing of the message or its addressee, so it may be
recorded). Delivery is the caller's to make durable: keep an outbox row, send after commit,
retry until sent (the complaints' answers do so).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Any

__all__ = ["MailFailed", "MailMessage", "MailNotConfigured", "Mailer", "plain_address"]

# RFC 5322 dot-atom only (no quoted local parts, comments or display names): nothing a header
# parser could read as a second addressee or a name (``a,b@x`` → two; ``a<b>@x`` → ``b``).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")


def plain_address(address: object) -> bool:
    """``local@domain`` in dot-atom form, at most 254 characters (64 before the @), which reads back from a
    ``To:`` header as exactly itself: one addressee, the one written."""
    if not isinstance(address, str) or len(address) > 254 or not _ADDRESS.fullmatch(address):
        return False
    if len(address.rpartition("@")[0]) > 64:
        return False
    return getaddresses([address]) == [("", address)]


class MailNotConfigured(Exception):
    """No SMTP server or no sender is configured: nothing can be sent."""


class MailFailed(Exception):
    """The SMTP server could not be reached or refused the message (``reason``: a short text
    without the addressee or the content; ``permanent``: a 5xx refusal or a bad address, which
    trying again will not change)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str
    html: str
    language: str  # Content-Language of the message


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 20.0

    @classmethod
    def from_settings(cls, settings: Any) -> Mailer:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)

    def __repr__(self) -> str:  # never the password
        return f"Mailer(host={self.host!r}, port={self.port}, starttls={self.starttls})"

    def compose(self, message: MailMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.sender.rpartition("@")[2].strip("> ") or None
        mail["Message-ID"] = make_msgid(domain=domain)
        mail["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        mail["Content-Language"] = message.language  # after: set_content drops Content-*
        return mail

    def send(self, message: MailMessage) -> None:
        if not self.configured:
            raise MailNotConfigured("no SMTP server or sender configured")
        if not plain_address(message.to):  # checked when stored; never trust it in a header
            raise MailFailed("bad address", permanent=True)
        mail = self.compose(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                # the envelope names the one addressee, not whatever the header parses to
                smtp.send_message(mail, to_addrs=[message.to])
        except smtplib.SMTPResponseException as error:
            code = error.smtp_code
            raise MailFailed(f"SMTP {code}", permanent=500 <= code < 600) from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            permanent = bool(codes) and all(500 <= code < 600 for code in codes)
            raise MailFailed("recipient refused", permanent=permanent) from None
        except (smtplib.SMTPException, OSError) as error:
            raise MailFailed(type(error).__name__) from None
