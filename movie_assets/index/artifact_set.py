"""Opening the artifact set for reading: every file loaded, then checked against the manifest and each other.

A reader trusts nothing it has not checked: the manifest has its schema and lists every file, the files
are present and readable, the id map and the payload have their columns and types, they hold the same
number of movies in the same order, the dense index has the manifest's dimension and BM25 was built with
the tokenizer queries use. Any failure is an ArtifactsError that names the file and says what to rebuild.

The path opened may be the artifacts pointer or a concrete set folder (`movie_assets.index.sets`): it is
resolved once, the set is pinned so no writer removes it while it is open, and every file is read from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    IDMAP_SCHEMA,
    OPTIONAL_PAYLOAD,
    PAYLOAD_FILE,
    PAYLOAD_SCHEMA,
    REBUILD,
    ArtifactsError,
    Manifest,
    check_listed_files,
    read_manifest,
)
from movie_assets.index.sets import Lease, SetGone, resolve_set, take_lease
from movie_assets.index.sparse import load_bm25
from movie_assets.index.tokenize import TOKENIZER_ID

T = TypeVar("T")
_OPEN_TRIES = 5  # resolutions of the pointer when the set found is removed before it is pinned


@dataclass(frozen=True)
class ArtifactSet:
    """One opened, checked artifact set; row i of `dense`, `bm25` and `payload` is the same movie.

    :param folder: the concrete set folder everything was read from (the pointer resolved).
    :param manifest: its manifest.json, checked against the schema.
    :param dense: the FAISS index (memory-mapped, or read into memory with ``preload``).
    :param bm25: the bm25s retriever, its score arrays memory-mapped.
    :param payload: the payload columns asked for, in one contiguous block.
    :param lease: the pin that keeps writers from removing the set while this object lives (None for a
        folder that no writer manages).
    """

    folder: Path
    manifest: Manifest
    dense: Any
    bm25: Any
    payload: pl.DataFrame
    lease: Lease | None = None

    @property
    def count(self) -> int:
        """How many movies the set holds."""
        return self.payload.height

    @property
    def set_id(self) -> str:
        """The set's id (its folder's name): a new build has a new one."""
        return self.manifest.get("set_id") or self.folder.name

    def extra(self, name: str) -> Path | None:
        """The path of the extra artifact `name` in this set, or None when the set has none by that name."""
        return self.folder / name if name in self.manifest.get("extras", {}) else None


def _load(name: str, folder: Path, load: Callable[[], T]) -> T:
    try:
        return load()
    except Exception as exc:  # faiss, bm25s and polars each raise their own types for damaged files
        raise ArtifactsError(f"{name} in {folder} is unreadable ({exc}); {REBUILD}") from exc


def _check_columns(
    folder: Path,
    name: str,
    expected: Mapping[str, pl.DataType],
    optional: Mapping[str, pl.DataType] | None = None,
) -> dict[str, pl.DataType]:
    """The Parquet file has every expected column with its type, and each `optional` one it has with its
    type (more columns are allowed); its schema."""
    found = _load(name, folder, lambda: pl.read_parquet_schema(folder / name))
    problems = [
        f"{column} is missing" if column not in found else f"{column} is {found[column]}, not {dtype}"
        for column, dtype in expected.items()
        if column not in found or found[column] != dtype
    ] + [
        f"{column} is {found[column]}, not {dtype}"
        for column, dtype in (optional or {}).items()
        if column in found and found[column] != dtype
    ]
    if problems:
        shown = "; ".join(problems[:3]) + (f" and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise ArtifactsError(f"{name} in {folder} does not have the expected columns ({shown}); {REBUILD}")
    return found


def _check_agreement(found: ArtifactSet, ids: pl.Series) -> None:
    folder, manifest = found.folder, found.manifest
    counts = {
        "manifest": manifest["count"], DENSE_FILE: int(found.dense.ntotal), IDMAP_FILE: ids.len(),
        BM25_DIR: int(found.bm25.scores["num_docs"]), PAYLOAD_FILE: found.payload.height,
    }  # fmt: skip
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{name} {n:,}" for name, n in counts.items())
        raise ArtifactsError(f"the artifacts in {folder} disagree on the movie count ({listed}); {REBUILD}")
    if not ids.equals(found.payload["movie_id"], check_names=False, check_dtypes=False):
        raise ArtifactsError(f"{IDMAP_FILE} and {PAYLOAD_FILE} list different movies in {folder}; {REBUILD}")
    if ids.null_count() or not (ids.diff().drop_nulls() > 0).all():
        raise ArtifactsError(f"{IDMAP_FILE} in {folder} is not sorted by unique movie_id; {REBUILD}")
    if int(found.dense.d) != manifest["dim"]:
        raise ArtifactsError(
            f"{DENSE_FILE} has dim {found.dense.d}, the manifest says {manifest['dim']}; {REBUILD}"
        )
    tokenizer = manifest["bm25"]["tokenizer"]
    if tokenizer != TOKENIZER_ID:
        raise ArtifactsError(f"bm25 was built with tokenizer {tokenizer!r}, not {TOKENIZER_ID!r}; {REBUILD}")


def _open_set(folder: Path, lease: Lease | None, preload: bool, columns: list[str] | None) -> ArtifactSet:
    manifest = read_manifest(folder)
    check_listed_files(folder, manifest)
    _check_columns(folder, IDMAP_FILE, IDMAP_SCHEMA)
    schema = _check_columns(folder, PAYLOAD_FILE, PAYLOAD_SCHEMA, OPTIONAL_PAYLOAD)
    if columns is not None:  # an optional column asked for is read where the set has it (a newer build)
        columns = [c for c in columns if c in schema or c not in OPTIONAL_PAYLOAD]
    found = ArtifactSet(
        folder=folder,
        manifest=manifest,
        dense=_load(DENSE_FILE, folder, lambda: load_dense(folder / DENSE_FILE, mmap=not preload)),
        bm25=_load(BM25_DIR, folder, lambda: load_bm25(folder / BM25_DIR, mmap=True)),
        # One contiguous block: gathering 20 rows from a multi-chunk frame costs ~15 ms at 200k rows.
        payload=_load(
            PAYLOAD_FILE, folder, lambda: pl.read_parquet(folder / PAYLOAD_FILE, columns=columns)
        ).rechunk(),
        lease=lease,
    )
    ids = _load(IDMAP_FILE, folder, lambda: pl.read_parquet(folder / IDMAP_FILE, columns=["movie_id"]))
    _check_agreement(found, ids["movie_id"])
    return found


def open_artifacts(
    folder: Path | str, *, preload: bool = False, payload_columns: Sequence[str] | None = None
) -> ArtifactSet:
    """Open the artifact set that `folder` names and check that its files belong together.

    Args:
        folder: the artifacts path (its current set is opened) or a concrete set folder.
        preload: read the dense index into memory rather than mapping it (a long-lived server wants it:
            a mapped HNSW index reads its vectors from disk on first touch).
        payload_columns: the payload columns to read (default: all); movie_id is always read.

    Raises:
        ArtifactsError: a file missing, unlisted, unreadable or of the wrong shape, or files that disagree.
    """
    columns = None if payload_columns is None else list(dict.fromkeys(["movie_id", *payload_columns]))
    for attempt in range(_OPEN_TRIES):
        concrete = resolve_set(folder)
        try:
            lease = take_lease(concrete)
        except SetGone:
            if attempt < _OPEN_TRIES - 1:
                continue
            lease = None  # opening says what is missing
        try:
            return _open_set(concrete, lease, preload, columns)
        except BaseException:
            if lease is not None:
                lease.release()
            raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def verify_artifacts(directory: Path | str, check_hashes: bool = False) -> Manifest:
    """Check that the artifacts are complete and describe the same movies, row for row.

    Args:
        directory: the artifacts path or a concrete set folder.
        check_hashes: also re-hash every file against the manifest (reads every byte).

    Returns:
        The manifest.

    Raises:
        ArtifactsError: naming the missing or mismatched file and what to rebuild.
    """
    found = open_artifacts(directory, payload_columns=["movie_id"])
    try:
        for name, expected in found.manifest["files"].items() if check_hashes else ():
            path = found.folder / name
            if _load(name, found.folder, lambda: sha256_file(path)) != expected:  # noqa: B023 (called at once)
                raise ArtifactsError(
                    f"{name} in {found.folder} does not match its manifest checksum; {REBUILD}"
                )
        return found.manifest
    finally:
        if found.lease is not None:
            found.lease.release()
