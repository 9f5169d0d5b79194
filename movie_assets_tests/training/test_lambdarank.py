"""LambdaRank on a tiny labelled set: a feature that decides the label must move the answer up."""

from __future__ import annotations

import numpy as np
import pytest

from movie_assets.ranking import FEATURE_NAMES, LearnedRanker
from movie_assets.training.lambdarank import Group, refit_ranker, split_groups, train_ranker

DECIDES = FEATURE_NAMES.index("people_full")


def _groups(n: int, seed: int, size: int = 20) -> list[Group]:
    """Pools where the answer sits at a random place in fused order and alone names a credited person."""
    rng = np.random.default_rng(seed)
    groups = []
    for _ in range(n):
        features = rng.normal(size=(size, len(FEATURE_NAMES))).astype(np.float32)
        features[:, DECIDES] = 0.0
        labels = np.zeros(size, dtype=np.int32)
        gold = int(rng.integers(size))
        labels[gold] = 1
        features[gold, DECIDES] = 1.0
        groups.append(Group(features, labels))
    return groups


def _mean_gold_rank(groups: list[Group], scores: list[np.ndarray]) -> float:
    ranks = [1 + int((s > s[g.labels == 1][0]).sum()) for g, s in zip(groups, scores, strict=True)]
    return float(np.mean(ranks))


def test_the_deciding_feature_moves_the_answer_to_the_top() -> None:
    trained = train_ranker(_groups(250, seed=1), _groups(50, seed=6), threads=1)
    ranker = LearnedRanker.from_text(trained.model)
    unseen = _groups(50, seed=2)
    before = _mean_gold_rank(unseen, [-np.arange(20, dtype=float) for _ in unseen])  # fused order
    after = _mean_gold_rank(unseen, [ranker.score(g.features) for g in unseen])
    assert before > 5
    assert after == 1.0
    assert trained.stats["fit_requests_with_answer_in_pool"] == 250
    assert trained.stats["rounds"] >= 1


def test_the_refit_grows_the_chosen_trees_on_every_request_and_still_ranks_the_answer_first() -> None:
    fit, held = _groups(250, seed=1), _groups(50, seed=6)
    chosen = train_ranker(fit, held, threads=1)
    refit = refit_ranker([*fit, *held], int(chosen.stats["rounds"]), threads=1)
    assert refit.stats["requests_with_answer_in_pool"] == 300
    assert refit.stats["rounds"] == chosen.stats["rounds"]
    assert refit.model != chosen.model  # the held-apart requests changed the trees
    ranker = LearnedRanker.from_text(refit.model)
    unseen = _groups(50, seed=2)
    assert _mean_gold_rank(unseen, [ranker.score(g.features) for g in unseen]) == 1.0


def test_a_refit_without_answers_or_rounds_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 requests"):
        refit_ranker(_groups(1, seed=5), 10, threads=1)
    with pytest.raises(ValueError, match="1 round"):
        refit_ranker(_groups(5, seed=5), 0, threads=1)


def test_training_is_reproducible() -> None:
    fit, held = _groups(100, seed=3), _groups(20, seed=8)
    assert train_ranker(fit, held, threads=1).model == train_ranker(fit, held, threads=1).model


def test_pools_without_their_answer_are_left_out_and_too_few_refused() -> None:
    empty = [Group(g.features, np.zeros_like(g.labels)) for g in _groups(50, seed=4)]
    with pytest.raises(ValueError, match="only 1 fit and 5 held-apart requests"):
        train_ranker([*empty, *_groups(1, seed=5)], _groups(5, seed=9), threads=1)
    with pytest.raises(ValueError, match="columns"):
        train_ranker([Group(np.zeros((3, 2), np.float32), np.array([1, 0, 0]))], [], threads=1)


def test_the_held_apart_slice_is_whole_requests_chosen_by_seed() -> None:
    fit, held = split_groups(100, held_apart=0.2, seed=7)
    assert len(held) == 20 and len(fit) == 80
    assert set(fit).isdisjoint(held) and set(fit) | set(held) == set(range(100))
    assert np.array_equal(held, split_groups(100, held_apart=0.2, seed=7)[1])
