"""Writing the artifacts directory: aligned files, a checksummed manifest and an all-or-nothing swap."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from movie_assets.index import artifacts, read_manifest, verify_artifacts
from movie_assets.index.artifacts import PAYLOAD_SCHEMA, write_artifacts
from movie_assets.index.dense import load_dense
from movie_assets.index.manifest import OPTIONAL_PAYLOAD
from movie_assets.index.sparse import bm25_top_k, load_bm25
from movie_assets_tests.catalogues import artifact_inputs as _inputs


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
    assert payload.schema == pl.Schema({**PAYLOAD_SCHEMA, **OPTIONAL_PAYLOAD})
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
    on_disk = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == on_disk - {"manifest.json", ".readers"}
    assert "bm25/params.index.json" in on_disk
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
    assert sorted(p.name for p in built.parent.iterdir() if not p.name.startswith(".")) == [
        "artifacts",
        "artifacts.sets",
    ]
    assert [p.name for p in built.with_name("artifacts.sets").iterdir()] == [before["set_id"]]


def test_rebuild_replaces_the_set_and_recovers_one_moved_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer of the layout before sets, killed between its two renames, left only the old set moved
    aside: the next writer puts it back, and it becomes a set like any other."""
    movies, docs, vectors = _inputs()
    legacy = tmp_path / "legacy"
    write_artifacts(movies, docs, vectors, legacy, model_name="m2")
    built = tmp_path / "artifacts"
    shutil.copytree(legacy, built.with_name("artifacts.old-deadbeef"))  # the set, without any pointer
    (built.with_name("artifacts.tmp-cafe")).mkdir()  # and a half-built one
    monkeypatch.setattr(artifacts, "build_bm25", lambda documents: json.loads("{"))
    with pytest.raises(ValueError):
        write_artifacts(movies, docs, vectors, built, model_name="m3")
    assert verify_artifacts(built)["embedding_model"] == "m2"
    assert not built.is_symlink()  # put back as it was; the next successful write migrates it
    monkeypatch.undo()
    keep = docs["movie_id"] != 30
    two = movies.filter(pl.col("movie_id") != 30)
    manifest = write_artifacts(two, docs.filter(keep), vectors[keep.to_numpy()], built, model_name="m4")
    assert verify_artifacts(built)["count"] == manifest["count"] == 2
    assert built.is_symlink() and os.readlink(built) == f"artifacts.sets/{manifest['set_id']}"
    names = sorted(p.name for p in built.parent.iterdir() if p.name.startswith("artifacts"))
    assert names == ["artifacts", "artifacts.sets"]
    sets = sorted(p.name for p in built.with_name("artifacts.sets").iterdir())
    assert (
        len(sets) == 2
        and sets[0].startswith("00000000T000000000000Z-legacy")
        and sets[1] == manifest["set_id"]
    )
    assert read_manifest(built.with_name("artifacts.sets") / sets[0])["embedding_model"] == "m2"


def test_inputs_in_any_row_order_give_the_same_files(tmp_path: Path) -> None:
    """Sorted inputs are used as they are and others sorted first: the files are byte for byte the same."""
    movies, docs, vectors = _inputs()
    order = docs["movie_id"].arg_sort().to_numpy()
    sorted_set = write_artifacts(
        movies.sort("movie_id"), docs[order], vectors[order], tmp_path / "a", model_name="m"
    )
    shuffled = write_artifacts(movies.reverse(), docs, vectors, tmp_path / "b", model_name="m")
    assert sorted_set["files"] == shuffled["files"]
