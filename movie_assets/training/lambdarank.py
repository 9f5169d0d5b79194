"""Training the learned ranker: LightGBM LambdaRank over hybrid pools, grouped by request.

Each request is one group: its pool's rows with label 1 for the answer, 0 for every other candidate. A
slice of the training requests (whole groups, chosen with a fixed seed) is held apart for early stopping,
so the number of trees is chosen on requests the trees never saw; validation requests are not touched.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from movie_assets.ranking import FEATURE_NAMES

SEED = 13
HELD_APART = 0.15
# Small trees, few of them: the ranker must score ~1,000 candidates in a millisecond or two per query.
PARAMS: dict[str, object] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "lambdarank_truncation_level": 20,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "deterministic": True,
    "force_row_wise": True,
}
MAX_ROUNDS = 400
EARLY_STOP = 40


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


def _dataset(groups: Sequence[Group], chosen: np.ndarray, reference: object | None = None) -> object:
    import lightgbm as lgb

    picked = [groups[i] for i in chosen]
    features = np.vstack([g.features for g in picked]).astype(np.float32)
    labels = np.concatenate([g.labels for g in picked]).astype(np.int32)
    return lgb.Dataset(
        features, labels, group=[len(g.labels) for g in picked], feature_name=list(FEATURE_NAMES),
        reference=reference, free_raw_data=True,
    )  # fmt: skip


def train_ranker(groups: Sequence[Group], *, seed: int = SEED, threads: int = 2) -> TrainedRanker:
    """Fit LambdaRank on the groups that hold their answer, stopping early on a held-apart slice.

    Groups whose pool lacks the answer teach a ranker nothing (every label is 0) and are left out.

    Raises:
        ValueError: fewer than two groups hold their answer, or a group's features have the wrong width.
    """
    import lightgbm as lgb

    for group in groups:
        if group.features.ndim != 2 or group.features.shape[1] != len(FEATURE_NAMES):
            raise ValueError(
                f"feature rows must have {len(FEATURE_NAMES)} columns, got {group.features.shape}"
            )
    useful = [g for g in groups if g.labels.any() and len(g.labels) > 1]
    if len(useful) < 2:
        raise ValueError(f"only {len(useful)} requests have their answer in the pool; a ranker needs more")
    started = time.perf_counter()
    fit, held = split_groups(len(useful), seed=seed)
    train_set = _dataset(useful, fit)
    valid_set = _dataset(useful, held, reference=train_set)
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
            "requests_with_answer_in_pool": len(useful),
            "requests_fit": int(fit.size),
            "requests_held_apart": int(held.size),
            "rows": int(sum(len(g.labels) for g in useful)),
            "rounds": int(best),
            "held_apart_ndcg@10": float(score),
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
