"""Request vectors for training: embedded once per query encoder, through the embedding cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from movie_assets.index import EmbeddingCache
from movie_assets.training import embed_requests


class _View:
    """The part of a learning view that embedding requests reads; `calls` counts the texts embedded."""

    def __init__(self, identity: str, offset: float) -> None:
        self.encoder_name, self.encoder_identity, self.dim = "tiny-model", identity, 4
        self.query_window = 128
        self.offset, self.calls = offset, 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        rows = np.array([[len(t), 1.0, self.offset, 0.0] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_request_vectors_are_cached_per_query_encoder(tmp_path: Path) -> None:
    texts = ["a heist in paris", "the kid who found a dragon"]
    fp32, int8 = _View("tiny-model", 0.0), _View("tiny-model@int8-mixed", 5.0)
    first = embed_requests(fp32, texts, EmbeddingCache(tmp_path))
    again = embed_requests(_View("tiny-model", 9.0), texts, EmbeddingCache(tmp_path))
    np.testing.assert_array_equal(again, first)  # read back, not embedded again
    # Another encoder of the same model (an int8 set's) makes its own vectors, and does not take these.
    other = embed_requests(int8, [*texts, "one more"], EmbeddingCache(tmp_path))
    assert int8.calls == 3 and not np.allclose(other[:2], first)
    np.testing.assert_allclose(other, int8.embed([*texts, "one more"]), atol=1e-6)
    assert fp32.calls == 2
