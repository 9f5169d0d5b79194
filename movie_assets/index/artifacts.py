"""Writing the search artifacts: the whole set built in a fresh folder, then swapped into place in one step.

Names and manifest: `movie_assets.index.manifest`; opening and checking a set: `artifact_set`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.files import atomic_path, sha256_file, write_json
from movie_assets.index.dense import build_dense_index, save_dense
from movie_assets.index.documents import DOC_FORMAT
from movie_assets.index.manifest import (
    BM25_DIR,
    DENSE_FILE,
    IDMAP_FILE,
    MANIFEST,
    PAYLOAD_FILE,
    new_manifest,
)
from movie_assets.index.sparse import BM25_PARAMS, build_bm25, save_bm25

TOP_CAST = 10
PAYLOAD_SCHEMA: dict[str, pl.DataType] = {
    "movie_id": pl.Int64(), "title": pl.Utf8(), "original_title": pl.Utf8(), "year": pl.Int16(),
    "release_date": pl.Date(), "original_language": pl.Utf8(), "genres": pl.List(pl.Utf8),
    "keywords": pl.List(pl.Utf8), "overview": pl.Utf8(), "poster_path": pl.Utf8(), "cast": pl.List(pl.Utf8),
    "directors": pl.List(pl.Utf8), "runtime": pl.Int16(), "vote_count": pl.Int32(),
    "vote_average": pl.Float32(), "popularity": pl.Float32(), "collection": pl.Utf8(),
}  # fmt: skip


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
    # Each file is flushed to disk before its name appears, so the swapped-in set never holds a torn one.
    with atomic_path(into / DENSE_FILE) as tmp:
        save_dense(index, tmp)
    with atomic_path(into / IDMAP_FILE) as tmp:
        movies.select(pl.col("movie_id").cast(pl.Int64)).write_parquet(tmp)
    save_bm25(build_bm25(documents["document"].to_list()), into / BM25_DIR)  # bm25s writes its own folder
    with atomic_path(into / PAYLOAD_FILE) as tmp:
        _payload(movies).write_parquet(tmp)
    files = {p.relative_to(into).as_posix(): sha256_file(p) for p in sorted(into.rglob("*")) if p.is_file()}
    manifest = new_manifest(
        count=len(movies),
        years=sorted(int(y) for y in movies["year"].drop_nulls().unique()),
        model=model,
        dim=int(vectors.shape[1]),
        dense=dense,
        bm25=dict(BM25_PARAMS),
        doc_format=DOC_FORMAT,
        files=files,
        source=source,
    )
    write_json(manifest, into / MANIFEST)
    return manifest


@contextlib.contextmanager
def exclusive(out_dir: Path) -> Iterator[None]:
    # One writer at a time, so anything found half-built beside the directory is a leftover.
    import fcntl

    with (out_dir.parent / f".{out_dir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def tidy(out_dir: Path) -> None:
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
    with exclusive(out_dir):
        tidy(out_dir)
        tmp = out_dir.parent / f"{out_dir.name}.tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            manifest = _build(movies, documents, vectors, tmp, model_name, exact_threshold, source)
            if out_dir.exists():
                from movie_assets.index.learned import carry_learned

                # The learned parts do not depend on which movies exist: they stay with the rebuilt set.
                manifest = carry_learned(out_dir, tmp, manifest)
                write_json(manifest, tmp / MANIFEST)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        swap_in(tmp, out_dir)
    return manifest


def swap_in(tmp: Path, out_dir: Path) -> None:
    """Put the complete set in `tmp` in place of `out_dir` (the caller holds `exclusive(out_dir)`).

    Two renames: a crash between them leaves the old set aside, which the next writer's `tidy` restores.
    """
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
