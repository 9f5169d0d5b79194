"""Opening the artifact set: every file loaded and checked against the manifest and each other."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from movie_assets.index import ArtifactsError, bm25_top_k, open_artifacts, verify_artifacts, write_artifacts
from movie_assets.index.artifacts import PAYLOAD_SCHEMA
from movie_assets.index.manifest import OPTIONAL_PAYLOAD
from movie_assets_tests.catalogues import artifact_inputs as _inputs
from movie_assets_tests.catalogues import edit_json as _edit_json
from movie_assets_tests.catalogues import edit_manifest as _edit_manifest


@pytest.fixture
def built(tmp_path: Path) -> Path:
    movies, docs, vectors = _inputs()
    write_artifacts(movies, docs, vectors, tmp_path / "artifacts", model_name="fake-bag-of-words")
    return tmp_path / "artifacts"


def test_the_parts_are_row_aligned(built: Path) -> None:
    """Row i of the dense index, the BM25 index and the payload is the same movie (sorted by movie_id)."""
    opened = open_artifacts(built)
    assert opened.folder == built.with_name("artifacts.sets") / opened.set_id  # the pointer, followed
    assert opened.count == 3 and opened.manifest["count"] == 3
    assert opened.payload["movie_id"].to_list() == [10, 20, 30]
    assert opened.payload.columns == [*PAYLOAD_SCHEMA, *OPTIONAL_PAYLOAD]  # movies with alt_titles
    assert opened.payload.n_chunks() == 1
    _, _, vectors = _inputs()  # input row 0 is movie 20, row 1 movie 30, row 2 movie 10
    _, found = opened.dense.search(vectors, 1)
    assert found[:, 0].tolist() == [1, 2, 0]
    assert bm25_top_k(opened.bm25, "wormhole astronauts", 3)[0].tolist() == [1]


def test_only_the_payload_columns_asked_for_are_read(built: Path) -> None:
    assert open_artifacts(built, payload_columns=["title", "year"]).payload.columns == [
        "movie_id",
        "title",
        "year",
    ]


def test_an_optional_payload_column_asked_for_is_read_where_the_set_has_it(
    built: Path, tmp_path: Path
) -> None:
    assert open_artifacts(built, payload_columns=["alt_titles"]).payload.columns == ["movie_id", "alt_titles"]
    movies, docs, vectors = _inputs()
    write_artifacts(
        movies.drop("alt_titles"), docs, vectors, tmp_path / "older", model_name="fake-bag-of-words"
    )
    older = open_artifacts(tmp_path / "older", payload_columns=["title", "alt_titles"])  # a set before it
    assert older.payload.columns == ["movie_id", "title"]


def test_preload_reads_the_dense_index_into_memory(built: Path) -> None:
    """Zeroing the index file in place blanks a mapped index's vectors, not a preloaded one's."""
    mapped, preloaded = open_artifacts(built), open_artifacts(built, preload=True)
    before = preloaded.dense.reconstruct(0)
    assert np.linalg.norm(before) == pytest.approx(1.0, abs=1e-3)
    index_file = built / "text.index"
    index_file.write_bytes(bytes(index_file.stat().st_size))
    np.testing.assert_array_equal(preloaded.dense.reconstruct(0), before)
    assert not mapped.dense.reconstruct(0).any()


def _reorder_payload(d: Path) -> None:
    pl.read_parquet(d / "search_payload.parquet").reverse().write_parquet(d / "search_payload.parquet")


def _rewrite(d: Path, name: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
    change(pl.read_parquet(d / name)).write_parquet(d / name)


# Damage that used to end in a KeyError or ValueError deep inside: the manifest and the BM25 parameters
# are checked against their schemas, the Parquet files against their columns and types.
SCHEMA_DAMAGE = [
    pytest.param(
        lambda d: _edit_manifest(d, lambda m: m.update(count="lots")),
        r"manifest.json is damaged \(count: expected a whole number, got 'lots'\)",
        id="count-text",
    ),
    pytest.param(
        lambda d: (d / "manifest.json").write_text('{"format_version": 1}'),
        r"manifest.json is damaged \(count: missing\)",
        id="only-version",
    ),
    pytest.param(
        lambda d: _edit_manifest(d, lambda m: m.pop("embedding_model")),
        r"is damaged \(embedding_model: missing\)",
        id="no-model",
    ),
    pytest.param(
        lambda d: _edit_manifest(d, lambda m: m["dense"].update(type=3)),
        r"dense.type: expected one of \['flat', 'hnsw'\], got 3",
        id="dense-type",
    ),
    pytest.param(
        lambda d: _edit_manifest(d, lambda m: m.update(files=["text.index"])),
        r"files: expected an object",
        id="files-list",
    ),
    pytest.param(
        lambda d: _edit_manifest(d, lambda m: m["files"].update({"../../etc/passwd": "0" * 64})),
        r"'../../etc/passwd'.* is not a path in the set",
        id="file-outside",
    ),
    pytest.param(
        lambda d: (d / "manifest.json").write_text("[1, 2]"),
        r"has format_version None",
        id="manifest-list",
    ),
    pytest.param(
        lambda d: _edit_json(d / "bm25" / "params.index.json", lambda p: p.update(num_docs="many")),
        r"bm25 in .* is unreadable \(params.index.json is damaged \(num_docs: expected a whole number, "
        r"got 'many'\)\)",
        id="bm25-num-docs",
    ),
    pytest.param(
        lambda d: _edit_json(d / "bm25" / "params.index.json", lambda p: p.pop("k1")),
        r"params.index.json is damaged \(k1: missing\)",
        id="bm25-no-k1",
    ),
    pytest.param(
        lambda d: _rewrite(
            d, "search_payload.parquet", lambda f: f.with_columns(pl.col("year").cast(pl.Utf8))
        ),
        r"search_payload.parquet in .* does not have the expected columns \(year is String, not Int16\)",
        id="payload-dtype",
    ),
    pytest.param(
        lambda d: _rewrite(
            d, "search_payload.parquet", lambda f: f.with_columns(pl.col("alt_titles").list.join(" / "))
        ),
        r"does not have the expected columns \(alt_titles is String, not List\(String\)\)",
        id="payload-optional-dtype",
    ),
    pytest.param(
        lambda d: _rewrite(d, "search_payload.parquet", lambda f: f.drop("title", "genres")),
        r"does not have the expected columns \(title is missing; genres is missing\)",
        id="payload-columns",
    ),
    pytest.param(
        lambda d: _rewrite(d, "text_idmap.parquet", lambda f: f.rename({"movie_id": "id"})),
        r"text_idmap.parquet in .* does not have the expected columns \(movie_id is missing\)",
        id="idmap-column",
    ),
    pytest.param(
        lambda d: _rewrite(
            d, "text_idmap.parquet", lambda f: f.with_columns(pl.col("movie_id").cast(pl.Utf8))
        ),
        r"text_idmap.parquet in .* \(movie_id is String, not Int64\)",
        id="idmap-dtype",
    ),
]


DAMAGE = [
    pytest.param(lambda d: (d / "text.index").unlink(), "text.index is missing from", id="no-dense"),
    pytest.param(
        lambda d: (d / "bm25" / "vocab.index.json").unlink(),
        "bm25/vocab.index.json is missing",
        id="no-bm25-file",
    ),
    pytest.param(lambda d: (d / "manifest.json").unlink(), r"manifest.json missing\)", id="no-manifest"),
    pytest.param(
        lambda d: (d / "manifest.json").write_text("{"), "manifest.json is unreadable", id="bad-manifest"
    ),
    pytest.param(
        lambda d: pl.DataFrame({"movie_id": [10, 20]}).write_parquet(d / "text_idmap.parquet"),
        r"disagree on the movie count \(manifest 3, text.index 3, text_idmap.parquet 2, bm25 3, "
        r"search_payload.parquet 3\)",
        id="short-idmap",
    ),
    pytest.param(
        _reorder_payload, "text_idmap.parquet and search_payload.parquet list different", id="reordered"
    ),
    pytest.param(
        lambda d: (d / "text.index").write_bytes(b"junk"), "text.index in .* is unreadable", id="bad-index"
    ),
    pytest.param(
        lambda d: (d / "search_payload.parquet").write_bytes(b"PAR1"),
        "search_payload.parquet in .* is unreadable",
        id="bad-payload",
    ),
    pytest.param(
        lambda d: _edit_manifest(d, lambda m: m["files"].pop("text.index")),
        "text.index is not listed in",
        id="unlisted",
    ),
    pytest.param(
        lambda d: _edit_manifest(d, lambda m: m.update(dim=16)),
        "text.index has dim 32, the manifest says 16",
        id="dim",
    ),
    pytest.param(
        lambda d: _edit_manifest(d, lambda m: m["bm25"].update(tokenizer="another/v0")),
        "bm25 was built with tokenizer 'another/v0', not 'movie_assets.index.tokenize/v1'",
        id="tokenizer",
    ),
]


@pytest.mark.parametrize("check", [open_artifacts, verify_artifacts], ids=["open", "verify"])
@pytest.mark.parametrize(("damage", "message"), DAMAGE + SCHEMA_DAMAGE)
def test_damaged_artifacts_are_named_with_what_to_rebuild(
    built: Path, damage: Callable[[Path], object], message: str, check: Callable[[Path], object]
) -> None:
    damage(built)
    with pytest.raises(ArtifactsError, match=message) as err:
        check(built)
    assert "movie-assets build" in str(err.value)


def test_hash_check_catches_a_changed_file(built: Path) -> None:
    vocab = built / "bm25" / "vocab.index.json"
    vocab.write_text(vocab.read_text(encoding="utf-8") + " ", encoding="utf-8")
    verify_artifacts(built)  # sizes alone still agree
    with pytest.raises(
        ArtifactsError, match="bm25/vocab.index.json in .* does not match its manifest checksum"
    ):
        verify_artifacts(built, check_hashes=True)


def test_a_folder_that_cannot_be_read_is_an_artifacts_error(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, where chmod does not stop reads: the permission error is injected where any
    look inside the set would meet it (stat and open)."""
    real_stat, real_open = os.stat, io.open
    inside = str(built.resolve()) + os.sep  # the set folder may be looked up, not looked into

    def denied(path: Any) -> bool:
        return os.fsdecode(path).startswith(inside)

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if denied(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    def open_(path: Any, *args: Any, **kwargs: Any) -> Any:
        if denied(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(io, "open", open_)
    with pytest.raises(ArtifactsError, match=r"manifest.json cannot be read \(Permission denied\)"):
        open_artifacts(built)
