"""The thin search library: hybrid, language-aware movie search over the materialized artifacts.

    searcher = Searcher.open(DataPaths.from_env().artifacts_dir)
    result = searcher.search("Tamil neo-noir crime in Chennai", k=10)
    result.detected_language, [hit.title for hit in result.hits]

Errors: QueryError (a bad query or knob, a ValueError), ArtifactsError (missing or mismatched
artifacts: the message says what to rebuild), ModelUnavailableError (a model cannot be loaded offline).
"""

from __future__ import annotations

from movie_assets.index.artifacts import ArtifactsError
from movie_assets.search.fusion import rrf
from movie_assets.search.hits import (
    LANGUAGE_POLICIES,
    MAX_QUERY_CHARS,
    METHODS,
    Components,
    Hit,
    ModelUnavailableError,
    QueryError,
    SearchParams,
    SearchResult,
)
from movie_assets.search.language import LanguageIntent, detect_language, parse_year_cues
from movie_assets.search.searcher import Searcher

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
    "detect_language",
    "parse_year_cues",
    "rrf",
]
