"""Opening the artifact set: every file loaded and checked against the manifest and each other."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from movie_assets.index import ArtifactsError, bm25_top_k, open_artifacts, verify_artifacts, write_artifacts
from movie_assets.index.artifacts import PAYLOAD_SCHEMA
from movie_assets_tests.index.test_artifacts import _inputs


@pytest.fixture
def built(tmp_path: Path) -> Path:
    movies, docs, vectors = _inputs()
    write_artifacts(movies, docs, vectors, tmp_path / "artifacts", model_name="fake-bag-of-words")
    return tmp_path / "artifacts"


def _edit_manifest(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def test_the_parts_are_row_aligned(built: Path) -> None:
    """Row i of the dense index, the BM25 index and the payload is the same movie (sorted by movie_id)."""
    opened = open_artifacts(built)
    assert opened.folder == built and opened.count == 3 and opened.manifest["count"] == 3
    assert opened.payload["movie_id"].to_list() == [10, 20, 30]
    assert opened.payload.columns == list(PAYLOAD_SCHEMA)
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
@pytest.mark.parametrize(("damage", "message"), DAMAGE)
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
