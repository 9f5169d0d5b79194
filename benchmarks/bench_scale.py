"""Scale benchmark: the dense index at 1,000,000 movies, and the harvest such a catalogue needs.

Vectors are SYNTHETIC (seeded Gaussian rows, L2-normalised, 384-d like MiniLM): what is measured is the
index (build time, file size, memory, query latency, recall of the approximate index against exact
search), not retrieval quality. Random vectors have no cluster structure, which makes them a hard case
for HNSW: recall on real embeddings is at least as good. The harvest time is computed, not measured.

    python benchmarks/bench_scale.py                      # 1,000,000 vectors (tens of minutes on 2 cores)
    python benchmarks/bench_scale.py --movies 100000      # a quick run
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from movie_assets.index.dense import build_dense_index, exact_top_k, load_dense, save_dense
from movie_assets.paths import DataPaths

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


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    found = np.zeros((queries, 10), dtype=np.int64)
    for i in range(queries):
        started = time.perf_counter()
        _, ids = loaded.search(probes[i : i + 1], 10)
        latencies.append(time.perf_counter() - started)
        found[i] = ids[0]
    exact = exact_top_k(vectors, probes, 10)
    recall = float(np.mean([len(set(found[i]) & set(exact[i])) / 10 for i in range(queries)]))
    ms = np.array(latencies) * 1000
    return {
        "vectors": n,
        "index": info,
        "build_s": build_s,
        "index_file_mb": path.stat().st_size / 2**20,
        "vectors_mb": vectors.nbytes / 2**20,
        "peak_rss_mb": _rss_mb(),
        "query_ms_p50": float(np.percentile(ms, 50)),
        "query_ms_p95": float(np.percentile(ms, 95)),
        "recall_at_10": recall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--movies", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as work:
        report = {"harvest_at_40_rps": harvest_requests(args.movies), "daily_refresh": None}
        report["daily_refresh"] = {
            "changes_per_day": CHANGES_PER_DAY,
            "minutes_at_40_rps": (CHANGES_PER_DAY + math.ceil(CHANGES_PER_DAY / 100)) / RATE / 60,
        }
        report["dense"] = measure(args.movies, args.queries, Path(work))
    h, d = report["harvest_at_40_rps"], report["dense"]
    rows = [
        ("movies", f"{args.movies:,}"),
        ("full harvest at 40 req/s", f"{h['requests']:,} requests, {h['hours']:.1f} h (computed)"),
        (
            "daily refresh at 40 req/s",
            f"{report['daily_refresh']['minutes_at_40_rps']:.1f} min for {CHANGES_PER_DAY:,} changes",
        ),
        (
            "dense index",
            "{type} M={M} efConstruction={ef_construction} efSearch={ef_search}".format(**d["index"]),
        ),
        ("build", f"{d['build_s']:.0f} s"),
        ("index file / raw vectors", f"{d['index_file_mb']:.0f} MB / {d['vectors_mb']:.0f} MB"),
        ("peak memory of this process", f"{d['peak_rss_mb']:.0f} MB"),
        ("query latency k=10 (one query)", f"p50 {d['query_ms_p50']:.2f} ms, p95 {d['query_ms_p95']:.2f} ms"),
        ("recall@10 vs exact", f"{d['recall_at_10']:.3f} (synthetic vectors)"),
    ]
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
