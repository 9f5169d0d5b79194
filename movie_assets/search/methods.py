"""The six methods as tables of stages: which retrievers run, whether their lists are fused, which priors
apply and what re-ranks the head of the list. The Searcher runs a method by reading its row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import polars as pl

from movie_assets.search.filters import MovieFacts
from movie_assets.search.fusion import Candidates
from movie_assets.search.rerank import (
    CrossEncoderLike,
    blend_priors,
    cross_encoder_problem,
    cross_encoder_rerank,
    mmr,
    popularity_prior,
    recency_prior,
)
from movie_assets.search.retrievers import DenseRetriever
from movie_assets.search.types import METHODS, SearchParams

CE_POOL = 50  # fused candidates the cross-encoder reads (at least k)
MMR_POOL = 100  # fused candidates MMR chooses from (at least 4k)


class RankingParts(Protocol):
    """What the re-rankers read of an open Searcher."""

    payload: pl.DataFrame
    dense: DenseRetriever

    def cross_encoder(self) -> CrossEncoderLike: ...


def _passage(row: dict[str, Any]) -> str:
    """What the cross-encoder reads of a movie: "Title (year). Genres. Overview"."""
    year = f" ({row['year']})" if row["year"] else ""
    return f"{row['title']}{year}. {', '.join(row['genres'] or [])}. {row['overview'] or ''}"


def cross_encode(parts: RankingParts, text: str, pool: Candidates, params: SearchParams) -> Candidates:
    """The pool ordered by the cross-encoder's score of (query, passage)."""
    frame = parts.payload[pool.rows].select("title", "year", "genres", "overview")
    passages = [_passage(row) for row in frame.iter_rows(named=True)]
    _, pool.scores = cross_encoder_rerank(parts.cross_encoder(), text, passages)
    # The soft language factor applied to the fused score is applied again to the new one.
    language = pool.boosts.pop("language", None)
    return pool.sorted() if language is None else pool.boost("language", language)


def diversify(parts: RankingParts, text: str, pool: Candidates, params: SearchParams) -> Candidates:
    """k of the pool chosen by maximal marginal relevance over their stored vectors."""
    if len(pool) == 0:
        return pool
    picked, values = mmr(pool.scores, parts.dense.vectors(pool.rows), params.k, params.mmr_lambda)
    chosen = pool.take(picked)
    chosen.scores = values
    return chosen


def apply_priors(facts: MovieFacts, found: Candidates) -> Candidates:
    """Scores times bounded recency and popularity factors (blend), recorded as boosts; order unchanged."""
    recency = recency_prior(facts.years[found.rows], *facts.year_span)
    popularity = popularity_prior(facts.votes[found.rows], facts.max_votes)
    # Cosines below zero are unrelated anyway; clipping keeps the factors from lowering the related.
    found.scores, rec, pop = blend_priors(np.clip(found.scores, 0.0, None), recency, popularity)
    found.boosts.update(recency=rec, popularity=pop)
    return found


@dataclass(frozen=True)
class Rerank:
    """A re-ranker of the head of the ranked list: how many candidates it reads for k hits, and how."""

    pool: Callable[[int], int]
    run: Callable[[RankingParts, str, Candidates, SearchParams], Candidates]


@dataclass(frozen=True)
class Stages:
    """How one method ranks.

    :param dense, sparse: which retrievers run; without `fuse` the one that ran gives the order.
    :param fuse: RRF of both lists (weights and constant from the knobs).
    :param priors: multiply by bounded recency/popularity priors, before the soft language factor.
    :param rerank: what re-orders the head of the list after the language factor, if anything.
    :param learned: with ``learned="on"`` and learned parts in the set, the adapter and ranker replace the
        fusion's order (`movie_assets.search.learned`).
    """

    dense: bool
    sparse: bool
    fuse: bool = False
    priors: bool = False
    rerank: Rerank | None = None
    learned: bool = False


CROSS_ENCODER = Rerank(pool=lambda k: max(k, CE_POOL), run=cross_encode)
DIVERSITY = Rerank(pool=lambda k: max(4 * k, MMR_POOL), run=diversify)
METHOD_STAGES: dict[str, Stages] = {
    "hybrid": Stages(dense=True, sparse=True, fuse=True, learned=True),
    "retrieval": Stages(dense=True, sparse=False),
    "bm25": Stages(dense=False, sparse=True),
    "blend": Stages(dense=True, sparse=False, priors=True),
    "ce": Stages(dense=True, sparse=True, fuse=True, rerank=CROSS_ENCODER),
    "mmr": Stages(dense=True, sparse=True, fuse=True, rerank=DIVERSITY),
}
if tuple(METHOD_STAGES) != METHODS:  # a method added to one list and not the other fails at import
    raise ImportError(f"METHOD_STAGES lists {tuple(METHOD_STAGES)}, METHODS lists {METHODS}")


def unavailable_methods() -> dict[str, str]:
    """Methods that cannot run on this machine, each with the reason (from a look at the files: cheap, and
    without importing torch), for front ends to show them as unavailable."""
    problem = cross_encoder_problem()
    if problem is None:
        return {}
    return {method: problem for method, stages in METHOD_STAGES.items() if stages.rerank is CROSS_ENCODER}
