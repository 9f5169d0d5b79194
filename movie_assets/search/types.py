"""What a search takes and returns (DESIGN §8): the knobs, the errors, frozen hits and the result."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

METHODS: tuple[str, ...] = ("hybrid", "retrieval", "bm25", "blend", "ce", "mmr")
LANGUAGE_POLICIES: tuple[str, ...] = ("off", "auto-soft", "auto-hard")
MAX_QUERY_CHARS = 1_000
MAX_K = 1_000
MAX_POOL = 10_000


class QueryError(ValueError):
    """A query or a search knob the library cannot use; the message says what to change."""


class ModelUnavailableError(RuntimeError):
    """A model the method needs cannot be loaded (offline, or not on disk)."""


def clean_query(query: str) -> str:
    """The query with control characters turned into spaces and runs of whitespace collapsed.

    Raises:
        QueryError: not a string, empty after cleaning, or longer than MAX_QUERY_CHARS characters.
    """
    if not isinstance(query, str):
        raise QueryError(f"the query must be text, got {type(query).__name__}")
    text = " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in query).split())
    if not text:
        raise QueryError("the query is empty; type a few words that describe the movie")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query has {len(text):,} characters, more than the {MAX_QUERY_CHARS:,} allowed")
    return text


@dataclass(frozen=True)
class Components:
    """How a hit got its score.

    :param dense_rank: 1-based rank in the dense (FAISS) pool, None when the dense retriever missed it.
    :param bm25_rank: 1-based rank in the BM25 pool, None when BM25 did not return it.
    :param fused: the reciprocal-rank-fusion score, None for methods that do not fuse (retrieval/bm25/blend).
    :param boosts: name -> factor multiplied into the score (language, recency, popularity).
    """

    dense_rank: int | None
    bm25_rank: int | None
    fused: float | None
    boosts: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One movie in a result list, with the display fields a front end needs."""

    movie_id: int
    title: str
    year: int | None
    original_language: str | None
    genres: tuple[str, ...]
    score: float
    rank: int
    components: Components
    overview: str | None
    poster_path: str | None
    cast: tuple[str, ...]
    directors: tuple[str, ...]
    runtime: int | None
    vote_count: int | None

    def to_dict(self) -> dict[str, Any]:
        """The hit as JSON-ready values (tuples become lists, components a nested object)."""
        out = asdict(self)
        for name in ("genres", "cast", "directors"):
            out[name] = list(out[name])
        return out


@dataclass(frozen=True)
class SearchResult:
    """The hits of one search plus how the query was read.

    :param hits: best first; `hit.rank` is its 1-based position.
    :param method: the method that ranked them.
    :param detected_language: ISO 639-1 code of a language the query asks for (``cn`` = Cantonese), or None.
    :param language_name: its English name, or None.
    :param policy: the language policy in force (``off`` never applies a detected language).
    :param query_used: the text embedded (year cues removed, ``Language: <Name>`` added when a language
        applies); BM25 reads the same words with just ``<Name>`` added.
    :param year_min: the lower year bound applied (from the knob or a cue such as "after 2020"), or None.
    :param year_max: the upper year bound applied, or None.
    :param notes: human-readable remarks on how the query was interpreted.
    """

    hits: tuple[Hit, ...]
    method: str
    detected_language: str | None
    language_name: str | None
    policy: str
    query_used: str
    year_min: int | None = None
    year_max: int | None = None
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.hits)


@dataclass(frozen=True)
class SearchParams:
    """The knobs of one search, checked on construction (QueryError names the knob and the bad value)."""

    k: int = 20
    method: str = "hybrid"
    lang_policy: str = "auto-soft"
    hybrid_dense_k: int = 500
    hybrid_sparse_k: int = 500
    rrf_k: int = 60
    w_dense: float = 1.0
    w_sparse: float = 1.0
    mmr_lambda: float = 0.3
    min_votes: int = 0
    year_min: int | None = None
    year_max: int | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise QueryError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}")
        if self.lang_policy not in LANGUAGE_POLICIES:
            raise QueryError(
                f"unknown language policy {self.lang_policy!r}; choose one of {', '.join(LANGUAGE_POLICIES)}"
            )
        for name, limit in (("k", MAX_K), ("hybrid_dense_k", MAX_POOL), ("hybrid_sparse_k", MAX_POOL)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
                raise QueryError(f"{name} must be a whole number from 1 to {limit}, got {value!r}")
        for name in ("w_dense", "w_sparse", "mmr_lambda"):
            if not math.isfinite(getattr(self, name)):
                raise QueryError(f"{name} must be a finite number, got {getattr(self, name)!r}")
        if self.rrf_k < 0:
            raise QueryError(f"rrf_k must be >= 0, got {self.rrf_k}")
        if self.w_dense < 0 or self.w_sparse < 0 or self.w_dense + self.w_sparse == 0:
            raise QueryError(
                f"w_dense and w_sparse must be >= 0 and not both 0, got {self.w_dense}, {self.w_sparse}"
            )
        if not 0.0 <= self.mmr_lambda <= 1.0:
            raise QueryError(f"mmr_lambda must be in [0, 1] (0 = relevance only), got {self.mmr_lambda}")
        if self.min_votes < 0:
            raise QueryError(f"min_votes must be >= 0, got {self.min_votes}")
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise QueryError(f"year_min {self.year_min} is after year_max {self.year_max}")
