"""Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, Azure, Ollama, vLLM, TEI, LM Studio).

A document's texts go out in batches of ``batch_size``, up to ``per_worker_concurrency`` requests
at once (the run's ``--embedding-max-concurrency`` shared among its workers). A 429, a 5xx or a
network fault is tried again after the server's ``Retry-After`` when it gives one (capped at
:data:`MAX_WAIT` seconds), otherwise after an exponential backoff with jitter, at most
``max_attempts`` times; then the document fails as :class:`~docbatch.errors.EmbeddingUnavailable`
and the next run tries it again. Any other 4xx (a bad key, an unknown model) is not retried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from docbatch.embedding.base import DEFAULT_OPENAI_URL, Embedder, EmbeddingOptions
from docbatch.errors import EmbeddingUnavailable

__all__ = ["MAX_WAIT", "OpenAIEmbedder"]

#: Longest wait before one retry, whatever Retry-After asks: a server asking for minutes is down,
#: and the document is better failed and left to the next run than holding its worker.
MAX_WAIT = 30.0
_RETRIED = frozenset({408, 409, 429})


class OpenAIEmbedder(Embedder):
    def __init__(self, options: EmbeddingOptions) -> None:
        self.options = options
        self.url = (options.base_url or DEFAULT_OPENAI_URL).rstrip("/") + "/embeddings"
        self.where = options.public_base_url
        headers = {"Authorization": f"Bearer {options.api_key}"} if options.api_key else {}
        workers = options.per_worker_concurrency
        self._client = httpx.Client(
            headers=headers,
            timeout=options.timeout,
            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
        )
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="docbatch-embed")

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        size = self.options.batch_size
        batches = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        if len(batches) == 1:
            return self._request(batches[0])
        return [vector for done in self._pool.map(self._request, batches) for vector in done]

    def _request(self, texts: list[str]) -> list[list[float]]:
        body = {"model": self.options.model, "input": texts, "encoding_format": "float"}
        for attempt in range(1, self.options.max_attempts + 1):
            last = attempt == self.options.max_attempts
            try:
                response = self._client.post(self.url, json=body)
            except httpx.TransportError as e:  # refused, reset, timed out: may pass
                if last:
                    raise self._failure(f"{type(e).__name__} after {attempt} attempts") from e
                time.sleep(_backoff(attempt))
                continue
            if response.status_code == 200:
                return self._vectors(response, len(texts))
            if (response.status_code in _RETRIED or response.status_code >= 500) and not last:
                wait = _retry_after(response)
                time.sleep(_backoff(attempt) if wait is None else wait)
                continue
            raise self._failure(_status_text(response, attempt, self.options.api_key))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _vectors(self, response: httpx.Response, count: int) -> list[list[float]]:
        try:
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            vectors = [[float(x) for x in item["embedding"]] for item in data]
        except (ValueError, KeyError, TypeError) as e:
            raise self._failure("an answer that is no OpenAI embeddings response") from e
        if len(vectors) != count:
            raise self._failure(f"{len(vectors)} vectors for {count} texts")
        return vectors

    def _failure(self, what: str) -> EmbeddingUnavailable:
        return EmbeddingUnavailable(f"embedding provider {self.where} failed: {what}")


def _backoff(attempt: int) -> float:
    """0.5 s, 1 s, 2 s, ... with jitter, so workers throttled together do not come back together."""
    return min(MAX_WAIT, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def _retry_after(response: httpx.Response) -> float | None:
    """The server's ``Retry-After`` in seconds (a number or an HTTP date), capped at MAX_WAIT."""
    value = response.headers.get("retry-after-ms")
    if value is not None:  # OpenAI's own finer header
        try:
            return min(MAX_WAIT, max(0.0, float(value) / 1000))
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(MAX_WAIT, max(0.0, float(value)))
    except ValueError:
        pass
    try:
        return min(MAX_WAIT, max(0.0, parsedate_to_datetime(value).timestamp() - time.time()))
    except (TypeError, ValueError):
        return None


def _status_text(response: httpx.Response, attempt: int, key: str | None) -> str:
    """``HTTP 401 (the server's message)``, with the key blotted out should the server echo it."""
    message = ""
    try:
        payload: Any = response.json()
        error = payload.get("error") if isinstance(payload, dict) else None
        message = error.get("message", "") if isinstance(error, dict) else str(error or "")
    except ValueError:
        message = response.text[:200]
    if key:
        message = message.replace(key, "***")
    tries = f" after {attempt} attempts" if attempt > 1 else ""
    hint = "; check --embedding-api-key" if response.status_code in (401, 403) else ""
    detail = f" ({' '.join(message.split())})" if message.strip() else ""
    return f"HTTP {response.status_code}{tries}{detail}{hint}"
