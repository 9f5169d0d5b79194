"""The thin search library: hybrid, language-aware movie search over the materialized artifacts.

    searcher = Searcher.open(default_artifacts_dir())
    result = searcher.search("Tamil neo-noir crime in Chennai", k=10)
    result.detected_language, [hit.title for hit in result.hits]
    searcher.search("heist thriller", SearchParams(method="bm25", year_min=2000))  # the knobs as one value

Errors: QueryError (a bad query or knob, a ValueError), ArtifactsError (missing or mismatched
artifacts: the message says what to rebuild), ModelUnavailableError (a model cannot be loaded offline).
`unavailable_methods()` names the methods this machine cannot run (``ce`` without a local cross-encoder).
"""

from __future__ import annotations

from movie_assets.index import ArtifactsError, Embedder, tokenize_query
from movie_assets.search.artifacts import (
    ArtifactsSummary,
    artifacts_version,
    default_artifacts_dir,
    default_catalogue_dir,
)
from movie_assets.search.fusion import rrf, rrf_arrays
from movie_assets.search.learned import SearcherView, learning_view
from movie_assets.search.methods import unavailable_methods
from movie_assets.search.parse import Constraint, ParsedQuery, Vocabulary, parse_query
from movie_assets.search.query import LanguageIntent, detect_language, language_name, parse_year_cues
from movie_assets.search.rerank import cross_encoder_problem, load_cross_encoder
from movie_assets.search.searcher import Searcher
from movie_assets.search.types import (
    LANGUAGE_POLICIES,
    MAX_QUERY_CHARS,
    MAX_SEEDS,
    METHODS,
    Components,
    Hit,
    Knob,
    ModelUnavailableError,
    QueryError,
    Reason,
    SearchParams,
    SearchResult,
    Seed,
    clean_query,
)

__all__ = [
    "LANGUAGE_POLICIES",
    "MAX_QUERY_CHARS",
    "MAX_SEEDS",
    "METHODS",
    "ArtifactsError",
    "ArtifactsSummary",
    "Components",
    "Constraint",
    "Embedder",
    "Hit",
    "Knob",
    "LanguageIntent",
    "ModelUnavailableError",
    "ParsedQuery",
    "QueryError",
    "Reason",
    "SearchParams",
    "SearchResult",
    "Searcher",
    "SearcherView",
    "Seed",
    "Vocabulary",
    "artifacts_version",
    "clean_query",
    "cross_encoder_problem",
    "default_artifacts_dir",
    "default_catalogue_dir",
    "detect_language",
    "language_name",
    "learning_view",
    "load_cross_encoder",
    "parse_query",
    "parse_year_cues",
    "rrf",
    "rrf_arrays",
    "tokenize_query",
    "unavailable_methods",
]
