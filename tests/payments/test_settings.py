"""The payment settings: refused at start with a clear message (the key never repeated), and
the gateway they choose."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from finestreta.cli import main
from finestreta.config import Settings
from finestreta.payments.gateways import gateway_for
from finestreta.payments.redsys import TEST_ENDPOINT, RedsysGateway
from finestreta.payments.sandbox import SandboxGateway

KEY = "sq7HjrUOBfKmC576ILgskD5srU870gJ7"  # Redsys's public test key
WRONG_KEY = "bm90LXRoZS1rZXktb2YtMjQ="  # Base64, but of 17 bytes, not 24


def test_the_defaults_pay_through_the_sandbox() -> None:
    settings = Settings(_env_file=None)
    gateway = gateway_for(settings)
    assert isinstance(gateway, SandboxGateway) and gateway.name == "sandbox"
    assert gateway.settings.endpoint == "http://127.0.0.1:8001/sis/realizarPago"
    assert settings.payments_redsys_endpoint == TEST_ENDPOINT


def test_redsys_is_a_settings_change() -> None:
    settings = Settings(
        _env_file=None,
        payments_gateway="redsys",
        payments_redsys_merchant_code="999008881",
        payments_redsys_terminal="1",
        payments_redsys_key=KEY,
    )
    gateway = gateway_for(settings)
    assert type(gateway) is RedsysGateway and gateway.settings.endpoint == TEST_ENDPOINT
    assert KEY not in repr(settings) and KEY not in repr(gateway)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"payments_gateway": "paypal"}, "payments_gateway"),
        ({"payments_order_prefix": "12a4"}, "payments_order_prefix"),
        ({"payments_order_expiry_minutes": 0}, "payments_order_expiry_minutes"),
        ({"payments_redsys_merchant_code": "12345"}, "payments_redsys_merchant_code"),
        ({"payments_redsys_key": WRONG_KEY}, "payments_redsys_key"),
        (
            {"payments_redsys_endpoint": "http://sis.redsys.es/sis/realizarPago"},
            "payments_redsys_endpoint",
        ),
        ({"payments_sandbox_url": "http://127.0.0.1:8001/path"}, "payments_sandbox_url"),
        ({"payments_sandbox_merchants": "https://ok.example, nope"}, "payments_sandbox_merchants"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, **values)  # type: ignore[arg-type]
    assert refused.value.errors()[0]["loc"] == (field,)
    assert WRONG_KEY not in str(refused.value)


def test_redsys_without_its_key_stops_the_command_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FINESTRETA_PAYMENTS_GATEWAY", "redsys")
    monkeypatch.setenv("FINESTRETA_PAYMENTS_REDSYS_MERCHANT_CODE", "999008881")
    with pytest.raises(SystemExit) as stopped:
        main(["payments", "post-pending"])
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1
    assert "FINESTRETA_PAYMENTS_GATEWAY=redsys needs FINESTRETA_PAYMENTS_REDSYS_KEY" in said
    monkeypatch.setenv("FINESTRETA_PAYMENTS_REDSYS_KEY", WRONG_KEY)
    with pytest.raises(SystemExit):
        main(["payments", "post-pending"])
    said = capsys.readouterr().err
    assert "FINESTRETA_PAYMENTS_REDSYS_KEY: Value error, the Redsys key must be" in said
    assert WRONG_KEY not in said
