"""The seeded stage of a search: its seeds resolved and turned into vectors and traits (`seed_plan`), then
the text's ranking (if any) fused by RRF with the seeds' dense list and their kinship list, and films near
an unliked seed pushed down (`seeded_rank`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from movie_assets.index import Gazetteer, fold
from movie_assets.search.fusion import Candidates, rrf_arrays
from movie_assets.search.kinship import Traits, kin_rows, kinship, unlike_factor, user_vector
from movie_assets.search.parse import FILM_WORDS, STOPWORDS
from movie_assets.search.query import LONG_QUERY
from movie_assets.search.reading import QueryReading
from movie_assets.search.retrievers import DenseRetriever
from movie_assets.search.seeds import SeedBook, SeedRows, resolve_seeds
from movie_assets.search.types import SearchParams

# In the kinship order, a film's cosine with the user vector counts beside what it shares: among films
# sharing as much, the closer in content comes first.
KIN_COSINE = 1.0
# RRF weights of the seeds' dense list and their kinship list (bench_like: kinship at 2 put 9.8 of the
# top 10 in kin against 9.2 at 1). The text's own ranking, when the query asks more than the seeds, weighs
# as much as both: "like X but funnier" must be funnier, and its query vector already leans towards X.
SEED_DENSE_WEIGHT, KIN_WEIGHT = 1.0, 2.0
TEXT_WEIGHT = SEED_DENSE_WEIGHT + KIN_WEIGHT
KIN_COLUMNS = ("title", "directors", "cast", "collection", "genres", "keywords", "original_language", "year")


@dataclass(frozen=True)
class SeedPlan:
    """What the seeds of one search bring to its ranking.

    :param seeds: the resolved seeds.
    :param user: the user vector (1, dim), None without a liked film.
    :param unliked: the unliked films' stored vectors (n, dim).
    :param traits: the liked films' traits (for kinship and explanations).
    :param has_text: whether the query asks something beyond the seeds (its text is then ranked as usual
        and fused with the seeds' lists).
    :param text: what the retrievers read instead of the query's text (its words without the seed
        titles, whose vectors stand for them), None to leave it as read.
    """

    seeds: SeedRows
    user: np.ndarray | None
    unliked: np.ndarray
    traits: tuple[Traits, ...]
    has_text: bool
    text: str | None = None


class SeededParts(Protocol):
    """What the seeded stage reads of an open Searcher."""

    payload: pl.DataFrame
    dense: DenseRetriever


def kin_list(
    parts: SeededParts, gazetteer: Gazetteer, plan: SeedPlan, dense_rows: np.ndarray, mask: np.ndarray | None
) -> np.ndarray:
    """The rows that share people or a collection with a liked film, and the dense list's rows, ordered
    by kinship plus cosine with the user vector."""
    rows = np.union1d(kin_rows(gazetteer, plan.traits, parts.payload), dense_rows)
    if mask is not None:
        rows = rows[mask[rows]]
    if rows.size == 0 or plan.user is None:
        return rows
    columns = [c for c in KIN_COLUMNS if c in parts.payload.columns]
    records = parts.payload[rows].select(columns).iter_rows(named=True)
    shared = np.fromiter((kinship(plan.traits, r) for r in records), dtype=np.float64, count=rows.size)
    cosine = parts.dense.vectors(rows) @ plan.user[0]
    order = np.lexsort((rows, -(shared + KIN_COSINE * cosine)))
    return rows[order]


def seeded_rank(
    parts: SeededParts,
    gazetteer: Gazetteer,
    plan: SeedPlan,
    p: SearchParams,
    mask: np.ndarray | None,
    text: Callable[[], Candidates] | None,
) -> Candidates:
    """The candidates of a seeded search, best first (`text`: the text's own ranking, when it asks more)."""
    ranked = text() if text is not None else None
    if plan.user is None:  # dislikes alone: the text's order, their look-alikes pushed down
        found = ranked if ranked is not None else Candidates.ranked(*_empty(), fused=False)
    else:
        dense_rows, _ = parts.dense.search_vector(plan.user, max(p.k, p.hybrid_dense_k), mask)
        lists = [dense_rows, kin_list(parts, gazetteer, plan, dense_rows, mask)]
        weights = [SEED_DENSE_WEIGHT, KIN_WEIGHT]
        sparse = np.empty(0, dtype=np.int64)
        if ranked is not None:
            lists.insert(0, ranked.rows)
            weights.insert(0, TEXT_WEIGHT)
            has = ranked.bm25_rank > 0
            sparse = ranked.rows[has][np.argsort(ranked.bm25_rank[has], kind="stable")]
        rows, scores = rrf_arrays(lists, p.rrf_k, weights)
        found = Candidates.ranked(rows, scores, dense_rows, sparse, fused=True)
    if len(plan.unliked) and len(found):
        found = found.boost("unlike", unlike_factor(parts.dense.vectors(found.rows), plan.unliked))
    return found


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    none = np.empty(0, dtype=np.int64)
    return none, np.empty(0, dtype=np.float64), none, none


def seed_plan(parts: SeededParts, book: SeedBook, q: QueryReading, p: SearchParams) -> SeedPlan | None:
    """The seeds of a search resolved, with their vectors and traits; None when it names none. "like X"
    in a described memory (a long query) is reported, not acted on, as its other constraints are."""
    described = q.parsed is not None and len(q.parsed.text.split()) > LONG_QUERY
    text_seeds = [] if q.parsed is None or described else list(q.parsed.of("seed"))
    if not (text_seeds or p.like or p.unlike):
        return None
    seeds = resolve_seeds(book, text_seeds, p.like, p.unlike)
    rows = np.asarray(seeds.like_rows, dtype=np.int64)
    liked = parts.dense.vectors(rows)
    unliked = parts.dense.vectors(np.asarray(seeds.unlike_rows, dtype=np.int64))
    traits = tuple(Traits.of(r) for r in parts.payload[rows].iter_rows(named=True)) if rows.size else ()
    text = q.parsed.unseeded_text if q.parsed is not None and seeds.text_found else None
    has_text = _asks_more(q.plain if text is None else text)
    return SeedPlan(seeds, user_vector(liked, unliked), unliked, traits, has_text, text)


def seeds_outside(plan: SeedPlan, allowed: np.ndarray | None) -> list[str]:
    """Notes on the liked films that the filters (`allowed`, None: none) leave out."""
    if allowed is None:
        return []
    return [
        f"{seed.title} ({seed.year or 'no year'}) itself is outside the filters; films like it are still "
        "looked for inside them"
        for seed, row in zip(plan.seeds.likes, plan.seeds.like_rows, strict=True)
        if not allowed[row]
    ]


def _asks_more(text: str) -> bool:
    """Whether text asks something beyond film words and function words ("movies like X" does not)."""
    return any(w not in FILM_WORDS and w not in STOPWORDS for w in (fold(t) for t in text.split()) if w)
