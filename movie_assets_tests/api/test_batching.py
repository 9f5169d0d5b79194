"""The batching query embedder: each caller gets its own vectors, concurrent callers share model calls,
long texts are not batched with short ones, and a failure reaches every caller it concerns."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np

from movie_assets.api.batching import BatchingEmbedder
from movie_assets_tests.fakes import FakeEmbedder


class GatedEmbedder(FakeEmbedder):
    """Holds every call until released, so that the next callers queue up behind the first."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.release.wait(10)
        self.batches.append(list(texts))
        if any("explode" in t for t in texts):
            raise RuntimeError("model failed")
        return super().encode(texts, batch_size)


def _queued_behind_a_held_call(texts: list[str]) -> tuple[GatedEmbedder, BatchingEmbedder, dict[str, object]]:
    """Embed "hold" (held in the model), then each of `texts` from its own thread; release the model once
    all of them are waiting, and return what each caller got."""
    inner = GatedEmbedder()
    embedder = BatchingEmbedder(inner)
    got: dict[str, object] = {}

    def call(text: str) -> None:
        try:
            got[text] = embedder.encode([text])
        except RuntimeError as exc:
            got[text] = exc

    threads = [threading.Thread(target=call, args=(text,)) for text in ["hold", *texts]]
    threads[0].start()
    while not embedder._jobs.empty():  # the model has taken "hold"
        time.sleep(0.01)
    for thread in threads[1:]:
        thread.start()
    while embedder._jobs.qsize() < len(texts):
        time.sleep(0.01)
    inner.release.set()
    for thread in threads:
        thread.join(10)
    return inner, embedder, got


def test_concurrent_callers_share_one_model_call_and_each_gets_its_own_vector() -> None:
    texts = [f"query number {i}" for i in range(6)]
    inner, embedder, got = _queued_behind_a_held_call(texts)
    assert inner.batches[0] == ["hold"] and sorted(inner.batches[1]) == sorted(texts)
    for text in texts:
        assert np.allclose(got[text], FakeEmbedder().encode([text]))  # type: ignore[arg-type]
    assert embedder.batches == 2 and (embedder.name, embedder.dim) == (inner.name, inner.dim)


def test_a_long_description_is_not_padded_together_with_short_queries() -> None:
    long = "a recalled plot " * 100
    inner, _, got = _queued_behind_a_held_call(["heist", "space station", long])
    assert sorted(inner.batches[1]) == ["heist", "space station"] and inner.batches[2] == [long]
    assert np.allclose(got[long], FakeEmbedder().encode([long]))  # type: ignore[arg-type]


def test_a_failed_model_call_fails_its_callers_and_the_embedder_goes_on() -> None:
    inner, embedder, got = _queued_behind_a_held_call(["explode now", "explode again"])
    assert all(isinstance(got[t], RuntimeError) for t in ("explode now", "explode again"))
    assert np.allclose(embedder.encode(["heist"]), FakeEmbedder().encode(["heist"]))


def test_it_says_whose_vectors_it_makes_as_its_inner_embedder_does() -> None:
    inner = FakeEmbedder()
    assert BatchingEmbedder(inner).identity == inner.name
    inner.identity = "fake-bag-of-words@int8"  # type: ignore[attr-defined]
    assert BatchingEmbedder(inner).identity == "fake-bag-of-words@int8"
