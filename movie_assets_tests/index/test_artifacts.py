"""Writing the artifacts directory: aligned files, a checksummed manifest and an all-or-nothing swap."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from movie_assets.index import artifacts, read_manifest, verify_artifacts
from movie_assets.index.artifacts import PAYLOAD_SCHEMA, write_artifacts
from movie_assets.index.dense import load_dense
from movie_assets.index.documents import movie_documents
from movie_assets.index.sparse import bm25_top_k, load_bm25
from movie_assets_tests.fakes import FakeEmbedder, make_movies

RECORDS = [
    {"movie_id": 30, "title": "Nayattu", "original_language": "ml", "year": 2021, "genres": ["Thriller"],
     "overview": "Police officers on the run in Kerala.", "cast": [f"Actor {i}" for i in range(14)]},
    {"movie_id": 10, "title": "Notting Hill", "year": 1999, "release_date": date(1999, 5, 21),
     "overview": "A bookseller falls in love with an actress.", "genres": ["Romance", "Comedy"]},
    {"movie_id": 20, "title": "Interstellar", "year": 2014,
     "overview": "Astronauts travel through a wormhole."},
]  # fmt: skip


def _inputs() -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    movies = make_movies(RECORDS)
    docs = movie_documents(movies)[[2, 0, 1]]  # another order than the movies, as a concat of years gives
    return movies, docs, FakeEmbedder().encode(docs["document"].to_list())


@pytest.fixture
def built(tmp_path: Path) -> Path:
    movies, docs, vectors = _inputs()
    write_artifacts(movies, docs, vectors, tmp_path / "artifacts", model_name="fake-bag-of-words")
    return tmp_path / "artifacts"


def test_files_are_aligned_by_movie_id(built: Path) -> None:
    movies, docs, vectors = _inputs()
    ids = pl.read_parquet(built / "text_idmap.parquet")["movie_id"]
    payload = pl.read_parquet(built / "search_payload.parquet")
    assert ids.dtype == pl.Int64 and ids.to_list() == [10, 20, 30] == payload["movie_id"].to_list()
    assert payload.schema == pl.Schema(PAYLOAD_SCHEMA)
    assert payload["cast"][2].to_list() == [f"Actor {i}" for i in range(10)]  # top 10 only
    # the vector of movie 30 (row 1 of the input) is row 2 of the dense index
    _, found = load_dense(built / "text.index").search(vectors[1:2], 1)
    assert found[0][0] == 2
    bm25_ids, _ = bm25_top_k(load_bm25(built / "bm25"), "wormhole astronauts", k=3)
    assert bm25_ids[0] == 1  # Interstellar, movie 20


def test_manifest_describes_and_checksums_every_file(built: Path) -> None:
    manifest = verify_artifacts(built, check_hashes=True)
    assert manifest == read_manifest(built)
    assert (
        manifest["format_version"] == 1 and manifest["count"] == 3 and manifest["years"] == [1999, 2014, 2021]
    )
    assert (manifest["embedding_model"], manifest["dim"]) == ("fake-bag-of-words", 32)
    assert manifest["dense"] == {"type": "flat", "M": 32, "ef_construction": 200, "ef_search": 512}
    assert manifest["bm25"] == {"tokenizer": "movie_assets.index.tokenize/v1", "stopwords": "en",
                                "stemmer": "english", "k1": 1.5, "b": 0.75, "method": "lucene"}  # fmt: skip
    on_disk = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk and "bm25/params.index.json" in on_disk
    payload = (built / "search_payload.parquet").read_bytes()
    assert manifest["files"]["search_payload.parquet"] == hashlib.sha256(payload).hexdigest()


def test_above_the_threshold_the_dense_index_is_hnsw(tmp_path: Path) -> None:
    movies, docs, vectors = _inputs()
    manifest = write_artifacts(movies, docs, vectors, tmp_path / "a", model_name="m", exact_threshold=2)
    assert manifest["dense"]["type"] == "hnsw"
    assert verify_artifacts(tmp_path / "a")["count"] == 3


def test_inputs_of_different_sizes_are_refused_with_the_numbers(tmp_path: Path) -> None:
    movies, docs, vectors = _inputs()
    with pytest.raises(ValueError, match="sizes disagree: 3 movies, 2 documents, 3 vectors"):
        write_artifacts(movies, docs[:2], vectors, tmp_path / "a", model_name="m")
    with pytest.raises(
        ValueError, match=r"1 only in movies \(e.g. \[10\]\), 1 only in documents \(e.g. \[99\]\)"
    ):
        other = docs.with_columns(pl.col("movie_id").replace(10, 99))
        write_artifacts(movies, other, vectors, tmp_path / "a", model_name="m")
    assert not (tmp_path / "a").exists()


def test_failed_build_leaves_the_previous_artifacts_in_place(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = read_manifest(built)

    def broken_bm25(documents: list[str]) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(artifacts, "build_bm25", broken_bm25)
    movies, docs, vectors = _inputs()
    with pytest.raises(RuntimeError, match="disk full"):
        write_artifacts(movies, docs, vectors, built, model_name="m")
    assert verify_artifacts(built, check_hashes=True) == before
    assert sorted(p.name for p in built.parent.iterdir() if not p.name.startswith(".")) == ["artifacts"]


def test_rebuild_replaces_the_set_and_recovers_one_moved_aside(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    movies, docs, vectors = _inputs()
    keep = docs["movie_id"] != 30
    two = movies.filter(pl.col("movie_id") != 30)
    manifest = write_artifacts(two, docs.filter(keep), vectors[keep.to_numpy()], built, model_name="m2")
    assert verify_artifacts(built)["count"] == manifest["count"] == 2

    # a writer killed between its two renames leaves only the old set, moved aside
    os.replace(built, built.with_name("artifacts.old-deadbeef"))
    monkeypatch.setattr(artifacts, "build_bm25", lambda documents: json.loads("{"))
    with pytest.raises(ValueError):
        write_artifacts(movies, docs, vectors, built, model_name="m3")
    assert verify_artifacts(built)["embedding_model"] == "m2"
    assert sorted(p.name for p in built.parent.iterdir() if not p.name.startswith(".")) == ["artifacts"]
