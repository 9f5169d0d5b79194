"""The search artifacts directory: written whole, swapped into place in one step, verified on read.

Layout and manifest: see the artifacts contract (text.index, text_idmap.parquet, bm25/,
search_payload.parquet, manifest.json; row i of every file is the same movie, rows sorted by movie_id).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.index.dense import build_dense_index, load_dense, save_dense
from movie_assets.index.documents import DOC_FORMAT
from movie_assets.index.sparse import BM25_PARAMS, build_bm25, save_bm25

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DENSE_FILE = "text.index"
IDMAP_FILE = "text_idmap.parquet"
PAYLOAD_FILE = "search_payload.parquet"
BM25_DIR = "bm25"
REBUILD = "run `movie-assets build` (or materialize dense_index, bm25_index, search_payload)"
TOP_CAST = 10
PAYLOAD_SCHEMA: dict[str, pl.DataType] = {
    "movie_id": pl.Int64(), "title": pl.Utf8(), "original_title": pl.Utf8(), "year": pl.Int16(),
    "release_date": pl.Date(), "original_language": pl.Utf8(), "genres": pl.List(pl.Utf8),
    "keywords": pl.List(pl.Utf8), "overview": pl.Utf8(), "poster_path": pl.Utf8(), "cast": pl.List(pl.Utf8),
    "directors": pl.List(pl.Utf8), "runtime": pl.Int16(), "vote_count": pl.Int32(),
    "vote_average": pl.Float32(), "popularity": pl.Float32(), "collection": pl.Utf8(),
}  # fmt: skip


class ArtifactsError(Exception):
    """The artifacts directory is missing, incomplete or inconsistent; the message says what to rebuild."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _aligned(
    movies: pl.DataFrame, documents: pl.DataFrame, vectors: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    """The three inputs sorted by movie_id, or ValueError saying how they disagree."""
    sizes = (len(movies), len(documents), len(vectors))
    if len(set(sizes)) != 1:
        raise ValueError(f"sizes disagree: {sizes[0]} movies, {sizes[1]} documents, {sizes[2]} vectors")
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be 2-D (n, dim), got shape {vectors.shape}")
    missing = [c for c in PAYLOAD_SCHEMA if c not in movies.columns]
    if missing or "document" not in documents.columns:
        raise ValueError(f"movies lack columns {missing} or documents lack 'document' ({documents.columns})")
    for name, frame in (("movies", movies), ("documents", documents)):
        if frame["movie_id"].null_count() or frame["movie_id"].n_unique() != len(frame):
            raise ValueError(f"{name} movie_id must be non-null and unique")
    order = documents["movie_id"].arg_sort().to_numpy()
    documents, vectors = documents[order], vectors[order]
    movies = movies.sort("movie_id")
    ids, doc_ids = movies["movie_id"].cast(pl.Int64), documents["movie_id"].cast(pl.Int64)
    if not ids.equals(doc_ids):
        only_m, only_d = set(ids) - set(doc_ids), set(doc_ids) - set(ids)
        raise ValueError(
            f"movies and documents hold different ids: {len(only_m)} only in movies "
            f"(e.g. {sorted(only_m)[:5]}), {len(only_d)} only in documents (e.g. {sorted(only_d)[:5]})"
        )
    return movies, documents, vectors


def _payload(movies: pl.DataFrame) -> pl.DataFrame:
    return movies.select(
        pl.col(c).list.head(TOP_CAST).cast(t) if c == "cast" else pl.col(c).cast(t)
        for c, t in PAYLOAD_SCHEMA.items()
    )


