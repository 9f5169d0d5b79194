"""Scale benchmark: what a 1,000,000-movie catalogue costs to harvest and to embed, and the dense index
on synthetic vectors.

- Harvest: computed from the request counts at 40 requests/s (no network here).
- Embedding: MEASURED, the real model over real search documents of the demo catalogue, on 1 torch
  thread and on every core, as documents per second; a million documents are then extrapolated per
  core and across workers (year partitions embed independently).
- Dense index (with --dense N): HNSW over N SYNTHETIC vectors (seeded Gaussian rows, L2-normalised,
  384-d): build time, file size, memory, latency and recall against exact search. Random vectors have no
  cluster structure, the worst case for HNSW; `bench_search.py --sizes 1000000` measures the real
  artifacts and every search method at a million movies on vectors borrowed from real embeddings.

    python benchmarks/bench_scale.py                         # harvest + embedding throughput (~2 min)
    python benchmarks/bench_scale.py --dense 100000          # + HNSW on 100,000 random vectors
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from movie_assets.index import ann_recall_at_k, build_dense_index, load_dense, save_dense
from movie_assets.paths import DataPaths

if __package__:
    from benchmarks import _common as common
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common

DIM = 384
RATE = 40.0  # requests/s: TMDb's documented ceiling is about 40-50 per IP
DISCOVER_PAGE = 20
CHANGES_PER_DAY = 5_000  # a busy day on TMDb (TMDB_API.md §5)


def harvest_requests(movies: int, windows_per_10k: float = 1.2) -> dict[str, float]:
    """Requests a full harvest of `movies` needs: discover pages (plus one probe per window, windows of
    at most 10,000 results with some slack for splits) and one details call per movie."""
    windows = math.ceil(movies / 10_000 * windows_per_10k)
    discover = math.ceil(movies / DISCOVER_PAGE) + windows
    total = discover + movies
    return {
        "discover_requests": discover,
        "details_requests": movies,
        "requests": total,
        "hours": total / RATE / 3600,
    }


def synthetic_vectors(n: int, seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, chunk):
        block = rng.standard_normal((min(chunk, n - start), DIM), dtype=np.float32)
        out[start : start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def embedding_throughput(docs: int) -> dict[str, Any]:
    """Documents per second of the real model over `docs` demo search documents, on 1 torch thread and
    on every core."""
    from movie_assets.config import embed_model_name

    texts = common.demo_corpus(docs)[1]["document"].to_list()
    cores = os.cpu_count() or 1
    rates = common.embedding_rates(texts, (1, cores))
    return {
        "model": embed_model_name(),
        "docs": len(texts),
        "mean_chars": float(np.mean([len(t) for t in texts])),
        "threads": cores,
        "docs_per_s_1_thread": rates[1],
        "docs_per_s_all_threads": rates[cores],
    }


def measure(n: int, queries: int, workdir: Path) -> dict[str, Any]:
    vectors = synthetic_vectors(n)
    started = time.perf_counter()
    index, info = build_dense_index(vectors)
    build_s = time.perf_counter() - started
    path = workdir / "text.index"
    save_dense(index, path)
    del index
    loaded = load_dense(path)
    probes = synthetic_vectors(queries, seed=1)
    latencies = []
    for i in range(queries):
        started = time.perf_counter()
        loaded.search(probes[i : i + 1], 10)
        latencies.append(time.perf_counter() - started)
    ms = np.array(latencies) * 1000
    return {
        "vectors": n,
        "index": info,
        "build_s": build_s,
        "index_file_mb": path.stat().st_size / 2**20,
        "vectors_mb": vectors.nbytes / 2**20,
        "peak_rss_mb": common.memory_mb()["peak_mb"],
        "query_ms_p50": float(np.percentile(ms, 50)),
        "query_ms_p95": float(np.percentile(ms, 95)),
        "recall_at_10": ann_recall_at_k(loaded, vectors, probes, 10),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--movies", type=int, default=1_000_000, help="catalogue size for the computations")
    parser.add_argument(
        "--embed-docs", type=int, default=512, help="demo documents embedded per thread count"
    )
    parser.add_argument("--workers", type=int, default=10, help="workers of 16 cores for the extrapolation")
    parser.add_argument("--dense", type=int, default=0, help="also index this many random vectors")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "movies": args.movies,
        "harvest_at_40_rps": harvest_requests(args.movies),
        "daily_refresh": {
            "changes_per_day": CHANGES_PER_DAY,
            "minutes_at_40_rps": (CHANGES_PER_DAY + math.ceil(CHANGES_PER_DAY / 100)) / RATE / 60,
        },
        "load_average_start": list(os.getloadavg()),
        "embedding": embedding_throughput(args.embed_docs),
    }
    h, e = report["harvest_at_40_rps"], report["embedding"]
    per_core = e["docs_per_s_1_thread"]
    rows = [
        ("movies", f"{args.movies:,}"),
        ("full harvest at 40 req/s", f"{h['requests']:,} requests, {h['hours']:.1f} h (computed)"),
        (
            "daily refresh at 40 req/s",
            f"{report['daily_refresh']['minutes_at_40_rps']:.1f} min for {CHANGES_PER_DAY:,} changes",
        ),
        (
            "embedding (measured)",
            f"{per_core:.1f} docs/s on 1 thread, {e['docs_per_s_all_threads']:.1f} on {e['threads']} "
            f"({e['model']}, {e['docs']} demo documents, mean {e['mean_chars']:.0f} characters)",
        ),
        ("  1M documents, 1 core", f"{args.movies / per_core / 3600:.1f} h"),
        (
            f"  1M documents, {args.workers} workers x 16 cores",
            f"{args.movies / (per_core * 16 * args.workers) / 60:.0f} min at the same per-core rate",
        ),
    ]
    if args.dense:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as work:
            d = report["dense"] = measure(args.dense, args.queries, Path(work))
        rows += [
            (
                f"dense index, {args.dense:,} random vectors",
                "{type} M={M} efConstruction={ef_construction} efSearch={ef_search}".format(**d["index"]),
            ),
            ("  build", f"{d['build_s']:.0f} s"),
            ("  index file / raw vectors", f"{d['index_file_mb']:.0f} MB / {d['vectors_mb']:.0f} MB"),
            ("  query latency k=10", f"p50 {d['query_ms_p50']:.2f} ms, p95 {d['query_ms_p95']:.2f} ms"),
            ("  recall@10 vs exact", f"{d['recall_at_10']:.3f} (random vectors: the worst case)"),
        ]
    report["load_average_end"] = list(os.getloadavg())
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    out = DataPaths.from_env().reports_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_scale.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {out / 'bench_scale.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
