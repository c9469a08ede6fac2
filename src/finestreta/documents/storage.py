"""Content-addressed file storage: a document's bytes live at ``<dir>/<sha256[:2]>/<sha256>``.

Writes go to a temporary file first and are renamed into place, so a crash never leaves half a
file under a real name; the same content is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from finestreta.errors import N_, Unavailable, declare

# The row says the file exists but this server cannot read it: on several nodes, a storage
# directory that is not shared (docs/operations.md, "Several nodes"), or a disk gone away.
FILE_MISSING = declare(
    "document_file_missing",
    Unavailable,
    N_("The document's file cannot be read on this server. Try again, or tell the IT team."),
)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise FILE_MISSING(f"no file {sha256[:12]}… under {self.root}") from None

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