def _build(
    movies: pl.DataFrame,
    documents: pl.DataFrame,
    vectors: np.ndarray,
    into: Path,
    model: str,
    threshold: int,
    source: str,
) -> dict[str, Any]:
    index, dense = build_dense_index(vectors, exact_threshold=threshold)
    save_dense(index, into / DENSE_FILE)
    movies.select(pl.col("movie_id").cast(pl.Int64)).write_parquet(into / IDMAP_FILE)
    save_bm25(build_bm25(documents["document"].to_list()), into / BM25_DIR)
    _payload(movies).write_parquet(into / PAYLOAD_FILE)
    files = {p.relative_to(into).as_posix(): _sha256(p) for p in sorted(into.rglob("*")) if p.is_file()}
    manifest = {
        "format_version": FORMAT_VERSION,
        "count": len(movies),
        "years": sorted(int(y) for y in movies["year"].drop_nulls().unique()),
        "embedding_model": model,
        "dim": int(vectors.shape[1]),
        "dense": dense,
        "bm25": dict(BM25_PARAMS),
        "doc_format": DOC_FORMAT,
        "files": files,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        # Names this set: learned parts record it, so parts from another set are never applied to this one.
        "build_id": uuid.uuid4().hex,
    }
    (into / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


@contextlib.contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    # One writer at a time, so anything found half-built beside the directory is a leftover.
    import fcntl

    with (out_dir.parent / f".{out_dir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _tidy(out_dir: Path) -> None:
    """Undo what a crashed writer left: restore an old set moved aside, remove half-built folders."""
    asides = sorted(out_dir.parent.glob(f"{out_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not out_dir.exists() and asides:
        os.replace(asides.pop(), out_dir)
    for leftover in [*asides, *out_dir.parent.glob(f"{out_dir.name}.tmp-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def write_artifacts(
    movies: pl.DataFrame,
    documents: pl.DataFrame,
    vectors: np.ndarray,
    out_dir: Path,
    *,
    model_name: str,
    exact_threshold: int = 100_000,
    source: str = "tmdb",
) -> dict[str, Any]:
    """Build every artifact in a fresh sibling folder and swap it in for `out_dir`.

    Args:
        movies: the `movies` rows to serve; documents: their `movie_documents` rows; vectors: one
            unit vector per documents row, in documents order.
        out_dir: the artifacts directory; its previous content stays untouched if the build fails.
        model_name: the embedding model that made `vectors` (queries must use the same one).
        source: where the movies came from: "tmdb", or "demo" for the synthetic demo catalogue
            (front ends label it; evaluation against real relevance labels skips it).

    Returns:
        The manifest written.

    Raises:
        ValueError: the three inputs disagree in size or ids.
    """
    movies, documents, vectors = _aligned(movies, documents, np.asarray(vectors, dtype=np.float32))
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(out_dir):
        _tidy(out_dir)
        tmp = out_dir.parent / f"{out_dir.name}.tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            manifest = _build(movies, documents, vectors, tmp, model_name, exact_threshold, source)
            if out_dir.exists():
                from movie_assets.index.learned import carry_learned

                manifest = carry_learned(out_dir, tmp, manifest)
                (tmp / MANIFEST).write_text(
                    json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
                )
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        # Two renames: a crash between them leaves the old set aside, which the next write restores.
        aside = out_dir.parent / f"{out_dir.name}.old-{uuid.uuid4().hex}"
        if out_dir.exists():
            os.replace(out_dir, aside)
        try:
            os.replace(tmp, out_dir)
        except BaseException:
            if aside.exists():
                os.replace(aside, out_dir)
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of an artifacts directory, or ArtifactsError saying what to rebuild."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ArtifactsError(f"no search artifacts in {directory} ({MANIFEST} missing); {REBUILD}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactsError(f"{path} is unreadable ({exc}); {REBUILD}") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        version = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise ArtifactsError(f"{path} has format_version {version!r}, expected {FORMAT_VERSION}; {REBUILD}")
    return manifest


def _unreadable(name: str, directory: Path, exc: BaseException) -> ArtifactsError:
    return ArtifactsError(f"{name} in {directory} is unreadable ({exc}); {REBUILD}")


def _ids(directory: Path, name: str) -> pl.Series:
    try:
        return pl.read_parquet(directory / name, columns=["movie_id"])["movie_id"]
    except Exception as exc:  # polars raises several types for damaged files
        raise _unreadable(name, directory, exc) from exc


def verify_artifacts(directory: Path, check_hashes: bool = False) -> dict[str, Any]:
    """Check that the artifacts are complete and describe the same movies, row for row.

    Args:
        directory: the artifacts directory.
        check_hashes: also re-hash every file against the manifest (reads every byte).

    Returns:
        The manifest.

    Raises:
        ArtifactsError: naming the missing or mismatched file and what to rebuild.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    files: dict[str, str] = manifest.get("files") or {}
    bm25_params = f"{BM25_DIR}/params.index.json"
    for name in [DENSE_FILE, IDMAP_FILE, PAYLOAD_FILE, bm25_params, *files]:
        if name not in files:
            raise ArtifactsError(f"{name} is not listed in {directory / MANIFEST}; {REBUILD}")
        if not (directory / name).is_file():
            raise ArtifactsError(f"{name} is missing from {directory}; {REBUILD}")
    for name, expected in files.items() if check_hashes else ():
        if _sha256(directory / name) != expected:
            raise ArtifactsError(f"{name} in {directory} does not match its manifest checksum; {REBUILD}")
    try:
        bm25_docs = json.loads((directory / bm25_params).read_text("utf-8"))["num_docs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _unreadable(bm25_params, directory, exc) from exc
    try:
        index = load_dense(directory / DENSE_FILE, mmap=True)
    except RuntimeError as exc:  # faiss reports a damaged file as RuntimeError
        raise _unreadable(DENSE_FILE, directory, exc) from exc
    ids, payload_ids = _ids(directory, IDMAP_FILE), _ids(directory, PAYLOAD_FILE)
    counts = {
        DENSE_FILE: index.ntotal,
        IDMAP_FILE: len(ids),
        PAYLOAD_FILE: len(payload_ids),
        BM25_DIR: bm25_docs,
    }
    count, dim = manifest.get("count"), manifest.get("dim")
    if any(n != count for n in counts.values()) or index.d != dim:
        raise ArtifactsError(
            f"artifacts in {directory} disagree with the manifest (count {count}, dim {dim}): rows {counts}, "
            f"dense dim {index.d}; {REBUILD}"
        )
    if not ids.equals(payload_ids):
        raise ArtifactsError(
            f"{IDMAP_FILE} and {PAYLOAD_FILE} list different movies in {directory}; {REBUILD}"
        )
    return manifest
