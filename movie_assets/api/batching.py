"""Query embedding for a server: the queries of concurrent requests embedded as one batch.

A transformer embeds a batch of short queries for much less CPU per query than one at a time (MiniLM on
one CPU thread here: 12.9 ms per query alone, 5.5 ms in fours, 4.3 ms in eights), and under load that CPU
is most of a search. One thread runs the model; each request's search thread hands it its text and waits.
The thread takes every text waiting (up to MAX_BATCH) at once, so an idle server embeds a lone query at
once, with no window to wait out, and a busy one batches by itself.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from movie_assets.search import Embedder

MAX_BATCH = 16  # past this the CPU per query barely falls, and the batch's wait grows
SHORT_CHARS = 60  # texts up to twice this long share a batch whatever their lengths


@dataclass
class _Job:
    texts: Sequence[str]
    done: threading.Event = field(default_factory=threading.Event)
    vectors: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEmbedder:
    """An Embedder (name, dim, encode) that embeds the texts of concurrent callers together through
    `inner`, on one thread of its own. Vectors equal `inner`'s for the same text, up to float rounding."""

    def __init__(self, inner: Embedder, max_batch: int = MAX_BATCH) -> None:
        self.inner, self.max_batch = inner, max_batch
        self.name, self.dim = inner.name, inner.dim
        # Whose vectors these are, where the inner embedder says (an export may differ from its model).
        self.identity = str(getattr(inner, "identity", inner.name))
        self.batches = 0  # for tests and benchmarks: how many model calls were made
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="query-embedder", daemon=True)
        self._thread.start()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        job = _Job(list(texts))
        self._jobs.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.vectors is not None
        return job.vectors

    def _run(self) -> None:
        while True:
            jobs = [self._jobs.get()]
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            for group in _similar_lengths(jobs):
                self._embed(group)

    def _embed(self, jobs: list[_Job]) -> None:
        texts = [text for job in jobs for text in job.texts]
        try:
            vectors = np.asarray(self.inner.encode(texts), dtype=np.float32)
        except BaseException as exc:  # each caller gets the failure its own call would have had
            for job in jobs:
                job.error = exc
                job.done.set()
            return
        self.batches += 1
        start = 0
        for job in jobs:
            job.vectors = vectors[start : start + len(job.texts)]
            start += len(job.texts)
            job.done.set()


def _similar_lengths(jobs: list[_Job]) -> list[list[_Job]]:
    """The jobs in groups of similar text length, shortest first: a batch is padded to its longest text,
    so one long description among short queries would make every one of them cost as much as it."""
    ordered = sorted(jobs, key=lambda job: max((len(t) for t in job.texts), default=0))
    groups: list[list[_Job]] = []
    limit = 0
    for job in ordered:
        length = max((len(t) for t in job.texts), default=0)
        if not groups or length > limit:
            groups.append([])
            limit = 2 * max(length, SHORT_CHARS)
        groups[-1].append(job)
    return groups
