"""Reading the per-year embedding files into one matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from movie_assets.index import read_vectors, write_vectors


def _year(path: Path, ids: list[int], dim: int = 3) -> np.ndarray:
    vectors = np.arange(len(ids) * dim, dtype=np.float32).reshape(len(ids), dim) + ids[0]
    docs = pl.DataFrame({"movie_id": ids, "doc_hash": [f"h{i}" for i in ids]})
    write_vectors(docs, vectors, "m", path)
    return vectors


def test_files_are_read_in_order_or_sorted_by_movie_id(tmp_path: Path) -> None:
    a = _year(tmp_path / "2020.parquet", [30, 10])
    b = _year(tmp_path / "2021.parquet", [20, 5, 40])
    paths = [tmp_path / "2020.parquet", tmp_path / "2021.parquet"]
    ids, matrix = read_vectors(paths, model_name="m")
    assert ids.tolist() == [30, 10, 20, 5, 40]
    np.testing.assert_array_equal(matrix, np.concatenate([a, b]))
    ids, matrix = read_vectors(paths, model_name="m", by_id=True)
    assert ids.tolist() == [5, 10, 20, 30, 40]
    np.testing.assert_array_equal(matrix, np.concatenate([a, b])[[3, 1, 2, 0, 4]])
    assert matrix.dtype == np.float32 and matrix.flags.c_contiguous


def test_no_files_give_an_empty_matrix_and_a_bad_file_a_clear_error(tmp_path: Path) -> None:
    ids, matrix = read_vectors([], model_name="m", by_id=True)
    assert ids.shape == (0,) and matrix.shape == (0, 0)
    _year(tmp_path / "2020.parquet", [1, 2])
    _year(tmp_path / "2021.parquet", [3], dim=4)
    with pytest.raises(ValueError, match=r"disagree on the dimension \(\[3, 4\]\); re-embed every year"):
        read_vectors([tmp_path / "2020.parquet", tmp_path / "2021.parquet"], model_name="m")
    with pytest.raises(ValueError, match="holds vectors from \\['m'\\], not other"):
        read_vectors([tmp_path / "2020.parquet"], model_name="other")
    with pytest.raises(ValueError, match="cannot read embeddings .*missing.parquet.*re-materialize"):
        read_vectors([tmp_path / "missing.parquet"], model_name="m")
