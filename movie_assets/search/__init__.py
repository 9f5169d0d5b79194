"""The thin search library: hybrid, language-aware movie search over the materialized artifacts.

    searcher = Searcher.open(DataPaths.from_env().artifacts_dir)
    result = searcher.search("Tamil neo-noir crime in Chennai", k=10)
    result.detected_language, [hit.title for hit in result.hits]

Errors: QueryError (a bad query or knob, a ValueError), ArtifactsError (missing or mismatched
artifacts: the message says what to rebuild), ModelUnavailableError (a model cannot be loaded offline).
"""

from __future__ import annotations

from movie_assets.index import ArtifactsError
from movie_assets.search.fusion import rrf, rrf_arrays
from movie_assets.search.query import LanguageIntent, detect_language, language_name, parse_year_cues
from movie_assets.search.rerank import load_cross_encoder
from movie_assets.search.searcher import Searcher
from movie_assets.search.types import (
    LANGUAGE_POLICIES,
    MAX_QUERY_CHARS,
    METHODS,
    Components,
    Hit,
    ModelUnavailableError,
    QueryError,
    SearchParams,
    SearchResult,
    clean_query,
)

__all__ = [
    "LANGUAGE_POLICIES",
    "MAX_QUERY_CHARS",
    "METHODS",
    "ArtifactsError",
    "Components",
    "Hit",
    "LanguageIntent",
    "ModelUnavailableError",
    "QueryError",
    "SearchParams",
    "SearchResult",
    "Searcher",
    "clean_query",
    "detect_language",
    "language_name",
    "load_cross_encoder",
    "parse_year_cues",
    "rrf",
    "rrf_arrays",
]
