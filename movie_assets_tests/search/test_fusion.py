"""Reciprocal rank fusion against hand-computed 1/(k + rank) sums, and the candidate list it feeds."""

from __future__ import annotations

import numpy as np
import pytest

from movie_assets.search.fusion import Candidates, ranks_of, rrf, rrf_arrays


@pytest.mark.parametrize(
    ("rankings", "k", "weights", "expected"),
    [
        # One ranking: each id scores 1 / (k + its 1-based rank).
        ([[7, 3]], 60, None, {7: 1 / 61, 3: 1 / 62}),
        # Two rankings that agree on the first id and disagree below it.
        ([[1, 2, 3], [1, 3, 4]], 60, None, {1: 2 / 61, 2: 1 / 62, 3: 1 / 63 + 1 / 62, 4: 1 / 63}),
        # An id only one list found keeps that list's share.
        ([[5], [6]], 60, None, {5: 1 / 61, 6: 1 / 61}),
        # Weights scale each list's share.
        ([[1, 2], [2, 1]], 60, [2.0, 0.5], {1: 2 / 61 + 0.5 / 62, 2: 2 / 62 + 0.5 / 61}),
        # A small k sharpens the gap between ranks.
        ([[1, 2], [2]], 1, None, {1: 1 / 2, 2: 1 / 3 + 1 / 2}),
        # A zero weight silences a list without dropping its ids.
        ([[1], [2]], 60, [1.0, 0.0], {1: 1 / 61, 2: 0.0}),
        ([], 60, None, {}),
    ],
    ids=["single", "overlap", "disjoint", "weighted", "k1", "zero-weight", "empty"],
)
def test_rrf_hand_computed(
    rankings: list[list[int]], k: int, weights: list[float] | None, expected: dict[int, float]
) -> None:
    """Each fused score is the exact sum of w / (k + rank) over the rankings that hold the id."""
    got = rrf(rankings, k=k, weights=weights)
    assert got.keys() == expected.keys()
    for item, score in expected.items():
        assert got[item] == pytest.approx(score, rel=1e-12)


def test_rrf_arrays_matches_rrf_and_sorts() -> None:
    """The vectorised form gives the same scores, best first, ties broken by the smaller id."""
    rankings = [np.array([4, 9, 2, 7]), np.array([9, 4, 5])]
    ids, scores = rrf_arrays(rankings, k=60, weights=[1.0, 1.0])
    reference = rrf([r.tolist() for r in rankings], k=60)
    assert ids.tolist() == [4, 9, 2, 5, 7]  # 4 and 9 tie at 1/61 + 1/62: smaller id first
    assert scores.tolist() == pytest.approx([reference[i] for i in ids.tolist()], rel=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rrf([[1, 2, 1]]), "twice"),
        (lambda: rrf([[1], [2]], weights=[1.0]), "1 weights for 2 rankings"),
        (lambda: rrf([[1]], weights=[-1.0]), ">= 0"),
        (lambda: rrf([[1]], k=-1), "k must be >= 0"),
        (lambda: rrf_arrays([np.array([3, 3])]), "twice"),
    ],
    ids=["duplicate", "weight-count", "negative-weight", "negative-k", "arrays-duplicate"],
)
def test_rrf_rejects_bad_input(call: object, message: str) -> None:
    """Malformed rankings or weights raise ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_ranks_of() -> None:
    """1-based positions in a ranking, 0 for ids it does not hold."""
    assert ranks_of(np.array([5, 1, 8, 3]), np.array([3, 5, 9])).tolist() == [2, 0, 0, 1]
    assert ranks_of(np.array([1]), np.array([], dtype=np.int64)).tolist() == [0]


def test_candidates_boost_sort_and_extend() -> None:
    """A boost multiplies (and records) a factor and re-sorts; extend appends only unseen rows."""
    found = Candidates.ranked(
        np.array([10, 11, 12]), np.array([0.030, 0.029, -0.5]), np.array([10, 12]), np.array([11]), fused=True
    )
    assert found.dense_rank.tolist() == [1, 0, 2] and found.bm25_rank.tolist() == [0, 1, 0]
    boosted = found.boost("language", np.array([1.0, 1.2, 2.0]))
    assert boosted.rows.tolist() == [11, 10, 12]
    assert boosted.scores.tolist() == pytest.approx([0.0348, 0.030, -0.25])  # a negative score is divided
    assert boosted.fused is not None and boosted.fused.tolist() == [0.029, 0.030, -0.5]  # fused stays raw
    more = Candidates.ranked(np.array([12, 13]), np.array([1.0, 0.5]), np.array([]), np.array([]), fused=True)
    joined = boosted.extend(more)
    assert joined.rows.tolist() == [11, 10, 12, 13]
    assert joined.boosts["language"].tolist() == [1.2, 1.0, 2.0, 1.0]


def test_first_puts_rows_first_and_adds_those_not_found() -> None:
    """Rows asked first come first in that order (each once); one not among the candidates joins them
    found by no retriever; every row put first is raised to the best score below it, none is lowered."""
    found = Candidates(
        rows=np.array([10, 11, 12, 13]),
        scores=np.array([0.9, 0.5, 0.4, 0.1]),
        dense_rank=np.array([1, 2, 0, 3]),
        bm25_rank=np.array([2, 0, 1, 3]),
        fused=np.array([0.03, 0.02, 0.015, 0.01]),
        boosts={"language": np.array([1.2, 1.0, 1.0, 1.2])},
    )
    lifted = found.first(np.array([13, 99, 11, 13]))
    assert lifted.rows.tolist() == [13, 99, 11, 10, 12]
    assert lifted.scores.tolist() == [0.9, 0.9, 0.9, 0.9, 0.4]  # raised to 10's 0.9, the best left below
    assert lifted.dense_rank.tolist() == [3, 0, 2, 1, 0] and lifted.bm25_rank.tolist() == [3, 0, 0, 2, 1]
    assert lifted.fused is not None and lifted.fused.tolist() == [0.01, 0.0, 0.02, 0.03, 0.015]
    assert lifted.boosts["language"].tolist() == [1.2, 1.0, 1.0, 1.2, 1.0]
    high = found.first(np.array([10, 12]))
    assert high.rows.tolist() == [10, 12, 11, 13] and high.scores.tolist() == [0.9, 0.5, 0.5, 0.1]
    assert found.first(np.array([], dtype=np.int64)) is found
    alone = Candidates.ranked(
        np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64), False
    )
    added = alone.first(np.array([5]))
    assert added.rows.tolist() == [5] and added.scores.tolist() == [0.0] and added.fused is None
