"""Re-ranking a candidate pool: diversity (MMR), bounded recency/popularity priors, a cross-encoder."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

# Priors multiply a relevance score by at most (1 + 0.02) * (1 + 0.03) ~= 1.05, so they can only swap
# items whose scores are within ~5% of each other: they order near-ties, they never outvote relevance.
RECENCY_WEIGHT = 0.02
POPULARITY_WEIGHT = 0.03
MAX_PRIOR_WEIGHT = 0.1


class CrossEncoderLike(Protocol):
    """What `cross_encoder_rerank` needs: sentence_transformers.CrossEncoder's `predict`."""

    def predict(self, sentences: list[tuple[str, str]], **kwargs: object) -> np.ndarray: ...


def _stable_desc(scores: np.ndarray) -> np.ndarray:
    # Stable, so equal scores keep the incoming (already ranked) order.
    return np.argsort(-scores, kind="stable")


def mmr(
    relevance: np.ndarray, vectors: np.ndarray, k: int, diversity: float
) -> tuple[np.ndarray, np.ndarray]:
    """Maximal marginal relevance (Carbonell and Goldstein, 1998) over a candidate pool.

    Relevance is min-max scaled to [0, 1] so it is commensurable with cosine similarity; each step picks
    ``argmax (1 - diversity) * rel - diversity * max_cos(candidate, already picked)``.

    Args:
        relevance: (P,) relevance of each candidate, higher is better.
        vectors: (P, d) L2-normalised candidate vectors (row i <-> relevance[i]).
        k: how many to select (at most P).
        diversity: weight of the redundancy penalty in [0, 1]; 0 is the relevance order.

    Returns:
        ``(picked, values)``: candidate positions in selection order and their marginal values
        (non-increasing, since the redundancy of every candidate only grows as the selection grows).
    """
    relevance = np.asarray(relevance, dtype=np.float64)
    vectors = np.asarray(vectors, dtype=np.float32)
    n = relevance.shape[0]
    if vectors.ndim != 2 or vectors.shape[0] != n:
        raise ValueError(
            f"mmr needs one vector per candidate: {n} relevances, vectors of shape {vectors.shape}"
        )
    if not 0.0 <= diversity <= 1.0:
        raise ValueError(f"mmr diversity must be in [0, 1], got {diversity}")
    take = min(k, n)
    if take <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    span = relevance.max() - relevance.min()
    rel = (relevance - relevance.min()) / span if span > 0 else np.ones(n)
    redundancy = np.full(n, -np.inf)
    available = np.ones(n, dtype=bool)
    picked = np.empty(take, dtype=np.int64)
    values = np.empty(take, dtype=np.float64)
    for step in range(take):
        penalty = np.where(np.isfinite(redundancy), redundancy, 0.0)
        marginal = np.where(available, (1.0 - diversity) * rel - diversity * penalty, -np.inf)
        best = int(np.argmax(marginal))
        picked[step], values[step] = best, marginal[best]
        available[best] = False
        redundancy = np.maximum(redundancy, vectors @ vectors[best])
    return picked, values


def recency_prior(years: np.ndarray, first_year: int, last_year: int) -> np.ndarray:
    """Years scaled to [0, 1] over the catalogue's span (missing years, as negatives, count as oldest)."""
    years = np.asarray(years, dtype=np.float64)
    span = max(last_year - first_year, 1)
    return np.clip((years - first_year) / span, 0.0, 1.0)


def popularity_prior(vote_counts: np.ndarray, max_votes: int) -> np.ndarray:
    """Vote counts scaled to [0, 1] on a log scale, so a few blockbusters do not flatten the rest."""
    votes = np.clip(np.asarray(vote_counts, dtype=np.float64), 0.0, None)
    return np.clip(np.log1p(votes) / np.log1p(max(max_votes, 1)), 0.0, 1.0)


