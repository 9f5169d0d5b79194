"""Artifact sets on disk: the pointer, pruning, and extra files joining a set through the manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from movie_assets.index import (
    GAZETTEER_EXTRA,
    KEEP_SETS,
    ArtifactsError,
    current_set_id,
    extend_artifacts,
    open_artifacts,
    read_manifest,
    resolve_set,
    sets_dir,
    verify_artifacts,
    write_artifacts,
)
from movie_assets_tests.catalogues import artifact_inputs as _inputs


def _write_ranker(path: Path) -> dict[str, Any]:
    path.write_text(json.dumps({"weights": [0.5, 0.25]}), "utf-8")
    return {"features": 2}


def _write_people(path: Path) -> None:
    path.mkdir()
    (path / "names.txt").write_text("Actor 0\nActor 1\n", "utf-8")


def _build(folder: Path, **extra: Any) -> dict[str, Any]:
    movies, docs, vectors = _inputs()
    return dict(write_artifacts(movies, docs, vectors, folder, model_name="fake-bag-of-words", **extra))


def _sets(artifacts: Path) -> list[str]:
    return sorted(p.name for p in sets_dir(artifacts).iterdir() if not p.name.startswith("."))


def test_the_pointer_names_the_newest_set_and_old_sets_are_pruned(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    ids = [_build(artifacts)["set_id"] for _ in range(KEEP_SETS + 2)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # ids sort by build time
    assert os.readlink(artifacts) == f"artifacts.sets/{ids[-1]}"  # relative: the data folder may move
    assert resolve_set(artifacts) == sets_dir(artifacts) / ids[-1]
    assert current_set_id(artifacts).startswith(f"{ids[-1]}@")
    assert _sets(artifacts) == ids[-KEEP_SETS:]
    assert read_manifest(artifacts)["set_id"] == ids[-1]  # the pointer is a folder to every reader


def test_leftovers_of_a_killed_writer_are_removed_by_the_next(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    _build(artifacts)
    (sets_dir(artifacts) / ".tmp-20000101T000000000000Z-dead").mkdir()  # half built
    (sets_dir(artifacts) / "99990101T000000000000Z-dead").mkdir()  # built, never published
    latest = _build(artifacts)["set_id"]
    assert _sets(artifacts)[-1] == latest and len(_sets(artifacts)) == KEEP_SETS
    assert [p.name for p in sets_dir(artifacts).iterdir() if p.name.startswith(".")] == []


def test_extra_files_are_part_of_the_set_and_its_manifest(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    manifest = _build(artifacts, extra_files={"ranker.json": _write_ranker, "people": _write_people})
    extras = {k: v for k, v in manifest["extras"].items() if k != GAZETTEER_EXTRA}
    assert extras == {"ranker.json": {"features": 2}, "people": {}}
    # Every build also carries its gazetteer (people and titles for the query parser), checksummed.
    assert manifest["extras"][GAZETTEER_EXTRA]["people"] > 0
    assert {"gazetteer/people.parquet", "gazetteer/titles.parquet"} <= set(manifest["files"])
    assert {"ranker.json", "people/names.txt"} <= set(manifest["files"])
    opened = open_artifacts(artifacts)
    assert json.loads(opened.extra("ranker.json").read_text("utf-8")) == {"weights": [0.5, 0.25]}
    assert opened.extra("people") == opened.folder / "people" and opened.extra("encoder") is None
    assert verify_artifacts(artifacts, check_hashes=True) == manifest
    (opened.folder / "people" / "names.txt").unlink()
    with pytest.raises(ArtifactsError, match="people/names.txt is missing from"):
        open_artifacts(artifacts)


def test_extend_publishes_the_current_set_plus_extras_without_rebuilding(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    first = _build(artifacts, extra_files={"people": _write_people})
    second = dict(extend_artifacts(artifacts, {"ranker.json": _write_ranker}))
    assert second["set_id"] > first["set_id"] and second["count"] == first["count"]
    assert second["extras"].keys() == {"people", "ranker.json", GAZETTEER_EXTRA}
    old, new = sets_dir(artifacts) / first["set_id"], sets_dir(artifacts) / second["set_id"]
    assert os.stat(old / "text.index").st_ino == os.stat(new / "text.index").st_ino  # shared, not copied
    assert verify_artifacts(artifacts, check_hashes=True) == second
    third = dict(extend_artifacts(artifacts, {}, remove=["people"]))
    assert (
        third["extras"].keys() == {"ranker.json", GAZETTEER_EXTRA}
        and "people/names.txt" not in third["files"]
    )
    assert not (resolve_set(artifacts) / "people").exists()
    assert verify_artifacts(artifacts, check_hashes=True) == third


@pytest.mark.parametrize("name", ["../outside", "/abs/path", "text.index", "bm25/extra.json", ".hidden", ""])
def test_extra_names_must_stay_inside_the_set_and_apart_from_its_files(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="must be a relative path inside the set"):
        _build(tmp_path / "artifacts", extra_files={name: _write_ranker})
    assert not (tmp_path / "artifacts").exists()


def test_an_extra_writer_that_writes_nothing_publishes_nothing(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    before = _build(artifacts)
    with pytest.raises(ValueError, match="the writer of extra file 'ranker.json' wrote nothing"):
        extend_artifacts(artifacts, {"ranker.json": lambda path: None})
    assert read_manifest(artifacts)["set_id"] == before["set_id"] and _sets(artifacts) == [before["set_id"]]
