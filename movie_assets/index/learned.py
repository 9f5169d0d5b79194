"""The learned parts of the artifact set: files under learned/, an entry in the manifest, one atomic swap.

The learned ranker and query adapter are trained over an artifact set that already exists, then added to
it: the set is copied into a fresh sibling folder (unchanged files hard-linked, not copied), the learned
files and the manifest entry written there, and the copy swapped in as one step, like every other write
of the set. A reader therefore never sees learned parts that belong to another set.

Their features do not depend on which movies exist, so a rebuild of the catalogue's artifacts carries them
into the new set (`carry_learned`) as long as the embedding model is the same; the entry then names the
new set's build id. Anything else about them (feature schema, training data) is the ranker asset's call.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from movie_assets.files import sha256_file, write_json

LEARNED_DIR = "learned"
LEARNED_RECORD = f"{LEARNED_DIR}/learned.json"
RETRAIN = "materialize search_ranker (`movie-assets build` does), or delete the learned/ entry by rebuilding"
# What must agree between the manifest's entry and learned.json for the parts to be applied.
LEARNED_IDENTITY = ("build_id", "encoder", "dim", "feature_schema", "fingerprint", "files")


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Files of a set are never changed in place (every write is a new folder), so sharing is safe.
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _is_learned(name: str) -> bool:
    return name == LEARNED_DIR or name.startswith(f"{LEARNED_DIR}/")


def _with_record(folder: Path, manifest: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """Write learned.json for `entry` (stamped with the set's build id); the manifest with both listed."""
    entry = {**entry, "build_id": manifest.get("build_id")}
    write_json(entry, folder / LEARNED_RECORD)
    files = {name: digest for name, digest in manifest["files"].items() if not _is_learned(name)}
    for name in [*entry.get("files", ()), LEARNED_RECORD]:
        files[name] = sha256_file(folder / name)
    return {**manifest, "files": dict(sorted(files.items())), "learned": entry}


def carry_learned(old_dir: Path, new_dir: Path, new_manifest: dict[str, Any]) -> dict[str, Any]:
    """The new set's manifest with the old set's learned parts carried over (linked into `new_dir`).

    They are carried only when the old set has them and was embedded with the same model at the same
    dimension: a ranker's dense features and an adapter's map are meaningless under another encoder.
    """
    from movie_assets.index.manifest import read_manifest

    try:
        old = read_manifest(old_dir)
    except Exception:  # no old set, or one too damaged to read: nothing to carry
        return new_manifest
    entry = old.get("learned")
    if not isinstance(entry, dict) or (entry.get("encoder"), entry.get("dim")) != (
        new_manifest.get("embedding_model"),
        new_manifest.get("dim"),
    ):
        return new_manifest
    names = list(entry.get("files", ()))
    if not all((old_dir / name).is_file() for name in names):
        return new_manifest
    for name in names:
        _link_or_copy(old_dir / name, new_dir / name)
    return _with_record(new_dir, new_manifest, {k: v for k, v in entry.items() if k != "build_id"})


def install_learned(
    out_dir: Path, files: Mapping[str, bytes], entry: dict[str, Any] | None
) -> dict[str, Any]:
    """Replace the learned parts of the set in `out_dir` in one swap; `entry=None` removes them.

    Args:
        files: name under learned/ -> content (e.g. {"ranker.txt": b"..."}).
        entry: the manifest's "learned" entry (encoder, dim, feature schema, counts, scores); its
            "files" lists the written names and "build_id" is set to the set's own.

    Returns:
        The new manifest.
    """
    from movie_assets.index.artifacts import exclusive, swap_in, tidy
    from movie_assets.index.manifest import MANIFEST, read_manifest

    out_dir = Path(out_dir)
    with exclusive(out_dir):
        tidy(out_dir)
        manifest = read_manifest(out_dir)
        tmp = out_dir.parent / f"{out_dir.name}.tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            for name in manifest.get("files", {}):
                if not _is_learned(name):
                    _link_or_copy(out_dir / name, tmp / name)
            if entry is None:
                kept = {n: d for n, d in manifest["files"].items() if not _is_learned(n)}
                manifest = {k: v for k, v in manifest.items() if k != "learned"} | {"files": kept}
            else:
                for name, content in files.items():
                    path = tmp / LEARNED_DIR / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(content)
                listed = {**entry, "files": [f"{LEARNED_DIR}/{name}" for name in sorted(files)]}
                manifest = _with_record(tmp, manifest, listed)
            write_json(manifest, tmp / MANIFEST)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        swap_in(tmp, out_dir)
    return manifest
