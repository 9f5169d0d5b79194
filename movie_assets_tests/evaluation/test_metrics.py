"""Retrieval and proxy metrics against hand-computed values."""

from __future__ import annotations

import math

import pytest

from movie_assets.evaluation.metrics import (
    genre_similarity,
    jaccard,
    language_matches,
    mean_or_none,
    median_or_none,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    year_gaps,
)

L2, L3, L4 = math.log2(2), math.log2(3), math.log2(4)


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        ([1, 2, 3], {2}, 10, 1.0),
        ([1, 2, 3], {2}, 1, 0.0),
        ([1, 2, 3], {2, 9}, 10, 0.5),
        ([1, 2, 3], {1, 3, 7, 9}, 2, 0.25),
        ([], {1}, 10, 0.0),
        ([1, 2], set(), 10, 0.0),
    ],
)
def test_recall_at_k(ranked: list[int], relevant: set[int], k: int, expected: float) -> None:
    assert recall_at_k(ranked, relevant, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        ([5, 6, 7], {5}, 10, 1.0),
        ([5, 6, 7], {7}, 10, 1 / 3),
        ([5, 6, 7], {7}, 2, 0.0),
        ([5, 6, 7], {6, 7}, 10, 0.5),
        ([], {1}, 10, 0.0),
    ],
)
def test_mrr_at_k(ranked: list[int], relevant: set[int], k: int, expected: float) -> None:
    assert mrr_at_k(ranked, relevant, k) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ranked", "relevant", "k", "expected"),
    [
        ([1, 2, 3], {1}, 10, 1.0),
        ([1, 2, 3], {2}, 10, (1 / L3) / (1 / L2)),
        ([1, 2, 3], {3}, 10, (1 / L4) / 1.0),
        ([1, 2, 3], {1, 3}, 10, (1 + 1 / L4) / (1 + 1 / L3)),
        # Two gold movies but k=1: the ideal list holds one, so finding the first at rank 1 is perfect.
        ([1, 2, 3], {1, 2}, 1, 1.0),
        ([1, 2, 3], {9}, 10, 0.0),
        ([4, 1], {1, 2, 3}, 10, (1 / L3) / (1 + 1 / L3 + 1 / L4)),
    ],
)
def test_ndcg_at_k(ranked: list[int], relevant: set[int], k: int, expected: float) -> None:
    assert ndcg_at_k(ranked, relevant, k) == pytest.approx(expected)


@pytest.mark.parametrize("metric", [recall_at_k, mrr_at_k, ndcg_at_k])
def test_metrics_refuse_bad_k_and_repeated_ids(metric: object) -> None:
    with pytest.raises(ValueError, match="k must be"):
        metric([1, 2], {1}, 0)  # type: ignore[operator]
    with pytest.raises(ValueError, match="repeats ids"):
        metric([1, 1, 2], {1}, 10)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"Drama"}, {"Drama"}, 1.0),
        ({"Drama", "Crime"}, {"Crime", "Thriller"}, 1 / 3),
        ({"Drama"}, {"Comedy"}, 0.0),
        ({"Drama"}, set(), 0.0),
        (set(), set(), 0.0),
        (["Drama", "Drama"], ["Drama"], 1.0),
    ],
)
def test_jaccard(a: set[str], b: set[str], expected: float) -> None:
    assert jaccard(a, b) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("query", "hits", "expected"),
    [
        (["Drama", "Crime"], [["Drama", "Crime"], ["Crime"], ["Comedy"]], (1 + 0.5 + 0) / 3),
        (["Drama"], [], None),
        ([], [["Drama"]], None),
    ],
)
def test_genre_similarity(query: list[str], hits: list[list[str]], expected: float | None) -> None:
    assert genre_similarity(query, hits) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("query", "hits", "expected"),
    [(2000, [1990, 2005, None, 2000], [10, 5, 0]), (None, [2000], []), (2000, [], [])],
)
def test_year_gaps(query: int | None, hits: list[int | None], expected: list[int]) -> None:
    assert year_gaps(query, hits) == expected


@pytest.mark.parametrize(
    ("query", "hits", "expected"),
    [("ta", ["ta", "en", None], [True, False, False]), (None, ["ta"], []), ("", ["en"], [])],
)
def test_language_matches(query: str | None, hits: list[str | None], expected: list[bool]) -> None:
    assert language_matches(query, hits) == expected


def test_aggregates_skip_unknowns_and_say_none_for_nothing() -> None:
    assert mean_or_none([1.0, None, 0.0, True]) == pytest.approx(2 / 3)
    assert mean_or_none([None]) is None
    assert median_or_none([10, 0, 3, 5]) == 4.0
    assert median_or_none([]) is None
