"""The searcher a server answers from: the set the artifacts path names now, swapped when a build publishes
another.

A request takes `LiveSearcher.current()` once and runs on that Searcher to the end. The Searcher pins its
own set (the index's readers lock), so a request in flight finishes on the set it started with however
many switches happen meanwhile, and no request can read two sets. A watcher thread looks at the pointer
(`artifacts_version`: one readlink and one stat) every `poll_s` seconds; a new set is opened, checked and
warmed beside the old one, then put in place by one assignment, so new requests never wait for a switch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from movie_assets.api.batching import BatchingEmbedder
from movie_assets.search import (
    ArtifactsError,
    Embedder,
    ModelUnavailableError,
    Searcher,
    artifacts_version,
)

log = logging.getLogger("movie_assets.api")

Opener = Callable[[Path, Embedder | None], Searcher]
POLL_S = 0.5
_WARM_QUERY = "a family drama"  # one query through every stage, so the first request finds pages read


def open_searcher(path: Path, embedder: Embedder | None) -> Searcher:
    """A Searcher for a long-lived server: the dense index read into memory, the query model loaded and
    shared by concurrent requests through a `BatchingEmbedder` (a switch hands the same one over)."""
    if embedder is None:
        try:  # the set's own model, loaded as the library loads it (mapped, not preloaded: a first look)
            embedder = BatchingEmbedder(Searcher.open(path).encoder.model())
        except ModelUnavailableError as exc:  # bm25 still answers; the methods that need it say why
            log.warning("the query model cannot be loaded: %s", exc)
    searcher = Searcher.open(path, embedder=embedder, preload=True)
    if embedder is not None:
        searcher.search(_WARM_QUERY, k=1)
    return searcher


class LiveSearcher:
    """The Searcher over the set `artifacts` names now; `current()` raises ArtifactsError while there is
    none (or the first one found could not be opened), with the message that says what to rebuild."""

    def __init__(self, artifacts: Path, *, opener: Opener = open_searcher, poll_s: float = POLL_S) -> None:
        self.artifacts = Path(artifacts)
        self._opener, self._poll_s = opener, poll_s
        self._searcher: Searcher | None = None
        self._version = ""
        self._problem = f"no artifacts at {self.artifacts}; run `movie-assets build` first"
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.switches = 0  # sets put in place after the first: for /health and the tests

    def current(self) -> Searcher:
        """The Searcher to answer one request from (keep it for the whole request)."""
        searcher = self._searcher  # one read: a switch replaces the reference, never the object
        if searcher is None:
            raise ArtifactsError(self._problem)
        return searcher

    @property
    def problem(self) -> str | None:
        """Why the newest set found is not the one served (damaged, or none yet), or None."""
        return self._problem

    def refresh(self) -> bool:
        """Open the set the path names now if it is not the one served; True when one was put in place.

        A set that cannot be opened leaves the served one in place (a damaged build never takes a
        working server down) and is not retried until another set is published.
        """
        with self._refresh_lock:
            version = artifacts_version(self.artifacts)
            if version == self._version and (version or self._searcher is not None):
                return False
            old = self._searcher
            embedder = old.encoder.model() if old is not None and old.encoder.loaded else None
            try:
                try:
                    searcher = self._opener(self.artifacts, embedder)
                except ArtifactsError:
                    if embedder is None:
                        raise
                    # The new set may be built with another model: it then loads its own.
                    searcher = self._opener(self.artifacts, None)
            except ArtifactsError as exc:
                self._version, self._problem = version, " ".join(str(exc).split())
                log.error("artifacts not switched: %s", self._problem)
                return False
            self._version, self._problem = version, None
            self._searcher = searcher
            self.switches += old is not None
            log.info("serving artifact set %s (%d movies)", searcher.set_id, searcher.count)
            return True

    def start(self) -> None:
        """Open the current set (if any) and start watching for new ones."""
        self.refresh()
        self._watcher = threading.Thread(target=self._watch, name="artifacts-watcher", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.wait(self._poll_s):
            try:
                self.refresh()
            except Exception:  # the watcher must outlive any one failed look; the next poll tries again
                log.exception("looking for a new artifact set failed")

    def stop(self) -> None:
        """Stop watching (the served Searcher stays until the object goes)."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
