"""Real parts for the embedding tests: a tiny ONNX model with its tokenizer, and a fake
OpenAI-compatible server on a loopback port.

The model is an embedding bag made with onnx's helper API (a Gather of a seeded table, per
token, which the local provider mean-pools) and a WordLevel tokenizer built in code: a few KB,
nothing downloaded. The server answers ``POST /v1/embeddings`` as OpenAI does, with vectors
derived from each text, and can be told to answer 429 with ``Retry-After`` or 503 first.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["DIM", "FakeOpenAI", "fake_vector", "make_local_model"]

DIM = 8
WORDS = ["alpha", "beta", "gamma", "delta", "old", "new", "text", "same", "gone", "and", "more", "chunk"]


def make_local_model(folder: Path, dim: int = DIM) -> Path:
    """Write ``model.onnx`` (a seeded embedding table, per-token output) and ``tokenizer.json``."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(WORDS)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))

    table = np.random.default_rng(7).standard_normal((len(vocab), dim)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"], axis=0)],
        "bag",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", dim])],
        initializer=[numpy_helper.from_array(table, "table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # what onnxruntime releases of the last years all read
    onnx.save(model, str(folder / "model.onnx"))
    return folder


def fake_vector(text: str, dim: int = DIM) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round(b / 255, 4) for b in digest[:dim]]


class FakeOpenAI:
    """State of the fake server: what to answer, and what it was asked."""

    def __init__(self) -> None:
        self.requests: list[dict] = []  # bodies of the embedding requests answered 200
        self.throttle = 0  # answer this many requests with 429 + Retry-After first
        self.retry_after = "0.2"
        self.down = False  # answer every request with 503 (Retry-After: 0, so retries cost no time)
        self.key = ""  # when set, a request without this bearer key gets 401 echoing what it sent
        self.delay = 0.0  # seconds before each answer, to make requests overlap
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls = 0
        self.headers: list[dict[str, str]] = []
        self.url = ""
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.headers.clear()
            self.calls = self.max_in_flight = 0

    def _answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.calls += 1
            self.headers.append(dict(handler.headers))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            throttled = self.throttle > 0
            self.throttle -= int(throttled)
        try:
            time.sleep(self.delay)
            length = int(handler.headers.get("Content-Length") or 0)
            if handler.path != "/v1/embeddings" or length > 1_000_000:  # bounded: no huge bodies
                return 404, {}, b'{"error": {"message": "not found"}}'
            body = json.loads(handler.rfile.read(length))
            if self.down:
                return 503, {"Retry-After": "0"}, b'{"error": {"message": "overloaded"}}'
            sent = handler.headers.get("Authorization", "")
            if self.key and sent != f"Bearer {self.key}":
                return 401, {}, json.dumps({"error": {"message": f"Incorrect API key provided: {sent}"}}).encode()
            if throttled:
                return 429, {"Retry-After": self.retry_after}, b'{"error": {"message": "rate limited"}}'
            with self._lock:
                self.requests.append(body)
            data = [
                {"object": "embedding", "index": i, "embedding": fake_vector(text)}
                for i, text in enumerate(body["input"])
            ]
            return 200, {}, json.dumps({"object": "list", "data": data, "model": body["model"]}).encode()
        finally:
            with self._lock:
                self.in_flight -= 1

    @contextmanager
    def serving(self) -> Iterator[FakeOpenAI]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, headers, payload = fake._answer(self)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
