"""Learning search from labelled requests: the query adapter and the LambdaRank ranker, and the run that
trains both over an opened searcher's pools.

    key = fingerprint(labels, links, model)
    outcome = train_learned(learning_view(searcher), requests, fingerprint_id=key)
    if outcome.trained:
        install_learned(artifacts_dir, outcome.files, outcome.entry)

Pure core (no dagster); the `search_ranker` asset is the thin wrapper.
"""

from __future__ import annotations

from movie_assets.training.adapter import TrainedAdapter, dense_mrr, train_adapter
from movie_assets.training.lambdarank import Group, TrainedRanker, split_groups, train_ranker
from movie_assets.training.learned import (
    MIN_REQUESTS,
    LearnedOutcome,
    LearningView,
    embed_requests,
    fingerprint,
    train_learned,
)

__all__ = [
    "MIN_REQUESTS",
    "Group",
    "LearnedOutcome",
    "LearningView",
    "TrainedAdapter",
    "TrainedRanker",
    "dense_mrr",
    "embed_requests",
    "fingerprint",
    "split_groups",
    "train_adapter",
    "train_learned",
    "train_ranker",
]
