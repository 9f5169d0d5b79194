"""The artifact set's names and its manifest: what every file is called, what the manifest records (a
typed schema, checked when read), and the checks a reader makes against it before trusting the files.

One set (DESIGN §3), row i of every file the same movie, rows sorted by movie_id:

    manifest.json            this module's `Manifest`: counts, model, checksums of every file below
    text.index               FAISS index (`dense`)
    text_idmap.parquet       movie_id per row (IDMAP_SCHEMA)
    search_payload.parquet   display and filter columns per row (PAYLOAD_SCHEMA)
    bm25/                    bm25s index files
    <extras>                 anything else the search reads, added through the extra-files hook

Extra files (a learned ranker, a people list, an encoder export) join the set without new switch code:

    write_artifacts(movies, documents, vectors, out_dir, model_name=..., extra_files={"ranker": write})
    extend_artifacts(out_dir, {"ranker": write})   # the current set plus (or with a new) "ranker"

Each writer is called with the path the extra must have inside the new, not yet published set (a file or
a folder; its parent exists) and returns a JSON-ready dict of facts for readers (or None). Every file it
writes is listed in the manifest's `files` with its sha256 and the dict is kept under `extras[name]`; the
set is then published in the same single step as the indexes. A reader asks `ArtifactSet.extra(name)` for
the path (None when the set has no such extra) and reads it from that set, so it always matches the
indexes it was opened with. Extra names are relative paths that are not one of the names above and do not
start with a dot.
"""

# No `from __future__ import annotations` here: on Python 3.11, TypedDict only sees NotRequired in
# annotations that are evaluated, and the schema below relies on it.

import json
import re
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal, NotRequired, TypedDict

import polars as pl

from movie_assets.index.schema import check_json

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DENSE_FILE = "text.index"
IDMAP_FILE = "text_idmap.parquet"
PAYLOAD_FILE = "search_payload.parquet"
BM25_DIR = "bm25"
BM25_PARAMS_FILE = f"{BM25_DIR}/params.index.json"
# The files a reader needs; each must be listed in the manifest and present.
REQUIRED_FILES = (DENSE_FILE, IDMAP_FILE, PAYLOAD_FILE, BM25_PARAMS_FILE)
CORE_NAMES = frozenset({MANIFEST, DENSE_FILE, IDMAP_FILE, PAYLOAD_FILE, BM25_DIR})
LEARNED_EXTRA = "learned"  # the extra holding the learned ranker and adapter (`LearnedInfo`)
# Extras whose reader has a fallback: a set missing their files is still whole (the ONNX query encoder
# falls back to torch with a warning), and a set extended from it goes without them.
ENCODER_EXTRA = "encoder"  # the extra holding the ONNX query encoder (`movie_assets.index.onnx_encoder`)
OPTIONAL_EXTRAS = frozenset({ENCODER_EXTRA})
REBUILD = "run `movie-assets build` (or materialize dense_index, bm25_index, search_payload)"
IDMAP_SCHEMA: dict[str, pl.DataType] = {"movie_id": pl.Int64()}
PAYLOAD_SCHEMA: dict[str, pl.DataType] = {
    "movie_id": pl.Int64(), "title": pl.Utf8(), "original_title": pl.Utf8(), "year": pl.Int16(),
    "release_date": pl.Date(), "original_language": pl.Utf8(), "genres": pl.List(pl.Utf8),
    "keywords": pl.List(pl.Utf8), "overview": pl.Utf8(), "poster_path": pl.Utf8(), "cast": pl.List(pl.Utf8),
    "directors": pl.List(pl.Utf8), "runtime": pl.Int16(), "vote_count": pl.Int32(),
    "vote_average": pl.Float32(), "popularity": pl.Float32(), "collection": pl.Utf8(),
}  # fmt: skip
# Payload columns a set written before them lacks (a reader must do without): the movies' other titles.
OPTIONAL_PAYLOAD: dict[str, pl.DataType] = {"alt_titles": pl.List(pl.Utf8)}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ArtifactsError(Exception):
    """The artifacts directory is missing, incomplete or inconsistent; the message says what to rebuild."""


