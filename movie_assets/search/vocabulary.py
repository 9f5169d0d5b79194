"""What the query parser and the constraints know of an open artifact set: its gazetteer (read from the
set's extra, or built from the payload for a set written before gazetteers), newest year, word counts."""

from __future__ import annotations

import threading

import polars as pl

from movie_assets.index import (
    GAZETTEER_EXTRA,
    GAZETTEER_VERSION,
    REBUILD,
    ArtifactsError,
    ArtifactSet,
    Gazetteer,
)
from movie_assets.search.constraints import CatalogueFacts
from movie_assets.search.filters import MovieFacts
from movie_assets.search.parse import Vocabulary
from movie_assets.search.retrievers import SparseRetriever


class CatalogueKnowledge:
    """The parser's `Vocabulary` and the constraints' `CatalogueFacts` of one set, loaded on first use."""

    def __init__(
        self, artifacts: ArtifactSet, payload: pl.DataFrame, facts: MovieFacts, sparse: SparseRetriever
    ) -> None:
        self._artifacts, self._payload, self._facts, self._sparse = artifacts, payload, facts, sparse
        self._vocabulary: Vocabulary | None = None
        self._catalogue: CatalogueFacts | None = None
        self._lock = threading.Lock()

    def _gazetteer(self) -> Gazetteer:
        folder = self._artifacts.extra(GAZETTEER_EXTRA)
        facts = (self._artifacts.manifest.get("extras") or {}).get(GAZETTEER_EXTRA) or {}
        if folder is None or facts.get("version") != GAZETTEER_VERSION:
            # A set from before gazetteers (or of another layout): the same tables from the payload
            # (~2 s per 100k movies, once).
            return Gazetteer.from_payload(self._payload)
        try:
            return Gazetteer.read(folder)
        except Exception as exc:  # polars raises its own types for a damaged or foreign file
            raise ArtifactsError(f"the gazetteer in {folder} is unreadable ({exc}); {REBUILD}") from exc

    def _load(self) -> None:
        with self._lock:
            if self._vocabulary is None:
                gazetteer = self._gazetteer()
                latest = self._facts.year_span[1] or None
                self._vocabulary = Vocabulary(gazetteer, latest, self._sparse.document_frequency)
                self._catalogue = CatalogueFacts(self._payload, self._facts, gazetteer)

    def vocabulary(self) -> Vocabulary:
        self._load()
        assert self._vocabulary is not None
        return self._vocabulary

    def catalogue(self) -> CatalogueFacts:
        self._load()
        assert self._catalogue is not None
        return self._catalogue
