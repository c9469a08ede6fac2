"""The taxes procedure's frames: the card payment the booth shows beside the call, its
progress (to the booth and to the clerk), and the citizen's "cancel" from the booth."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from finestreta.realtime.frames import CONSOLE, KIOSK, Inbound, Outbound

ORDER = Annotated[str, Field(min_length=4, max_length=12, pattern=r"^[0-9]{4}[0-9A-Za-z]{0,8}$")]
STATES = Literal[
    "created", "opened", "returned_ok", "returned_ko", "paid", "declined", "expired", "cancelled"
]


class PayItem(BaseModel):
    label: str
    amount: int  # cents


class TaxesPay(Outbound):
    """The booth opens the card payment beside the call: it frames ``url`` (our own pay page,
    which posts the signed form to the gateway inside the frame); the call stays up."""

    parties = (KIOSK,)
    type: Literal["taxes_pay"] = "taxes_pay"
    order: str
    url: str  # /payments/pay/{order}?t=…
    amount: int  # cents
    items: list[PayItem]


class TaxesPayState(Outbound):
    """A card payment moved on: opened at the booth, the browser came back (``returned_ok`` /
    ``returned_ko``: not yet a payment), ``paid`` (settled on the bank's verified
    notification), ``declined``, ``expired``, ``cancelled``."""

    parties = (KIOSK, CONSOLE)
    type: Literal["taxes_pay_state"] = "taxes_pay_state"
    order: str
    state: STATES
    amount: int


class TaxesPayCancel(Inbound):
    """The citizen gave up paying at the booth (before the bank answered)."""

    parties = (KIOSK,)
    type: Literal["taxes_pay_cancel"]
    order: ORDER
