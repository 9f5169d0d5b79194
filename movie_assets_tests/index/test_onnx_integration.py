"""The packaged MiniLM exported to ONNX: the fp32 export is the same encoder as sentence-transformers' (to
~1e-5), the int8 and int8-mixed ones are close but other encoders; exports are made once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from movie_assets.config import DEFAULT_EMBED_MODEL
from movie_assets.index import QUERY_WINDOW, OnnxEmbedder, cached_export, load_document_embedder
from movie_assets.index.embedding import SentenceTransformerEmbedder, load_embedder

pytestmark = pytest.mark.integration

TEXTS = [
    "heist thriller",
    "Malayalam police investigation thriller in Kerala",
    # Past MiniLM's 256-token limit: cut the same way.
    "Title: Nayattu\nOverview: Three police officers in Kerala go on the run after being framed. " * 30,
    "Une comédie française sur l'été, 東京の夜, ünïcödé",
    "",
    "x",
]


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("encoders")


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return load_embedder(DEFAULT_EMBED_MODEL, device="cpu")


def test_the_fp32_export_gives_sentence_transformers_vectors(
    exports: Path, minilm: SentenceTransformerEmbedder
) -> None:
    onnx = OnnxEmbedder(cached_export(exports, DEFAULT_EMBED_MODEL, "fp32"))
    want = minilm.encode(TEXTS, batch_size=4)
    for batch_size in (1, 4, 64):  # padding to other lengths changes nothing
        np.testing.assert_allclose(onnx.encode(TEXTS, batch_size=batch_size), want, atol=1e-5, rtol=0)
    assert (onnx.name, onnx.dim, onnx.identity) == (DEFAULT_EMBED_MODEL, 384, minilm.identity)
    assert onnx.cache_key != minilm.cache_key == DEFAULT_EMBED_MODEL


def test_a_query_window_reads_the_same_word_pieces_in_torch_and_onnx(
    exports: Path, minilm: SentenceTransformerEmbedder
) -> None:
    onnx = OnnxEmbedder(cached_export(exports, DEFAULT_EMBED_MODEL, "fp32"))
    windowed = minilm.windowed(QUERY_WINDOW).encode(TEXTS)
    np.testing.assert_allclose(onnx.windowed(QUERY_WINDOW).encode(TEXTS), windowed, atol=1e-5, rtol=0)
    full = minilm.encode(TEXTS)
    # Only the text past the window differs; the model reads its whole length again after a windowed call.
    assert not np.allclose(windowed[2], full[2], atol=1e-3)
    np.testing.assert_allclose(np.delete(windowed, 2, axis=0), np.delete(full, 2, axis=0), atol=1e-6)
    assert minilm._model.max_seq_length == 256


def test_the_int8_export_is_close_but_another_encoder(
    exports: Path, minilm: SentenceTransformerEmbedder
) -> None:
    int8 = OnnxEmbedder(cached_export(exports, DEFAULT_EMBED_MODEL, "int8"))
    cosines = (int8.encode(TEXTS) * minilm.encode(TEXTS)).sum(axis=1)
    assert cosines.min() > 0.95, cosines
    assert int8.identity == f"{DEFAULT_EMBED_MODEL}@int8" and int8.cache_key.endswith("@onnx-int8")
    folder = cached_export(exports, DEFAULT_EMBED_MODEL, "int8")
    # Per-channel int8 weights: about a quarter of the fp32 graph.
    assert (folder / "model.onnx").stat().st_size < 0.3 * (
        cached_export(exports, DEFAULT_EMBED_MODEL, "fp32") / "model.onnx"
    ).stat().st_size


def test_the_int8_mixed_export_keeps_the_feed_forward_outputs_in_fp32_and_is_closer(
    exports: Path, minilm: SentenceTransformerEmbedder
) -> None:
    import onnx

    folder = cached_export(exports, DEFAULT_EMBED_MODEL, "int8-mixed")
    mixed, int8 = OnnxEmbedder(folder), OnnxEmbedder(cached_export(exports, DEFAULT_EMBED_MODEL, "int8"))
    assert mixed.identity == f"{DEFAULT_EMBED_MODEL}@int8-mixed" != int8.identity
    nodes = onnx.load(str(folder / "model.onnx")).graph.node
    kept = [n.name for n in nodes if n.op_type == "MatMul" and "/output/dense/" in n.name]
    assert len(kept) == 6 and not any("attention" in name for name in kept)  # one per layer, fp32
    assert any(n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul") for n in nodes)  # the rest is int8
    want = minilm.encode(TEXTS)
    closer = (mixed.encode(TEXTS) * want).sum(axis=1)
    assert closer.mean() > (int8.encode(TEXTS) * want).sum(axis=1).mean() and closer.min() > 0.97, closer


def test_an_export_is_made_once(exports: Path) -> None:
    folder = cached_export(exports, DEFAULT_EMBED_MODEL, "fp32")
    stamp = (folder / "model.onnx").stat().st_mtime_ns
    assert cached_export(exports, DEFAULT_EMBED_MODEL, "fp32") == folder
    assert (folder / "model.onnx").stat().st_mtime_ns == stamp
    fp32 = load_document_embedder(DEFAULT_EMBED_MODEL, precision="fp32", export_root=exports)
    assert isinstance(fp32, OnnxEmbedder) and fp32.precision == "fp32"
    # The default ("auto") on a CPU: the int8-mixed export, made once beside the fp32 one it quantizes.
    default = load_document_embedder(DEFAULT_EMBED_MODEL, export_root=exports)
    assert isinstance(default, OnnxEmbedder) and default.precision == "int8-mixed"
