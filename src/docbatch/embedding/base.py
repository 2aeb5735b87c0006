"""What every embedding provider shares: the options, the one-method interface, the per-process cache.

A provider turns texts into vectors (:meth:`Embedder.embed`). The worker embeds each document's
elements or chunks after chunking (:func:`embed`), with one provider object per worker process
(:func:`embedder_for`): a local model is loaded once per worker, an HTTP client keeps its
connections across documents.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from docbatch.elements import Element
from docbatch.errors import ConfigError, MissingDependency

__all__ = ["DEFAULT_OPENAI_URL", "PROVIDERS", "Embedder", "EmbeddingOptions", "embed", "embedder_for"]

#: Provider name -> "module:class", imported only when that provider is asked for.
PROVIDERS: dict[str, str] = {
    "openai": "docbatch.embedding.openai:OpenAIEmbedder",
    "local": "docbatch.embedding.local:LocalEmbedder",
}
_INSTALL_HINT = "pip install 'docbatch[embed]'"

DEFAULT_OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "text-embedding-3-small"
#: What a local model folder holds (see docbatch.embedding.local).
_MODEL_FILES = ("model.onnx", "tokenizer.json")


@dataclass(frozen=True, slots=True)
class EmbeddingOptions:
    """Whether and how elements are embedded; ``provider=None`` (the default) embeds nothing.

    Names are unstructured-ingest's (``--embedding-provider``, ``--embedding-model-name``,
    ``--embedding-api-key``) plus ``base_url`` for any OpenAI-compatible server. ``local`` takes
    ``model_name`` as a folder holding ``model.onnx`` and ``tokenizer.json``; it never downloads.
    ``max_concurrency`` caps the requests in flight across the run: each of ``processes``
    workers gets an equal share of it, at least one.
    """

    provider: str | None = None
    model_name: str | None = None
    #: Never in repr, the fingerprint, describe() or an error message.
    api_key: str | None = field(default=None, repr=False)
    #: May hold a user and password too, so it is left out of repr (see public_base_url).
    base_url: str | None = field(default=None, repr=False)
    batch_size: int = 64
    max_concurrency: int = 8
    processes: int = 1
    #: Seconds one request may take.
    timeout: float = 60.0
    #: Tries of one request on 429, 5xx or a network fault before its document fails.
    max_attempts: int = 6
    #: What the model files hold (a digest), so a model replaced at the same path redoes documents.
    model_digest: str = field(default="", init=False, compare=False)

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise ConfigError(problem)
        if self.provider == "local":
            object.__setattr__(self, "model_digest", _digest(Path(self.model_name or "")))

    def _problem(self) -> str | None:
        """What is wrong with these options, as one sentence, or None."""
        if self.provider is None:
            return None
        if self.provider not in PROVIDERS:
            return f"unknown embedding provider {self.provider!r}; use one of {', '.join(PROVIDERS)}."
        if self.batch_size < 1 or self.max_concurrency < 1 or self.max_attempts < 1 or self.timeout <= 0:
            return "embedding batch size, concurrency, attempts and timeout must be positive."
        if self.provider == "local":
            folder = Path(self.model_name or "")
            if not self.model_name or not all((folder / name).is_file() for name in _MODEL_FILES):
                return (
                    f"--embedding-model-name {self.model_name!r} is no folder holding model.onnx and tokenizer.json; "
                    "give the path of a local ONNX embedding model (the local provider never downloads one)."
                )
        if self.base_url and urlsplit(self.base_url).scheme not in ("http", "https"):
            return f"--embedding-base-url must be an http:// or https:// URL, got {self.public_base_url!r}."
        return None

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    @property
    def model(self) -> str:
        """The model's name (or path) with the provider's default filled in."""
        if self.provider == "openai":
            return self.model_name or DEFAULT_OPENAI_MODEL
        return self.model_name or ""

    @property
    def public_base_url(self) -> str:
        """The endpoint without any user, password or query, fit to print and to fingerprint."""
        if self.provider != "openai":
            return ""
        parts = urlsplit((self.base_url or DEFAULT_OPENAI_URL).rstrip("/"))
        host = parts.hostname or ""
        return urlunsplit((parts.scheme, f"{host}:{parts.port}" if parts.port else host, parts.path, "", ""))

    @property
    def per_worker_concurrency(self) -> int:
        return max(1, self.max_concurrency // max(1, self.processes))

    def fingerprint(self) -> str:
        """What decides the vectors: provider, model (and its files' digest) and endpoint, never the key.

        Empty when embedding is off, so runs without it keep the fingerprint they had before.
        Batch size and concurrency change how fast, not what, so they are left out.
        """
        if not self.enabled:
            return ""
        parts = [f"embedding={self.provider}", f"model={self.model}"]
        if self.provider == "openai":
            parts.append(f"base_url={self.public_base_url}")
        if self.model_digest:
            parts.append(f"model_digest={self.model_digest}")
        return ";".join(parts)

    def describe(self) -> str:
        where = f" at {self.public_base_url}" if self.provider == "openai" else ""
        return f"{self.provider} embeddings, model {self.model}{where}"


def _digest(folder: Path) -> str:
    """A digest of the model's two files: hashing 100 MB costs ~0.1 s once per run."""
    h = hashlib.sha256()
    for name in _MODEL_FILES:
        with (folder / name).open("rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    return h.hexdigest()[:16]


class Embedder(ABC):
    """Turns texts into vectors; one per worker process (see :func:`embedder_for`)."""

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order. Raises :class:`~docbatch.errors.EmbeddingUnavailable`
        when the provider cannot answer (the document fails and is tried again next run)."""


#: This process's embedder and the options it was made for: one model per worker.
_cached: tuple[EmbeddingOptions, Embedder] | None = None


def embedder_for(options: EmbeddingOptions) -> Embedder:
    """The provider for ``options``, made once per process and kept for the next documents."""
    global _cached
    if _cached is not None and _cached[0] == options:
        return _cached[1]
    provider = options.provider or ""
    module_name, _, class_name = PROVIDERS[provider].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise MissingDependency(
            f"The {provider} embedding provider needs a missing library ({e.name}); {_INSTALL_HINT}."
        ) from e
    embedder = getattr(module, class_name)(options)
    _cached = (options, embedder)
    return embedder


def embed(elements: Iterable[Element], options: EmbeddingOptions | None = None, **changes: Any) -> list[Element]:
    """Set ``embeddings`` on each element with text, in place, and return the elements.

    ``changes`` build the options by name (``embed(chunks, provider="local", model_name=path)``).
    An element without text (an image, a page break) gets no vector: there is nothing to embed,
    and OpenAI-compatible servers refuse an empty input.
    """
    if changes:
        try:
            options = EmbeddingOptions(**changes) if options is None else dataclasses.replace(options, **changes)
        except TypeError as e:
            raise ConfigError(f"unknown embedding option: {e}") from None
    items = list(elements)
    if options is None or not options.enabled:
        return items
    with_text = [el for el in items if el.text.strip()]
    if with_text:
        vectors = embedder_for(options).embed([el.text for el in with_text])
        for el, vector in zip(with_text, vectors, strict=True):
            el.embeddings = vector
    return items
