"""The models a Searcher loads on first use: the query embedder (with recent vectors kept) and the
cross-encoder. Both loads are guarded by a lock, so one Searcher may serve many threads."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from movie_assets.index import Embedder, Manifest, check_model
from movie_assets.search.rerank import CrossEncoderLike, load_cross_encoder
from movie_assets.search.types import ModelUnavailableError

QUERY_VECTOR_CACHE = 256  # query texts whose vectors are kept


def _one_torch_thread() -> None:
    """Embed queries on one CPU thread: a single short query gains nothing from intra-op parallelism,
    and on a busy machine the second thread made a query take 4x the CPU (70-100 ms vs 16-21 ms).
    Process-wide, so a searching process is not also the one embedding the catalogue."""
    import torch

    if not torch.cuda.is_available():
        torch.set_num_threads(1)


class QueryEncoder:
    """Query text -> unit vector with the embedding model the dense index was built with.

    The model loads on the first `encode` (default: the manifest's) and is checked against the manifest;
    the vectors of recent texts are remembered, as front ends re-run the same query.
    """

    def __init__(self, manifest: Manifest, embedder: Embedder | None = None) -> None:
        self.manifest = manifest
        self._embedder = embedder
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def loaded(self) -> bool:
        """Whether the model is loaded (or was given)."""
        return self._embedder is not None

    def model(self) -> Embedder:
        """The embedder, loaded now if needed.

        Raises:
            ModelUnavailableError: the manifest's model cannot be loaded offline.
        """
        with self._lock:
            if self._embedder is None:
                from movie_assets.index import EmbeddingModelUnavailable, load_embedder

                _one_torch_thread()
                try:
                    embedder = load_embedder(self.manifest["embedding_model"])
                except EmbeddingModelUnavailable as exc:
                    raise ModelUnavailableError(str(exc)) from exc
                check_model(self.manifest, embedder.name, int(embedder.dim), "as loaded")
                self._embedder = embedder
            return self._embedder

    def forget(self) -> None:
        """Drop every remembered query vector (the model stays loaded)."""
        with self._lock:
            self._vectors.clear()

    def encode(self, text: str) -> np.ndarray:
        """The (1, dim) float32 vector of `text`."""
        with self._lock:
            if text in self._vectors:
                self._vectors.move_to_end(text)
                return self._vectors[text]
        vector = np.ascontiguousarray(self.model().encode([text]), dtype=np.float32)
        with self._lock:
            self._vectors[text] = vector
            if len(self._vectors) > QUERY_VECTOR_CACHE:
                self._vectors.popitem(last=False)
        return vector


class LazyCrossEncoder:
    """The ``ce`` re-ranker: the one given, else CROSS_ENCODER_NAME loaded on first use."""

    def __init__(self, model: CrossEncoderLike | None = None) -> None:
        self._model = model
        self._lock = threading.Lock()

    def model(self) -> CrossEncoderLike:
        """The cross-encoder, loaded now if needed (ModelUnavailableError when it cannot be)."""
        with self._lock:
            if self._model is None:
                self._model = load_cross_encoder()
            return self._model
