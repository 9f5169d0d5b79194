"""The public surface of movie_assets.search is pinned, and importing it stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import movie_assets.search as search
from movie_assets.config import REPO_ROOT

EXPECTED_ALL = [
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
# Added later beside the names above (the surface only grows).
ADDED = [
    "clean_query", "language_name", "load_cross_encoder", "rrf_arrays",
    # what front ends need besides Searcher: the knobs' descriptions, where the artifacts are and what
    # they hold, the query embedder type (tests and servers pass their own) and the BM25 tokenizer
    "ArtifactsSummary", "Embedder", "Knob", "artifacts_version", "default_artifacts_dir",
    "default_catalogue_dir", "tokenize_query",
    # what training reads of an opened searcher: the pools the learned ranker is applied to
    "SearcherView", "learning_view",
    # which methods this machine can run (ce needs a local cross-encoder), decided without torch
    "cross_encoder_problem", "unavailable_methods",
    # how a query is read (its constraints) and why each hit is there
    "Constraint", "ParsedQuery", "Reason", "Vocabulary", "parse_query",
    # the films a search is like or unlike, as resolved, and how many a list may name
    "MAX_SEEDS", "Seed",
]  # fmt: skip


def _ruff_order(name: str) -> tuple[bool, bool, str]:
    """CONSTANTS, then Classes, then functions, each alphabetical (the order ruff's RUF022 keeps)."""
    return (not name.isupper(), not name[0].isupper(), name)


def test_all_is_pinned() -> None:
    """__all__ lists exactly the pinned names plus the added ones, in ruff's order, and each is importable."""
    assert search.__all__ == sorted(EXPECTED_ALL + ADDED, key=_ruff_order)
    namespace: dict[str, object] = {}
    exec("from movie_assets.search import *", namespace)
    assert set(search.__all__) <= set(namespace)
    assert search.METHODS == ("hybrid", "retrieval", "bm25", "blend", "ce", "mmr")
    assert search.LANGUAGE_POLICIES == ("off", "auto-soft", "auto-hard")


def test_import_pulls_in_no_orchestrator_front_end_or_model() -> None:
    """In a fresh interpreter, importing the library loads neither dagster, streamlit nor a model stack."""
    code = (
        "import json, sys, movie_assets.search; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120, check=True
    )
    loaded = set(json.loads(run.stdout))
    assert "movie_assets" in loaded
    assert loaded.isdisjoint({"dagster", "streamlit", "torch", "sentence_transformers", "transformers"})
