"""The dense index: FAISS inner product over unit vectors (= cosine), exact or HNSW by size."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

LOG = logging.getLogger(__name__)
_NORM_TOLERANCE = 1e-2


def _faiss() -> Any:
    # Imported on use: faiss is a large native module and callers such as the CLI's --help never need it.
    import faiss

    return faiss


def gpu_available() -> bool:
    """True when the installed faiss is a GPU build and sees at least one device."""
    faiss = _faiss()
    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


def _check_vectors(vectors: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"vectors must be a 2-D (n, dim) array, got shape {np.shape(vectors)}")
    if len(x):
        norms = np.linalg.norm(x, axis=1)
        off = np.flatnonzero(np.abs(norms - 1.0) > _NORM_TOLERANCE)
        if len(off):
            raise ValueError(
                f"{len(off)} of {len(x)} vectors are not L2-normalised (first: row {off[0]}, norm "
                f"{norms[off[0]]:.4f}); inner product only equals cosine on unit vectors"
            )
    return x


def build_dense_index(
    vectors: np.ndarray,
    exact_threshold: int = 100_000,
    M: int = 32,  # the name FAISS and the manifest use
    ef_construction: int = 200,
    ef_search: int = 512,
    use_gpu: bool | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Index unit vectors for inner-product search.

    Args:
        vectors: float32 (n, dim), rows of unit length; row i becomes id i.
        exact_threshold: up to this many rows the index is exact (IndexFlatIP); above it, HNSW.
        M, ef_construction, ef_search: HNSW graph degree, build beam and default search beam.
        use_gpu: assemble the flat index on a GPU (default: when a GPU faiss build sees a device).

    Returns:
        A CPU faiss index (GPU indexes cannot be written to disk) and the manifest's "dense" entry.
    """
    faiss = _faiss()
    x = _check_vectors(vectors)
    n, dim = x.shape
    info = {"type": "flat", "M": M, "ef_construction": ef_construction, "ef_search": ef_search}
    if n <= exact_threshold:
        index = faiss.IndexFlatIP(dim)
        if use_gpu and not gpu_available():
            raise ValueError("use_gpu=True, but the installed faiss has no GPU support or sees no GPU")
        if use_gpu if use_gpu is not None else gpu_available():
            resources = faiss.StandardGpuResources()
            gpu_index = faiss.index_cpu_to_gpu(resources, 0, index)
            gpu_index.add(x)
            index = faiss.index_gpu_to_cpu(gpu_index)
        else:
            index.add(x)
        return index, info
    index = faiss.IndexHNSWFlat(dim, M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    LOG.info("building HNSW over %d vectors (M=%d, efConstruction=%d)", n, M, ef_construction)
    index.add(x)
    index.hnsw.efSearch = ef_search
    return index, {**info, "type": "hnsw"}


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Row ids of the k highest inner products per query, by brute force (the recall reference)."""
    faiss = _faiss()
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    q = np.ascontiguousarray(queries, dtype=np.float32)
    if gpu_available():
        flat = faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, faiss.IndexFlatIP(x.shape[1]))
        flat.add(x)
        return flat.search(q, k)[1]
    # The search a flat index runs, over the caller's matrix: an index would hold a second copy of it.
    return faiss.knn(q, x, k, metric=faiss.METRIC_INNER_PRODUCT)[1]


def ann_recall_at_k(
    index: Any,
    vectors: np.ndarray,
    queries: np.ndarray | None = None,
    k: int = 10,
    *,
    sample: int = 200,
    seed: int = 0,
) -> float:
    """How much of an exact search an approximate index finds: the share of the exact top-k it returns.

    Not the relevance recall of `evaluation.metrics.recall_at_k`: here the reference is brute-force
    search over the same vectors, so any faiss index scores in [0, 1] and a flat (exact) one 1.0.

    Args:
        index: the index built from `vectors` (row i is id i).
        vectors: the indexed vectors, in id order.
        queries: the query vectors; default: `sample` of the indexed vectors, drawn with `seed`.

    Returns:
        Mean recall@k over the queries; 1.0 for an empty index.
    """
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if index.ntotal != len(x):
        raise ValueError(f"index holds {index.ntotal} vectors but {len(x)} were given")
    if len(x) == 0:
        return 1.0
    if queries is None:
        queries = x[np.random.default_rng(seed).choice(len(x), size=min(sample, len(x)), replace=False)]
    k = min(k, len(x))
    q = np.ascontiguousarray(queries, dtype=np.float32)
    truth, found = exact_top_k(x, q, k), index.search(q, k)[1]
    hits = sum(len(set(t.tolist()) & set(f.tolist())) for t, f in zip(truth, found, strict=True))
    return hits / (len(q) * k)


def save_dense(index: Any, path: Path) -> None:
    """Write the index to `path` (a GPU index is copied to the CPU first)."""
    faiss = _faiss()
    if hasattr(faiss, "GpuIndex") and isinstance(index, faiss.GpuIndex):
        index = faiss.index_gpu_to_cpu(index)
    faiss.write_index(index, str(path))


def load_dense(path: Path, mmap: bool = True) -> Any:
    """Read an index written by `save_dense`.

    With `mmap`, the vectors stay in the page cache instead of process memory: IO_FLAG_MMAP alone
    maps only inverted lists, IO_FLAG_MMAP_IFC maps the codes of flat (and HNSW storage) indexes.
    """
    faiss = _faiss()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"dense index {path} does not exist")
    flags = (faiss.IO_FLAG_MMAP | getattr(faiss, "IO_FLAG_MMAP_IFC", 0)) if mmap else 0
    return faiss.read_index(str(path), flags)
