"""The bus between nodes: frames for a socket another node holds, "replaced" closes, and the
board's "state changed" hints. At most once (Redis pub/sub): nothing durable depends on it, the
database is the truth and every node polls it besides (``docs/design/cluster.md`` §4).

On one node (the embedded default) :class:`LocalBus` has nowhere to send: every socket is here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

# (party, party id, frame text, sender's board version): a frame for a socket this node holds.
FrameHandler = Callable[[str, int, str, int], None]
# (party, party id, registry seq, reason, close code): close this party's socket if older.
CloseHandler = Callable[[str, int, int, str, int], None]
# (first version, last version, rows as logged): the board moved on another node.
HintHandler = Callable[[int, int, list[dict[str, Any]]], None]


class Bus(Protocol):
    @property
    def healthy(self) -> bool:
        """False while the broker is unreachable (``/api/health`` says ``bus: down``)."""
        ...

    @property
    def mode(self) -> str:
        """``none`` on one node, ``redis`` across nodes."""
        ...

    async def start(
        self, on_frame: FrameHandler, on_close: CloseHandler, on_hint: HintHandler
    ) -> None: ...

    async def stop(self) -> None: ...

    def listen(self, party: str, party_id: int) -> None:
        """This node holds ``party``'s socket now: frames for it come here."""
        ...

    def unlisten(self, party: str, party_id: int) -> None: ...

    def send(self, party: str, party_id: int, text: str, version: int) -> None:
        """A frame for a socket held elsewhere (fire and forget; dropped while down)."""
        ...

    def close(self, party: str, party_id: int, seq: int, reason: str, code: int) -> None:
        """Whichever node holds an older socket of ``party`` (registry seq below ``seq``)
        closes it with ``code``."""
        ...

    def hint(self, first: int, last: int, rows: list[dict[str, Any]]) -> None: ...


class LocalBus:
    """One node: every socket is local, so nothing crosses."""

    healthy = True
    mode = "none"

    async def start(
        self, on_frame: FrameHandler, on_close: CloseHandler, on_hint: HintHandler
    ) -> None:
        return None

    async def stop(self) -> None:
        return None

    def listen(self, party: str, party_id: int) -> None:
        return None

    def unlisten(self, party: str, party_id: int) -> None:
        return None

    def send(self, party: str, party_id: int, text: str, version: int) -> None:
        return None

    def close(self, party: str, party_id: int, seq: int, reason: str, code: int) -> None:
        return None

    def hint(self, first: int, last: int, rows: list[dict[str, Any]]) -> None:
        return None
