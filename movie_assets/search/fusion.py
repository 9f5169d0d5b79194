"""Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009), and the candidate list it produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np


def _checked_weights(n_rankings: int, weights: Sequence[float] | None) -> list[float]:
    if weights is None:
        return [1.0] * n_rankings
    if len(weights) != n_rankings:
        raise ValueError(f"got {len(weights)} weights for {n_rankings} rankings; give one weight per ranking")
    if any(w < 0 for w in weights):
        raise ValueError(f"weights must be >= 0, got {list(weights)}")
    return [float(w) for w in weights]


def rrf(
    rankings: Sequence[Sequence[int]], k: int = 60, weights: Sequence[float] | None = None
) -> dict[int, float]:
    """Fuse rankings of ids into one score per id.

    Args:
        rankings: each a sequence of ids, best first; an id's rank is its 1-based position.
        k: the RRF constant; larger values flatten the difference between top and lower ranks.
        weights: one non-negative weight per ranking (default 1.0 each).

    Returns:
        id -> sum over the rankings that contain it of ``weight / (k + rank)``.

    Raises:
        ValueError: k < 0, a weight count that does not match, or an id listed twice in one ranking.
    """
    if k < 0:
        raise ValueError(f"rrf k must be >= 0, got {k}")
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, _checked_weights(len(rankings), weights), strict=True):
        seen: set[int] = set()
        for position, item in enumerate(ranking, start=1):
            if item in seen:
                raise ValueError(f"id {item} appears twice in one ranking; each ranking lists an id once")
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + position)
    return scores


def rrf_arrays(
    rankings: Sequence[np.ndarray], k: int = 60, weights: Sequence[float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised `rrf` for integer id arrays, sorted by fused score (ties: smaller id first).

    Returns:
        ``(ids, scores)``: int64 ids and float64 scores, best first.
    """
    if k < 0:
        raise ValueError(f"rrf k must be >= 0, got {k}")
    checked = _checked_weights(len(rankings), weights)
    parts = [np.asarray(r, dtype=np.int64) for r in rankings]
    if not parts or sum(p.size for p in parts) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    for part in parts:
        if np.unique(part).size != part.size:
            raise ValueError("an id appears twice in one ranking; each ranking lists an id once")
    ids = np.concatenate(parts)
    contrib = np.concatenate(
        [w / (k + np.arange(1, p.size + 1, dtype=np.float64)) for p, w in zip(parts, checked, strict=True)]
    )
    unique, inverse = np.unique(ids, return_inverse=True)
    scores = np.bincount(inverse, weights=contrib, minlength=unique.size)
    order = np.lexsort((unique, -scores))
    return unique[order], scores[order]


def ranks_of(items: np.ndarray, ranking: np.ndarray) -> np.ndarray:
    """1-based position of each of `items` in `ranking` (0 where absent), without a Python loop."""
    if ranking.size == 0:
        return np.zeros(items.size, dtype=np.int64)
    order = np.argsort(ranking, kind="stable")
    where = np.clip(np.searchsorted(ranking[order], items), 0, ranking.size - 1)
    found = ranking[order][where] == items
    return np.where(found, order[where] + 1, 0).astype(np.int64)


@dataclass
class Candidates:
    """A method's candidate list, best first: payload rows, scores, and how each row got its score.

    :param rows: payload row numbers (int64).
    :param scores: the method's score per row (float64, higher is better).
    :param dense_rank: 1-based rank in the dense pool, 0 when the dense retriever did not return the row.
    :param bm25_rank: 1-based rank in the BM25 pool, 0 when BM25 did not return the row.
    :param fused: the RRF score per row, None for methods that do not fuse.
    :param boosts: name -> factor per row that was multiplied into the score.
    """

    rows: np.ndarray
    scores: np.ndarray
    dense_rank: np.ndarray
    bm25_rank: np.ndarray
    fused: np.ndarray | None
    boosts: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def ranked(
        cls, rows: np.ndarray, scores: np.ndarray, dense: np.ndarray, sparse: np.ndarray, fused: bool
    ) -> Candidates:
        """Rows with their scores, ranked against the dense and BM25 pools they came from."""
        return cls(
            rows, scores, ranks_of(rows, dense), ranks_of(rows, sparse), scores.copy() if fused else None
        )

    def __len__(self) -> int:
        return int(self.rows.size)

    def take(self, order: np.ndarray) -> Candidates:
        """The candidates at positions `order`, in that order."""
        fused = None if self.fused is None else self.fused[order]
        boosts = {name: factor[order] for name, factor in self.boosts.items()}
        return Candidates(
            self.rows[order], self.scores[order], self.dense_rank[order], self.bm25_rank[order], fused, boosts
        )

    def head(self, n: int) -> Candidates:
        return self.take(np.arange(min(n, len(self))))

    def boost(self, name: str, factor: np.ndarray) -> Candidates:
        """Scores multiplied by `factor` (a negative one divided, so a boost always raises), re-sorted."""
        scores = np.where(self.scores >= 0, self.scores * factor, self.scores / factor)
        boosts = {**self.boosts, name: self.boosts.get(name, np.ones(len(self))) * factor}
        return replace(self, scores=scores, boosts=boosts).sorted()

    def sorted(self) -> Candidates:
        """Best score first; equal scores keep their current order."""
        return self.take(np.argsort(-self.scores, kind="stable"))

    def first(self, rows: np.ndarray) -> Candidates:
        """`rows` first, in that order, then the other candidates as they were; a row not among the
        candidates joins them, found by no retriever (ranks 0, fused 0). Each row put first has its score
        raised to the best score below it, so scores still fall down the list (none is lowered)."""
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[np.sort(np.unique(rows, return_index=True)[1])]  # each once, at its first place
        if rows.size == 0:
            return self
        where = ranks_of(rows, self.rows)  # 1-based, 0 for a row not among the candidates
        here = where > 0

        def placed(values: np.ndarray, absent: float) -> np.ndarray:
            out = np.full(rows.size, absent, dtype=values.dtype)
            out[here] = values[where[here] - 1]
            return out

        rest = self.take(np.flatnonzero(~np.isin(self.rows, rows)))
        floor = float(rest.scores[0]) if len(rest) else -np.inf
        scores = np.maximum(placed(self.scores, floor if len(rest) else 0.0), floor)
        lifted = Candidates(
            rows,
            np.maximum.accumulate(scores[::-1])[::-1],
            placed(self.dense_rank, 0),
            placed(self.bm25_rank, 0),
            None if self.fused is None else placed(self.fused, 0.0),
            {name: placed(factor, 1.0) for name, factor in self.boosts.items()},
        )
        return lifted.extend(rest)

    def extend(self, other: Candidates) -> Candidates:
        """These candidates, then those of `other` not already here (a hard filter's top-up)."""
        other = other.take(np.flatnonzero(~np.isin(other.rows, self.rows)))
        both = (self, other)

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(c, name) for c in both])

        fused = None if self.fused is None or other.fused is None else cat("fused")
        names = set(self.boosts) | set(other.boosts)
        boosts = {n: np.concatenate([c.boosts.get(n, np.ones(len(c))) for c in both]) for n in names}
        return Candidates(cat("rows"), cat("scores"), cat("dense_rank"), cat("bm25_rank"), fused, boosts)
