"""Redsys HMAC_SHA256_V1: published vectors first, then properties of build → notify → verify."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from finestreta.payments import (
    Order,
    PaymentRefused,
    RedsysGateway,
    RedsysSettings,
    order_number,
)
from finestreta.payments.gateway import LAST_SEQUENCE
from finestreta.payments.redsys import derive_key, sign

# Redsys's own test-environment key, published in its integration guide and every client.
TEST_KEY = "sq7HjrUOBfKmC576ILgskD5srU870gJ7"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# ------------------------------------------------------------------ published vectors


def test_the_domain_vector_derives_the_order_key() -> None:
    """DOMAIN.md's vector (Redsys's integration guide)."""
    key = base64.b64decode("Mk9m98IfEblmPfrpsawt7BmxObt98Jev")
    assert b64(derive_key(key, "1234567890")) == "skzDZ5ChKP5QLergu1TcXA=="


# brickpop/redsys-pos, spec/static.spec.js ("should match the expected 3DES encryption result"
# and "should generate a valid object with request parameters"), with Redsys's test key.
SPEC_PARAMETERS = (
    "eyJEU19NRVJDSEFOVF9BTU9VTlQiOiIxMDAwIiwiRFNfTUVSQ0hBTlRfT1JERVIiOiIxMjM0NTY3OCIsIkRTX01F"
    "UkNIQU5UX01FUkNIQU5UTkFNRSI6IlNQRUMgU0hPUCIsIkRTX01FUkNIQU5UX01FUkNIQU5UQ09ERSI6IjMyNzIz"
    "NDY4OCIsIkRTX01FUkNIQU5UX0NVUlJFTkNZIjoiOTc4IiwiRFNfTUVSQ0hBTlRfVFJBTlNBQ1RJT05UWVBFIjoi"
    "MCIsIkRTX01FUkNIQU5UX1RFUk1JTkFMIjoiMSIsIkRTX01FUkNIQU5UX01FUkNIQU5UVVJMIjoiaHR0cDovL3d3"
    "dy5zcGVjLXNob3AuY29tLyIsIkRTX01FUkNIQU5UX1VSTE9LIjoiaHR0cDovL3d3dy5zcGVjLXNob3Avc3VjY2Vz"
    "cyIsIkRTX01FUkNIQU5UX1VSTEtPIjoiaHR0cDovL3d3dy5zcGVjLXNob3AvZXJyb3IifQ=="
)


@pytest.mark.parametrize(
    ("order", "derived"),
    [
        ("0", "Qyx5NZhbucY="),
        ("1234567890", "ntVrJPxp2xlsetWVajPl0g=="),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "zpFLv7NacMPOXx570s2BAdR9fZue1crKaHX2S/0/f/8="),
    ],
)
def test_published_derived_keys(order: str, derived: str) -> None:
    assert b64(derive_key(base64.b64decode(TEST_KEY), order)) == derived


def test_a_published_request_signature() -> None:
    signature = sign(base64.b64decode(TEST_KEY), "12345678", SPEC_PARAMETERS)
    assert b64(signature) == "OJHmZ7cVCM2YdKoFUWkSvK9suPLRvl3DPS840EgBW00="


# Notifications as Redsys posted them (Base64url signatures), checked by the same spec
# ("should decode valid responses"): one authorised, one declined (SIS9915, cancelled).
AUTHORISED = {
    "Ds_SignatureVersion": "HMAC_SHA256_V1",
    "Ds_MerchantParameters": (
        "eyJEc19EYXRlIjoiMjglMkYwNSUyRjIwMTgiLCJEc19Ib3VyIjoiMTAlM0E0NCIsIkRzX1NlY3VyZVBheW1l"
        "bnQiOiIxIiwiRHNfQW1vdW50IjoiNjcwMCIsIkRzX0N1cnJlbmN5IjoiOTc4IiwiRHNfT3JkZXIiOiIwMDAw"
        "RkI5QTE3MiIsIkRzX01lcmNoYW50Q29kZSI6IjMzNjcwNDY1NSIsIkRzX1Rlcm1pbmFsIjoiMDAxIiwiRHNf"
        "UmVzcG9uc2UiOiIwMDAwIiwiRHNfVHJhbnNhY3Rpb25UeXBlIjoiMCIsIkRzX01lcmNoYW50RGF0YSI6IiIs"
        "IkRzX0F1dGhvcmlzYXRpb25Db2RlIjoiMjE4MDQ4IiwiRHNfQ29uc3VtZXJMYW5ndWFnZSI6IjEiLCJEc19D"
        "YXJkX0NvdW50cnkiOiI3MjQiLCJEc19DYXJkX0JyYW5kIjoiMSJ9"
    ),
    "Ds_Signature": "3Fg6oB4URw8ykL-hkvdYPW4RKvT3ikz6qAv6WMHFH2I=",
}
DECLINED = {
    "Ds_SignatureVersion": "HMAC_SHA256_V1",
    "Ds_MerchantParameters": (
        "eyJEc19EYXRlIjoiMTAlMkYwNiUyRjIwMTgiLCJEc19Ib3VyIjoiMjAlM0EyMCIsIkRzX1NlY3VyZVBheW1l"
        "bnQiOiIwIiwiRHNfQW1vdW50IjoiNjAwMCIsIkRzX0N1cnJlbmN5IjoiOTc4IiwiRHNfT3JkZXIiOiIwMDAw"
        "NTcyNzkxRCIsIkRzX01lcmNoYW50Q29kZSI6IjM0NjM4MTkwOCIsIkRzX1Rlcm1pbmFsIjoiMDAxIiwiRHNf"
        "UmVzcG9uc2UiOiI5OTE1IiwiRHNfTWVyY2hhbnREYXRhIjoiIiwiRHNfVHJhbnNhY3Rpb25UeXBlIjoiMCIs"
        "IkRzX0NvbnN1bWVyTGFuZ3VhZ2UiOiIxIiwiRHNfRXJyb3JDb2RlIjoiU0lTOTkxNSIsIkRzX0F1dGhvcmlz"
        "YXRpb25Db2RlIjoiKysrKysrIn0="
    ),
    "Ds_Signature": "qJ0OTUI5YMuyHEdt0uxVZ-nlYFqKlMXXlc9WT-4auCs=",
}


def _theirs(number: str, amount: int) -> Order:
    # Their order numbers are 11 characters (Redsys takes 4 to 12): built without our rule.
    order = object.__new__(Order)
    for name, value in {
        "number": number,
        "amount_cents": amount,
        "notify_url": "",
        "ok_url": "",
        "ko_url": "",
        "language": "es",
        "currency": "978",
    }.items():
        object.__setattr__(order, name, value)
    return order


def test_a_published_authorised_notification_verifies() -> None:
    gateway = RedsysGateway(RedsysSettings("336704655", "1", SecretStr(TEST_KEY)))
    orders = {"0000FB9A172": _theirs("0000FB9A172", 6700)}
    notification = gateway.verify(AUTHORISED, orders.get)
    assert (notification.order, notification.amount_cents, notification.authorised) == (
        "0000FB9A172",
        6700,
        True,
    )
    assert notification.date == datetime(2018, 5, 28, 8, 44, tzinfo=UTC)
    assert (notification.terminal, notification.authorisation_code) == ("001", "218048")


def test_a_published_declined_notification_verifies_as_not_authorised() -> None:
    gateway = RedsysGateway(RedsysSettings("346381908", "1", SecretStr(TEST_KEY)))
    notification = gateway.verify(DECLINED, {"0000572791D": _theirs("0000572791D", 6000)}.get)
    assert (notification.response, notification.authorised) == ("9915", False)


def test_the_published_notification_with_another_key_is_forged() -> None:
    other = b64(bytes(range(24)))
    gateway = RedsysGateway(RedsysSettings("336704655", "1", SecretStr(other)))
    with pytest.raises(PaymentRefused) as refused:
        gateway.verify(AUTHORISED, {"0000FB9A172": _theirs("0000FB9A172", 6700)}.get)
    assert refused.value.code == "payment_forged"


# ------------------------------------------------------------------ our form and notifications

SETTINGS = RedsysSettings("999008881", "1", SecretStr(TEST_KEY))
GATEWAY = RedsysGateway(SETTINGS)


def _order(number: str = "000100000001", amount: int = 12345, language: str = "ca") -> Order:
    return Order(
        number=number,
        amount_cents=amount,
        notify_url="https://finestreta.example/payments/redsys/notify",
        ok_url="https://finestreta.example/payments/ok",
        ko_url="https://finestreta.example/payments/ko",
        language=language,  # type: ignore[arg-type]
    )


def test_the_form_carries_the_redsys_fields_signed() -> None:
    order = _order(language="en")
    form = GATEWAY.form(order)
    assert form.action == "https://sis-t.redsys.es:25443/sis/realizarPago"
    assert form.fields["Ds_SignatureVersion"] == "HMAC_SHA256_V1"
    parameters = json.loads(base64.b64decode(form.fields["Ds_MerchantParameters"]))
    assert parameters == {
        "DS_MERCHANT_AMOUNT": "12345",
        "DS_MERCHANT_ORDER": "000100000001",
        "DS_MERCHANT_MERCHANTCODE": "999008881",
        "DS_MERCHANT_CURRENCY": "978",
        "DS_MERCHANT_TRANSACTIONTYPE": "0",
        "DS_MERCHANT_TERMINAL": "1",
        "DS_MERCHANT_MERCHANTURL": "https://finestreta.example/payments/redsys/notify",
        "DS_MERCHANT_URLOK": "https://finestreta.example/payments/ok",
        "DS_MERCHANT_URLKO": "https://finestreta.example/payments/ko",
        "DS_MERCHANT_CONSUMERLANGUAGE": "002",
    }
    expected = sign(
        base64.b64decode(TEST_KEY), "000100000001", form.fields["Ds_MerchantParameters"]
    )
    assert form.fields["Ds_Signature"] == b64(expected)


@pytest.mark.parametrize(("language", "code"), [("es", "001"), ("en", "002"), ("ca", "003")])
def test_consumer_languages(language: str, code: str) -> None:
    parameters = GATEWAY.parameters(_order(language=language))
    assert parameters["DS_MERCHANT_CONSUMERLANGUAGE"] == code


def test_the_key_never_shows() -> None:
    shown = f"{SETTINGS!r} {SETTINGS} {GATEWAY!r} {vars(GATEWAY)}"
    assert TEST_KEY not in shown and "**********" in shown


def test_a_key_that_is_not_24_bytes_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="24 bytes") as refused:
        RedsysSettings("999008881", "1", SecretStr("bm90LWEta2V5"))
    assert "bm90LWEta2V5" not in str(refused.value)


def _refusal(fields: dict[str, str], order: Order | None = None) -> str:
    order = order or _order()
    with pytest.raises(PaymentRefused) as refused:
        GATEWAY.verify(fields, {order.number: order}.get)
    return refused.value.code


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"Ds_SignatureVersion": ""}, "payment_malformed"),
        ({"Ds_SignatureVersion": "HMAC_SHA512_V2"}, "payment_malformed"),
        ({"Ds_Signature": "x"}, "payment_forged"),
        ({"Ds_MerchantParameters": "!!!not base64!!!"}, "payment_malformed"),
        ({"Ds_MerchantParameters": "A"}, "payment_malformed"),
        ({"Ds_MerchantParameters": b64(b"not json")}, "payment_malformed"),
        ({"Ds_MerchantParameters": b64(b"\xff\xfe")}, "payment_malformed"),
        ({"Ds_MerchantParameters": b64(b'["Ds_Order"]')}, "payment_malformed"),
        ({"Ds_MerchantParameters": b64(b'{"Ds_Order": {"a": 1}}')}, "payment_malformed"),
        ({"Ds_MerchantParameters": b64(b'{"Ds_Order": 1}')}, "payment_malformed"),
        ({"Ds_MerchantParameters": b64(b"[" * 2000 + b"]" * 2000)}, "payment_malformed"),
        ({"Ds_MerchantParameters": "QUFB" * 3000}, "payment_too_large"),
        ({"Ds_Signature": "A" * 1000}, "payment_too_large"),
        ({"Ds_Signature": "é" * 43}, "payment_forged"),
    ],
)
def test_bad_notifications_are_clear_refusals(fields: dict[str, str], code: str) -> None:
    good = GATEWAY.notification("000100000001", 12345, "0000")
    assert _refusal({**good, **fields}) == code


@pytest.mark.parametrize(
    "missing", ["Ds_SignatureVersion", "Ds_MerchantParameters", "Ds_Signature"]
)
def test_a_missing_field_is_malformed(missing: str) -> None:
    fields = GATEWAY.notification("000100000001", 12345, "0000")
    del fields[missing]
    assert _refusal(fields) == "payment_malformed"


def test_a_duplicated_field_is_malformed() -> None:
    text = b'{"Ds_Order":"000100000001","Ds_Amount":"12345","Ds_Amount":"1"}'
    assert _refusal(
        {**GATEWAY.notification("000100000001", 1, "0"), "Ds_MerchantParameters": b64(text)}
    ) == ("payment_malformed")


def test_a_signed_notification_with_garbage_in_a_field_is_malformed() -> None:
    for amount in ("12,34", "-1", "", "1e3"):
        fields = GATEWAY.notification("000100000001", 12345, "0000")
        values = json.loads(base64.b64decode(fields["Ds_MerchantParameters"]))
        values["Ds_Amount"] = amount
        parameters = b64(json.dumps(values).encode())
        signature = sign(base64.b64decode(TEST_KEY), "000100000001", parameters)
        forged_well = {
            **fields,
            "Ds_MerchantParameters": parameters,
            "Ds_Signature": b64(signature),
        }
        assert _refusal(forged_well) == "payment_malformed", amount


def test_an_unknown_order_is_refused() -> None:
    fields = GATEWAY.notification("000100000002", 12345, "0000")
    assert _refusal(fields) == "payment_unknown_order"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "840"}, "currency"),
        ({"merchant_code": "999008882"}, "merchant"),
        ({"terminal": "2"}, "terminal"),
    ],
)
def test_a_signed_notification_about_something_else_is_a_mismatch(
    change: dict[str, str], field: str
) -> None:
    currency = change.pop("currency", "978")
    other = RedsysGateway(
        RedsysSettings(
            change.get("merchant_code", "999008881"),
            change.get("terminal", "1"),
            SecretStr(TEST_KEY),
        )
    )
    fields = other.notification("000100000001", 12345, "0000", currency=currency)
    with pytest.raises(PaymentRefused) as refused:
        GATEWAY.verify(fields, {"000100000001": _order()}.get)
    assert refused.value.code == "payment_mismatch"
    assert refused.value.details["fields"] == [field]


def test_a_notification_for_another_order_number_is_a_mismatch() -> None:
    # find() answering with another order (a lookup bug, or a renamed order) is caught too
    fields = GATEWAY.notification("000100000001", 12345, "0000")
    with pytest.raises(PaymentRefused) as refused:
        GATEWAY.verify(fields, lambda _number: _order("000100000009"))
    assert refused.value.details["fields"] == ["order"]


# ------------------------------------------------------------------ properties

ORDERS = st.builds(
    lambda prefix, sequence, amount, language: _order(
        order_number(prefix, sequence), amount, language
    ),
    st.from_regex(r"\A[0-9]{4}\Z"),
    st.integers(min_value=1, max_value=LAST_SEQUENCE),
    st.integers(min_value=1, max_value=10**10),
    st.sampled_from(["ca", "es", "en"]),
)
RESPONSES = st.integers(min_value=0, max_value=9999).map(lambda n: f"{n:04d}")
WHEN = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@given(ORDERS, RESPONSES, WHEN)
def test_any_order_round_trips(order: Order, response: str, when: datetime) -> None:
    form = GATEWAY.form(order)
    sent = json.loads(base64.b64decode(form.fields["Ds_MerchantParameters"]))
    # what the gateway notifies about is what the form asked for
    fields = GATEWAY.notification(
        sent["DS_MERCHANT_ORDER"], int(sent["DS_MERCHANT_AMOUNT"]), response, when=when
    )
    notification = GATEWAY.verify(fields, {order.number: order}.get)
    assert (notification.order, notification.amount_cents) == (order.number, order.amount_cents)
    assert notification.authorised == (int(response) <= 99)
    assert notification.date == when.replace(second=0, microsecond=0)


@given(ORDERS, st.data())
@settings(max_examples=300)
def test_any_one_byte_change_is_refused(order: Order, data: st.DataObject) -> None:
    fields = GATEWAY.notification(order.number, order.amount_cents, "0000")
    name = data.draw(st.sampled_from(["Ds_MerchantParameters", "Ds_Signature"]))
    text = fields[name]
    where = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    byte = data.draw(st.characters(min_codepoint=0x21, max_codepoint=0x7E))
    pair = {text[where], byte}
    if byte == text[where] or (name == "Ds_Signature" and pair in ({"+", "-"}, {"/", "_"})):
        # the same character, or the same signature in the other Base64 alphabet
        return
    changed = {**fields, name: text[:where] + byte + text[where + 1 :]}
    with pytest.raises(PaymentRefused) as refused:
        GATEWAY.verify(changed, {order.number: order}.get)
    assert refused.value.code in {"payment_malformed", "payment_forged"}


@given(ORDERS, st.sampled_from([-1, 1]))
def test_an_amount_one_cent_off_is_a_mismatch(order: Order, delta: int) -> None:
    fields = GATEWAY.notification(order.number, order.amount_cents + delta, "0000")
    with pytest.raises(PaymentRefused) as refused:
        GATEWAY.verify(fields, {order.number: order}.get)
    assert refused.value.code == "payment_mismatch"
    assert refused.value.details["fields"] == ["amount"]
