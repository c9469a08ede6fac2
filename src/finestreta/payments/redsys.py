"""Redsys's redirect connection, signature version HMAC_SHA256_V1 (pure: no network).

The browser posts three fields to Redsys: ``Ds_SignatureVersion``, ``Ds_MerchantParameters``
(Base64 of a JSON object of ``DS_MERCHANT_*`` fields) and ``Ds_Signature``. The signature key
is derived per order: the merchant key (Base64, 24 bytes) 3DES-CBC-encrypts the order number
zero-padded to 8 bytes, IV of zeros; the signature is HMAC-SHA256 of the Base64 parameters
*string* with that key, in Base64. Redsys's notifications are signed the same way over the
string they post, with the signature in Base64url.

:meth:`RedsysGateway.verify` refuses a notification unless the signature verifies and the
order, amount, currency, merchant and terminal match the order we created; nothing a peer
sends makes it raise anything but a :class:`~finestreta.payments.errors.PaymentRefused`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

# TripleDES left cryptography's primitives (deprecated there) for the "decrepit" module: the
# algorithm is Redsys's choice, not ours, and importing it from there warns about nothing.
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from pydantic import SecretStr

from finestreta import strict_json
from finestreta.payments.errors import (
    PAYMENT_FORGED,
    PAYMENT_MALFORMED,
    PAYMENT_MISMATCH,
    PAYMENT_TOO_LARGE,
    PAYMENT_UNKNOWN_ORDER,
)
from finestreta.payments.gateway import EURO, FindOrder, Language, Notification, Order, PaymentForm

SIGNATURE_VERSION = "HMAC_SHA256_V1"
TEST_ENDPOINT = "https://sis-t.redsys.es:25443/sis/realizarPago"
LANGUAGES: dict[Language, str] = {"es": "001", "en": "002", "ca": "003"}
AUTHORISATION = "0"  # DS_MERCHANT_TRANSACTIONTYPE: an ordinary authorisation
# A real notification's parameters are well under 2 KiB; anything far bigger is not one.
MAX_PARAMETERS = 8192
MAX_SIGNATURE = 128
# Ds_Date/Ds_Hour are Spanish peninsular time, without a zone.
REDSYS_TIME = ZoneInfo("Europe/Madrid")
_DIGITS = re.compile(r"[0-9]{1,12}", re.ASCII)


@dataclass(frozen=True)
class RedsysSettings:
    """One Redsys merchant terminal. ``key`` is the terminal's secret (Base64 of 24 bytes); it
    shows as ``**********`` in any repr or str, and a bad one is refused without echoing it."""

    merchant_code: str
    terminal: str
    key: SecretStr
    endpoint: str = TEST_ENDPOINT

    def __post_init__(self) -> None:
        try:
            raw = base64.b64decode(self.key.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 24:
            raise ValueError("the Redsys key must be the Base64 of 24 bytes (as Redsys gives it)")


def derive_key(merchant_key: bytes, order: str) -> bytes:
    """The order's signing key: 3DES-CBC of the order number, zero-padded, IV of zeros."""
    data = order.encode("ascii")
    data += b"\0" * (-len(data) % 8)
    encryptor = Cipher(TripleDES(merchant_key), modes.CBC(b"\0" * 8)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def sign(merchant_key: bytes, order: str, parameters: str) -> bytes:
    """The HMAC-SHA256 of the Base64 ``parameters`` string with ``order``'s key (raw bytes:
    requests carry it in Base64, notifications in Base64url)."""
    key = derive_key(merchant_key, order)
    return hmac.new(key, parameters.encode("ascii"), hashlib.sha256).digest()


def encode_parameters(values: Mapping[str, str]) -> str:
    """Base64 of the compact JSON of ``values`` (what Ds_MerchantParameters carries)."""
    text = json.dumps(dict(values), separators=(",", ":"), ensure_ascii=True)
    return base64.b64encode(text.encode("ascii")).decode("ascii")


def decode_base64(text: str) -> bytes:
    """Base64 in either alphabet (Redsys posts standard, some clients url-safe), padding
    optional; the ``payment_malformed`` refusal for anything else."""
    canonical = text.replace("-", "+").replace("_", "/")
    canonical += "=" * (-len(canonical) % 4)
    try:
        return base64.b64decode(canonical, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PAYMENT_MALFORMED("the merchant parameters are not Base64") from exc


def _canonical_signature(text: str) -> str:
    """A signature in Base64url without padding: Redsys sends url-safe, some relays standard."""
    return text.replace("+", "-").replace("/", "_").rstrip("=")


class RedsysGateway:
    """The :class:`~finestreta.payments.gateway.PaymentGateway` for a Redsys terminal."""

    name = "redsys"

    def __init__(self, settings: RedsysSettings) -> None:
        self.settings = settings

    def __repr__(self) -> str:
        return f"RedsysGateway(merchant_code={self.settings.merchant_code!r})"

    @property
    def _key(self) -> bytes:
        return base64.b64decode(self.settings.key.get_secret_value())

    def parameters(self, order: Order) -> dict[str, str]:
        """The ``DS_MERCHANT_*`` fields for ``order`` (before Base64)."""
        return {
            "DS_MERCHANT_AMOUNT": str(order.amount_cents),
            "DS_MERCHANT_ORDER": order.number,
            "DS_MERCHANT_MERCHANTCODE": self.settings.merchant_code,
            "DS_MERCHANT_CURRENCY": order.currency,
            "DS_MERCHANT_TRANSACTIONTYPE": AUTHORISATION,
            "DS_MERCHANT_TERMINAL": self.settings.terminal,
            "DS_MERCHANT_MERCHANTURL": order.notify_url,
            "DS_MERCHANT_URLOK": order.ok_url,
            "DS_MERCHANT_URLKO": order.ko_url,
            "DS_MERCHANT_CONSUMERLANGUAGE": LANGUAGES[order.language],
        }

    def form(self, order: Order) -> PaymentForm:
        parameters = encode_parameters(self.parameters(order))
        signature = sign(self._key, order.number, parameters)
        return PaymentForm(
            action=self.settings.endpoint,
            fields={
                "Ds_SignatureVersion": SIGNATURE_VERSION,
                "Ds_MerchantParameters": parameters,
                "Ds_Signature": base64.b64encode(signature).decode("ascii"),
            },
        )

    def notification(
        self,
        order: str,
        amount_cents: int,
        response: str,
        *,
        currency: str = EURO,
        when: datetime | None = None,
        authorisation_code: str = "",
    ) -> dict[str, str]:
        """The fields Redsys posts to notify an order's outcome, signed with this terminal's
        key: what the sandbox gateway sends, so that it speaks exactly Redsys's protocol."""
        values = {
            "Ds_Amount": str(amount_cents),
            "Ds_Currency": currency,
            "Ds_Order": order,
            "Ds_MerchantCode": self.settings.merchant_code,
            "Ds_Terminal": self.settings.terminal.zfill(3),
            "Ds_Response": response,
            "Ds_TransactionType": AUTHORISATION,
            "Ds_AuthorisationCode": authorisation_code,
        }
        if when is not None:
            local = when.astimezone(REDSYS_TIME)
            # Redsys percent-encodes these two (28%2F05%2F2018, 10%3A44)
            values["Ds_Date"] = local.strftime("%d%%2F%m%%2F%Y")
            values["Ds_Hour"] = local.strftime("%H%%3A%M")
        parameters = encode_parameters(values)
        signature = sign(self._key, order, parameters)
        return {
            "Ds_SignatureVersion": SIGNATURE_VERSION,
            "Ds_MerchantParameters": parameters,
            "Ds_Signature": base64.urlsafe_b64encode(signature).decode("ascii"),
        }

    def verify(self, fields: Mapping[str, str], find: FindOrder) -> Notification:
        version = fields.get("Ds_SignatureVersion")
        parameters = fields.get("Ds_MerchantParameters")
        signature = fields.get("Ds_Signature")
        if version != SIGNATURE_VERSION:
            raise PAYMENT_MALFORMED(
                f"expected Ds_SignatureVersion {SIGNATURE_VERSION!r}, got {str(version)[:40]!r}"
            )
        if not isinstance(parameters, str) or not isinstance(signature, str):
            raise PAYMENT_MALFORMED("Ds_MerchantParameters and Ds_Signature are both needed")
        if len(parameters) > MAX_PARAMETERS or len(signature) > MAX_SIGNATURE:
            raise PAYMENT_TOO_LARGE("a Redsys notification's fields are far smaller")
        values = _read_parameters(parameters)
        number = _text(values, "Ds_Order")
        if not number.isascii():
            raise PAYMENT_MALFORMED("Ds_Order is not ASCII")

        # The key depends on the order number, so the parameters are read before the signature
        # is checked; nothing read is trusted until it has been.
        expected = base64.urlsafe_b64encode(sign(self._key, number, parameters)).decode("ascii")
        if not hmac.compare_digest(
            _canonical_signature(expected).encode("ascii"),
            _canonical_signature(signature).encode("utf-8", "surrogatepass"),
        ):
            raise PAYMENT_FORGED("the signature does not verify", {"order": number})

        order = find(number)
        if order is None:
            raise PAYMENT_UNKNOWN_ORDER("no such order", {"order": number})
        notification = Notification(
            order=number,
            amount_cents=_cents(_text(values, "Ds_Amount")),
            currency=_text(values, "Ds_Currency"),
            merchant=_text(values, "Ds_MerchantCode"),
            terminal=_text(values, "Ds_Terminal"),
            response=_text(values, "Ds_Response"),
            authorised=_authorised(_text(values, "Ds_Response")),
            date=_date(values),
            authorisation_code=str(values.get("Ds_AuthorisationCode", "")),
        )
        self._match(notification, order)
        return notification

    def _match(self, notification: Notification, order: Order) -> None:
        """Refuse a signed notification that is not about the order we created."""
        differ = []
        if notification.order != order.number:
            differ.append("order")
        if notification.amount_cents != order.amount_cents:
            differ.append("amount")
        if notification.currency != order.currency:
            differ.append("currency")
        if notification.merchant != self.settings.merchant_code:
            differ.append("merchant")
        if _terminal(notification.terminal) != _terminal(self.settings.terminal):
            differ.append("terminal")
        if differ:
            raise PAYMENT_MISMATCH(
                f"the notification differs from the order in: {', '.join(differ)}",
                {"order": order.number, "fields": differ},
            )


def _read_parameters(parameters: str) -> dict[str, Any]:
    raw = decode_base64(parameters)
    try:
        values = strict_json.loads(raw.decode("utf-8"), max_depth=1)
        json.loads(raw, object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PAYMENT_MALFORMED("the merchant parameters are not a JSON object") from exc
    if not isinstance(values, dict):
        raise PAYMENT_MALFORMED("the merchant parameters are not a JSON object")
    return values


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two Ds_Amount fields would mean one thing to us and perhaps another to an auditor's tool.
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a field appears twice")
    return dict(pairs)


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    if not isinstance(value, str):
        raise PAYMENT_MALFORMED(f"{name} is missing or not a string", {"field": name})
    return value


def _cents(text: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise PAYMENT_MALFORMED("Ds_Amount is not a number of cents", {"field": "Ds_Amount"})
    return int(text)


def _authorised(response: str) -> bool:
    if not _DIGITS.fullmatch(response):
        raise PAYMENT_MALFORMED("Ds_Response is not a number", {"field": "Ds_Response"})
    return 0 <= int(response) <= 99


def _terminal(text: str) -> int | None:
    # Redsys answers "001" for the terminal "1" it was given
    return int(text) if _DIGITS.fullmatch(text) else None


def _date(values: Mapping[str, Any]) -> datetime | None:
    day, hour = values.get("Ds_Date"), values.get("Ds_Hour")
    if day is None and hour is None:
        return None
    if not isinstance(day, str) or not isinstance(hour, str):
        raise PAYMENT_MALFORMED("Ds_Date and Ds_Hour go together", {"field": "Ds_Date"})
    try:
        when = datetime.strptime(f"{unquote(day)} {unquote(hour)}", "%d/%m/%Y %H:%M")
    except ValueError as exc:
        raise PAYMENT_MALFORMED("Ds_Date or Ds_Hour is not a date", {"field": "Ds_Date"}) from exc
    return when.replace(tzinfo=REDSYS_TIME)
