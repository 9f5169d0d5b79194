"""Poster cache benchmark: random requests from many threads against the emulator's image host, with a
small size limit.

`--requests` (1,000) poster requests drawn uniformly from `--posters` (200) paths go through one
PosterCache from `--threads` (16) threads at once, with a `--limit-kb` (1,024 KiB) size limit: about a
sixth of the posters fit, so most requests fetch and evict. The emulator injects `--fault-rate` (5%)
faults (HTTP 500, bodies cut short, HTML pages with status 200, bytes that are not an image), and the
cache retries a failed poster on its next request. A sampler thread adds up the poster files in the
cache folder every 2 ms (and once after the run): the largest sum seen is set against the limit. Every
image served is compared byte for byte with what the emulator serves for that path: a partial or wrong
file would show as a mismatch. The same requests fetched straight from the emulator, no cache, are the
baseline measured in the same run, and the same requests through a cache with room for every poster
show what hits save. The emulator answers on loopback in about a millisecond of its own: against TMDb's
image host, over the internet, each fetch the cache saves is worth far more.

    python benchmarks/bench_posters.py                      # ~10 s
    python benchmarks/bench_posters.py --fault-rate 0       # no injected faults

Goals: the largest cache size seen <= the limit; 0 mismatched images served.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__:
    from benchmarks import _common as common
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common

SIZE = "w342"
FAULTS = ("500", "truncated", "wrong_type", "corrupt")


class SizeSampler:
    """Sums the poster files in the cache folder (hidden temporary files apart) every `every` seconds."""

    def __init__(self, folder: Path, every: float = 0.002) -> None:
        self.folder = folder / SIZE
        self.every = every
        self.largest = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        total = 0
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return 0
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                total += entry.stat().st_size
            except FileNotFoundError:  # evicted between the listing and the stat
                pass
        self.largest = max(self.largest, total)
        self.samples += 1
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self) -> SizeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_requests(get: Callable[[str], bytes | None], paths: list[str], threads: int) -> dict[str, Any]:
    """Send every path through `get` from `threads` threads; time each; check each image served."""
    from movie_assets.tmdb.emulator import poster_image

    latencies: list[float] = []
    results: list[tuple[str, bytes | None]] = []

    def one(path: str) -> None:
        started = time.perf_counter()
        data = get(path)
        latencies.append(time.perf_counter() - started)
        results.append((path, data))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, paths))
    wall = time.perf_counter() - started
    served = [(p, d) for p, d in results if d is not None]
    mismatched = sum(d != poster_image(SIZE, p) for p, d in served)
    return {
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(paths) / wall, 1),
        "latency": common.latency_summary(latencies),
        "served": len(served),
        "placeholders": len(results) - len(served),
        "mismatched": mismatched,
    }


def direct_get(fetcher: Any) -> Callable[[str], bytes | None]:
    from movie_assets.posters import PosterFetchError

    def get(path: str) -> bytes | None:
        try:
            return bytes(fetcher.fetch(SIZE, path))
        except PosterFetchError:
            return None

    return get


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--posters", type=int, default=200, help="distinct poster paths drawn from")
    parser.add_argument("--limit-kb", type=int, default=1024, help="the cache's size limit, KiB")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="share of image requests faulted")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="the cache folder (default: a new temporary one)")
    parser.add_argument("--out", type=Path, help="JSON folder (default $MOVIE_ASSETS_HOME/reports/bench)")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.threads < 1 or args.posters < 1 or args.limit_kb < 1:
        parser.error("--requests, --threads, --posters and --limit-kb must be positive")
    if not 0 <= args.fault_rate < 1:
        parser.error("--fault-rate must be in [0, 1)")

    from movie_assets.paths import DataPaths
    from movie_assets.posters import PosterCache, PosterFetcher
    from movie_assets.tmdb.emulator import Emulator, EmulatorConfig, poster_image

    started_at, load_start = datetime.now(UTC), common.load_average()
    rng = random.Random(args.seed)
    names = [f"/bench{i:04d}.jpg" for i in range(args.posters)]
    paths = [rng.choice(names) for _ in range(args.requests)]
    limit = args.limit_kb * 1024
    sizes = [len(poster_image(SIZE, n)) for n in names]  # drawn once here, so the server does not time it
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="bench-posters-"))
    config = EmulatorConfig(image_fault_rate=args.fault_rate, image_faults=FAULTS, seed=args.seed)
    print(
        f"poster cache: {args.requests:,} requests over {args.posters} posters (mean "
        f"{sum(sizes) / len(sizes) / 1024:.1f} KiB, all {sum(sizes) / 2**20:.1f} MiB) from {args.threads} "
        f"threads, limit {args.limit_kb} KiB, {args.fault_rate:.0%} faults; cache in {folder}",
        flush=True,
    )
    with Emulator([], config) as emulator:
        fetcher = PosterFetcher(emulator.image_url)
        baseline = run_requests(direct_get(fetcher), paths, args.threads)
        baseline["server_requests"] = emulator.stats.by_kind.get("image", 0)
        cache = PosterCache(folder, PosterFetcher(emulator.image_url), limit_bytes=limit, retry_after=0.0)
        with SizeSampler(folder) as sampler:
            cached = run_requests(cache.get, paths, args.threads)
        after = sampler.sample()
        stats, index_total = cache.stats(), cache.size_bytes()
        cached["server_requests"] = emulator.stats.by_kind.get("image", 0) - baseline["server_requests"]
        cache.close()
        roomy_cache = PosterCache(
            Path(tempfile.mkdtemp(prefix="bench-posters-roomy-")),
            PosterFetcher(emulator.image_url),
            limit_bytes=sum(sizes),
            retry_after=0.0,
        )
        before = emulator.stats.by_kind.get("image", 0)
        roomy = run_requests(roomy_cache.get, paths, args.threads)
        roomy["server_requests"] = emulator.stats.by_kind.get("image", 0) - before
        roomy["stats"] = vars(roomy_cache.stats())
        roomy_cache.close()
        faults = emulator.stats.faults
        fetcher.close()
    report = {
        **common.report_head("posters", started_at, args, load_start, common.load_average()),
        "limit_bytes": limit,
        "largest_seen_bytes": sampler.largest,
        "after_bytes": after,
        "index_total_bytes": index_total,
        "samples": sampler.samples,
        "cache": {**cached, "stats": vars(stats)},
        "baseline_no_cache": baseline,
        "cache_with_room_for_all": roomy,
        "emulator_faults": faults,
        "speedup_vs_no_cache": round(cached["requests_per_s"] / baseline["requests_per_s"], 2),
        "roomy_speedup_vs_no_cache": round(roomy["requests_per_s"] / baseline["requests_per_s"], 2),
        "goal_met": sampler.largest <= limit and cached["mismatched"] == 0 and roomy["mismatched"] == 0,
    }
    rows = []
    runs = (("no cache", baseline), (f"cache, {args.limit_kb} KiB", cached), ("cache, room for all", roomy))
    for name, run in runs:
        lat = run["latency"]
        rows.append([
            name, f"{run['requests_per_s']:,.0f}", f"{lat['p50_ms']:.1f}", f"{lat['p95_ms']:.1f}",
            str(run["server_requests"]), str(run["served"]), str(run["placeholders"]), str(run["mismatched"]),
        ])  # fmt: skip
    print(common.text_table(
        ["run", "req/s", "p50 ms", "p95 ms", "fetched", "served", "drawn", "mismatched"], rows
    ))  # fmt: skip
    print(
        f"cache: {stats.hits} hits, {stats.fetches} fetches, {stats.joined} joined another thread's fetch, "
        f"{stats.failures} failed fetches, {stats.evictions} evictions, {stats.dropped} dropped as damaged"
    )
    print(
        f"size: largest seen {sampler.largest:,} B over {sampler.samples:,} samples, {after:,} B after, "
        f"limit {limit:,} B -> {'held' if sampler.largest <= limit else 'EXCEEDED'}; "
        f"{cached['mismatched']} partial or wrong images served; emulator faults {faults}"
    )
    out = args.out or DataPaths.from_env().reports_dir / "bench"
    print(f"wrote {common.write_report(report, out, 'bench_posters.json')}")
    return 0 if report["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
