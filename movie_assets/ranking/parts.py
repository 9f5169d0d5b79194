"""Opening the learned parts of an artifact set, refusing any that do not belong to it.

The manifest's facts (`extras["learned"]`) and learned/learned.json must agree, name this set's build id,
its embedding model and dimension, and (for a ranker) the feature schema this code computes. A stale or
foreign part is never applied silently: it is an ArtifactsError that says how to retrain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from movie_assets.index import (
    LEARNED_DIR,
    LEARNED_IDENTITY,
    LEARNED_RECORD,
    RETRAIN,
    ArtifactsError,
    learned_facts,
)
from movie_assets.ranking.features import FEATURE_SCHEMA
from movie_assets.ranking.model import LearnedRanker, QueryAdapter

RANKER_FILE = "ranker.txt"  # LightGBM's text model
ADAPTER_FILE = "adapter.npy"  # the (dim, dim) float32 map


@dataclass(frozen=True)
class LearnedParts:
    """The learned parts of one set (either may be None) and the manifest entry that describes them."""

    ranker: LearnedRanker | None
    adapter: QueryAdapter | None
    entry: dict[str, Any] = field(default_factory=dict)


def _refuse(folder: Path, why: str) -> ArtifactsError:
    return ArtifactsError(f"the learned ranker in {folder} {why}; {RETRAIN}")


def _record(folder: Path) -> dict[str, Any]:
    try:
        record = json.loads((folder / LEARNED_DIR / LEARNED_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _refuse(folder, f"has no readable {LEARNED_RECORD} ({exc})") from None
    if not isinstance(record, dict):
        raise _refuse(folder, f"has a {LEARNED_RECORD} that is not an object")
    return record


def check_learned(folder: Path, manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest's learned facts after checking they belong to this set (None when there are none)."""
    entry = learned_facts(manifest)
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise _refuse(folder, "is listed in the manifest as something other than an object")
    record = _record(folder)
    for key in LEARNED_IDENTITY:
        if record.get(key) != entry.get(key):
            raise _refuse(
                folder, f"disagrees with the manifest on {key} ({record.get(key)!r} in {LEARNED_RECORD})"
            )
    build_id = manifest.get("build_id")
    if not entry.get("build_id") or entry.get("build_id") != build_id:
        raise _refuse(
            folder,
            f"belongs to artifact build {entry.get('build_id')!r}, not this set's {build_id!r}",
        )
    if entry.get("encoder") != manifest.get("embedding_model") or entry.get("dim") != manifest.get("dim"):
        raise _refuse(
            folder,
            f"was trained with encoder {entry.get('encoder')!r} (dim {entry.get('dim')}), but the artifacts "
            f"use {manifest.get('embedding_model')!r} (dim {manifest.get('dim')})",
        )
    ranker = RANKER_FILE in entry.get("files", ())
    if ranker and entry.get("feature_schema") != FEATURE_SCHEMA:
        raise _refuse(
            folder,
            f"was trained on feature schema {entry.get('feature_schema')!r}, but this version computes "
            f"{FEATURE_SCHEMA!r}",
        )
    return entry


def open_learned(folder: Path | str, manifest: dict[str, Any]) -> LearnedParts | None:
    """The checked learned parts of the set in `folder`, loaded; None when the set has none.

    Raises:
        ArtifactsError: parts that do not belong to this set, or files that cannot be read.
    """
    folder = Path(folder)
    entry = check_learned(folder, manifest)
    if entry is None:
        return None
    files = set(entry.get("files", ()))
    ranker = adapter = None
    try:
        if RANKER_FILE in files:
            ranker = LearnedRanker.load(folder / LEARNED_DIR / RANKER_FILE)
        if ADAPTER_FILE in files:
            adapter = QueryAdapter.load(folder / LEARNED_DIR / ADAPTER_FILE)
    except (OSError, ValueError) as exc:
        raise _refuse(folder, f"cannot be loaded ({exc})") from exc
    except Exception as exc:  # lightgbm raises its own LightGBMError for a damaged model
        raise _refuse(folder, f"cannot be loaded ({type(exc).__name__}: {exc})") from exc
    if adapter is not None and adapter.dim != manifest.get("dim"):
        raise _refuse(
            folder, f"has a query adapter of dim {adapter.dim}, the vectors have {manifest.get('dim')}"
        )
    return LearnedParts(ranker, adapter, entry)
