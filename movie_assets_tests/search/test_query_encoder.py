"""The query encoder a Searcher loads itself: the set's ONNX export, or torch with one warning when that
export is missing or damaged, and never an encoder whose vectors differ from the documents'."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import movie_assets.index
from movie_assets.index import EncoderUnavailable, OnnxEmbedder
from movie_assets.search import ArtifactsError, ModelUnavailableError, Searcher
from movie_assets_tests.catalogues import build_onnx_artifacts
from movie_assets_tests.fakes import TINY_ENCODER, FakeEmbedder, write_tiny_encoder


def _set(tmp_path: Path, precision: str = "fp32") -> Path:
    """The concrete set folder of a fresh tiny-encoder set."""
    artifacts = build_onnx_artifacts(tmp_path / "artifacts", tmp_path / "export", precision=precision)
    return artifacts.resolve()


@pytest.fixture
def torch_model(monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    """What the torch fallback would load (the real one is the integration tests' business)."""
    monkeypatch.setenv("EMBED_MODEL_NAME", TINY_ENCODER)
    model = FakeEmbedder(name=TINY_ENCODER, dim=8)
    monkeypatch.setattr(movie_assets.index, "load_embedder", lambda name: model)
    return model


def test_a_set_with_an_export_is_searched_with_it(tmp_path: Path, torch_model: FakeEmbedder) -> None:
    searcher = Searcher.open(_set(tmp_path), learned=False)
    assert searcher.encoder.load_onnx()
    hits = searcher.search("space", method="retrieval", k=3, lang_policy="off").hits
    assert {h.title for h in hits} <= {"Space Station Alpha", "Space Station Beta", "Space Station Gamma",
                                       "Red Planet Garden"}  # fmt: skip
    assert hits[0].components.dense_rank == 1 and torch_model.calls == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: (folder / "encoder" / "model.onnx").write_bytes(b"\x08\x07garbage"),
        lambda folder: (folder / "encoder" / "model.onnx").unlink(),
        lambda folder: (folder / "encoder" / "tokenizer.json").write_text("{}"),
    ],
    ids=["damaged-model", "missing-model", "damaged-tokenizer"],
)
def test_a_broken_export_falls_back_to_torch_with_one_warning(
    tmp_path: Path, torch_model: FakeEmbedder, caplog: pytest.LogCaptureFixture, damage: object
) -> None:
    folder = _set(tmp_path)
    damage(folder)  # type: ignore[operator]
    searcher = Searcher.open(folder, learned=False)
    with caplog.at_level(logging.WARNING):
        assert not searcher.encoder.load_onnx()
        searcher.search("space", method="retrieval")
        searcher.search("heist thriller", method="hybrid")
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "using the torch model instead" in warnings[0]
    assert torch_model.calls == 2


def test_an_int8_set_never_takes_torch_vectors(
    tmp_path: Path, torch_model: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """torch cannot make int8 vectors: a broken int8 export that cannot be made again is an error that says
    to rebuild, and an fp32 embedder given for an int8 set is refused."""
    folder = _set(tmp_path, precision="int8")
    assert Searcher.open(folder, learned=False).encoder.load_onnx()
    with pytest.raises(ArtifactsError, match="holds vectors of encoder 'tiny-onnx-encoder@int8'"):
        Searcher.open(folder, embedder=FakeEmbedder(name=TINY_ENCODER, dim=8))
    (folder / "encoder" / "model.onnx").write_bytes(b"garbage")

    def cannot(name: str, target: Path, precision: str) -> None:
        raise EncoderUnavailable(f"no model folder for {name!r}")

    monkeypatch.setattr(movie_assets.index, "export_encoder", cannot)
    searcher = Searcher.open(folder, learned=False)
    with pytest.raises(ModelUnavailableError, match="no other makes the 'tiny-onnx-encoder@int8' vectors"):
        searcher.search("space", method="retrieval")
    assert torch_model.calls == 0


@pytest.mark.parametrize("same", [True, False], ids=["same-export", "another-export"])
def test_an_int8_set_remakes_its_broken_export_only_when_it_matches_the_manifest(
    tmp_path: Path,
    torch_model: FakeEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    same: bool,
) -> None:
    folder = _set(tmp_path, precision="int8")
    want = Searcher.open(folder, learned=False).search("space", method="retrieval", k=3, lang_policy="off")
    (folder / "encoder" / "model.onnx").write_bytes(b"garbage")
    made: list[str] = []

    def remake(name: str, target: Path, precision: str) -> None:
        made.append(f"{name}@{precision}")
        write_tiny_encoder(target, precision=precision, dim=8 if same else 16)

    monkeypatch.setattr(movie_assets.index, "export_encoder", remake)
    searcher = Searcher.open(folder, learned=False)
    if not same:  # another export would make other vectors than the documents'
        with pytest.raises(ModelUnavailableError, match="does not match its manifest checksum"):
            searcher.search("space", method="retrieval")
        return
    with caplog.at_level(logging.WARNING):
        got = searcher.search("space", method="retrieval", k=3, lang_policy="off")
        searcher.search("heist thriller", method="hybrid")
    assert [h.movie_id for h in got.hits] == [h.movie_id for h in want.hits]
    assert made == [f"{TINY_ENCODER}@int8"] and torch_model.calls == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "made it again from the packaged model" in warnings[0]


def test_the_query_vector_is_the_export_s_own(tmp_path: Path, torch_model: FakeEmbedder) -> None:
    """The copy in the set embeds queries exactly as the export the documents were embedded with."""
    searcher = Searcher.open(_set(tmp_path), learned=False)
    vector = searcher.encoder.encode("space thriller")
    expected = OnnxEmbedder(tmp_path / "export").encode(["space thriller"])
    assert vector.shape == (1, 8)
    np.testing.assert_array_equal(vector, expected)


def test_queries_are_read_to_the_query_window(
    tmp_path: Path, torch_model: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The set's export embeds a query from its first QUERY_WINDOW word pieces (the documents keep the
    model's own length), and so does an embedder given that can be told a window."""
    import movie_assets.search.models as models

    monkeypatch.setattr(models, "QUERY_WINDOW", 3)
    folder = _set(tmp_path)
    long = "space station heist thriller romance"
    got = Searcher.open(folder, learned=False).encoder.encode(long)
    export = OnnxEmbedder(folder / "encoder")
    np.testing.assert_allclose(got, export.windowed(3).encode([long]), atol=1e-6)
    assert not np.allclose(got, export.encode([long]), atol=1e-3)
    given = Searcher.open(folder, embedder=OnnxEmbedder(folder / "encoder"), learned=False)
    np.testing.assert_allclose(given.encoder.encode(long), got, atol=1e-6)
