"""A minimal stand-in for the server's side of the agent protocol, for the agent-loop tests
(reconnection, backoff, close codes, dedupe): ``/ws/agent``, the document download and the scan
upload, on 127.0.0.1, in a thread with its own event loop (the agent under test runs in the
main thread's loop, as it would in its own process).

It is not the real server: the end-to-end test against ``finestreta serve`` belongs with the
server side. It runs on aiohttp (pyipp's own dependency) rather than ``websockets.serve``,
because the scan upload is a POST on the same origin, which a websockets server cannot answer.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.devices.conftest import free_port

Frame = dict[str, Any]


class FakeServer:
    def __init__(self, authorization: str, kiosk_code: str = "booth-1") -> None:
        self.authorization = authorization
        self.kiosk_code = kiosk_code
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # normal | reject401 | reject403 | close4401 | close4403 | close4409 | close1012 | silent
        self.mode = "normal"
        self.jobs: list[Frame] = []  # sent after hello on every connection
        self.documents: dict[str, tuple[bytes, str]] = {}
        self.uploads: list[tuple[str, str, bytes]] = []
        self.upload_answer: tuple[int, Frame] = (200, {"ok": True, "document_id": "doc-scan-1"})
        self.connections = 0
        self.handshakes: list[float] = []  # monotonic times of every socket attempt
        self.received: list[tuple[int, Frame]] = []
        self._inbox: queue.Queue[tuple[int, Frame]] = queue.Queue()
        self._sockets: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ life
    def _call(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> FakeServer:
        self._call(self._start())
        return self

    def stop(self) -> None:
        self._call(self._stop())

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/ws/agent", self._socket)
        app.router.add_get("/api/agent/documents/{document_id}", self._document)
        app.router.add_post("/api/agent/jobs/{job_id}/scan", self._upload)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()

    async def _stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1012, message=b"server restart")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ talking to the agent
    def push(self, frame: Frame) -> None:
        self._call(self._push(frame))

    async def _push(self, frame: Frame) -> None:
        for ws in list(self._sockets):
            await ws.send_json(frame)

    def expect(
        self, match: Callable[[Frame], bool], timeout: float = 10, what: str = "frame"
    ) -> Frame:
        """The next received frame that matches (earlier ones are skipped), or AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what} within {timeout} s; got {self.received[-8:]}")
            try:
                _, frame = self._inbox.get(timeout=left)
            except queue.Empty:
                continue
            if match(frame):
                return frame

    def statuses(self, job_id: str) -> list[tuple[str, str]]:
        return [
            (f["state"], f.get("reason", ""))
            for _, f in self.received
            if f.get("type") == "job_status" and f.get("job_id") == job_id
        ]

    # ------------------------------------------------------------------ handlers
    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == self.authorization

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        self.handshakes.append(time.monotonic())
        if self.mode == "reject401" or not self._authorised(request):
            return web.Response(status=401, text="unknown booth or wrong secret")
        if self.mode == "reject403":  # what Starlette answers to a socket closed before accept
            return web.Response(status=403)
        mode = self.mode  # a change of mode applies to the next connection
        ws = web.WebSocketResponse(max_msg_size=64 * 1024)
        await ws.prepare(request)
        self.connections += 1
        number = self.connections
        self._sockets.add(ws)
        try:
            await ws.send_json(
                {
                    "type": "hello",
                    "protocol": 1,
                    "kiosk": {"code": self.kiosk_code, "name": "Booth 1"},
                    "health_interval_s": 30,
                }
            )
            if mode == "close4401":
                await ws.close(code=4401, message=b"unknown booth or wrong secret")
                return ws
            if mode == "close4409":
                await ws.send_json({"type": "closed", "reason": "replaced"})
                await ws.close(code=4409, message=b"replaced by a newer connection")
                return ws
            if mode == "close1012":  # the server drains before a restart
                await ws.send_json({"type": "closed", "reason": "draining"})
                await ws.close(code=1012, message=b"draining")
                return ws
            if mode == "close4403":
                await ws.send_json({"type": "closed", "reason": "disabled"})
                await ws.close(code=4403, message=b"kiosk disabled")
                return ws
            for job in list(self.jobs):
                await ws.send_json(job)
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                self.received.append((number, frame))
                self._inbox.put((number, frame))
                if frame.get("type") == "ping" and mode != "silent":
                    await ws.send_json({"type": "pong", "t": frame.get("t")})
        finally:
            self._sockets.discard(ws)
        return ws

    async def _document(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"ok": False}, status=401)
        found = self.documents.get(request.match_info["document_id"])
        if found is None:
            return web.json_response({"ok": False, "error": {"code": "no_document"}}, status=404)
        return web.Response(body=found[0], content_type=found[1])

    async def _upload(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"ok": False}, status=401)
        body = await request.read()
        self.uploads.append((request.match_info["job_id"], request.content_type, body))
        status, answer = self.upload_answer
        return web.json_response(answer, status=status)
