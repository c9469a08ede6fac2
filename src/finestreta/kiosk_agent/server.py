"""The agent's two HTTP calls to the server: download a document to print, upload a scan.

Both carry ``Authorization: Kiosk <code>:<secret>``, so a URL the server sends is only ever
followed on the server's own origin (scheme, host and port of ``server_url``): the secret never
goes anywhere else, and redirects are not followed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from finestreta import __version__

log = logging.getLogger(__name__)

USER_AGENT = f"finestreta-kiosk-agent/{__version__}"
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


class DocumentUnavailable(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail[:500]


@dataclass(frozen=True)
class UploadResult:
    ok: bool
    detail: str = ""
    document_id: str = ""


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme in ("https", "wss") else 80
    return (parts.scheme, (parts.hostname or "").lower(), parts.port or default)


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class ServerClient:
    def __init__(
        self,
        server_url: str,
        authorization: str,
        *,
        ca_file: str | None = None,
        timeout_s: float = 60,
        attempts: int = 3,
        retry_delay_s: float = 1.0,
    ) -> None:
        self.server_url = server_url.rstrip("/") + "/"
        self._authorization = authorization
        self.attempts = attempts
        self.retry_delay_s = retry_delay_s
        verify: ssl.SSLContext | bool = ssl_context(ca_file) if ca_file else True
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=10),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            verify=verify,
            trust_env=True,
        )

    def resolve(self, url: str) -> str:
        """The absolute URL; ValueError unless it is on the server's origin."""
        absolute = urljoin(self.server_url, url)
        if _origin(absolute) != _origin(self.server_url):
            raise ValueError(f"{url!r} is not on the server's origin; not followed")
        return absolute

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": self._authorization, **(extra or {})}

    async def fetch_document(
        self, url: str, sha256: str, max_bytes: int = MAX_DOCUMENT_BYTES
    ) -> bytes:
        try:
            target = self.resolve(url)
        except ValueError as exc:
            raise DocumentUnavailable(str(exc)) from None
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.retry_delay_s * 2 ** (attempt - 1))
            try:
                async with self._http.stream("GET", target, headers=self._headers()) as response:
                    if response.status_code >= 500:
                        last = f"the server answered HTTP {response.status_code}"
                        continue
                    if response.status_code != 200:
                        raise DocumentUnavailable(
                            f"the server answered HTTP {response.status_code} for the document"
                        )
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise DocumentUnavailable(f"the document is over {max_bytes} bytes")
            except httpx.HTTPError as exc:
                last = f"download failed: {type(exc).__name__}: {exc}"
                continue
            digest = hashlib.sha256(body).hexdigest()
            if digest != sha256.strip().lower():
                raise DocumentUnavailable(
                    f"the document's SHA-256 is {digest[:16]}…, not {sha256[:16]}… as announced"
                )
            return bytes(body)
        raise DocumentUnavailable(last or "download failed")

    async def upload_scan(self, url: str, data: bytes, content_type: str) -> UploadResult:
        try:
            target = self.resolve(url)
        except ValueError as exc:
            return UploadResult(False, str(exc))
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(self.retry_delay_s * 2 ** (attempt - 1))
            try:
                response = await self._http.post(
                    target, content=data, headers=self._headers({"Content-Type": content_type})
                )
            except httpx.HTTPError as exc:
                last = f"upload failed: {type(exc).__name__}: {exc}"
                continue
            if response.status_code >= 500:
                last = f"the server answered HTTP {response.status_code}"
                continue
            body = _json(response)
            if response.status_code == 200 and body.get("ok") is True:
                return UploadResult(True, "", str(body.get("document_id") or ""))
            error = body.get("error")
            error = error if isinstance(error, dict) else {}
            message = str(error.get("message") or "")
            code = str(error.get("code") or "")
            detail = f"the server refused the scan (HTTP {response.status_code}"
            detail += f", {code})" if code else ")"
            if message:
                detail += f": {message}"
            return UploadResult(False, detail)
        return UploadResult(False, last or "upload failed")

    async def check_credentials(self) -> tuple[bool, str]:
        """Whether the server knows this booth: a document that does not exist is asked for;
        404 means the secret was accepted, 401 that it was not. Used by ``--check``."""
        try:
            response = await self._http.get(
                self.resolve("/api/agent/documents/finestreta-agent-check"), headers=self._headers()
            )
        except httpx.HTTPError as exc:
            return False, f"cannot reach the server: {type(exc).__name__}: {exc}"
        if response.status_code == 404:
            return True, "the server accepts this booth's code and secret"
        if response.status_code in (401, 403):
            return (
                False,
                f"the server refuses this booth's code or secret (HTTP {response.status_code})",
            )
        return False, f"unexpected answer HTTP {response.status_code}"

    async def aclose(self) -> None:
        await self._http.aclose()


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
