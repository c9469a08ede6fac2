"""Why a command was refused: the switchboard's codes, declared in the error catalogue.

Every refusal is an :class:`AttentionError` (nothing changed) of one of the platform's kinds
(``finestreta.errors``); its ``code`` travels to the page in an ``error`` frame, and the page
shows the catalogue's text for it.
"""

from __future__ import annotations

from finestreta.errors import N_, Conflict, FinestretaError, InvalidInput, NotFound, declare


class AttentionError(FinestretaError):
    """A command that the current state does not allow; nothing changed."""


class AttentionConflict(AttentionError, Conflict):
    """Not in the present state (busy, already requested, the call has ended)."""


class AttentionNotFound(AttentionError, NotFound):
    """No such request, offer or call (for this party)."""


class AttentionInvalid(AttentionError, InvalidInput):
    """A command that can never succeed as given (a state nobody may choose)."""


UNKNOWN_CLERK = declare(
    "unknown_clerk", AttentionConflict, N_("Your user cannot answer calls. Ask a supervisor.")
)
BAD_STATE = declare("bad_state", AttentionInvalid, N_("That state cannot be chosen."))
BUSY = declare(
    "busy",
    AttentionConflict,
    N_("Finish the current call or wrap-up before changing your state."),
)
ALREADY_REQUESTED = declare(
    "already_requested",
    AttentionConflict,
    N_("The booth already has a request in progress."),
    N_("This booth already has a request in progress."),
)
NO_REQUEST = declare(
    "no_request",
    AttentionConflict,
    N_("There is no request to cancel."),
    N_("Your request is no longer in the queue. You can request attention again."),
)
IN_CALL = declare("in_call", AttentionConflict, N_("You are already in a call."))
NO_OFFER = declare("no_offer", AttentionConflict, N_("That call is no longer ringing for you."))
OFFER_EXPIRED = declare(
    "offer_expired",
    AttentionConflict,
    N_("The call stopped ringing before you answered it."),
)
NO_CALL = declare("no_call", AttentionNotFound, N_("There is no call in progress."))
CALL_ENDED = declare("call_ended", AttentionConflict, N_("The call has already ended."))
NOT_YOUR_CALL = declare("not_your_call", AttentionConflict, N_("That call is not yours."))
CALL_ACTIVE = declare("call_active", AttentionConflict, N_("Hang up before saving the wrap-up."))
