"""An HTTP proxy on 127.0.0.1 that injects S3 faults between docbatch and the moto server.

Each rule matches a request path substring and holds a queue of faults consumed one per
matching request: ``"503"`` (SlowDown throttling), ``"500"`` (InternalError), ``"403"``
(AccessDenied), ``"drop"`` (the
connection closes with no response), ``"truncate"`` (headers promise the whole body, half is
sent, then the connection closes). Requests without a pending fault pass through unchanged.
:meth:`FaultProxy.outage` drops every matching request for some seconds instead, as an outage does.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

_ERRORS = {
    "503": (503, "SlowDown", "Please reduce your request rate."),
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "403": (403, "AccessDenied", "Access Denied"),
}


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parsed = urlparse(upstream)
        self.upstream = (parsed.hostname, parsed.port)
        self.rules: dict[str, deque[str]] = defaultdict(deque)
        self.injected: list[tuple[str, str]] = []
        self.outages: dict[str, float] = {}  # path part -> monotonic end of its outage
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path_part: str, *faults: str) -> None:
        with self._lock:
            self.rules[path_part].extend(faults)

    def outage(self, path_part: str, seconds: float) -> None:
        """Drop every request whose path holds ``path_part`` for the next ``seconds``."""
        with self._lock:
            self.outages[path_part] = time.monotonic() + seconds

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_fault(self, method: str, path: str) -> str | None:
        with self._lock:
            for part, end in self.outages.items():
                if part in path and time.monotonic() < end:
                    self.injected.append(("drop", f"{method} {path}"))
                    return "drop"
            for part, queue in self.rules.items():
                if part in path and queue:
                    fault = queue.popleft()
                    self.injected.append((fault, f"{method} {path}"))
                    return fault
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy._next_fault(self.command, self.path)
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault in _ERRORS:
                    self._send_error(*_ERRORS[fault])
                    return
                status, headers, data = self._forward(body)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                if fault == "truncate":
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.end_headers()
                self.wfile.write(data)

            def _forward(self, body: bytes | None) -> tuple[int, list[tuple[str, str]], bytes]:
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=dict(self.headers))
                    response = conn.getresponse()
                    return response.status, response.getheaders(), response.read()
                finally:
                    conn.close()

            def _send_error(self, status: int, code: str, message: str) -> None:
                xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
                data = b"<?xml version='1.0' encoding='UTF-8'?>" + xml.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

        return Handler
