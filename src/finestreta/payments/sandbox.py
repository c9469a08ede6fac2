"""The sandbox gateway's rules (pure): a bank of our own that speaks exactly Redsys's redirect
protocol, so that the demo and the tests pay offline. ``web/sandbox_gateway.py`` serves it.

The merchant and the sandbox share Redsys's public test key and test merchant code, so the
merchant's side is the real :class:`~finestreta.payments.redsys.RedsysGateway` with another
endpoint (:class:`SandboxGateway`), and the sandbox checks what the booth posts the way Redsys
does (:func:`read_request`) and answers with :meth:`RedsysGateway.notification`: it cannot
drift from what :meth:`RedsysGateway.verify` checks. Redsys's public test card
``4548810000000003`` (any future expiry, any 3-digit CVV) is authorised (``0000``); any other
card is declined (``0190``), an expired one ``0101``.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from pydantic import SecretStr

from finestreta.payments.errors import PaymentRefused
from finestreta.payments.gateway import Language, is_order_number
from finestreta.payments.redsys import (
    AUTHORISATION,
    LANGUAGES,
    SIGNATURE_VERSION,
    RedsysGateway,
    RedsysSettings,
    decode_base64,
    sign,
)

# Redsys's test environment, published in its integration guides and every client library:
# public by design, so the sandbox may hold it.
TEST_KEY = "sq7HjrUOBfKmC576ILgskD5srU870gJ7"
TEST_MERCHANT = "999008881"
TEST_TERMINAL = "1"
TEST_CARD = "4548810000000003"
PAY_PATH = "/sis/realizarPago"

APPROVED = "0000"
DECLINED = "0190"  # "denegada sin especificar motivo"
EXPIRED_CARD = "0101"
MAX_FIELD = 8192
_LANGUAGE_OF = {code: language for language, code in LANGUAGES.items()}
_DIGITS = re.compile(r"[0-9]{1,12}", re.ASCII)
_EXPIRY = re.compile(r"(0[1-9]|1[0-2])/?([0-9]{2})", re.ASCII)


class SandboxGateway(RedsysGateway):
    """The merchant's side of the sandbox: Redsys with the test terminal, posting to the
    sandbox at ``origin`` (``http://127.0.0.1:8001``)."""

    name = "sandbox"

    def __init__(self, origin: str) -> None:
        super().__init__(
            RedsysSettings(
                merchant_code=TEST_MERCHANT,
                terminal=TEST_TERMINAL,
                key=SecretStr(TEST_KEY),
                endpoint=origin.rstrip("/") + PAY_PATH,
            )
        )


class RequestRefused(Exception):
    """What the booth posted is not a payment the sandbox takes; ``reason`` says which rule
    (the page tells the citizen politely, and nothing is charged)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PaymentRequest:
    """A payment a merchant asked for, its signature verified."""

    order: str
    amount_cents: int
    currency: str
    merchant: str
    terminal: str
    notify_url: str
    ok_url: str
    ko_url: str
    language: Language


def read_request(fields: Mapping[str, str], gateway: RedsysGateway) -> PaymentRequest:
    """The payment the three posted fields ask for, checked as Redsys checks it: signature
    version, parameters (Base64 of a JSON object; names in upper or camel case), the
    signature with the key of the order, the merchant and terminal, an authorisation in
    euros of a positive amount, and where to notify and return. A :class:`RequestRefused`
    otherwise."""
    if fields.get("Ds_SignatureVersion") != SIGNATURE_VERSION:
        raise RequestRefused("signature_version")
    parameters = fields.get("Ds_MerchantParameters", "")
    signature = fields.get("Ds_Signature", "")
    if not parameters or not signature or max(len(parameters), len(signature)) > MAX_FIELD:
        raise RequestRefused("malformed")
    try:
        raw = json.loads(decode_base64(parameters).decode("utf-8"))
    except (PaymentRefused, ValueError, RecursionError) as exc:
        raise RequestRefused("malformed") from exc
    if not isinstance(raw, dict) or not all(isinstance(v, str | int) for v in raw.values()):
        raise RequestRefused("malformed")
    values = {str(key).upper(): str(value) for key, value in raw.items()}
    order = values.get("DS_MERCHANT_ORDER", "")
    if not is_order_number(order):
        raise RequestRefused("order")
    key = base64.b64decode(gateway.settings.key.get_secret_value())
    expected = base64.b64encode(sign(key, order, parameters)).decode("ascii")
    try:
        given = base64.b64encode(decode_base64(signature)).decode("ascii")
    except PaymentRefused as exc:
        raise RequestRefused("signature") from exc
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise RequestRefused("signature")
    if values.get("DS_MERCHANT_MERCHANTCODE") != gateway.settings.merchant_code or _number(
        values.get("DS_MERCHANT_TERMINAL", "")
    ) != _number(gateway.settings.terminal):
        raise RequestRefused("merchant")
    if values.get("DS_MERCHANT_TRANSACTIONTYPE", AUTHORISATION) != AUTHORISATION:
        raise RequestRefused("transaction_type")
    if values.get("DS_MERCHANT_CURRENCY") != "978":
        raise RequestRefused("currency")
    amount = values.get("DS_MERCHANT_AMOUNT", "")
    if not _DIGITS.fullmatch(amount) or int(amount) <= 0:
        raise RequestRefused("amount")
    names = ("DS_MERCHANT_MERCHANTURL", "DS_MERCHANT_URLOK", "DS_MERCHANT_URLKO")
    urls = [values.get(name, "") for name in names]
    if not all(url.startswith(("http://", "https://")) for url in urls):
        raise RequestRefused("urls")
    language = _LANGUAGE_OF.get(values.get("DS_MERCHANT_CONSUMERLANGUAGE", "").zfill(3), "es")
    return PaymentRequest(
        order=order,
        amount_cents=int(amount),
        currency="978",
        merchant=values["DS_MERCHANT_MERCHANTCODE"],
        terminal=values["DS_MERCHANT_TERMINAL"],
        notify_url=urls[0],
        ok_url=urls[1],
        ko_url=urls[2],
        language=language,
    )


def _number(text: str) -> int | None:
    return int(text) if _DIGITS.fullmatch(text) else None


@dataclass(frozen=True)
class CardEntry:
    """What the citizen typed, cleaned; ``problems`` names the fields to correct (then nothing
    is asked of the bank)."""

    number: str
    expiry: tuple[int, int] | None  # (month, year)
    cvv: str
    problems: tuple[str, ...]


def read_card(number: str, expiry: str, cvv: str) -> CardEntry:
    """The card as typed (spaces ignored): 13 to 19 digits, ``MM/YY``, 3 digits."""
    digits = re.sub(r"[\s-]", "", number)
    problems = []
    if not re.fullmatch(r"[0-9]{13,19}", digits, re.ASCII):
        problems.append("card")
    match = _EXPIRY.fullmatch(expiry.strip())
    if match is None:
        problems.append("expiry")
    if not re.fullmatch(r"[0-9]{3}", cvv.strip(), re.ASCII):
        problems.append("cvv")
    month_year = (int(match[1]), 2000 + int(match[2])) if match else None
    return CardEntry(digits, month_year, cvv.strip(), tuple(problems))


def card_response(card: CardEntry, today: date) -> str:
    """The bank's answer (``Ds_Response``) to a well-formed card."""
    if card.expiry is None or card.problems:
        raise ValueError("a card with problems is not sent to the bank")
    month, year = card.expiry
    if (year, month) < (today.year, today.month):
        return EXPIRED_CARD
    return APPROVED if card.number == TEST_CARD else DECLINED


def return_query(notification: Mapping[str, str]) -> dict[str, str]:
    """What Redsys adds to URL OK / URL KO: the notification's three fields."""
    return {
        name: notification[name]
        for name in ("Ds_SignatureVersion", "Ds_MerchantParameters", "Ds_Signature")
    }
