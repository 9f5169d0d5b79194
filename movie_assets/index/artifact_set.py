"""Opening the artifact set for reading: every file loaded, then checked against the manifest and each other.

A reader trusts nothing it has not checked: the manifest lists every file, the files are present and
readable, they hold the same number of movies in the same order, the dense index has the manifest's
dimension and BM25 was built with the tokenizer queries use. Any failure is an ArtifactsError that names
the file and says what to rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from movie_assets.files import sha256_file
from movie_assets.index.dense import load_dense
from movie_assets.index.manifest import (
    BM25_DIR,
    DENSE_FILE,
    IDMAP_FILE,
    PAYLOAD_FILE,
    REBUILD,
    ArtifactsError,
    check_listed_files,
    read_manifest,
)
from movie_assets.index.sparse import load_bm25
from movie_assets.index.tokenize import TOKENIZER_ID

T = TypeVar("T")


@dataclass(frozen=True)
class ArtifactSet:
    """One opened, checked artifact set; row i of `dense`, `bm25` and `payload` is the same movie.

    :param folder: where it was read from.
    :param manifest: its manifest.json.
    :param dense: the FAISS index (memory-mapped, or read into memory with ``preload``).
    :param bm25: the bm25s retriever, its score arrays memory-mapped.
    :param payload: the payload columns asked for, in one contiguous block.
    """

    folder: Path
    manifest: dict[str, Any]
    dense: Any
    bm25: Any
    payload: pl.DataFrame

    @property
    def count(self) -> int:
        """How many movies the set holds."""
        return self.payload.height


def _load(name: str, folder: Path, load: Callable[[], T]) -> T:
    try:
        return load()
    except Exception as exc:  # faiss, bm25s and polars each raise their own types for damaged files
        raise ArtifactsError(f"{name} in {folder} is unreadable ({exc}); {REBUILD}") from exc


def _check_agreement(found: ArtifactSet, ids: pl.Series) -> None:
    folder, manifest = found.folder, found.manifest
    counts = {
        "manifest": manifest.get("count"), DENSE_FILE: int(found.dense.ntotal), IDMAP_FILE: ids.len(),
        BM25_DIR: int(found.bm25.scores["num_docs"]), PAYLOAD_FILE: found.payload.height,
    }  # fmt: skip
    if len(set(counts.values())) > 1:
        listed = ", ".join(
            f"{name} {n:,}" if isinstance(n, int) else f"{name} {n!r}" for name, n in counts.items()
        )
        raise ArtifactsError(f"the artifacts in {folder} disagree on the movie count ({listed}); {REBUILD}")
    if not ids.equals(found.payload["movie_id"], check_names=False, check_dtypes=False):
        raise ArtifactsError(f"{IDMAP_FILE} and {PAYLOAD_FILE} list different movies in {folder}; {REBUILD}")
    if int(found.dense.d) != manifest.get("dim"):
        raise ArtifactsError(
            f"{DENSE_FILE} has dim {found.dense.d}, the manifest says {manifest.get('dim')}; {REBUILD}"
        )
    tokenizer = (manifest.get("bm25") or {}).get("tokenizer", TOKENIZER_ID)
    if tokenizer != TOKENIZER_ID:
        raise ArtifactsError(f"bm25 was built with tokenizer {tokenizer!r}, not {TOKENIZER_ID!r}; {REBUILD}")


def open_artifacts(
    folder: Path | str, *, preload: bool = False, payload_columns: Sequence[str] | None = None
) -> ArtifactSet:
    """Open the artifact set in `folder` and check that its files belong together.

    Args:
        folder: a directory written by `write_artifacts`.
        preload: read the dense index into memory rather than mapping it (a long-lived server wants it:
            a mapped HNSW index reads its vectors from disk on first touch).
        payload_columns: the payload columns to read (default: all); movie_id is always read.

    Raises:
        ArtifactsError: a file missing, unlisted or unreadable, or files that disagree.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    check_listed_files(folder, manifest)
    columns = None if payload_columns is None else list(dict.fromkeys(["movie_id", *payload_columns]))
    found = ArtifactSet(
        folder=folder,
        manifest=manifest,
        dense=_load(DENSE_FILE, folder, lambda: load_dense(folder / DENSE_FILE, mmap=not preload)),
        bm25=_load(BM25_DIR, folder, lambda: load_bm25(folder / BM25_DIR, mmap=True)),
        # One contiguous block: gathering 20 rows from a multi-chunk frame costs ~15 ms at 200k rows.
        payload=_load(
            PAYLOAD_FILE, folder, lambda: pl.read_parquet(folder / PAYLOAD_FILE, columns=columns)
        ).rechunk(),
    )
    ids = _load(IDMAP_FILE, folder, lambda: pl.read_parquet(folder / IDMAP_FILE, columns=["movie_id"]))
    _check_agreement(found, ids["movie_id"])
    return found


def verify_artifacts(directory: Path | str, check_hashes: bool = False) -> dict[str, Any]:
    """Check that the artifacts are complete and describe the same movies, row for row.

    Args:
        directory: the artifacts directory.
        check_hashes: also re-hash every file against the manifest (reads every byte).

    Returns:
        The manifest.

    Raises:
        ArtifactsError: naming the missing or mismatched file and what to rebuild.
    """
    found = open_artifacts(directory, payload_columns=["movie_id"])
    for name, expected in found.manifest["files"].items() if check_hashes else ():
        if sha256_file(found.folder / name) != expected:
            raise ArtifactsError(f"{name} in {found.folder} does not match its manifest checksum; {REBUILD}")
    return found.manifest
