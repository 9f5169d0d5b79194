"""The learned parts of the artifact set: the extra "learned" (a folder) in the one versioned set.

The learned ranker and query adapter are trained over a set that already exists, then added to it through
the set's extra-files hook (`extend_artifacts`): the new set is the current one (hard-linked) plus
learned/, published in the same single switch as any other set, so a reader never sees learned parts that
belong to another set. Their facts (`LearnedInfo`) are the manifest's `extras["learned"]` and are also
written as learned/learned.json, so a reader can tell a folder edited by hand from what the manifest says.

They name the index build they were installed on (the manifest's `build_id`). Their features do not depend
on which movies exist, so a rebuild of the catalogue's artifacts carries them into the new set
(`carried_learned`) as long as the embedding model is the same; they then name the new build. Anything
else about them (feature schema, training data) is the ranker asset's call.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from movie_assets.files import write_json
from movie_assets.index.manifest import LEARNED_EXTRA, ArtifactsError, Manifest, read_manifest
from movie_assets.index.sets import resolve_set

LEARNED_DIR = LEARNED_EXTRA
LEARNED_RECORD = f"{LEARNED_DIR}/learned.json"
RETRAIN = "materialize search_ranker (`movie-assets build` does), or delete the learned/ entry by rebuilding"
# What must agree between the manifest's entry and learned.json for the parts to be applied.
LEARNED_IDENTITY = ("build_id", "encoder", "dim", "feature_schema", "fingerprint", "files")
_RECORD_NAME = LEARNED_RECORD.removeprefix(f"{LEARNED_DIR}/")


def learned_entry(manifest: Mapping[str, Any]) -> dict[str, Any] | None:
    """The manifest's learned entry (`extras["learned"]`), or None when the set has no learned parts."""
    return (manifest.get("extras") or {}).get(LEARNED_EXTRA)


def _writer(
    contents: Mapping[str, Callable[[Path], None]], entry: Mapping[str, Any], build_id: str | None
) -> Callable[[Path], dict[str, Any]]:
    """The extra-files writer of learned/: each named file, then learned.json, stamped with `build_id`."""

    def write(folder: Path) -> dict[str, Any]:
        folder.mkdir()
        for name, put in contents.items():
            put(folder / name)
        listed: dict[str, Any] = {
            **entry,
            "files": [f"{LEARNED_DIR}/{name}" for name in sorted(contents)],
            "build_id": build_id,
        }
        write_json(listed, folder / _RECORD_NAME)
        return listed

    return write


def _link(source: Path) -> Callable[[Path], None]:
    def put(target: Path) -> None:
        # Files of a set are never changed in place (every write is a new set), so sharing is safe.
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    return put


def _bytes(content: bytes) -> Callable[[Path], None]:
    return lambda target: target.write_bytes(content)


def carried_learned(out_dir: Path, model: str, dim: int, build_id: str) -> dict[str, Any]:
    """The extra-files writers that carry the current set's learned parts into a rebuild (or none).

    They are carried only when the current set has them and was embedded with the same model at the same
    dimension: a ranker's dense features and an adapter's map are meaningless under another encoder. The
    caller holds the writer lock, so the current set cannot change before the writer runs.
    """
    try:
        current = resolve_set(out_dir)
        old = read_manifest(current)
    except (ArtifactsError, OSError):  # no current set, or one too damaged to read: nothing to carry
        return {}
    entry = learned_entry(old)
    if entry is None or (entry["encoder"], entry["dim"]) != (model, dim):
        return {}
    names = [name.removeprefix(f"{LEARNED_DIR}/") for name in entry["files"]]
    if not all((current / LEARNED_DIR / name).is_file() for name in names):
        return {}
    kept = {k: v for k, v in entry.items() if k not in ("files", "build_id")}
    links = {name: _link(current / LEARNED_DIR / name) for name in names}
    return {LEARNED_DIR: _writer(links, kept, build_id)}


def install_learned(out_dir: Path, files: Mapping[str, bytes], entry: Mapping[str, Any] | None) -> Manifest:
    """Replace the learned parts of the set `out_dir` names, publishing a new set; `entry=None` removes them.

    Args:
        files: name under learned/ -> content (e.g. {"ranker.txt": b"..."}).
        entry: the learned entry (encoder, dim, feature schema, counts, scores); its "files" (the written
            names) and "build_id" (the set's own) are filled in here.

    Returns:
        The new set's manifest.

    Raises:
        ArtifactsError: there is no current set, or it is incomplete.
    """
    from movie_assets.index.artifacts import extend_artifacts  # artifacts imports this module

    out_dir = Path(out_dir)
    if entry is None:
        return extend_artifacts(out_dir, {}, remove=[LEARNED_DIR])
    # The build id is read at write time, under the writer lock that extend_artifacts holds: a rebuild
    # published in between would otherwise leave these parts naming the build before it.
    contents = {name: _bytes(content) for name, content in files.items()}

    def write(folder: Path) -> dict[str, Any]:
        build_id = read_manifest(resolve_set(out_dir)).get("build_id")
        return _writer(contents, entry, build_id)(folder)

    return extend_artifacts(out_dir, {LEARNED_DIR: write})


__all__ = [
    "LEARNED_DIR", "LEARNED_IDENTITY", "LEARNED_RECORD", "RETRAIN", "carried_learned", "install_learned",
    "learned_entry",
]  # fmt: skip
