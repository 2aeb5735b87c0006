"""A small WebHDFS server on 127.0.0.1 over a local folder, with outages on demand.

Enough of the REST API for fsspec's ``webhdfs://`` filesystem to list, stat and read files
(LISTSTATUS, GETFILESTATUS, OPEN). ``fail(path, n)`` makes the next ``n`` listings of ``path``
fail as an outage does: a 503 answer, or (every other one) a connection closed unanswered.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

_PREFIX = "/webhdfs/v1"


class WebHDFSServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.failures: Counter[str] = Counter()
        self.failed: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"webhdfs://{host}:{port}"

    def fail(self, path: str, times: int) -> None:
        with self._lock:
            self.failures[path] += times

    def __enter__(self) -> WebHDFSServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _take_failure(self, path: str) -> bool:
        with self._lock:
            if self.failures[path] <= 0:
                return False
            self.failures[path] -= 1
            self.failed.append(path)
            return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # the http.server API names it
                parts = urlsplit(self.path)
                path = unquote(parts.path[len(_PREFIX) :]) or "/"
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                local = server.root / path.strip("/")
                op = query.get("op", "")
                if op == "LISTSTATUS" and server._take_failure(path.rstrip("/") or "/"):
                    if len(server.failed) % 2:
                        self._send(503, b"Service Unavailable", "text/plain")
                    else:
                        self.close_connection = True  # closed unanswered: the client sees a dropped connection
                    return
                if not local.exists():
                    body = {"RemoteException": {"exception": "FileNotFoundException", "message": f"{path} not found"}}
                    self._send(404, json.dumps(body).encode(), "application/json")
                elif op == "GETFILESTATUS":
                    self._json({"FileStatus": _status(local, "")})
                elif op == "LISTSTATUS":
                    entries = [_status(child, child.name) for child in sorted(local.iterdir())]
                    self._json({"FileStatuses": {"FileStatus": entries}})
                elif op == "OPEN":
                    data = local.read_bytes()
                    start = int(query.get("offset", 0))
                    length = int(query.get("length", len(data)))
                    self._send(200, data[start : start + length], "application/octet-stream")
                else:
                    self._send(400, b"unsupported", "text/plain")

            def _json(self, body: object) -> None:
                self._send(200, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _status(path: Path, suffix: str) -> dict[str, object]:
    st = path.stat()
    return {
        "pathSuffix": suffix,
        "type": "DIRECTORY" if path.is_dir() else "FILE",
        "length": 0 if path.is_dir() else st.st_size,
        "modificationTime": int(st.st_mtime * 1000),
    }
