"""The learned parts of the artifact set: the extra "learned/" (ranker, query adapter, learned.json).

They are trained over a set that already exists, then added to it with `extend_artifacts` (a new set: the
same indexes and payload plus learned/, published in one step like every set). Their facts (encoder,
feature schema, training counts, held-apart scores) are the manifest's `extras["learned"]`, and
learned.json repeats the identity part, so files that do not belong to the manifest that lists them are
caught. They also name the set's `build_id`: the set id of the build that wrote its indexes and payload,
which sets extended from it keep.

Their features do not depend on which movies exist, so a rebuild of the indexes carries them into the new
build (`carried_learned`, given to `write_artifacts` as an extra) as long as the embedding model and its
dimension are the same; whether they are stale otherwise (feature schema, labels) is for the ranker asset
and the reader (`movie_assets.ranking.open_learned`) to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from movie_assets.files import write_json
from movie_assets.index.artifacts import ExtraWriter, extend_artifacts
from movie_assets.index.manifest import LEARNED_EXTRA, ArtifactsError, Manifest, read_manifest
from movie_assets.index.sets import resolve_set

LEARNED_DIR = LEARNED_EXTRA  # the extra's name: a folder in the set
LEARNED_RECORD = "learned.json"  # inside LEARNED_DIR
RETRAIN = "retrain it: materialize search_ranker (`movie-assets build` does)"
# What must agree between the manifest's facts and learned.json for the parts to be applied.
LEARNED_IDENTITY = ("build_id", "encoder", "dim", "feature_schema", "fingerprint", "files")


def learned_writer(files: Mapping[str, bytes], entry: Mapping[str, Any], build_id: str) -> ExtraWriter:
    """An extra writer for learned/: `files` (name -> bytes) and learned.json; its facts are `entry` with
    the written names and `build_id`."""
    record = {**entry, "build_id": build_id, "files": sorted(files)}

    def write(target: Path) -> dict[str, Any]:
        target.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (target / name).write_bytes(content)
        write_json(record, target / LEARNED_RECORD)
        return record

    return write


def install_learned(out_dir: Path, files: Mapping[str, bytes], entry: Mapping[str, Any] | None) -> Manifest:
    """Publish the current set with its learned parts replaced by `files` (None `entry`: removed).

    The parts name the current set's build id. Should a rebuild of the indexes win the race between reading
    it and publishing, the parts name the old build and readers refuse them, saying to retrain.
    """
    current = read_manifest(resolve_set(out_dir))
    if entry is None:
        if learned_facts(current) is None:
            return current
        return extend_artifacts(out_dir, {}, remove=[LEARNED_DIR])
    if not current.get("build_id"):
        # A set written before build ids: republished first, which names its indexes' build.
        current = extend_artifacts(out_dir, {})
    return extend_artifacts(out_dir, {LEARNED_DIR: learned_writer(files, entry, current["build_id"])})


def carried_learned(out_dir: Path, model: str, dim: int, build_id: str) -> dict[str, ExtraWriter]:
    """For `write_artifacts(extra_files=..., build_id=build_id)`: the current set's learned parts, if they
    were trained with `model` at `dim`, to go into the new build named `build_id`; empty otherwise (no set,
    none, another encoder)."""
    try:
        folder = resolve_set(out_dir)
        facts = learned_facts(read_manifest(folder))
    except ArtifactsError:
        return {}
    if not facts or (facts.get("encoder"), facts.get("dim")) != (model, dim):
        return {}
    try:
        # Read now: the old set may be pruned once the new one is published.
        files = {name: (folder / LEARNED_DIR / name).read_bytes() for name in facts.get("files", ())}
    except OSError:
        return {}
    entry = {k: v for k, v in facts.items() if k not in ("build_id", "files")}
    return {LEARNED_DIR: learned_writer(files, entry, build_id)}


def learned_facts(manifest: Manifest) -> dict[str, Any] | None:
    """What the manifest records of the set's learned parts, or None when it has none."""
    return (manifest.get("extras") or {}).get(LEARNED_DIR)
