"""The seed's search method, the baseline the search benchmark compares with: exact FAISS inner product
+ rank_bm25's BM25Okapi over lowercase [a-z0-9]+ tokens + an RRF (k=60) of both top-500 lists."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__:
    from benchmarks import _common as common
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common

SEED_POOL, SEED_RRF_K = 500, 60
SEED_TOKEN = re.compile(r"[a-z0-9]+")


def seed_worker(
    folder: str, model: str, texts: Sequence[str], queries: int, threads: int | None
) -> dict[str, Any]:
    """`queries` of `texts` (round robin) answered by exact FAISS + BM25Okapi over [a-z0-9]+ tokens + RRF
    k=60 of both top-500 lists, as the seed did, over the documents and vectors `_search_build` left."""
    import faiss
    import polars as pl
    from rank_bm25 import BM25Okapi

    from movie_assets.index import load_embedder

    documents = pl.read_parquet(Path(folder) / "documents.parquet")["document"].to_list()
    vectors = np.load(Path(folder) / "vectors.npy")
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    dense_build_s = time.perf_counter() - t
    t = time.perf_counter()
    bm25 = BM25Okapi([SEED_TOKEN.findall(doc.lower()) for doc in documents])
    bm25_build_s = time.perf_counter() - t
    del documents
    embedder = load_embedder(model)
    if threads:
        import torch

        torch.set_num_threads(threads)
    stages: dict[str, list[float]] = defaultdict(list)

    def search(text: str) -> list[int]:
        marks = [time.perf_counter()]
        vector = embedder.encode([text])
        marks.append(time.perf_counter())
        dense = flat.search(vector, SEED_POOL)[1][0]
        marks.append(time.perf_counter())
        scores = bm25.get_scores(SEED_TOKEN.findall(text.lower()))
        marks.append(time.perf_counter())
        sparse = np.argsort(scores)[::-1][:SEED_POOL]
        fused: dict[int, float] = defaultdict(float)
        for ranking in (dense, sparse):
            for rank, row in enumerate(ranking, start=1):
                fused[int(row)] += 1.0 / (SEED_RRF_K + rank)
        top = sorted(fused, key=fused.__getitem__, reverse=True)[:20]
        marks.append(time.perf_counter())
        names = ("embed", "faiss_flat", "bm25okapi_get_scores", "sort_rrf")
        for name, a, b in zip(names, marks, marks[1:], strict=False):
            stages[name].append(b - a)
        return top

    search(texts[-1])  # warm-up
    stages.clear()
    times = []
    for i in range(queries):
        start = time.perf_counter()
        search(texts[i % len(texts)])
        times.append(time.perf_counter() - start)
    return {
        "dense_build_s": dense_build_s,
        "bm25okapi_build_s": bm25_build_s,
        "latency": common.latency_summary(times),
        "stages_p50_ms": {name: float(np.median(v)) * 1e3 for name, v in stages.items()},
        "memory": common.memory_mb(),
    }
