"""The ONNX encoder over a tiny export (a token lookup graph, no torch): pooling, order, checks, and how its
vectors are kept apart from other encoders' in the cache, the year files and the artifact set."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from movie_assets.index import (
    ENCODER_DIR,
    EmbeddingCache,
    EmbeddingModelUnavailable,
    EncoderUnavailable,
    OnnxEmbedder,
    cache_key,
    cached_export,
    embed_documents,
    encoder_identity,
    encoder_writer,
    held_encoders,
    load_document_embedder,
    read_manifest,
    read_vectors,
    write_artifacts,
    write_vectors,
)
from movie_assets.index import encoders as encoders_module
from movie_assets.index.onnx_export import pooling_of
from movie_assets_tests.catalogues import artifact_inputs
from movie_assets_tests.fakes import TINY_ENCODER, TINY_WORDS, FakeEmbedder, tiny_table, write_tiny_encoder


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _expected(text: str, pooling: str = "mean", limit: int = 6) -> np.ndarray:
    """What sentence-transformers' Pooling + Normalize give over the tiny table: [CLS] words [SEP], cut at
    `limit` tokens."""
    vocab = {w: i + 4 for i, w in enumerate(TINY_WORDS)}
    words = [vocab.get(w, 1) for w in text.lower().split()]
    ids = ([2, *words][: limit - 1] + [3])[:limit]
    rows = tiny_table()[ids]
    return _unit(rows[0] if pooling == "cls" else rows.mean(axis=0))


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_tiny_encoder(tmp_path / "export")


def test_mean_pooling_over_the_real_tokens_in_input_order(export: Path) -> None:
    """Batches pad to their longest text; padding never enters the mean, and row i is text i."""
    texts = ["heist", "detective rain killer thriller paris", "space war", "unknown words", "ROMANCE"]
    embedder = OnnxEmbedder(export)
    vectors = embedder.encode(texts, batch_size=2)
    assert vectors.shape == (5, 8) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, np.stack([_expected(t) for t in texts]), atol=1e-6)
    np.testing.assert_allclose(embedder.encode(texts[1:2]), vectors[1:2], atol=1e-6)
    assert embedder.encode([]).shape == (0, 8)


def test_cls_pooling_and_the_token_limit(tmp_path: Path) -> None:
    embedder = OnnxEmbedder(write_tiny_encoder(tmp_path / "cls", pooling="cls"))
    np.testing.assert_allclose(embedder.encode(["space war"])[0], _expected("space war", "cls"), atol=1e-6)
    # Longer than max_seq_length (6 tokens): cut, as the model's tokenizer cuts.
    long = "heist thriller romance paris detective rain killer"
    np.testing.assert_allclose(OnnxEmbedder(tmp_path / "cls").encode([long])[0], _expected(long, "cls"))
    mean = OnnxEmbedder(write_tiny_encoder(tmp_path / "mean"))
    np.testing.assert_allclose(mean.encode([long])[0], _expected(long), atol=1e-6)
    # A shorter window reads fewer word pieces; a longer one than the model's is the model's.
    short = OnnxEmbedder(tmp_path / "mean", max_tokens=4)
    np.testing.assert_allclose(short.encode([long])[0], _expected(long, limit=4), atol=1e-6)
    wide = OnnxEmbedder(tmp_path / "mean", max_tokens=100)
    np.testing.assert_allclose(wide.encode([long])[0], _expected(long), atol=1e-6)


def test_names_keys_and_identities(tmp_path: Path) -> None:
    fp32 = OnnxEmbedder(write_tiny_encoder(tmp_path / "a"))
    int8 = OnnxEmbedder(write_tiny_encoder(tmp_path / "b", precision="int8"))
    assert (fp32.name, fp32.cache_key, fp32.identity) == (
        TINY_ENCODER,
        f"{TINY_ENCODER}@onnx-fp32",
        TINY_ENCODER,
    )
    assert (int8.cache_key, int8.identity) == (f"{TINY_ENCODER}@onnx-int8", f"{TINY_ENCODER}@int8")
    mixed = OnnxEmbedder(write_tiny_encoder(tmp_path / "c", precision="int8-mixed"))
    assert (mixed.cache_key, mixed.identity) == (
        f"{TINY_ENCODER}@onnx-int8-mixed",
        f"{TINY_ENCODER}@int8-mixed",
    )
    assert cache_key(FakeEmbedder()) == FakeEmbedder().name  # an embedder that does not say: its name
    assert encoder_identity("m", "fp16") == "m" and encoder_identity("m", "int8") == "m@int8"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "encoder.json").unlink(), "encoder.json is unreadable"),
        (lambda f: (f / "encoder.json").write_text('{"model": "x"}'), "lacks fields"),
        (lambda f: _edit(f, export_version=99), "export version 99"),
        (lambda f: _edit(f, pooling="max"), "pooling 'max', not mean or cls"),
        (lambda f: (f / "model.onnx").write_bytes(b"not a protobuf"), "ONNX encoder in .* cannot be loaded"),
        (lambda f: (f / "tokenizer.json").unlink(), "cannot be loaded"),
    ],
    ids=["no-record", "short-record", "other-version", "max-pooling", "damaged-model", "no-tokenizer"],
)
def test_a_bad_export_says_what_is_wrong(export: Path, damage: object, message: str) -> None:
    damage(export)  # type: ignore[operator]
    with pytest.raises(EncoderUnavailable, match=message):
        OnnxEmbedder(export)


def _edit(folder: Path, **fields: object) -> None:
    info = json.loads((folder / "encoder.json").read_text())
    (folder / "encoder.json").write_text(json.dumps({**info, **fields}))


def test_a_model_file_that_is_not_the_listed_one_is_refused(export: Path) -> None:
    with pytest.raises(EncoderUnavailable, match="does not match its manifest checksum"):
        OnnxEmbedder(export, model_sha256="0" * 64)


def _model_folder(folder: Path, modules: list[str], pooling: dict[str, bool]) -> Path:
    folder.mkdir()
    listed = [
        {"idx": i, "path": "" if i == 0 else f"{i}_{kind}", "type": f"sentence_transformers.models.{kind}"}
        for i, kind in enumerate(modules)
    ]
    (folder / "modules.json").write_text(json.dumps(listed))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": 384, **pooling})
    )
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 256}')
    return folder


def test_pooling_is_read_from_the_models_own_modules(tmp_path: Path) -> None:
    mean = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}
    cls = {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    assert pooling_of(_model_folder(tmp_path / "a", ["Transformer", "Pooling", "Normalize"], mean)) == {
        "pooling": "mean", "normalize": True, "max_seq_length": 256, "dim": 384,
    }  # fmt: skip
    assert pooling_of(_model_folder(tmp_path / "b", ["Transformer", "Pooling"], cls))["pooling"] == "cls"
    with pytest.raises(EncoderUnavailable, match="pools with \\['pooling_mode_max_tokens'\\]"):
        pooling_of(
            _model_folder(tmp_path / "c", ["Transformer", "Pooling"], {"pooling_mode_max_tokens": True})
        )
    with pytest.raises(EncoderUnavailable, match="has modules \\['Transformer', 'Pooling', 'Dense'\\]"):
        pooling_of(_model_folder(tmp_path / "d", ["Transformer", "Pooling", "Dense"], mean))


def test_the_cache_keeps_each_encoders_vectors_apart(tmp_path: Path) -> None:
    docs = pl.DataFrame({"document": ["heist thriller", "space war"], "doc_hash": ["h1", "h2"]})
    cache = EmbeddingCache(tmp_path / "cache")
    fp32 = OnnxEmbedder(write_tiny_encoder(tmp_path / "a"))
    int8 = OnnxEmbedder(write_tiny_encoder(tmp_path / "b", precision="int8"))
    assert embed_documents(docs, fp32, cache)[1].embedded == 2
    assert embed_documents(docs, int8, cache)[1].embedded == 2  # not served the fp32 vectors
    assert embed_documents(docs, fp32, cache)[1].cached == 2
    assert len(list(cache.root.iterdir())) == 2


def test_year_files_of_another_encoder_are_refused(tmp_path: Path) -> None:
    docs = pl.DataFrame({"movie_id": [1], "doc_hash": ["h"]})
    vector = np.ones((1, 4), np.float32) / 2
    write_vectors(docs, vector, "m", tmp_path / "2020.parquet", encoder="m@int8")
    write_vectors(docs.with_columns(movie_id=pl.lit(2)), vector, "m", tmp_path / "2021.parquet")
    ids, _ = read_vectors([tmp_path / "2020.parquet"], model_name="m", encoder="m@int8")
    assert ids.tolist() == [1]
    with pytest.raises(ValueError, match="2021.parquet holds vectors of encoder \\['m'\\], not m@int8"):
        read_vectors([tmp_path / "2020.parquet", tmp_path / "2021.parquet"], model_name="m", encoder="m@int8")


def test_the_set_carries_the_export_listed_with_its_checksums(tmp_path: Path, export: Path) -> None:
    movies, docs, vectors = artifact_inputs()
    write_artifacts(
        movies, docs, vectors, tmp_path / "artifacts", model_name="fake-bag-of-words",
        extra_files={ENCODER_DIR: encoder_writer(export)},
    )  # fmt: skip
    manifest = read_manifest(tmp_path / "artifacts")
    assert {"encoder/model.onnx", "encoder/tokenizer.json", "encoder/encoder.json"} <= set(manifest["files"])
    assert manifest["extras"][ENCODER_DIR]["precision"] == "fp32"
    assert manifest["embedding_encoder"] == "fake-bag-of-words"


def test_a_damaged_export_is_never_copied_into_a_set(export: Path) -> None:
    (export / "model.onnx").write_bytes(b"garbage")
    with pytest.raises(EncoderUnavailable):
        encoder_writer(export)


def test_document_embedder_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """ONNX when the export can be made; fp32 falls back to torch (same vectors) with one warning; int8
    fails, as nothing else makes its vectors."""
    torch_model = FakeEmbedder(name=TINY_ENCODER, dim=8)
    monkeypatch.setattr(encoders_module, "load_embedder", lambda name: torch_model)
    monkeypatch.setattr(encoders_module, "_has_gpu", lambda: False)
    made = write_tiny_encoder(tmp_path / "made")
    monkeypatch.setattr("movie_assets.index.onnx_export.cached_export", lambda root, name, precision: made)
    onnx = load_document_embedder(TINY_ENCODER, export_root=tmp_path)
    assert isinstance(onnx, OnnxEmbedder)
    assert load_document_embedder(TINY_ENCODER, backend="torch", export_root=tmp_path) is torch_model

    def broken(root: Path, name: str, precision: str) -> Path:
        raise EncoderUnavailable("no such model folder")

    monkeypatch.setattr("movie_assets.index.onnx_export.cached_export", broken)
    with caplog.at_level(logging.WARNING):
        assert load_document_embedder(TINY_ENCODER, export_root=tmp_path) is torch_model
    assert [r.getMessage() for r in caplog.records] == [
        f"the ONNX encoder of '{TINY_ENCODER}' cannot be made (no such model folder); "
        "embedding with torch instead"
    ]
    with pytest.raises(EmbeddingModelUnavailable, match="int8 ONNX encoder .* cannot be made"):
        load_document_embedder(TINY_ENCODER, precision="int8", export_root=tmp_path)
    with pytest.raises(ValueError, match="int8 vectors come from the ONNX backend only"):
        load_document_embedder(TINY_ENCODER, backend="torch", precision="int8")
    with pytest.raises(EmbeddingModelUnavailable, match="int8-mixed ONNX encoder .* cannot be made"):
        load_document_embedder(TINY_ENCODER, precision="int8-mixed", export_root=tmp_path)
    with pytest.raises(ValueError, match="int8-mixed vectors come from the ONNX backend only"):
        load_document_embedder(TINY_ENCODER, backend="torch", precision="int8-mixed")
    with pytest.raises(ValueError, match="backend must be one of"):
        load_document_embedder(TINY_ENCODER, backend="tf")


def test_auto_precision_is_int8_mixed_on_a_cpu_and_falls_back_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """ "auto" (the default) asks for the int8-mixed export; where it cannot be made, the fp32 export (the
    model's own vectors), else torch, each with one warning; a GPU gets torch."""
    torch_model = FakeEmbedder(name=TINY_ENCODER, dim=8)
    monkeypatch.setattr(encoders_module, "load_embedder", lambda name: torch_model)
    monkeypatch.setattr(encoders_module, "_has_gpu", lambda: False)
    exports = {p: write_tiny_encoder(tmp_path / p, precision=p) for p in ("fp32", "int8-mixed")}
    asked: list[str] = []

    def export(root: Path, name: str, precision: str) -> Path:
        asked.append(precision)
        if precision not in exports:
            raise EncoderUnavailable(f"no {precision} export here")
        return exports[precision]

    monkeypatch.setattr("movie_assets.index.onnx_export.cached_export", export)
    embedder = load_document_embedder(TINY_ENCODER, export_root=tmp_path)
    assert isinstance(embedder, OnnxEmbedder) and embedder.identity == f"{TINY_ENCODER}@int8-mixed"
    assert asked == ["int8-mixed"]

    del exports["int8-mixed"]
    with caplog.at_level(logging.WARNING):
        embedder = load_document_embedder(TINY_ENCODER, export_root=tmp_path)
    assert isinstance(embedder, OnnxEmbedder) and embedder.identity == TINY_ENCODER
    assert [r.getMessage() for r in caplog.records] == [
        f"the int8-mixed ONNX encoder of '{TINY_ENCODER}' cannot be made (no int8-mixed export here); "
        "embedding in fp32 instead"
    ]
    caplog.clear()
    exports.clear()
    with caplog.at_level(logging.WARNING):
        assert load_document_embedder(TINY_ENCODER, export_root=tmp_path) is torch_model
    assert len(caplog.records) == 1 and "embedding with torch instead" in caplog.records[0].getMessage()

    asked.clear()
    monkeypatch.setattr(encoders_module, "_has_gpu", lambda: True)
    assert load_document_embedder(TINY_ENCODER, export_root=tmp_path) is torch_model
    assert asked == []  # fp16 on the GPU: no export is made
    with pytest.raises(ValueError, match="precision one of .*'auto'"):
        load_document_embedder(TINY_ENCODER, precision="fp8", export_root=tmp_path)


def test_held_encoders_reads_what_each_year_file_holds(tmp_path: Path) -> None:
    docs = pl.DataFrame({"movie_id": [1, 2], "doc_hash": ["a", "b"], "document": ["x", "y"]})
    vectors = np.eye(2, 4, dtype=np.float32)
    write_vectors(docs, vectors, "m", tmp_path / "a.parquet", encoder="m@int8-mixed")
    write_vectors(docs, vectors, "m", tmp_path / "b.parquet")
    # A file from before encoders were recorded holds the model's own vectors.
    pl.read_parquet(tmp_path / "b.parquet").drop("encoder").write_parquet(tmp_path / "old.parquet")
    (tmp_path / "damaged.parquet").write_bytes(b"not parquet")
    assert held_encoders([tmp_path / "a.parquet"], "m") == {"m@int8-mixed"}
    assert held_encoders([tmp_path / "old.parquet", tmp_path / "missing.parquet"], "m") == {"m"}
    assert held_encoders([tmp_path / f"{n}.parquet" for n in ("a", "b", "damaged")], "m") == {
        "m@int8-mixed",
        "m",
    }


def test_a_kept_export_that_no_longer_loads_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []

    def export(name: str, target: Path, precision: str = "fp32") -> None:
        made.append(precision)
        write_tiny_encoder(target, precision=precision)

    monkeypatch.setattr("movie_assets.index.onnx_export.export_encoder", export)
    folder = cached_export(tmp_path, TINY_ENCODER, "int8-mixed")
    assert cached_export(tmp_path, TINY_ENCODER, "int8-mixed") == folder and made == ["int8-mixed"]
    (folder / "model.onnx").write_bytes(b"\x08\x07garbage")
    assert cached_export(tmp_path, TINY_ENCODER, "int8-mixed") == folder and made == ["int8-mixed"] * 2
    assert OnnxEmbedder(folder).identity == f"{TINY_ENCODER}@int8-mixed"


def test_a_windowed_view_reads_fewer_word_pieces_and_leaves_the_encoder_alone(tmp_path: Path) -> None:
    encoder = OnnxEmbedder(write_tiny_encoder(tmp_path / "mean"))
    long = "heist thriller romance paris detective rain killer"
    view = encoder.windowed(4)
    np.testing.assert_allclose(view.encode([long])[0], _expected(long, limit=4), atol=1e-6)
    np.testing.assert_allclose(encoder.encode([long])[0], _expected(long), atol=1e-6)  # still 6
    assert (view.name, view.dim, view.identity) == (encoder.name, encoder.dim, encoder.identity)
    np.testing.assert_allclose(encoder.windowed(100).encode([long]), encoder.encode([long]), atol=1e-6)
