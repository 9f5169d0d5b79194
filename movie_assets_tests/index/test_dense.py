"""The dense index against brute force: exact below the threshold, high recall above it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from movie_assets.index.dense import ann_recall_at_k, build_dense_index, load_dense, save_dense


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def small() -> np.ndarray:
    return _unit(20, 8, seed=42)


def test_flat_index_equals_a_brute_force_dot_product(small: np.ndarray) -> None:
    index, info = build_dense_index(small)
    assert info == {"type": "flat", "M": 32, "ef_construction": 200, "ef_search": 512}
    scores, ids = index.search(small, 5)
    brute = small @ small.T
    expected_ids = np.argsort(-brute, axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(ids, expected_ids)
    np.testing.assert_allclose(scores, np.take_along_axis(brute, expected_ids, axis=1), rtol=1e-5)


@pytest.mark.parametrize(("rows", "kind"), [(50, "flat"), (51, "hnsw")], ids=["at-threshold", "above"])
def test_threshold_picks_the_index_type(rows: int, kind: str) -> None:
    index, info = build_dense_index(_unit(rows, 8, seed=1), exact_threshold=50)
    assert info["type"] == kind and index.ntotal == rows


def test_hnsw_recall_is_at_least_095_on_random_vectors() -> None:
    vectors = _unit(2000, 16, seed=7)
    index, info = build_dense_index(vectors, exact_threshold=100)
    assert info["type"] == "hnsw" and index.hnsw.efSearch == 512
    assert ann_recall_at_k(index, vectors, sample=200, k=10) >= 0.95


def test_recall_of_a_flat_index_is_one_and_sizes_must_match(small: np.ndarray) -> None:
    index, _ = build_dense_index(small)
    assert ann_recall_at_k(index, small, k=10) == 1.0
    with pytest.raises(ValueError, match="index holds 20 vectors but 19 were given"):
        ann_recall_at_k(index, small[:19])


def test_recall_over_given_queries_counts_the_exact_hits_the_index_misses(small: np.ndarray) -> None:
    queries = _unit(7, 8, seed=3)
    exact, _ = build_dense_index(small)
    assert ann_recall_at_k(exact, small, queries, k=5) == 1.0
    renumbered, _ = build_dense_index(small[::-1].copy())  # the same vectors under other ids
    assert ann_recall_at_k(renumbered, small, queries, k=5) < 1.0
    assert ann_recall_at_k(renumbered, small, queries, k=50) == 1.0  # k past the index: every id, both ways


@pytest.mark.parametrize("threshold", [100, 10], ids=["flat", "hnsw"])
def test_saved_index_loads_memory_mapped_with_the_same_answers(
    small: np.ndarray, tmp_path: Path, threshold: int
) -> None:
    index, _ = build_dense_index(small, exact_threshold=threshold)
    save_dense(index, tmp_path / "text.index")
    loaded = load_dense(tmp_path / "text.index", mmap=True)
    assert (loaded.ntotal, loaded.d) == (20, 8)
    np.testing.assert_array_equal(loaded.search(small, 3)[1], index.search(small, 3)[1])


def test_missing_index_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="text.index does not exist"):
        load_dense(tmp_path / "text.index")


@pytest.mark.parametrize(
    ("vectors", "message"),
    [
        (
            np.ones((3, 4), dtype=np.float32),
            r"3 of 3 vectors are not L2-normalised \(first: row 0, norm 2.0000\)",
        ),
        (np.ones(4, dtype=np.float32), r"2-D \(n, dim\) array, got shape \(4,\)"),
    ],
    ids=["not-unit", "one-dimensional"],
)
def test_bad_vectors_are_refused(vectors: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_dense_index(vectors)


def test_gpu_request_without_a_gpu_build_is_refused(small: np.ndarray) -> None:
    from movie_assets.index.dense import gpu_available

    if gpu_available():
        pytest.skip("a GPU faiss build is installed here")
    with pytest.raises(ValueError, match="use_gpu=True, but the installed faiss has no GPU support"):
        build_dense_index(small, use_gpu=True)
