"""Learned parts in the artifact set: installed in one swap, carried across rebuilds, refused when stale."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from movie_assets.index import (
    ArtifactsError,
    carried_learned,
    install_learned,
    learned_facts,
    read_manifest,
    resolve_set,
    write_artifacts,
)
from movie_assets.index.documents import movie_documents
from movie_assets.ranking import FEATURE_NAMES, FEATURE_SCHEMA
from movie_assets.ranking.parts import ADAPTER_FILE, RANKER_FILE, open_learned
from movie_assets.training.lambdarank import Group, train_ranker
from movie_assets_tests.catalogues import edit_manifest
from movie_assets_tests.fakes import FakeEmbedder, make_movies

MODEL = "fake-bag-of-words"
RECORDS = [
    {"movie_id": 10, "title": "Notting Hill", "year": 1999, "overview": "A bookseller falls in love."},
    {"movie_id": 20, "title": "Interstellar", "year": 2014, "overview": "Astronauts and a wormhole."},
]


def _build(folder: Path, model: str = MODEL, dim: int = 32, carry: bool = False) -> dict:
    """A set over RECORDS; with `carry`, the learned parts of the current set go into it as the index
    asset passes them."""
    movies = make_movies(RECORDS)
    docs = movie_documents(movies)
    vectors = FakeEmbedder(dim=dim, name=model).encode(docs["document"].to_list())
    build_id = f"build-{len(list(folder.parent.glob('*')))}-{model}"
    extra = carried_learned(folder, model, dim, build_id) if carry else None
    return write_artifacts(
        movies, docs, vectors, folder, model_name=model, extra_files=extra, build_id=build_id
    )


@pytest.fixture(scope="module")
def ranker_text() -> str:
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(40):
        features = rng.normal(size=(10, len(FEATURE_NAMES))).astype(np.float32)
        labels = np.zeros(10, dtype=np.int32)
        labels[0] = 1
        groups.append(Group(features, labels))
    return train_ranker(groups[:30], groups[30:], threads=1).model


def _install(folder: Path, ranker_text: str, **changes: object) -> dict:
    manifest = read_manifest(folder)
    entry = {
        "encoder": manifest["embedding_model"], "dim": manifest["dim"], "feature_schema": FEATURE_SCHEMA,
        "fingerprint": "f1", "training": {"requests": 40},
    } | changes  # fmt: skip
    adapter = np.eye(manifest["dim"], dtype=np.float32)
    buffer = io.BytesIO()
    np.save(buffer, adapter)
    files = {RANKER_FILE: ranker_text.encode(), ADAPTER_FILE: buffer.getvalue()}
    return install_learned(folder, files, entry)


def test_installed_parts_are_listed_and_open(tmp_path: Path, ranker_text: str) -> None:
    folder = tmp_path / "artifacts"
    before = _build(folder)
    manifest = _install(folder, ranker_text)
    assert manifest["build_id"] == before["build_id"]
    assert learned_facts(manifest)["build_id"] == before["build_id"]
    assert {"learned/ranker.txt", "learned/adapter.npy", "learned/learned.json"} <= set(manifest["files"])
    assert learned_facts(manifest)["files"] == ["adapter.npy", "ranker.txt"]
    assert read_manifest(folder) == manifest
    parts = open_learned(folder, manifest)
    assert parts is not None and parts.ranker is not None and parts.adapter is not None
    assert parts.ranker.score(np.zeros((3, len(FEATURE_NAMES)), np.float32)).shape == (3,)
    assert manifest["set_id"] != before["set_id"]  # a new set, published in one step
    assert not list((tmp_path / "artifacts.sets").glob(".tmp-*"))  # nothing half-built left


def test_a_set_without_learned_parts_opens_without_them(tmp_path: Path, ranker_text: str) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    assert open_learned(folder, read_manifest(folder)) is None
    _install(folder, ranker_text)
    removed = install_learned(folder, {}, None)
    assert learned_facts(removed) is None and not any(n.startswith("learned/") for n in removed["files"])
    assert not (folder / "learned").exists()
    assert open_learned(folder, read_manifest(folder)) is None


def test_a_rebuild_carries_the_parts_with_the_same_encoder(tmp_path: Path, ranker_text: str) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    _install(folder, ranker_text)
    rebuilt = _build(folder, carry=True)
    assert learned_facts(rebuilt)["build_id"] == rebuilt["build_id"]
    assert learned_facts(rebuilt)["fingerprint"] == "f1"
    assert open_learned(folder, rebuilt) is not None


def test_a_rebuild_with_another_encoder_drops_the_parts(tmp_path: Path, ranker_text: str) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    _install(folder, ranker_text)
    rebuilt = _build(folder, model="another-model", carry=True)
    assert learned_facts(rebuilt) is None and not (folder / "learned").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"encoder": "another-model"}, "trained with encoder 'another-model'"),
        ({"feature_schema": "movie_assets.ranking.features/v0:old"}, "feature schema"),
    ],
)
def test_mismatched_parts_are_refused_with_the_retrain_command(
    tmp_path: Path, ranker_text: str, changes: dict, message: str
) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    manifest = _install(folder, ranker_text, **changes)
    with pytest.raises(ArtifactsError, match=message) as caught:
        open_learned(folder, manifest)
    assert "materialize search_ranker" in str(caught.value)


def test_parts_from_another_build_are_refused(tmp_path: Path, ranker_text: str) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    manifest = _install(folder, ranker_text)
    other = {**manifest, "build_id": "someone-else"}
    with pytest.raises(ArtifactsError, match="belongs to artifact build"):
        open_learned(folder, other)
    record = json.loads((folder / "learned" / "learned.json").read_text())
    (folder / "learned" / "learned.json").write_text(json.dumps({**record, "fingerprint": "old"}))
    with pytest.raises(ArtifactsError, match="disagrees with the manifest on fingerprint"):
        open_learned(folder, manifest)


def test_a_damaged_ranker_is_refused(tmp_path: Path, ranker_text: str) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    manifest = _install(folder, ranker_text)
    (folder / "learned" / "ranker.txt").write_text("not a model")
    with pytest.raises(ArtifactsError, match="cannot be loaded"):
        open_learned(folder, manifest)


def test_installing_publishes_a_new_set_and_leaves_the_opened_one_as_it_was(
    tmp_path: Path, ranker_text: str
) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    opened = resolve_set(folder)
    _install(folder, ranker_text)
    # A reader holding the set it opened keeps the indexes without learned parts; new readers get both.
    assert resolve_set(folder) != opened
    assert learned_facts(read_manifest(opened)) is None and not (opened / "learned").exists()
    assert learned_facts(read_manifest(folder)) is not None


def test_a_learned_entry_of_the_wrong_shape_is_refused_when_the_manifest_is_read(
    tmp_path: Path, ranker_text: str
) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    _install(folder, ranker_text)
    edit_manifest(folder, lambda m: m["extras"]["learned"].update(dim="wide"))
    with pytest.raises(ArtifactsError, match="extras.learned.dim"):
        read_manifest(folder)


def test_a_set_from_before_build_ids_gets_one_before_parts_name_it(tmp_path: Path, ranker_text: str) -> None:
    folder = tmp_path / "artifacts"
    _build(folder)
    edit_manifest(folder, lambda m: m.pop("build_id"))
    manifest = _install(folder, ranker_text)
    assert manifest["build_id"] and learned_facts(manifest)["build_id"] == manifest["build_id"]
    assert open_learned(folder, read_manifest(folder)) is not None
