"""Query embedding for a server: the queries of concurrent requests embedded as one batch, and long
recalled descriptions on a lane of their own.

A transformer embeds a batch of short queries for much less CPU per query than one at a time (MiniLM on
one CPU thread here: 12.9 ms per query alone, 5.5 ms in fours, 4.3 ms in eights), and under load that CPU
is most of a search. One thread runs the model for the short queries; each request's search thread hands
it its text and waits. The thread takes every text waiting (up to MAX_BATCH) at once, so an idle server
embeds a lone query at once, with no window to wait out, and a busy one batches by itself.

A long description (256 word pieces before queries were cut to QUERY_WINDOW, 128) took ~90 ms of one core to
embed, seven times a batch of short queries: on the short queries' thread every query that arrived meanwhile
would wait for it (on 2 cores at 50 requests/s, 5% of them long, short hybrid queries' p95 rose from 15 to
90 ms). So texts longer than LONG_CHARS go to a second thread, one at a time: the two threads run the model
at once on two cores (the query encoder runs one intra-op thread per call, and ONNX Runtime and torch
release the GIL), so a short query never waits behind a long one, and long ones never take both cores from
the short ones. Where the cores are busy anyway (other work on the machine), the long lane's thread runs at
a lower scheduling priority (LONG_NICE), so the kernel gives the short queries the CPU first.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from movie_assets.search import Embedder

MAX_BATCH = 16  # past this the CPU per query barely falls, and the batch's wait grows
SHORT_CHARS = 60  # texts up to twice this long share a batch whatever their lengths
# Longer texts (about 60 word pieces and more) take their own lane: one costs several batches of short ones.
LONG_CHARS = 300
LONG_NICE = 10  # the long lane's thread niceness on Linux (where it is per thread)


@dataclass
class _Job:
    texts: Sequence[str]
    done: threading.Event = field(default_factory=threading.Event)
    vectors: np.ndarray | None = None
    error: BaseException | None = None

    @property
    def longest(self) -> int:
        return max((len(t) for t in self.texts), default=0)


class _Lane:
    """One thread that embeds the jobs put on its queue, up to `max_batch` waiting jobs per model call."""

    def __init__(self, inner: Embedder, max_batch: int, name: str, nice: int = 0) -> None:
        self.inner, self.max_batch, self.nice = inner, max_batch, nice
        self.batches = 0
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self.nice:
            # Linux schedules threads as tasks: this lowers this thread alone. Refused (already nicer, or
            # not allowed), the lane works the same, only without the priority.
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        while True:
            jobs = [self.jobs.get()]
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self.jobs.get_nowait())
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


class BatchingEmbedder:
    """An Embedder (name, dim, encode) that embeds the texts of concurrent callers together through
    `inner`: short ones batched on one thread, long ones (over `long_chars` characters) one at a time on
    another. Vectors equal `inner`'s for the same text, up to float rounding."""

    def __init__(self, inner: Embedder, max_batch: int = MAX_BATCH, long_chars: int = LONG_CHARS) -> None:
        self.inner, self.max_batch, self.long_chars = inner, max_batch, long_chars
        self.name, self.dim = inner.name, inner.dim
        # Whose vectors these are, where the inner embedder says (an export may differ from its model).
        self.identity = str(getattr(inner, "identity", inner.name))
        self._short = _Lane(inner, max_batch, "query-embedder")
        self._long = _Lane(inner, 1, "query-embedder-long", nice=LONG_NICE if sys.platform == "linux" else 0)

    @property
    def batches(self) -> int:
        """For tests and benchmarks: how many model calls were made."""
        return self._short.batches + self._long.batches

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self.submit(texts)()

    def submit(self, texts: Sequence[str]) -> Callable[[], np.ndarray]:
        """Queue `texts` for embedding now; the call returned waits for their vectors (raising what the
        model raised). A search starts a long description this way before reading it."""
        job = _Job(list(texts))
        (self._long if job.longest > self.long_chars else self._short).jobs.put(job)

        def vectors() -> np.ndarray:
            job.done.wait()
            if job.error is not None:
                raise job.error
            assert job.vectors is not None
            return job.vectors

        return vectors


def _similar_lengths(jobs: list[_Job]) -> list[list[_Job]]:
    """The jobs in groups of similar text length, shortest first: a batch is padded to its longest text,
    so one longer query among short ones would make every one of them cost as much as it."""
    ordered = sorted(jobs, key=lambda job: job.longest)
    groups: list[list[_Job]] = []
    limit = 0
    for job in ordered:
        if not groups or job.longest > limit:
            groups.append([])
            limit = 2 * max(job.longest, SHORT_CHARS)
        groups[-1].append(job)
    return groups
