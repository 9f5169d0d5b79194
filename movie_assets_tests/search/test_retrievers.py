"""The dense and sparse retrievers, each against a brute-force answer, inside and outside a filter."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from movie_assets.index import build_dense_index
from movie_assets.index.sparse import build_bm25
from movie_assets.search import retrievers
from movie_assets.search.models import QueryEncoder
from movie_assets.search.retrievers import DenseRetriever, SparseRetriever
from movie_assets_tests.fakes import FakeEmbedder

WORDS = "police gangster crime space station mars whale storm harbour heist family drama".split()
# 60 short documents over a small vocabulary, so many share words (and BM25 scores tie); a title of its own
# keeps each text apart.
DOCS = [
    " ".join([f"title{i}", *(WORDS[(3 * i + j * j) % len(WORDS)] for j in range(1 + i % 4))])
    for i in range(60)
]
QUERY = "police crime on mars"


class RandomEmbedder(FakeEmbedder):
    """A random unit vector per text (seeded by the text), so no two documents tie on a cosine."""

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return vector / np.linalg.norm(vector)


def _dense(exact_threshold: int) -> tuple[DenseRetriever, RandomEmbedder, np.ndarray]:
    """A dense retriever over DOCS, the embedder its encoder queries with, and the document vectors."""
    vectors = RandomEmbedder().encode(DOCS)
    index, settings = build_dense_index(vectors, exact_threshold=exact_threshold, M=8, ef_search=16)
    embedder = RandomEmbedder()
    encoder = QueryEncoder({"embedding_model": embedder.name, "dim": embedder.dim}, embedder)
    return DenseRetriever(index, settings, encoder), embedder, vectors


def _brute_force(vectors: np.ndarray, query: np.ndarray, pool: int, mask: np.ndarray | None) -> list[int]:
    scores = vectors @ query[0]
    rows = np.flatnonzero(mask) if mask is not None else np.arange(len(vectors))
    return rows[np.lexsort((rows, -scores[rows]))][:pool].tolist()


MASKS: dict[str, Any] = {
    "none": None,
    "every-third": np.arange(60) % 3 == 0,
    "one": np.arange(60) == 41,
}


@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("pool", [1, 7, 60, 500])
def test_flat_dense_search_is_the_exact_nearest_rows(mask_name: str, pool: int) -> None:
    dense, embedder, vectors = _dense(exact_threshold=1_000)
    mask = MASKS[mask_name]
    rows, scores = dense.search(QUERY, pool, mask)
    vector = dense.encoder.encode(QUERY)  # remembered: the vector the search used
    expected = _brute_force(vectors, vector, pool, mask)
    assert rows.tolist() == expected and rows.dtype == np.int64
    np.testing.assert_allclose(scores, np.sort(vectors[rows] @ vector[0])[::-1], rtol=1e-5)
    assert np.all(np.diff(scores) <= 0)


def test_nothing_to_find_embeds_nothing() -> None:
    """An empty filter or a zero pool answers at once: the query is not embedded (no model is loaded)."""
    dense, embedder, _ = _dense(exact_threshold=1_000)
    for pool, mask in ((5, np.zeros(60, dtype=bool)), (0, None)):
        rows, scores = dense.search(QUERY, pool, mask)
        assert rows.size == scores.size == 0
    assert embedder.texts_encoded == 0


@pytest.mark.parametrize("through_graph", [False, True], ids=["exact-storage", "graph"])
def test_hnsw_keeps_inside_the_filter(through_graph: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A filtered HNSW search returns only members: small filters are scored exactly on the flat storage
    under the graph, larger ones walk the graph with a selector."""
    if through_graph:
        monkeypatch.setattr(retrievers, "EXACT_FILTER_LIMIT", 0)
    dense, embedder, vectors = _dense(exact_threshold=0)
    assert dense.settings["type"] == "hnsw"
    mask = MASKS["every-third"]
    rows, _ = dense.search(QUERY, 5, mask)
    assert len(rows) == 5 and mask[rows].all()
    if not through_graph:
        assert rows.tolist() == _brute_force(vectors, dense.encoder.encode(QUERY), 5, mask)


def test_the_stored_vectors_are_read_back() -> None:
    dense, _, vectors = _dense(exact_threshold=0)
    np.testing.assert_allclose(dense.vectors(np.array([4, 0, 59])), vectors[[4, 0, 59]], atol=1e-6)


@pytest.fixture(scope="module")
def sparse() -> SparseRetriever:
    return SparseRetriever(build_bm25(DOCS))


def test_sparse_search_finds_only_matching_rows_best_first(sparse: SparseRetriever) -> None:
    rows, scores = sparse.search("whale", 100)
    assert set(rows.tolist()) == {i for i, doc in enumerate(DOCS) if "whale" in doc.split()}
    assert np.all(np.diff(scores) <= 0) and np.all(scores > 0)


def test_sparse_search_filters_inside_and_keeps_the_order(sparse: SparseRetriever) -> None:
    """Filtered, the answer is the unfiltered ranking restricted to the filter (BM25 scores do not move)."""
    mask = MASKS["every-third"]
    everything, _ = sparse.search(QUERY, 60)
    filtered, _ = sparse.search(QUERY, 60, mask)
    assert filtered.tolist() == [row for row in everything.tolist() if mask[row]]
    assert sparse.search(QUERY, 5, np.zeros(60, dtype=bool))[0].size == 0
