"""The two retrievers: dense (FAISS over the query vector) and sparse (BM25), each inside a filter mask.

Both return (payload rows, scores), best first, at most `pool` of them; a mask (one bool per payload row,
None for no filter) is applied inside the search, so a filter never empties a pool that could be filled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from movie_assets.index import bm25_scores, bm25_top_k, tokenize_query
from movie_assets.search.models import QueryEncoder

# Filters passing fewer movies than this are searched exactly, not through the HNSW graph.
EXACT_FILTER_LIMIT = 30_000
Rows = tuple[np.ndarray, np.ndarray]  # payload rows (int64) and their scores, best first


def no_rows() -> Rows:
    """The empty answer."""
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


class DenseRetriever:
    """Cosine search of the query's vector over the dense index (flat, or HNSW with its settings)."""

    def __init__(self, index: Any, settings: dict[str, Any], encoder: QueryEncoder) -> None:
        """`settings` is the manifest's "dense" entry (type, ef_search); `encoder` embeds query texts."""
        self.index, self.settings, self.encoder = index, settings, encoder
        self.count = int(index.ntotal)

    def _finds_nothing(self, pool: int, mask: np.ndarray | None) -> bool:
        return pool == 0 or (mask is not None and not mask.any())

    def search(self, text: str, pool: int, mask: np.ndarray | None = None) -> Rows:
        """The `pool` movies nearest to `text`; the text is embedded only when there is a movie to find."""
        pool = min(pool, self.count)
        if self._finds_nothing(pool, mask):
            return no_rows()
        return self.search_vector(self.encoder.encode(text), pool, mask)

    def search_vector(self, vector: np.ndarray, pool: int, mask: np.ndarray | None = None) -> Rows:
        """The `pool` movies nearest to a (1, dim) float32 query vector."""
        import faiss

        pool = min(pool, self.count)
        if self._finds_nothing(pool, mask):
            return no_rows()
        index, kwargs = self.index, {}
        if mask is not None:
            bits = np.packbits(mask, bitorder="little")  # kept alive by this frame while FAISS reads it
            kwargs["sel"] = faiss.IDSelectorBitmap(self.count, faiss.swig_ptr(bits))
        hnsw = self.settings.get("type") == "hnsw"
        if hnsw and mask is not None and np.count_nonzero(mask) <= EXACT_FILTER_LIMIT:
            # A graph walk through a sparse filter finds few members and misses good ones; the flat
            # storage under the graph scores only the members, exactly and quickly.
            index, hnsw = faiss.downcast_index(self.index.storage), False
        if hnsw:
            # The HNSW beam must be at least the pool, or the graph walk stops short of it.
            ef_search = max(int(self.settings.get("ef_search", 0)), pool)
            params = faiss.SearchParametersHNSW(efSearch=ef_search, **kwargs)
        else:
            params = faiss.SearchParameters(**kwargs) if kwargs else None
        scores, ids = index.search(vector, pool, params=params)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of `rows` (flat and HNSW indexes keep them, so none is re-embedded)."""
        if len(rows) == 0:
            return np.zeros((0, int(self.index.d)), dtype=np.float32)
        return self.index.reconstruct_batch(np.asarray(rows, dtype=np.int64))


class SparseRetriever:
    """BM25 over the query's terms (`movie_assets.index.bm25_top_k`: only matching movies, ties by row)."""

    def __init__(self, bm25: Any) -> None:
        self.bm25 = bm25

    def search(self, text: str, pool: int, mask: np.ndarray | None = None) -> Rows:
        """The `pool` best-scoring movies sharing a term with `text`."""
        return bm25_top_k(self.bm25, text, pool, mask)

    def scores(self, text: str, mask: np.ndarray | None = None) -> np.ndarray:
        """The BM25 score of every movie (0 outside `mask` or without a shared term): the learned stage
        reads the score of candidates that only the dense retriever found, too."""
        return bm25_scores(self.bm25, text, mask)

    def document_frequency(self, word: str) -> int:
        """How many documents use `word` (a stop word counts as used by all): the query parser reads a
        one-word name as a person only when it is rare."""
        scores = self.bm25.scores
        terms = tokenize_query(word)
        if not terms:
            return int(scores["num_docs"])
        term = self.bm25.vocab_dict.get(terms[0])
        if term is None:
            return 0
        indptr = scores["indptr"]
        return int(indptr[term + 1] - indptr[term])
