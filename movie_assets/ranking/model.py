"""The learned parts as the searcher applies them: the LambdaRank booster and the query adapter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from movie_assets.ranking.features import FEATURE_NAMES

# Two threads where there are two cores: on a 2-core machine scoring a ~950-candidate pool took 1.98 ms
# p50 with two threads against 3.35 ms with one (104 trees of mean depth 10), the larger part of the
# learned stage's budget.
PREDICT_THREADS = min(2, os.cpu_count() or 1)


class LearnedRanker:
    """A LightGBM booster over `FEATURE_NAMES`; `score` rates each row of a pool's feature matrix."""

    def __init__(self, booster: Any) -> None:
        names = tuple(booster.feature_name())
        if names != FEATURE_NAMES:
            raise ValueError(f"the ranker was trained on features {list(names)}, not {list(FEATURE_NAMES)}")
        self._booster = booster

    @classmethod
    def from_text(cls, model: str) -> LearnedRanker:
        """A ranker from LightGBM's text model (what training writes)."""
        import lightgbm as lgb

        return cls(lgb.Booster(model_str=model))

    @classmethod
    def load(cls, path: Path) -> LearnedRanker:
        return cls.from_text(Path(path).read_text(encoding="utf-8"))

    @property
    def rounds(self) -> int:
        return int(self._booster.current_iteration())

    def score(self, features: np.ndarray) -> np.ndarray:
        """One float64 score per row, higher is better."""
        if len(features) == 0:
            return np.zeros(0, dtype=np.float64)
        return np.asarray(self._booster.predict(features, num_threads=PREDICT_THREADS), dtype=np.float64)


class QueryAdapter:
    """A linear map W on query vectors: the adapted vector is unit(q W). Documents keep their vectors."""

    def __init__(self, matrix: np.ndarray) -> None:
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"a query adapter is a square matrix, got shape {matrix.shape}")
        self.matrix = matrix

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[0])

    @classmethod
    def load(cls, path: Path) -> QueryAdapter:
        return cls(np.load(path, allow_pickle=False))

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """(n, dim) query vectors -> adapted unit vectors, float32 and contiguous (what FAISS takes)."""
        out = np.asarray(vectors, dtype=np.float32) @ self.matrix
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.ascontiguousarray(np.divide(out, norms, out=np.zeros_like(out), where=norms > 0))
