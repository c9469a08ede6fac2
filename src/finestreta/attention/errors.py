"""Why a command was refused.

``AttentionError`` carries a stable ``code`` that travels to the browser in an error frame, and a
message in English for logs; the user-facing text comes from the translation catalogues by code.
"""

from __future__ import annotations


class AttentionError(Exception):
    """A command that the current state does not allow; nothing changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
