"""Embeddings on this machine's CPU from a model folder: ``model.onnx`` + ``tokenizer.json``, no torch.

onnxruntime runs the model, Hugging Face's ``tokenizers`` (Rust) splits the text; together they
are ~20 MB of wheels against torch's ~700 MB, and nothing is downloaded: the folder is the
model. Any model exported to ONNX fits: a transformer (MiniLM, bge, e5, exported with
``optimum-cli export onnx``) whose first output is per token ``(batch, tokens, dim)`` is
mean-pooled over its attention mask; a model that already pools (a static embedding bag, as
model2vec's models are) gives ``(batch, dim)``. Vectors are L2-normalised, so cosine and inner
product rank alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

from docbatch.embedding.base import Embedder, EmbeddingOptions
from docbatch.errors import EmbeddingUnavailable

__all__ = ["LocalEmbedder"]

#: Tokens kept of a longer text when the tokenizer names no limit of its own: BERT-style
#: models have 512 positions, and chunking keeps texts far below it anyway.
_MAX_TOKENS = 512


class LocalEmbedder(Embedder):
    def __init__(self, options: EmbeddingOptions) -> None:
        folder = Path(options.model_name or "")
        self.batch_size = options.batch_size
        session_options = onnxruntime.SessionOptions()
        # one thread per worker: the run's parallelism is its worker processes, and more threads
        # per worker only fight them for the same cores
        session_options.intra_op_num_threads = 1
        session_options.inter_op_num_threads = 1
        try:
            self.session = onnxruntime.InferenceSession(
                str(folder / "model.onnx"), session_options, providers=["CPUExecutionProvider"]
            )
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as e:  # onnxruntime and tokenizers raise their own untyped errors
            raise EmbeddingUnavailable(
                f"the local embedding model in {folder} cannot be loaded ({type(e).__name__}: {e}); "
                "check that it holds an ONNX embedding model and its tokenizer.json"
            ) from e
        if self.tokenizer.truncation is None:
            self.tokenizer.enable_truncation(_MAX_TOKENS)
        pad_id = self.tokenizer.token_to_id("[PAD]") or self.tokenizer.token_to_id("<pad>") or 0
        self.tokenizer.enable_padding(pad_id=pad_id)
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.where = str(folder)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        # shortest first, so each batch pads to a similar length; the original order is restored
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            for i, vector in zip(batch, self._run([texts[i] for i in batch]), strict=True):
                vectors[i] = vector
        return vectors

    def _run(self, texts: list[str]) -> list[list[float]]:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        try:
            output = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        except Exception as e:  # onnxruntime's own error types
            raise EmbeddingUnavailable(
                f"the local embedding model in {self.where} failed ({type(e).__name__}: {e})"
            ) from e
        if output.ndim == 3:  # per token: mean over the real tokens, not the padding
            weights = mask[:, :, None].astype(output.dtype)
            output = (output * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1)
        norms = np.linalg.norm(output, axis=1, keepdims=True)
        return (output / np.maximum(norms, 1e-12)).astype(np.float32).tolist()
