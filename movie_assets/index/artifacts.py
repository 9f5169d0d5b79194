"""Writing the search artifacts: each set built whole in a fresh folder, then published in one atomic step.

Names, schema and the extra-files hook: `movie_assets.index.manifest`; the sets on disk, the pointer and
pruning: `movie_assets.index.sets`; opening and checking a set: `artifact_set`.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.files import atomic_path, sha256_file, write_json
from movie_assets.index.dense import build_dense_index, save_dense
from movie_assets.index.documents import DOC_FORMAT, iter_bm25_documents
from movie_assets.index.gazetteer import GAZETTEER_EXTRA, gazetteer_writer
from movie_assets.index.manifest import (
    BM25_DIR,
    CORE_NAMES,
    DENSE_FILE,
    IDMAP_FILE,
    MANIFEST,
    OPTIONAL_PAYLOAD,
    PAYLOAD_FILE,
    PAYLOAD_SCHEMA,
    Manifest,
    check_listed_files,
    inside_set,
    missing_optional,
    new_manifest,
    parse_manifest,
    read_manifest,
)
from movie_assets.index.sets import new_set, publish, resolve_set, writer_lock
from movie_assets.index.sparse import BM25_PARAMS, build_bm25, save_bm25

TOP_CAST = 10
LOG = logging.getLogger(__name__)
# Writes one extra at the path it is given (a file or a folder) and returns facts for readers, or None.
ExtraWriter = Callable[[Path], dict[str, Any] | None]
__all__ = ["PAYLOAD_SCHEMA", "ExtraWriter", "extend_artifacts", "write_artifacts"]


def _phase(name: str, what: str, *args: Any) -> None:
    # Each step of a build is logged as it starts, its name in `record.phase`: a long build shows where it
    # is, and a benchmark can measure each step's time and memory.
    LOG.info(what, *args, extra={"phase": name})


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
    # Only the columns the set is built from, and sorted copies only of inputs that are not sorted yet:
    # the caller still holds its frames and matrix, so every copy here adds to the build's peak memory.
    movies = movies.select(c for c in (*PAYLOAD_SCHEMA, *OPTIONAL_PAYLOAD) if c in movies.columns)
    documents = documents.select("movie_id", "document")
    if not documents["movie_id"].is_sorted():
        order = documents["movie_id"].arg_sort().to_numpy()
        documents, vectors = documents[order], vectors[order]
    if not movies["movie_id"].is_sorted():
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
    optional = {c: t for c, t in OPTIONAL_PAYLOAD.items() if c in movies.columns}
    return movies.select(
        pl.col(c).list.head(TOP_CAST).cast(t) if c == "cast" else pl.col(c).cast(t)
        for c, t in {**PAYLOAD_SCHEMA, **optional}.items()
    )


def _listing(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file in the set but the manifest (hidden files are bookkeeping)."""
    listed = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != MANIFEST and not any(p.startswith(".") for p in name.split("/")):
            listed[name] = sha256_file(path)
    return listed


def _check_extra_names(names: Iterable[str]) -> None:
    for name in names:
        top = name.split("/")[0]
        if not inside_set(name) or top in CORE_NAMES or any(p.startswith(".") for p in name.split("/")):
            raise ValueError(
                f"extra file name {name!r} must be a relative path inside the set that is not one of "
                f"{sorted(CORE_NAMES)} and does not start with a dot"
            )


