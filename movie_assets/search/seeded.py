"""The seeded stage of a search: the text's ranking (if any) fused by RRF with the seeds' dense list and
their kinship list, then films near an unliked seed pushed down (`movie_assets.search.seeds`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import polars as pl

from movie_assets.index import Gazetteer
from movie_assets.search.fusion import Candidates, rrf_arrays
from movie_assets.search.retrievers import DenseRetriever
from movie_assets.search.seeds import SeedPlan, kin_rows, kinship, unlike_factor
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
