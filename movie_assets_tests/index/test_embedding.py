"""The vector cache and the cached embedding of documents (with the fake embedder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from movie_assets.index.embedding import EmbeddingCache, EmbedStats, embed_documents, resolve_model_path
from movie_assets_tests.fakes import FakeEmbedder


def _docs(texts: list[str], hashes: list[str] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "movie_id": list(range(1, len(texts) + 1)),
            "document": texts,
            "doc_hash": hashes or [f"h{i}" for i in range(len(texts))],
        }
    )


TEXTS = ["police thriller in kerala", "a romance in paris", "space opera with robots", "kerala police drama"]


def test_fake_embedder_is_deterministic_unit_length_and_word_sensitive() -> None:
    fake = FakeEmbedder()
    vectors = fake.encode(TEXTS)
    assert vectors.shape == (4, 32) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(vectors, FakeEmbedder().encode(TEXTS))
    sims = vectors @ vectors[0]
    assert sims[3] > sims[1] and sims[3] > sims[2]  # shares "police" and "kerala" with the first
    assert (fake.calls, fake.texts_encoded) == (1, 4)


def test_first_run_embeds_everything_in_row_order(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    vectors, stats = embed_documents(_docs(TEXTS), fake, EmbeddingCache(tmp_path))
    assert stats == EmbedStats(total=4, cached=0, embedded=4)
    np.testing.assert_allclose(vectors, FakeEmbedder().encode(TEXTS), atol=1e-6)


def test_second_run_reads_the_cache_and_embeds_only_changed_documents(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    first, _ = embed_documents(_docs(TEXTS), FakeEmbedder(), cache)
    fake = FakeEmbedder()
    again, stats = embed_documents(_docs(TEXTS), fake, cache)
    assert stats == EmbedStats(total=4, cached=4, embedded=0) and fake.texts_encoded == 0
    np.testing.assert_array_equal(again, first)

    edited = [*TEXTS[:3], "kerala police drama, remastered"]
    _, stats = embed_documents(_docs(edited, ["h0", "h1", "h2", "h3-new"]), fake, cache)
    assert stats == EmbedStats(total=4, cached=3, embedded=1)
    assert fake.seen == ["kerala police drama, remastered"]


def test_repeated_hash_is_encoded_once_and_rows_follow_the_frame(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    docs = _docs(["same text", "other text", "same text"], ["x", "y", "x"])
    vectors, stats = embed_documents(docs, fake, EmbeddingCache(tmp_path))
    assert fake.seen == ["same text", "other text"]
    assert stats == EmbedStats(total=3, cached=0, embedded=3)
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_each_chunk_is_its_own_shard_and_models_do_not_share_vectors(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    embed_documents(_docs(TEXTS), FakeEmbedder(), cache, chunk_size=3)
    assert len(cache.shards("fake-bag-of-words")) == 2
    other = FakeEmbedder(name="another-model")
    _, stats = embed_documents(_docs(TEXTS), other, cache)
    assert stats.embedded == 4 and len(cache.shards("another-model")) == 1


def test_writers_on_one_folder_keep_each_others_vectors(tmp_path: Path) -> None:
    # Two partitions embedding at once each hold their own cache object over the same folder.
    a, b = EmbeddingCache(tmp_path), EmbeddingCache(tmp_path)
    embed_documents(_docs(TEXTS[:2], ["a0", "a1"]), FakeEmbedder(), a)
    embed_documents(_docs(TEXTS[2:], ["b0", "b1"]), FakeEmbedder(), b)
    found, _ = EmbeddingCache(tmp_path).lookup("fake-bag-of-words", ["a0", "b1", "zz"], 32)
    assert found.tolist() == [True, True, False]
    assert not list(tmp_path.rglob("*.tmp"))


def test_cache_of_another_width_is_refused_with_the_folder_named(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    embed_documents(_docs(TEXTS), FakeEmbedder(dim=32, name="m"), cache)
    with pytest.raises(ValueError, match=r"width 32 .* gives 16; delete that folder"):
        embed_documents(_docs(TEXTS), FakeEmbedder(dim=16, name="m"), cache)


def test_model_folders_are_distinct_for_names_that_slug_alike(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    assert cache.model_dir("a/b") != cache.model_dir("a_b")
    assert cache.model_dir("sentence-transformers/all-MiniLM-L6-v2").name.startswith(
        "sentence-transformers_all-MiniLM-L6-v2-"
    )


def test_documents_frame_needs_text_and_hash(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"lacks columns \['doc_hash'\]"):
        embed_documents(pl.DataFrame({"document": ["x"]}), FakeEmbedder(), EmbeddingCache(tmp_path))


def test_default_model_resolves_to_the_bundled_folder_and_other_names_pass_through(tmp_path: Path) -> None:
    folder = Path(resolve_model_path("sentence-transformers/all-MiniLM-L6-v2"))
    assert (folder / "modules.json").is_file() and (folder / "model.safetensors").is_file()
    assert resolve_model_path("all-MiniLM-L6-v2") == str(folder)
    assert resolve_model_path(str(tmp_path)) == str(tmp_path)
    assert resolve_model_path("org/another-model") == "org/another-model"
