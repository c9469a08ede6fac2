"""The kiosk agent: the program on a booth's computer that keeps a WebSocket to the server and
runs the print and scan jobs a clerk asks for during a call (``docs/agent-protocol.md``).

Run it as ``finestreta kiosk-agent --config FILE``; see ``docs/kiosk-setup.md``.
"""

from finestreta.kiosk_agent.main import run

__all__ = ["run"]