def blend_priors(
    scores: np.ndarray,
    recency: np.ndarray,
    popularity: np.ndarray,
    recency_weight: float = RECENCY_WEIGHT,
    popularity_weight: float = POPULARITY_WEIGHT,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Multiply relevance scores by bounded recency and popularity factors.

    Args:
        scores: (P,) non-negative relevance scores.
        recency: (P,) recency prior in [0, 1] (see `recency_prior`).
        popularity: (P,) popularity prior in [0, 1] (see `popularity_prior`).
        recency_weight: the most a recency prior can add, as a fraction of the score (<= 0.1).
        popularity_weight: the most a popularity prior can add, as a fraction of the score (<= 0.1).

    Returns:
        ``(blended, recency_factor, popularity_factor)``; the factors are what was multiplied in.
    """
    for name, weight in (("recency_weight", recency_weight), ("popularity_weight", popularity_weight)):
        if not 0.0 <= weight <= MAX_PRIOR_WEIGHT:
            raise ValueError(f"{name} must be in [0, {MAX_PRIOR_WEIGHT}] so priors cannot swamp relevance")
    for name, prior in (("recency", recency), ("popularity", popularity)):
        if prior.size and (prior.min() < 0.0 or prior.max() > 1.0):
            raise ValueError(f"the {name} prior must lie in [0, 1], got [{prior.min()}, {prior.max()}]")
    recency_factor = 1.0 + recency_weight * np.asarray(recency, dtype=np.float64)
    popularity_factor = 1.0 + popularity_weight * np.asarray(popularity, dtype=np.float64)
    return (
        np.asarray(scores, dtype=np.float64) * recency_factor * popularity_factor,
        recency_factor,
        popularity_factor,
    )


def cross_encoder_rerank(
    model: CrossEncoderLike, query: str, passages: Sequence[str], batch_size: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """Score (query, passage) pairs with a cross-encoder and order the passages by that score.

    Returns:
        ``(order, scores)``: passage positions best first (ties keep the incoming order) and the
        cross-encoder score of each passage, indexed like `passages`.
    """
    if not passages:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    pairs = [(query, passage) for passage in passages]
    raw = model.predict(pairs, batch_size=batch_size, show_progress_bar=False)
    scores = np.asarray(raw, dtype=np.float64).reshape(len(passages), -1)[:, -1]
    return _stable_desc(scores), scores


def _hub_caches(env: Mapping[str, str]) -> list[Path]:
    """Where a Hugging Face model may already be on disk: sentence-transformers' own cache folder, then the
    hub cache (HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/...)."""
    hub = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
    if not hub:
        home = env.get("HF_HOME") or os.path.join(
            env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface"
        )
        hub = os.path.join(home, "hub")
    return [Path(folder) for folder in (env.get("SENTENCE_TRANSFORMERS_HOME"), hub) if folder]


def cross_encoder_problem(name: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """Why the cross-encoder `name` (default CROSS_ENCODER_NAME) cannot be loaded here, or None when it can
    be found: a local folder with a config.json, or a snapshot in a local Hugging Face cache.

    Decided from files alone, so front ends can show ``ce`` as unavailable without importing torch (loading
    still has the last word: a model found here may yet fail to load).
    """
    from movie_assets.config import cross_encoder_name

    env = os.environ if env is None else env
    name = name or cross_encoder_name()
    fix = "set CROSS_ENCODER_NAME to a local cross-encoder folder"
    local = Path(name).expanduser()
    if local.is_dir():
        return None if (local / "config.json").is_file() else f"{local} has no config.json; {fix}"
    caches = _hub_caches(env)
    repo = "models--" + name.replace("/", "--")
    if any(any((cache / repo / "snapshots").glob("*/config.json")) for cache in caches):
        return None
    where = " or ".join(str(cache) for cache in caches)
    return (
        f"cross-encoder {name!r} is not on this machine (no such folder, and not in the model cache at "
        f"{where}); none ships with movie_assets, so {fix}"
    )


def load_cross_encoder(name: str | None = None) -> CrossEncoderLike:
    """The sentence-transformers CrossEncoder `name` (default: CROSS_ENCODER_NAME), from local files only.

    Raises:
        ModelUnavailableError: the model is neither a local folder nor in the local Hugging Face cache.
    """
    from movie_assets.config import cross_encoder_name
    from movie_assets.search.types import ModelUnavailableError

    name = name or cross_encoder_name()
    try:
        import torch
        from sentence_transformers import CrossEncoder

        # A sigmoid makes every model's score a relevance probability in (0, 1), whatever its head.
        # Local files only: a machine without internet would otherwise spend minutes in hub retries.
        return CrossEncoder(name, local_files_only=True, activation_fn=torch.nn.Sigmoid())
    except Exception as exc:  # the hub client raises OSError, ValueError or its own types
        raise ModelUnavailableError(
            f"cross-encoder {name!r} cannot be loaded offline ({type(exc).__name__}); none ships with "
            "movie_assets, so set CROSS_ENCODER_NAME to a local cross-encoder folder"
        ) from exc
