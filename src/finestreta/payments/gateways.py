"""The gateway the settings choose: the sandbox (offline, the default) or Redsys."""

from __future__ import annotations

from finestreta.config import Settings
from finestreta.payments.gateway import PaymentGateway
from finestreta.payments.redsys import RedsysGateway, RedsysSettings
from finestreta.payments.sandbox import SandboxGateway


def gateway_for(settings: Settings) -> PaymentGateway:
    if settings.payments_gateway == "redsys":
        return RedsysGateway(
            RedsysSettings(
                merchant_code=settings.payments_redsys_merchant_code,
                terminal=settings.payments_redsys_terminal,
                key=settings.payments_redsys_key,
                endpoint=settings.payments_redsys_endpoint,
            )
        )
    return SandboxGateway(settings.payments_sandbox_url)
