"""A local HTTP server implementing docs/sync-online.md, with faults to inject, for the online sync tests."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Upload:
    total: int
    sha256: str
    data: bytearray = field(default_factory=bytearray)
    complete: bool = False


@dataclass
class Gateway:
    """State of the fake provincial gateway; tests flip the fault switches."""

    token: str | None = None
    uploads: dict[str, Upload] = field(default_factory=dict)
    receipts: dict[str, bytes] = field(default_factory=dict)
    on_complete: Callable[[str, bytes], bytes | None] | None = None
    fail_next: int = 0  # answer this many requests with HTTP 500
    drop_after_chunks: int | None = None  # store this many chunks, then drop the connection once
    drop_mid_chunk: bool = False  # keep only half of the next chunk, then drop the connection once
    refuse_reason: str | None = None  # answer 422 with this reason when the upload completes
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, offset
    chunks_seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(gw: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(
            self, status: int, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None
        ) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _gate(self) -> str | None:
            """Common checks; returns the batch id or None when an answer was already sent."""
            parts = self.path.split("/liancha", 1)[-1].strip("/").split("/")
            self.close_connection = True
            if gw.token and self.headers.get("Authorization") != f"Bearer {gw.token}":
                self._send(401, {"error": "令牌无效"})
                return None
            if gw.fail_next > 0:
                gw.fail_next -= 1
                self._send(500, {"error": "内部错误"})
                return None
            if len(parts) < 2 or parts[0] != "batches":
                self._send(404, {"error": "no such endpoint"})
                return None
            return parts[1]

        def do_HEAD(self) -> None:
            with gw.lock:
                gw.requests.append(("HEAD", self.path, -1))
                batch_id = self._gate()
                if batch_id is None:
                    return
                up = gw.uploads.get(batch_id)
                if up is None:
                    self._send(404, b"")
                    return
                state = "complete" if up.complete else "partial"
                self._send(
                    200,
                    b"",
                    {
                        "Upload-Offset": str(len(up.data)),
                        "Upload-Length": str(up.total),
                        "X-LianCha-Batch-State": state,
                    },
                )

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with gw.lock:
                offset = int(self.headers.get("Upload-Offset", "-1"))
                gw.requests.append(("POST", self.path, offset))
                batch_id = self._gate()
                if batch_id is None:
                    return
                total = int(self.headers["Upload-Length"])
                sha = self.headers["X-LianCha-File-SHA256"]
                up = gw.uploads.get(batch_id)
                if up is not None and up.complete:
                    self._send(200, {"state": "complete", "duplicate": True})
                    return
                if up is None:
                    up = gw.uploads[batch_id] = Upload(total, sha)
                if offset != len(up.data):
                    self._send(409, {"state": "partial", "offset": len(up.data)})
                    return
                if gw.drop_mid_chunk:
                    # The line died half-way through the body: the server holds a torn chunk.
                    gw.drop_mid_chunk = False
                    up.data.extend(body[: len(body) // 2])
                    self.close_connection = True
                    return
                up.data.extend(body)
                gw.chunks_seen += 1
                if gw.drop_after_chunks is not None and gw.chunks_seen >= gw.drop_after_chunks:
                    # The chunk is stored, but the answer never reaches the client.
                    gw.drop_after_chunks = None
                    self.close_connection = True
                    return
                if len(up.data) < up.total:
                    self._send(200, {"state": "partial", "offset": len(up.data)})
                    return
                if hashlib.sha256(bytes(up.data)).hexdigest() != up.sha256 or gw.refuse_reason:
                    reason = gw.refuse_reason or "文件校验值不符"
                    del gw.uploads[batch_id]
                    self._send(422, {"error": reason})
                    return
                up.complete = True
                if gw.on_complete is not None:
                    receipt = gw.on_complete(batch_id, bytes(up.data))
                    if receipt is not None:
                        gw.receipts[batch_id] = receipt
                self._send(201, {"state": "complete"})

        def do_GET(self) -> None:
            with gw.lock:
                gw.requests.append(("GET", self.path, -1))
                batch_id = self._gate()
                if batch_id is None:
                    return
                receipt = gw.receipts.get(batch_id)
                if receipt is None:
                    self._send(404, {"state": "pending"})
                    return
                self._send(200, receipt, {"Content-Type": "application/octet-stream"})

    return Handler


@contextmanager
def serve(gw: Gateway) -> Iterator[str]:
    """Run the gateway on a free local port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gw))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/liancha"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
