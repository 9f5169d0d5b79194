"""The models a Searcher loads on first use: the query embedder (with recent vectors kept) and the
cross-encoder. Both loads are guarded by a lock, so one Searcher may serve many threads.

The query embedder is the artifact set's own ONNX export (`encoder/`, listed in its manifest with its
checksum) on ONNX Runtime: no torch, so a one-off search starts in about a second. A set without one, or
whose export is missing or damaged, gets the torch model with one warning, as long as that is the encoder
the documents were embedded with (fp32). An int8 set's export is made again from the packaged model, and
used only if it matches the manifest's checksum, since torch cannot make its vectors; else it refuses.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from movie_assets.index import (
    ENCODER_DIR,
    QUERY_WINDOW,
    REBUILD,
    ArtifactsError,
    Embedder,
    EncoderUnavailable,
    Manifest,
    OnnxEmbedder,
    check_model,
    documents_encoder,
    identity_of,
)
from movie_assets.search.rerank import CrossEncoderLike, load_cross_encoder
from movie_assets.search.types import ModelUnavailableError

log = logging.getLogger(__name__)

QUERY_VECTOR_CACHE = 256  # query texts whose vectors are kept
SOON_KEPT = 32  # texts started by `encode_soon` and not yet asked for


def _one_torch_thread() -> None:
    """Embed queries on one CPU thread: a single short query gains nothing from intra-op parallelism,
    and on a busy machine the second thread made a query take 4x the CPU (70-100 ms vs 16-21 ms).
    Process-wide, so a searching process is not also the one embedding the catalogue."""
    import torch

    if not torch.cuda.is_available():
        torch.set_num_threads(1)


def _windowed(embedder: Embedder, window: int) -> Embedder:
    """`embedder` reading a query's first `window` word pieces, where it can be told to (the models can;
    a server's batching embedder wraps one that already is, and a test's fake has no window)."""
    windowed = getattr(embedder, "windowed", None)
    return windowed(window) if windowed is not None else embedder


class QueryEncoder:
    """Query text -> unit vector with the embedding model the dense index was built with, from the
    query's first QUERY_WINDOW word pieces.

    The model loads on the first `encode` (default: the manifest's) and is checked against the manifest;
    the vectors of recent texts are remembered, as front ends re-run the same query.
    """

    def __init__(
        self, manifest: Manifest, embedder: Embedder | None = None, folder: Path | None = None
    ) -> None:
        """`folder`: the set's own folder, where its ONNX export is (None: the torch model is loaded)."""
        self.manifest = manifest
        self.folder = folder
        self.window = QUERY_WINDOW  # word pieces read of a query (training caches request vectors by it)
        if embedder is not None and identity_of(embedder) != documents_encoder(manifest):
            raise ArtifactsError(
                f"the dense index holds vectors of encoder {documents_encoder(manifest)!r} but the query "
                f"embedder given makes {identity_of(embedder)!r}; {REBUILD}"
            )
        self._embedder = _windowed(embedder, self.window) if embedder is not None else None
        self._onnx_failed = False
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._soon: OrderedDict[str, Callable[[], np.ndarray]] = OrderedDict()  # texts being embedded

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
                embedder = self._try_onnx() or self._torch()
                check_model(self.manifest, embedder.name, int(embedder.dim), "as loaded")
                self._embedder = embedder
            return self._embedder

    def _onnx(self) -> Embedder | None:
        """The set's ONNX encoder; None (with one warning when the set has one) when it cannot be used."""
        extras = self.manifest.get("extras") or {}
        if self.folder is None or ENCODER_DIR not in extras:
            return None
        try:
            embedder = OnnxEmbedder(
                self.folder / ENCODER_DIR,
                threads=1,  # one short text gains nothing from more threads, and a busy machine loses
                model_sha256=self.manifest["files"].get(f"{ENCODER_DIR}/model.onnx"),
                max_tokens=self.window,
            )
            if embedder.identity != documents_encoder(self.manifest):
                raise EncoderUnavailable(
                    f"it makes {embedder.identity!r} vectors, not {documents_encoder(self.manifest)!r}"
                )
        except EncoderUnavailable as exc:
            if documents_encoder(self.manifest) != self.manifest["embedding_model"]:
                return self._remade(exc)
            log.warning(
                "the ONNX query encoder of %s is unusable (%s); using the torch model instead (slower to "
                "start); %s to restore it", self.folder, exc, REBUILD,
            )  # fmt: skip
            return None
        return embedder

    def _remade(self, problem: Exception) -> Embedder:
        """An int8 set's unusable query encoder made again from the packaged model (the export is
        deterministic), and used only if its model.onnx is byte for byte the one the manifest lists."""
        from movie_assets.index import export_encoder

        facts = (self.manifest.get("extras") or {})[ENCODER_DIR]
        listed = self.manifest["files"].get(f"{ENCODER_DIR}/model.onnx")
        try:
            if listed is None:
                raise EncoderUnavailable("the manifest lists no checksum to check it against")
            with tempfile.TemporaryDirectory(prefix="query-encoder-") as scratch:
                export_encoder(self.manifest["embedding_model"], Path(scratch), facts["precision"])
                # Reads every file now, so the folder may go.
                embedder = OnnxEmbedder(Path(scratch), threads=1, model_sha256=listed, max_tokens=self.window)
        except Exception as exc:  # no torch or onnx here, the model missing, or another export
            raise ModelUnavailableError(
                f"the query encoder of {self.folder} is unusable ({problem}), and made again it is not the "
                f"one that embedded the documents ({exc}); no other makes the "
                f"{documents_encoder(self.manifest)!r} vectors of its dense index; {REBUILD}"
            ) from exc
        log.warning(
            "the ONNX query encoder of %s is unusable (%s); made it again from the packaged model (it "
            "matches the manifest's checksum); %s to restore it", self.folder, problem, REBUILD,
        )  # fmt: skip
        return embedder

    def _torch(self) -> Embedder:
        from movie_assets.index import EmbeddingModelUnavailable, load_embedder

        if documents_encoder(self.manifest) != self.manifest["embedding_model"]:
            raise ModelUnavailableError(
                f"the dense index holds {documents_encoder(self.manifest)!r} vectors, which only its ONNX "
                f"encoder makes, and the set has none; {REBUILD}"
            )
        _one_torch_thread()
        try:
            return _windowed(load_embedder(self.manifest["embedding_model"]), self.window)
        except EmbeddingModelUnavailable as exc:
            raise ModelUnavailableError(str(exc)) from exc

    def load_onnx(self) -> bool:
        """Load the set's ONNX encoder now if there is no model yet; whether the model is an ONNX one.
        A front end that gets False quiets torch's loaders before the first query loads them."""
        with self._lock:
            if self._embedder is None:
                embedder = self._try_onnx()
                if embedder is not None:
                    check_model(self.manifest, embedder.name, int(embedder.dim), "as loaded")
                    self._embedder = embedder
            return getattr(self._embedder, "backend", "") == "onnx"

    def _try_onnx(self) -> Embedder | None:
        if self._onnx_failed:  # warned once already
            return None
        embedder = self._onnx()
        self._onnx_failed = embedder is None
        return embedder

    def encode_soon(self, text: str) -> None:
        """Start embedding `text` in the background where the model can (a server's `BatchingEmbedder`
        has `submit`), so that reading a long query and embedding it overlap; `encode(text)` then waits
        for that vector. Anywhere else nothing happens, and `encode` embeds as always."""
        with self._lock:
            submit = getattr(self._embedder, "submit", None)
            if submit is None or text in self._vectors or text in self._soon:
                return
            self._soon[text] = submit([text])
            if len(self._soon) > SOON_KEPT:  # a text the reading changed is never asked for: let it go
                self._soon.popitem(last=False)

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
            started = self._soon.pop(text, None)
        made = started() if started is not None else self.model().encode([text])
        vector = np.ascontiguousarray(made, dtype=np.float32)
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