class DenseInfo(TypedDict):
    """The manifest's "dense" entry: how the FAISS index was built and is searched."""

    type: Literal["flat", "hnsw"]
    M: NotRequired[int]
    ef_construction: NotRequired[int]
    ef_search: NotRequired[int]


class BM25Info(TypedDict):
    """The manifest's "bm25" entry: what a reader must reproduce to query the index."""

    tokenizer: str
    stopwords: NotRequired[str | None]
    stemmer: NotRequired[str | None]
    k1: NotRequired[float]
    b: NotRequired[float]
    method: NotRequired[str]


class LearnedInfo(TypedDict):
    """The extra "learned" (`extras["learned"]`, also written as learned/learned.json): the learned ranker
    and query adapter, what they were trained against, and the index build (`build_id`) they belong to."""

    build_id: str
    encoder: str
    dim: int
    files: list[str]
    feature_schema: NotRequired[str]
    fingerprint: NotRequired[str]
    trained_at: NotRequired[str]


class Manifest(TypedDict):
    """manifest.json. `files` maps every file's path in the set (posix, relative) to its sha256;
    `extras` maps each extra's name to what its writer recorded."""

    format_version: Literal[1]
    count: int
    embedding_model: str
    dim: int
    dense: DenseInfo
    bm25: BM25Info
    files: dict[str, str]
    years: NotRequired[list[int]]
    doc_format: NotRequired[str]
    built_at: NotRequired[str]
    source: NotRequired[str]
    set_id: NotRequired[str]
    # The set id of the build that wrote the indexes and payload; a set extended from it keeps it. Learned
    # parts name it, so parts installed over other indexes are refused.
    build_id: NotRequired[str]
    extras: NotRequired[dict[str, dict[str, Any]]]
    # Whose vectors the dense index holds (`movie_assets.index.encoder_identity`): absent or equal to
    # embedding_model for the model's own (fp32) vectors, "model@int8" for the int8 ONNX encoder's. Queries
    # must come from the same encoder.
    embedding_encoder: NotRequired[str]


def documents_encoder(manifest: "Manifest") -> str:
    """The encoder identity of the set's dense vectors (the model's own when not recorded)."""
    return manifest.get("embedding_encoder") or manifest["embedding_model"]


