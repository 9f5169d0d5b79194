"""Training the learned ranker: LightGBM LambdaRank over hybrid pools, grouped by request.

Each request is one group: its pool's rows with label 1 for the answer, 0 for every other candidate. A
slice of the training requests (whole groups, chosen with a fixed seed by `split_groups`) is held apart for
early stopping, so the number of trees is chosen on requests the trees never saw; then `refit_ranker` grows
that many trees on every training request, held-apart ones included, so none of the labels is wasted.
Validation requests are not touched.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from movie_assets.ranking import FEATURE_NAMES

SEED = 13
HELD_APART = 0.15
# Chosen on the held-apart slice of Reddit-TOMT train (validation untouched): 31 leaves and pairs down to
# rank 30 beat 15 leaves/rank 20 and 63 leaves/rank 10; a fast learning rate keeps the ranker to ~100
# trees, which scores a ~1,000-candidate pool in about a millisecond. Negatives are never subsampled:
# scoring the whole pool at search time needs the deep ones in training too (a top-150 + random-250 sample
# cost 6 points of Recall@10).
PARAMS: dict[str, object] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "lambdarank_truncation_level": 30,
    "learning_rate": 0.1,
    "num_leaves": 31,
    "max_bin": 63,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "deterministic": True,
    "force_row_wise": True,
}
MAX_ROUNDS = 500
EARLY_STOP = 50


@dataclass(frozen=True)
class Group:
    """One training request: its pool's feature rows and labels (1 = the answer)."""

    features: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class TrainedRanker:
    """A booster as LightGBM's text model, and how it was trained.

    :param model: the booster saved as text (what `movie_assets.ranking.LearnedRanker` loads).
    :param stats: requests, rows, rounds, the held-apart nDCG@10 and seconds spent.
    """

    model: str
    stats: dict[str, float | int] = field(default_factory=dict)


def split_groups(n: int, held_apart: float = HELD_APART, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the groups to fit on and those held apart for early stopping (a seeded shuffle)."""
    order = np.random.default_rng(seed).permutation(n)
    cut = max(1, int(round(n * held_apart))) if n > 1 else 0
    return np.sort(order[cut:]), np.sort(order[:cut])


def _useful(groups: Sequence[Group]) -> list[Group]:
    """Groups whose pool holds the answer: the others teach a ranker nothing (every label is 0)."""
    for group in groups:
        if group.features.ndim != 2 or group.features.shape[1] != len(FEATURE_NAMES):
            width = len(FEATURE_NAMES)
            raise ValueError(f"feature rows must have {width} columns, got {group.features.shape}")
    return [g for g in groups if g.labels.any() and len(g.labels) > 1]


def _dataset(picked: Sequence[Group], reference: object | None = None) -> object:
    import lightgbm as lgb

    features = np.vstack([g.features for g in picked]).astype(np.float32)
    labels = np.concatenate([g.labels for g in picked]).astype(np.int32)
    return lgb.Dataset(
        features, labels, group=[len(g.labels) for g in picked], feature_name=list(FEATURE_NAMES),
        reference=reference, free_raw_data=True,
    )  # fmt: skip


def train_ranker(
    fit: Sequence[Group], held: Sequence[Group], *, seed: int = SEED, threads: int = 2
) -> TrainedRanker:
    """Fit LambdaRank on `fit`, choosing the number of trees by nDCG@10 on `held` (whole requests).

    Groups whose pool lacks the answer teach a ranker nothing (every label is 0) and are left out.

    Raises:
        ValueError: fewer than two fit groups or no held group hold their answer, or a group's features
            have the wrong width.
    """
    import lightgbm as lgb

    useful_fit, useful_held = _useful(fit), _useful(held)
    if len(useful_fit) < 2 or not useful_held:
        raise ValueError(
            f"only {len(useful_fit)} fit and {len(useful_held)} held-apart requests have their answer in "
            "the pool; a ranker needs more"
        )
    started = time.perf_counter()
    train_set = _dataset(useful_fit)
    valid_set = _dataset(useful_held, reference=train_set)
    params = {**PARAMS, "seed": seed, "num_threads": threads}
    booster = lgb.train(
        params, train_set, num_boost_round=MAX_ROUNDS, valid_sets=[valid_set], valid_names=["held_apart"],
        callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)],
    )  # fmt: skip
    best = booster.best_iteration or booster.current_iteration()
    score = booster.best_score.get("held_apart", {}).get("ndcg@10", float("nan"))
    return TrainedRanker(
        model=booster.model_to_string(num_iteration=best),
        stats={
            "fit_requests_with_answer_in_pool": len(useful_fit),
            "held_apart_requests_with_answer_in_pool": len(useful_held),
            "rows": int(sum(len(g.labels) for g in useful_fit)),
            "rounds": int(best),
            "held_apart_ndcg@10_in_pool": round(float(score), 4),
            "seconds": round(time.perf_counter() - started, 1),
        },
    )


def refit_ranker(
    groups: Sequence[Group], rounds: int, *, seed: int = SEED, threads: int = 2
) -> TrainedRanker:
    """Grow `rounds` trees (the number early stopping chose) on all `groups`, with the same parameters.

    Raises:
        ValueError: fewer than two groups hold their answer, `rounds` is below 1, or a group's features
            have the wrong width.
    """
    import lightgbm as lgb

    useful = _useful(groups)
    if len(useful) < 2 or rounds < 1:
        raise ValueError(f"a refit needs at least 2 requests with their answer in the pool and 1 round, got "
                         f"{len(useful)} and {rounds}")  # fmt: skip
    started = time.perf_counter()
    params = {**PARAMS, "seed": seed, "num_threads": threads}
    booster = lgb.train(params, _dataset(useful), num_boost_round=rounds)
    return TrainedRanker(
        model=booster.model_to_string(),
        stats={
            "requests_with_answer_in_pool": len(useful),
            "rows": int(sum(len(g.labels) for g in useful)),
            "rounds": int(rounds),
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
