"""Embeddings of elements and chunks: one module per provider behind :class:`~docbatch.embedding.base.Embedder`."""

from docbatch.embedding.base import PROVIDERS, Embedder, EmbeddingOptions, embed, embedder_for

__all__ = ["PROVIDERS", "Embedder", "EmbeddingOptions", "embed", "embedder_for"]