def _write_extras(folder: Path, extra_files: Mapping[str, ExtraWriter]) -> dict[str, dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = {}
    for name, write in extra_files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        facts[name] = dict(write(target) or {})
        if not (target.is_file() or (target.is_dir() and any(p.is_file() for p in target.rglob("*")))):
            raise ValueError(f"the writer of extra file {name!r} wrote nothing at {target}")
    return facts


def _write_dense(vectors: np.ndarray, into: Path, threshold: int) -> dict[str, Any]:
    """Build and write the dense index; return the manifest's "dense" entry.

    The index (a copy of every vector, and the HNSW graph) is freed on return, before BM25 is built.
    """
    _phase("dense", "building the dense index over %d vectors", len(vectors))
    index, dense = build_dense_index(vectors, exact_threshold=threshold)
    # Each file is flushed to disk before its name appears, so a published set never holds a torn one.
    with atomic_path(into / DENSE_FILE) as tmp:
        save_dense(index, tmp)
    return dense


def _build(
    movies: pl.DataFrame,
    documents: pl.DataFrame,
    vectors: np.ndarray,
    into: Path,
    threshold: int,
) -> tuple[dict[str, Any], pl.DataFrame]:
    """Write the core files into `into`; return the manifest's "dense" entry and the payload written."""
    dense = _write_dense(vectors, into, threshold)
    _phase("bm25", "building the BM25 index over %d documents", len(documents))
    with atomic_path(into / IDMAP_FILE) as tmp:
        movies.select(pl.col("movie_id").cast(pl.Int64)).write_parquet(tmp)
    # bm25s writes its own folder; both frames are in movie_id order here (`_aligned`). The texts are
    # streamed to the index a chunk at a time, and the index is freed once written.
    save_bm25(build_bm25(iter_bm25_documents(documents, movies)), into / BM25_DIR)
    _phase("payload", "writing the payload of %d movies", len(movies))
    payload = _payload(movies)
    with atomic_path(into / PAYLOAD_FILE) as tmp:
        payload.write_parquet(tmp)
    return dense, payload


def write_artifacts(
    movies: pl.DataFrame,
    documents: pl.DataFrame,
    vectors: np.ndarray,
    out_dir: Path,
    *,
    model_name: str,
    exact_threshold: int = 100_000,
    source: str = "tmdb",
    extra_files: Mapping[str, ExtraWriter] | None = None,
    build_id: str | None = None,
    encoder: str | None = None,
) -> Manifest:
    """Build a whole new artifact set and publish it as the one `out_dir` names (`movie_assets.index.sets`).

    Args:
        movies: the `movies` rows to serve; documents: their `movie_documents` rows; vectors: one
            unit vector per documents row, in documents order.
        out_dir: the artifacts path; the set it names stays untouched if the build fails.
        model_name: the embedding model that made `vectors` (queries must use the same one).
        source: where the movies came from: "tmdb", or "demo" for the synthetic demo catalogue
            (front ends label it; evaluation against real relevance labels skips it).
        extra_files: more artifacts of this set, name -> writer (the hook in `movie_assets.index.manifest`).
        build_id: the id this build of the indexes gets (default: its set id), for extras that record it.
        encoder: the encoder identity of `vectors` (`movie_assets.index.encoder_identity`; default the
            model's own), recorded as the manifest's embedding_encoder.

    Returns:
        The manifest written (its "set_id" names the set's folder).

    Raises:
        ValueError: the three inputs disagree in size or ids, or an extra file's name or writer is bad.
    """
    _phase("inputs", "checking and aligning %d movies", len(movies))
    movies, documents, vectors = _aligned(movies, documents, np.asarray(vectors, dtype=np.float32))
    extra_files = dict(extra_files or {})
    _check_extra_names(extra_files)
    out_dir = Path(out_dir)
    with writer_lock(out_dir):
        with new_set(out_dir) as (set_id, folder):
            dense, payload = _build(movies, documents, vectors, folder, exact_threshold)
            # Every build carries the gazetteer of its own payload (people and titles for the query parser).
            gazetteer = {GAZETTEER_EXTRA: gazetteer_writer(payload)}
            _phase("extras", "writing the extras %s", sorted({**gazetteer, **extra_files}))
            extras = _write_extras(folder, {**gazetteer, **extra_files})
            _phase("checksums", "summing the files of set %s", set_id)
            manifest = new_manifest(
                count=len(movies),
                years=sorted(int(y) for y in movies["year"].drop_nulls().unique()),
                model=model_name,
                dim=int(vectors.shape[1]),
                dense=dense,
                bm25=dict(BM25_PARAMS),
                doc_format=DOC_FORMAT,
                files=_listing(folder),
                source=source,
                set_id=set_id,
                extras=extras,
                build_id=build_id,
                encoder=encoder,
            )
            write_json(manifest, folder / MANIFEST)
        publish(out_dir, set_id)
    return manifest


def _link_or_copy(source: Path, target: Path) -> None:
    # Sets are never changed in place, so a hard link shares the bytes safely and costs no copy.
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def extend_artifacts(
    out_dir: Path, extra_files: Mapping[str, ExtraWriter], *, remove: Iterable[str] = ()
) -> Manifest:
    """Publish a new set: the current one plus `extra_files` (replacing extras of the same name) and
    without the extras named in `remove`; the indexes and payload are carried over unchanged.

    Raises:
        ArtifactsError: there is no current set, or it is incomplete.
        ValueError: an extra file's name or writer is bad.
    """
    extra_files, remove = dict(extra_files), set(remove)
    _check_extra_names([*extra_files, *remove])
    out_dir = Path(out_dir)
    with writer_lock(out_dir):
        current = resolve_set(out_dir)
        old = read_manifest(current)
        check_listed_files(current, old)
        dropped = remove | set(extra_files) | missing_optional(current, old)
        kept = {
            name: digest
            for name, digest in old["files"].items()
            if not any(name == d or name.startswith(f"{d}/") for d in dropped)
        }
        with new_set(out_dir) as (set_id, folder):
            for name in kept:
                _link_or_copy(current / name, folder / name)
            extras = {k: v for k, v in old.get("extras", {}).items() if k not in dropped}
            extras.update(_write_extras(folder, extra_files))
            added = {k: v for k, v in _listing(folder).items() if k not in kept}
            # A set from before build ids gets one now: the indexes it carries are from this point named.
            build_id = old.get("build_id") or set_id
            manifest = parse_manifest(
                {**old, "set_id": set_id, "build_id": build_id, "files": {**kept, **added}, "extras": extras},
                "the new manifest",
            )
            write_json(manifest, folder / MANIFEST)
        publish(out_dir, set_id)
    return manifest
