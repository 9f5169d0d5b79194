"""The learned stage of hybrid: the query adapter moves the query vector, the ranker re-scores the pool.

With `learned="on"` and learned parts in the artifact set, hybrid forms its pool as always (dense and BM25
lists, RRF) but with the adapted query vector, then reads for every pool member the signals the ranker was
trained on: its cosine with the query and its BM25 score (also for members only one retriever found), its
ranks, and the request's words against its fields. The ranker's score replaces the RRF order. Training
reads the same pools through `learning_view`, so what the ranker learns is what it is applied to.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import polars as pl

from movie_assets.index import documents_encoder, top_scoring
from movie_assets.ranking import (
    LearnedParts,
    MovieTable,
    PoolSignals,
    QueryFacts,
    neighbour_scores,
    pool_features,
)
from movie_assets.search.filters import MovieFacts
from movie_assets.search.fusion import Candidates, rrf_arrays
from movie_assets.search.kinship import mixed
from movie_assets.search.models import QueryEncoder
from movie_assets.search.reading import QueryReading, read_query
from movie_assets.search.retrievers import DenseRetriever, SparseRetriever
from movie_assets.search.types import MAX_QUERY_CHARS, SearchParams


class PoolParts(Protocol):
    """What forming a learned pool reads of an open Searcher."""

    payload: pl.DataFrame
    facts: MovieFacts
    encoder: QueryEncoder
    dense: DenseRetriever
    sparse: SparseRetriever


class LearnedStage:
    """The learned parts of one artifact set, applied inside hybrid."""

    def __init__(self, parts: LearnedParts, payload: pl.DataFrame) -> None:
        self.parts = parts
        self._payload = payload
        self._table: MovieTable | None = None
        self._lock = threading.Lock()

    @property
    def applied(self) -> tuple[str, ...]:
        """Which parts a learned search uses ("adapter", "ranker")."""
        return tuple(
            name for name, part in (("adapter", self.parts.adapter), ("ranker", self.parts.ranker)) if part
        )

    def table(self) -> MovieTable:
        """The per-movie word matrices and facts, built on the first learned query (~1 s per 100k movies)."""
        with self._lock:
            if self._table is None:
                self._table = MovieTable.from_payload(self._payload)
            return self._table

    def query_vectors(
        self, encoder: QueryEncoder, text: str, steer: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The (1, dim) query vector through the adapter (the model's own when there is none), and the
        model's own; `steer` (a user vector from liked films) leans the adapted vector towards it."""
        raw = encoder.encode(text)
        vector = raw if self.parts.adapter is None else self.parts.adapter.apply(raw)
        return (vector if steer is None else mixed(vector, steer)), raw

    def rank(
        self,
        parts: PoolParts,
        q: QueryReading,
        p: SearchParams,
        mask: np.ndarray | None,
        steer: np.ndarray | None = None,
    ) -> Candidates:
        """Hybrid's candidates, re-scored by the ranker when there is one (else in RRF order)."""
        found, signals = learned_pool(parts, q, p, mask, *self.query_vectors(parts.encoder, q.dense, steer))
        if self.parts.ranker is None or len(found) == 0:
            return found
        features = pool_features(self.table(), query_facts(q, p), signals)
        found.scores = self.parts.ranker.score(features)
        return found.sorted()


def query_facts(q: QueryReading, p: SearchParams) -> QueryFacts:
    """What the ranker reads of the request: its words, and the language cue the policy lets apply."""
    language = q.intent.code if q.intent is not None and p.lang_policy != "off" else None
    return QueryFacts.read(q.plain, language)


def learned_pool(
    parts: PoolParts,
    q: QueryReading,
    p: SearchParams,
    mask: np.ndarray | None,
    vector: np.ndarray,
    raw: np.ndarray | None = None,
) -> tuple[Candidates, PoolSignals]:
    """Hybrid's pool for the query vector `vector`, in RRF order, and each member's signals (`raw`: the
    vector before the adapter, when there is one)."""
    dense = parts.dense.search_vector(vector, max(p.k, p.hybrid_dense_k), mask)
    bm25 = parts.sparse.scores(q.sparse, mask)
    sparse = top_scoring(bm25, min(max(p.k, p.hybrid_sparse_k), bm25.size))
    rows, fused = rrf_arrays([dense[0], sparse[0]], p.rrf_k, [p.w_dense, p.w_sparse])
    found = Candidates.ranked(rows, fused, dense[0], sparse[0], fused=True)
    vectors = parts.dense.vectors(rows)
    cosine = vectors @ np.asarray(vector, dtype=np.float32)[0]
    raw_score = cosine if raw is None else vectors @ np.asarray(raw, dtype=np.float32)[0]
    signals = PoolSignals(
        rows,
        cosine,
        bm25[rows],
        found.dense_rank,
        found.bm25_rank,
        fused,
        neighbour_scores(vectors),
        raw_score,
    )
    return found, signals


class SearcherView:
    """What training reads of an opened Searcher (the `movie_assets.training.LearningView` protocol)."""

    def __init__(self, parts: PoolParts, manifest: Mapping[str, Any]) -> None:
        self._parts = parts
        self._params = SearchParams()
        self._table: MovieTable | None = None
        self.encoder_name = str(manifest["embedding_model"])
        self.encoder_identity = documents_encoder(manifest)  # the query encoder makes the same vectors
        self.query_window = parts.encoder.window
        self.dim = int(manifest["dim"])
        self.movie_ids = parts.payload["movie_id"].to_numpy()

    def _read(self, text: str) -> QueryReading:
        return read_query(" ".join(text.split())[:MAX_QUERY_CHARS], self._params)

    def dense_text(self, text: str) -> str:
        return self._read(text).dense

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._parts.encoder.model().encode(list(texts), batch_size=32), dtype=np.float32)

    def documents(self) -> np.ndarray:
        return self._parts.dense.vectors(np.arange(self.movie_ids.size))

    def pool(
        self, text: str, vector: np.ndarray, raw: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        q = self._read(text)
        mask = self._parts.facts.mask(q.year_min, q.year_max, self._params.min_votes)
        found, signals = learned_pool(self._parts, q, self._params, mask, vector, raw)
        if self._table is None:
            self._table = MovieTable.from_payload(self._parts.payload)
        return found.rows, pool_features(self._table, query_facts(q, self._params), signals)


class _WithManifest(PoolParts, Protocol):
    manifest: Mapping[str, Any]


def learning_view(searcher: _WithManifest) -> SearcherView:
    """The view of an opened Searcher that `movie_assets.training.train_learned` reads."""
    return SearcherView(searcher, searcher.manifest)
