"""What the booth screen shows beside the call: one thing at a time (a document of the
attention, a catalogue entry…), remembered per call in the database so that a booth page that
comes back (a reload, a network cut, another server node) gets it again, and cleared when the
call ends. Layers and procedures show things through it; it sends the frames."""

from __future__ import annotations

from typing import Any

from finestreta.attention.memory import CallMemory
from finestreta.realtime import frames as f
from finestreta.realtime.ports import CallView, Outbox

OWNER, KEY = "screen", "shown"


class BoothScreen:
    def __init__(self, outbox: Outbox, memory: CallMemory, frames: f.FrameSet) -> None:
        self.outbox = outbox
        self.memory = memory
        self.frames = frames

    def show(self, call: CallView, frame: f.Outbound) -> None:
        """Show ``frame``'s content beside the call (it replaces what was shown)."""
        self.memory.put(call.id, OWNER, KEY, frame.to_dict())
        self.outbox.to_kiosk(call.kiosk_id, frame)

    def shown(self, call: CallView) -> dict[str, Any] | None:
        """The frame (as sent) of what the booth shows now, or None."""
        value = self.memory.get(call.id, OWNER, KEY)
        return value if isinstance(value, dict) else None

    def clear(self, call: CallView, tell: bool = True) -> bool:
        """Nothing beside the call any more; False when nothing was shown."""
        was = self.memory.drop(call.id, OWNER, KEY)
        if was is not None and tell:
            self.outbox.to_kiosk(call.kiosk_id, f.HideDocument())
        return was is not None

    def show_again(self, call: CallView) -> None:
        """The booth page came back: send it what it was showing."""
        shown = self.shown(call)
        if shown is None:
            return
        model = self.frames.outbound_model(f.KIOSK, str(shown.get("type")))
        if model is not None:
            self.outbox.to_kiosk(call.kiosk_id, model.model_validate(shown))