def inside_set(name: str) -> bool:
    """Whether `name` is a relative path that stays inside a set folder ("bm25/vocab.index.json")."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _problem(raw: Any) -> str | None:
    problem = check_json(raw, Manifest)
    if problem is not None:
        return problem
    if raw["count"] < 0:
        return f"count: expected a number of movies >= 0, got {raw['count']}"
    if raw["dim"] < 1:
        return f"dim: expected a vector width >= 1, got {raw['dim']}"
    for name, digest in raw["files"].items():
        if not inside_set(name) or not _SHA256.match(digest):
            return f"files: {name!r}: {digest!r} is not a path in the set with its sha256"
    unknown = [name for name in raw.get("extras", {}) if not inside_set(name)]
    if unknown:
        return f"extras: {unknown[0]!r} is not a path in the set"
    # The learned entry is checked here too, so a damaged one is one clear message, not a KeyError later.
    learned = raw.get("extras", {}).get(LEARNED_EXTRA)
    return None if learned is None else check_json(learned, LearnedInfo, f"extras.{LEARNED_EXTRA}")


def parse_manifest(raw: Any, where: Path | str) -> Manifest:
    """`raw` (parsed manifest.json) checked against the `Manifest` schema.

    Raises:
        ArtifactsError: a field missing or of the wrong type, naming it and what to rebuild.
    """
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if type(version) is not int or version != FORMAT_VERSION:
        raise ArtifactsError(f"{where} has format_version {version!r}, expected {FORMAT_VERSION}; {REBUILD}")
    problem = _problem(raw)
    if problem is not None:
        raise ArtifactsError(f"{where} is damaged ({problem}); {REBUILD}")
    return raw  # type: ignore[return-value]  # checked field by field above


def new_manifest(
    *,
    count: int,
    years: list[int],
    model: str,
    dim: int,
    dense: dict[str, Any],
    bm25: dict[str, Any],
    doc_format: str,
    files: dict[str, str],
    source: str,
    set_id: str,
    extras: dict[str, dict[str, Any]] | None = None,
    build_id: str | None = None,
    encoder: str | None = None,
) -> Manifest:
    """The manifest of a freshly built set (`files`: relative path -> sha256 of every file in it)."""
    manifest = {
        "format_version": FORMAT_VERSION,
        "count": count,
        "years": years,
        "embedding_model": model,
        "dim": dim,
        "dense": dense,
        "bm25": bm25,
        "doc_format": doc_format,
        "files": files,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        "set_id": set_id,
        "build_id": build_id or set_id,
        "extras": extras or {},
        "embedding_encoder": encoder or model,
    }
    return parse_manifest(manifest, "the new manifest")


def read_manifest(directory: Path | str) -> Manifest:
    """The manifest of an artifacts directory (or of the set it points to), checked against the schema.

    Raises:
        ArtifactsError: missing, unreadable (permissions included), not JSON, or not the schema.
    """
    path = Path(directory) / MANIFEST
    try:
        text = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise ArtifactsError(f"no search artifacts in {directory} ({MANIFEST} missing); {REBUILD}") from None
    except OSError as exc:  # permissions, a folder that cannot be listed, an I/O error
        raise ArtifactsError(
            f"{path} cannot be read ({exc.strerror or exc}); let this process read the folder, or {REBUILD}"
        ) from None
    try:
        raw = json.loads(text)
    except ValueError as exc:  # bad JSON or bad UTF-8
        raise ArtifactsError(f"{path} is unreadable ({exc}); {REBUILD}") from None
    return parse_manifest(raw, path)


def check_listed_files(directory: Path, manifest: Manifest) -> None:
    """Every file the manifest lists, and every file a reader needs, is listed and present."""
    files = manifest["files"]
    for name in [*REQUIRED_FILES, *files]:
        if name not in files:
            raise ArtifactsError(f"{name} is not listed in {Path(directory) / MANIFEST}; {REBUILD}")
        if name.split("/")[0] in OPTIONAL_EXTRAS:
            continue  # its reader checks it, and falls back
        try:
            present = (Path(directory) / name).is_file()
        except OSError as exc:  # is_file() lets a permission error through
            raise ArtifactsError(
                f"{name} in {directory} cannot be read ({exc.strerror}); {REBUILD}"
            ) from None
        if not present:
            raise ArtifactsError(f"{name} is missing from {directory}; {REBUILD}")
    for name in manifest.get("extras", {}):
        if not any(f == name or f.startswith(f"{name}/") for f in files):
            raise ArtifactsError(f"the extra {name!r} has no files listed in {directory}; {REBUILD}")


def missing_optional(directory: Path, manifest: Manifest) -> set[str]:
    """The optional extras (OPTIONAL_EXTRAS) some of whose listed files are missing from `directory`."""
    return {
        name.split("/")[0]
        for name in manifest["files"]
        if name.split("/")[0] in OPTIONAL_EXTRAS and not (Path(directory) / name).is_file()
    }


def check_model(manifest: Manifest, name: str, dim: int | None, where: str) -> None:
    """The query embedder `name` (of width `dim`, when known) is the one the dense index was built with.

    Args:
        where: how the embedder was chosen, for the message ("from EMBED_MODEL_NAME", "as loaded").
    """
    if name != manifest["embedding_model"] or (dim is not None and dim != manifest["dim"]):
        shown = f"{name!r}" if dim is None else f"{name!r} (dim {dim})"
        raise ArtifactsError(
            f"the dense index was built with {manifest['embedding_model']!r} (dim {manifest['dim']}) but the "
            f"query embedder is {shown} ({where}); set EMBED_MODEL_NAME={manifest['embedding_model']}, "
            f"or rebuild the artifacts with that model: {REBUILD}"
        )
