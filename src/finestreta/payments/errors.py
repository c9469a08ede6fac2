"""Why a payment step was refused: the payment gateways' codes, declared in the error catalogue.

Every refusal is a :class:`PaymentRefused` (nothing is settled) of one of the platform's kinds
(``finestreta.errors``). A notification that fails any check is refused whole: the caller
audits it and settles nothing.
"""

from __future__ import annotations

from finestreta.errors import (
    N_,
    Conflict,
    FinestretaError,
    InvalidInput,
    Malformed,
    NotAuthenticated,
    NotFound,
    TooLarge,
    Unavailable,
    declare,
)


class PaymentRefused(FinestretaError):
    """A payment step refused; nothing was settled."""


class PaymentInvalid(PaymentRefused, InvalidInput):
    """Input that can never be a payment of ours (an order number outside the rule)."""


class PaymentMalformed(PaymentRefused, Malformed):
    """A notification that is not in the gateway's shape (Base64, JSON, fields)."""


class PaymentTooLarge(PaymentRefused, TooLarge):
    """A notification far bigger than any the gateway sends."""


class PaymentForged(PaymentRefused, NotAuthenticated):
    """A notification whose signature does not verify: not from the gateway."""


class PaymentUnknown(PaymentRefused, NotFound):
    """A notification for an order we never created."""


class PaymentMismatch(PaymentRefused, Conflict):
    """A signed notification that does not match the order we created."""


class PaymentExhausted(PaymentRefused, Unavailable):
    """No order number is left for this prefix."""


class PaymentBusy(PaymentRefused, Conflict):
    """Not possible in the order's present state: an item is already being paid, or the order
    has already ended."""


class PaymentNotFound(PaymentRefused, NotFound):
    """No order of ours with that number (for this caller), or a return link that is not ours."""


BAD_ORDER_NUMBER = declare(
    "bad_order_number",
    PaymentInvalid,
    N_("That is not a valid order number: 12 letters and digits, the first 4 digits."),
)
ORDER_NUMBERS_EXHAUSTED = declare(
    "order_numbers_exhausted",
    PaymentExhausted,
    N_("No order numbers are left for this payment terminal. Tell the administrator."),
    N_("Card payment is not available now. Please ask the staff of the centre."),
)
PAYMENT_MALFORMED = declare(
    "payment_malformed",
    PaymentMalformed,
    N_("The payment gateway's message is not in the expected form; it was refused."),
)
PAYMENT_TOO_LARGE = declare(
    "payment_too_large",
    PaymentTooLarge,
    N_("The payment gateway's message is far larger than any it sends; it was refused."),
)
PAYMENT_FORGED = declare(
    "payment_forged",
    PaymentForged,
    N_("The payment message's signature does not verify; it was refused and recorded."),
)
PAYMENT_NOT_LOCAL = declare(
    "payment_not_local",
    PaymentForged,
    N_(
        "A payment message of the sandbox gateway came from another machine: the sandbox's key "
        "is public, so only the machine's own sandbox may notify; it was refused and recorded."
    ),
)
PAYMENT_UNKNOWN_ORDER = declare(
    "payment_unknown_order",
    PaymentUnknown,
    N_("The payment message names an order that was never created here."),
)
PAYMENT_MISMATCH = declare(
    "payment_mismatch",
    PaymentMismatch,
    N_(
        "The payment message does not match the order (order, amount, currency, merchant or "
        "terminal); nothing was settled."
    ),
)
PAYMENT_IN_PROGRESS = declare(
    "payment_in_progress",
    PaymentBusy,
    N_(
        "Something in this payment is already being paid in another open order. Wait until it "
        "is paid or expires."
    ),
    N_("This is already being paid. Please wait a moment or ask the staff of the centre."),
)
PAYMENT_NOT_OPEN = declare(
    "payment_not_open",
    PaymentBusy,
    N_("That payment has already ended (paid, declined, expired or cancelled)."),
)
NO_SUCH_PAYMENT = declare(
    "no_such_payment",
    PaymentNotFound,
    N_("There is no payment with that number."),
)
BAD_PAYMENT = declare(
    "bad_payment",
    PaymentInvalid,
    N_("The payment cannot be made as asked: check what is being paid and the amounts."),
)
