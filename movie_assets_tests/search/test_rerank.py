"""Pure re-rankers: MMR diversity, bounded priors, and cross-encoder ordering over arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from movie_assets.search.rerank import (
    blend_priors,
    cross_encoder_problem,
    cross_encoder_rerank,
    mmr,
    popularity_prior,
    recency_prior,
)


def _unit(rows: list[list[float]]) -> np.ndarray:
    x = np.asarray(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# Candidates 0 and 1 are near-duplicates; 2 points elsewhere.
VECTORS = _unit([[1.0, 0.0], [0.99, 0.05], [0.0, 1.0]])
RELEVANCE = np.array([1.0, 0.9, 0.5])


def test_mmr_without_diversity_is_the_relevance_order() -> None:
    """diversity=0 picks by relevance alone."""
    picked, _ = mmr(RELEVANCE, VECTORS, k=3, diversity=0.0)
    assert picked.tolist() == [0, 1, 2]


def test_mmr_skips_a_near_duplicate() -> None:
    """With diversity the second pick is the different movie, not the near-copy of the first."""
    picked, values = mmr(RELEVANCE, VECTORS, k=3, diversity=0.5)
    assert picked.tolist() == [0, 2, 1]
    # rel is min-max scaled: [1, 0.8, 0]; step 2 gives (0.5*0 - 0.5*cos(2,0)=0) vs (0.5*0.8 - 0.5*0.9987).
    assert values[0] == pytest.approx(0.5)
    assert values[1] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(values) <= 1e-12)


def test_mmr_k_larger_than_pool_and_errors() -> None:
    """k beyond the pool returns the whole pool; bad shapes or diversity raise ValueError."""
    assert mmr(RELEVANCE, VECTORS, k=10, diversity=0.3)[0].size == 3
    assert mmr(np.array([]), np.zeros((0, 2)), k=5, diversity=0.3)[0].size == 0
    with pytest.raises(ValueError, match="one vector per candidate"):
        mmr(RELEVANCE, VECTORS[:2], k=2, diversity=0.3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        mmr(RELEVANCE, VECTORS, k=2, diversity=1.5)


@pytest.mark.parametrize(
    ("years", "expected"),
    [([1950, 1985, 2020], [0.0, 0.5, 1.0]), ([0, 2030], [0.0, 1.0])],
    ids=["span", "missing-and-future"],
)
def test_recency_prior(years: list[int], expected: list[float]) -> None:
    """Years scale linearly over the catalogue's span and are clipped to [0, 1]."""
    assert recency_prior(np.array(years), 1950, 2020).tolist() == pytest.approx(expected)


def test_popularity_prior_is_log_scaled() -> None:
    """Votes map through log1p, so 99 votes of a 9999 maximum is already half way."""
    got = popularity_prior(np.array([0, 99, 9999, -5]), 9999)
    assert got.tolist() == pytest.approx([0.0, 0.5, 1.0, 0.0])


def test_priors_never_swamp_relevance() -> None:
    """A strongly relevant old unpopular movie stays above an irrelevant new popular one."""
    # RRF scores: found first by both retrievers vs. ranked 10th by both.
    scores = np.array([2 / 61, 2 / 70])
    blended, recency, popularity = blend_priors(
        scores, recency=np.array([0.0, 1.0]), popularity=np.array([0, 1.0])
    )
    assert blended[0] > blended[1]
    assert recency.tolist() == pytest.approx([1.0, 1.02]) and popularity.tolist() == pytest.approx(
        [1.0, 1.03]
    )


def test_priors_reorder_near_ties() -> None:
    """Within about 5% the newer, more voted movie moves ahead."""
    scores = np.array([0.0300, 0.0290])
    blended, _, _ = blend_priors(scores, recency=np.array([0.0, 1.0]), popularity=np.array([0.0, 1.0]))
    assert blended[1] > blended[0]
    assert blended[1] == pytest.approx(0.0290 * 1.02 * 1.03)


def test_priors_are_bounded() -> None:
    """Prior weights above 0.1 or priors outside [0, 1] are refused."""
    with pytest.raises(ValueError, match="cannot swamp"):
        blend_priors(np.array([1.0]), np.array([0.0]), np.array([0.0]), recency_weight=0.5)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        blend_priors(np.array([1.0]), np.array([3.0]), np.array([0.0]))


class _KeywordCrossEncoder:
    """Scores a pair by how many query words the passage contains (stands in for a real model)."""

    def predict(self, sentences: list[tuple[str, str]], **kwargs: object) -> np.ndarray:
        return np.array(
            [sum(w in p.lower() for w in q.lower().split()) for q, p in sentences], dtype=np.float32
        )


def test_cross_encoder_rerank_orders_by_model_score() -> None:
    """Passages come back best first by the model's score; ties keep their incoming order."""
    passages = ["a quiet drama", "a heist thriller in Chennai", "a heist comedy", "a quiet heist"]
    order, scores = cross_encoder_rerank(_KeywordCrossEncoder(), "heist chennai", passages)
    assert scores.tolist() == [0.0, 2.0, 1.0, 1.0]
    assert order.tolist() == [1, 2, 3, 0]
    assert cross_encoder_rerank(_KeywordCrossEncoder(), "x", [])[0].size == 0


def _snapshot(cache: Path, name: str) -> None:
    folder = cache / ("models--" + name.replace("/", "--")) / "snapshots" / "0123abcd"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")


@pytest.mark.parametrize(
    ("where", "env_name"),
    [("st", "SENTENCE_TRANSFORMERS_HOME"), ("hub", "HF_HUB_CACHE"), ("home/hub", "HF_HOME"),
     ("xdg/huggingface/hub", "XDG_CACHE_HOME")],
    ids=["sentence-transformers-home", "hf-hub-cache", "hf-home", "xdg-cache"],
)  # fmt: skip
def test_a_cross_encoder_in_a_model_cache_is_found_by_its_files(
    tmp_path: Path, where: str, env_name: str
) -> None:
    _snapshot(tmp_path / where, "org/tiny-ce")
    value = {"HF_HOME": tmp_path / "home", "XDG_CACHE_HOME": tmp_path / "xdg"}.get(env_name, tmp_path / where)
    env = {env_name: str(value), "HOME": str(tmp_path / "nobody")}
    assert cross_encoder_problem("org/tiny-ce", env) is None
    problem = cross_encoder_problem("org/other-ce", env)
    assert problem is not None and "'org/other-ce' is not on this machine" in problem


def test_a_cross_encoder_folder_needs_its_config(tmp_path: Path) -> None:
    assert "has no config.json; set CROSS_ENCODER_NAME" in str(cross_encoder_problem(str(tmp_path), {}))
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    assert cross_encoder_problem(str(tmp_path), {}) is None
