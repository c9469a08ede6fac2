"""The gateway the settings choose: the sandbox (offline, the default) or Redsys."""

from __future__ import annotations

import logging

from finestreta.config import Settings
from finestreta.payments.gateway import PaymentGateway
from finestreta.payments.redsys import RedsysGateway, RedsysSettings
from finestreta.payments.sandbox import SandboxGateway

log = logging.getLogger(__name__)


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
    if not settings.demo:
        log.warning(
            "card payments go to the sandbox gateway (%s): no money is taken. Set "
            "FINESTRETA_PAYMENTS_GATEWAY=redsys for real payments (docs/payments.md)",
            settings.payments_sandbox_url,
        )
    return SandboxGateway(settings.payments_sandbox_url)
