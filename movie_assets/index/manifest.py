"""The artifact set's names and its manifest: what every file is called, what the manifest records, and
the checks a reader makes against it before trusting the files.

Layout (DESIGN §3): text.index, text_idmap.parquet, bm25/, search_payload.parquet, manifest.json; row i
of every file is the same movie, rows sorted by movie_id.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DENSE_FILE = "text.index"
IDMAP_FILE = "text_idmap.parquet"
PAYLOAD_FILE = "search_payload.parquet"
BM25_DIR = "bm25"
BM25_PARAMS_FILE = f"{BM25_DIR}/params.index.json"
# The files a reader needs; each must be listed in the manifest and present.
REQUIRED_FILES = (DENSE_FILE, IDMAP_FILE, PAYLOAD_FILE, BM25_PARAMS_FILE)
REBUILD = "run `movie-assets build` (or materialize dense_index, bm25_index, search_payload)"


class ArtifactsError(Exception):
    """The artifacts directory is missing, incomplete or inconsistent; the message says what to rebuild."""


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
) -> dict[str, Any]:
    """The manifest of a freshly built set (`files`: relative path -> sha256 of every file in it)."""
    return {
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
        # Names this set: learned parts record it, so parts from another set are never applied to this one.
        "build_id": uuid.uuid4().hex,
    }


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


def check_listed_files(directory: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists, and every file a reader needs, is listed and present."""
    files: dict[str, str] = manifest.get("files") or {}
    for name in [*REQUIRED_FILES, *files]:
        if name not in files:
            raise ArtifactsError(f"{name} is not listed in {Path(directory) / MANIFEST}; {REBUILD}")
        if not (Path(directory) / name).is_file():
            raise ArtifactsError(f"{name} is missing from {directory}; {REBUILD}")


def check_model(manifest: dict[str, Any], name: str, dim: int | None, where: str) -> None:
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
