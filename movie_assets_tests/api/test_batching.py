"""The batching query embedder: each caller gets its own vectors, concurrent callers share model calls,
long texts are neither batched with short ones nor in their way, and a failure reaches every caller it
concerns."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from movie_assets.api.batching import LONG_NICE, BatchingEmbedder
from movie_assets.search import Searcher
from movie_assets_tests.catalogues import build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder


class GatedEmbedder(FakeEmbedder):
    """Holds every call until released, so that the next callers queue up behind the first."""

    def __init__(self, holds: str = "") -> None:
        super().__init__()
        self.holds = holds  # only calls with a text containing this are held ("": every call)
        self.release = threading.Event()
        self.batches: list[list[str]] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if any(self.holds in t for t in texts):
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
    while not embedder._short.jobs.empty():  # the model has taken "hold"
        time.sleep(0.01)
    for thread in threads[1:]:
        thread.start()
    short = sum(len(text) <= embedder.long_chars for text in texts)  # a long one goes to its own lane
    while embedder._short.jobs.qsize() < short:
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
    assert len(inner.batches) == 3 and [long] in inner.batches
    assert ["heist", "space station"] in map(sorted, inner.batches)
    assert np.allclose(got[long], FakeEmbedder().encode([long]))  # type: ignore[arg-type]


def test_a_short_query_is_embedded_while_a_long_description_still_is() -> None:
    inner = GatedEmbedder(holds="recalled")
    embedder = BatchingEmbedder(inner)
    long = "a recalled plot " * 100
    got: list[np.ndarray] = []
    held = threading.Thread(target=lambda: got.append(embedder.encode([long])))
    held.start()
    assert np.allclose(embedder.encode(["heist"]), FakeEmbedder().encode(["heist"]))
    assert inner.batches == [["heist"]] and not got
    inner.release.set()
    held.join(10)
    assert np.allclose(got[0], FakeEmbedder().encode([long]))
    assert inner.batches == [["heist"], [long]] and embedder.batches == 2


def test_long_descriptions_are_embedded_one_at_a_time() -> None:
    inner = GatedEmbedder(holds="recalled")
    embedder = BatchingEmbedder(inner)
    texts = [f"a recalled plot number {i} " * 30 for i in range(3)]
    threads = [threading.Thread(target=embedder.encode, args=([text],)) for text in texts]
    for thread in threads:
        thread.start()
    inner.release.set()
    for thread in threads:
        thread.join(10)
    assert sorted(inner.batches) == sorted([text] for text in texts)


def test_a_failed_model_call_fails_its_callers_and_the_embedder_goes_on() -> None:
    inner, embedder, got = _queued_behind_a_held_call(["explode now", "explode again"])
    assert all(isinstance(got[t], RuntimeError) for t in ("explode now", "explode again"))
    assert np.allclose(embedder.encode(["heist"]), FakeEmbedder().encode(["heist"]))


def test_it_says_whose_vectors_it_makes_as_its_inner_embedder_does() -> None:
    inner = FakeEmbedder()
    assert BatchingEmbedder(inner).identity == inner.name
    inner.identity = "fake-bag-of-words@int8"  # type: ignore[attr-defined]
    assert BatchingEmbedder(inner).identity == "fake-bag-of-words@int8"


@pytest.mark.skipif(sys.platform != "linux", reason="thread priorities are per thread on Linux only")
def test_the_long_lane_yields_the_cpu_to_short_queries() -> None:
    embedder = BatchingEmbedder(FakeEmbedder())
    embedder.encode(["a recalled plot " * 30])  # the long lane has started and set its priority
    embedder.encode(["heist"])
    nice = os.getpriority(os.PRIO_PROCESS, 0)
    lanes = embedder._long._thread.native_id, embedder._short._thread.native_id
    assert [os.getpriority(os.PRIO_PROCESS, tid) for tid in lanes] == [max(LONG_NICE, nice), nice]


def test_submit_starts_now_and_hands_over_the_vectors_later() -> None:
    inner = GatedEmbedder(holds="hold")
    embedder = BatchingEmbedder(inner)
    waiting = embedder.submit(["hold me", "and me"])
    while embedder._short.jobs.qsize():  # the model has taken the first job
        time.sleep(0.01)
    broken = embedder.submit(["explode"])  # waits behind it
    assert inner.batches == []
    inner.release.set()
    np.testing.assert_array_equal(waiting(), FakeEmbedder().encode(["hold me", "and me"]))
    with pytest.raises(RuntimeError, match="model failed"):
        broken()


def test_a_searcher_embeds_a_long_description_while_it_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's searcher starts a long description's vector before reading the query (the two take
    about as long), embeds it once, and answers as a searcher that embeds after reading does."""
    import movie_assets.search.searcher as searcher_module

    folder = build_search_artifacts(tmp_path / "set")
    inner = GatedEmbedder(holds="\0")  # holds nothing
    searcher = Searcher.open(folder, embedder=BatchingEmbedder(inner), learned=False)
    long = " ".join(["a family picnic goes wrong in a funny way,"] * 4)
    embedded = " ".join(long.split())
    seen: list[bool] = []
    real = searcher_module.read_query

    def reading(*args: object) -> object:
        deadline = time.monotonic() + 5
        while not any(embedded in batch for batch in inner.batches) and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append(any(embedded in batch for batch in inner.batches))
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(searcher_module, "read_query", reading)
    got = searcher.search(long, method="hybrid", k=3, lang_policy="off")
    assert seen == [True]
    assert sum(text == embedded for batch in inner.batches for text in batch) == 1
    plain = Searcher.open(folder, embedder=FakeEmbedder(), learned=False)
    want = plain.search(long, method="hybrid", k=3, lang_policy="off")
    assert [h.movie_id for h in got.hits] == [h.movie_id for h in want.hits] and got.hits

    # Nothing is started for a short query, nor for a method that embeds nothing.
    inner.batches.clear()
    seen.clear()
    searcher.search("funny wedding", method="hybrid", k=3)
    searcher.search(long + " again", method="bm25", k=3)
    assert inner.batches == [["funny wedding"]]
