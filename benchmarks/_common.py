"""Helpers shared by the benchmarks: fresh worker processes, memory and load readings, tables, JSON."""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import resource
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

DEMO_CHUNK = 500_000  # the most movies generate_demo_catalogue makes at once
DEMO_ID_SPAN = 2_000_000  # above the generator's movie ids


class SyntheticEmbedder:
    """A stand-in for the model: the same text always gets the same unit vector (seeded by its sha256);
    counts what it encodes. `docs_per_s` makes it take the time a model would (sleeping, so it costs no
    CPU), for benchmarks where the time spent matters but the vectors do not."""

    dim = 384
    name = f"synthetic-{dim}"

    def __init__(self, docs_per_s: float | None = None) -> None:
        self.encoded = 0
        self.docs_per_s = docs_per_s

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.encoded += len(texts)
        if self.docs_per_s:
            time.sleep(len(texts) / self.docs_per_s)
        rows = [
            np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little"))
            .standard_normal(self.dim)
            .astype(np.float32)
            for t in texts
        ]
        out = np.stack(rows) if rows else np.zeros((0, self.dim), np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True).clip(min=1e-12)


def in_fresh_process(func: Callable[..., Any], *args: Any) -> Any:
    """`func(*args)` in a new interpreter (spawn), so its memory peak and imports are its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(func, *args).result()


class PhasePeaks:
    """The resident high-water mark (VmHWM, MB) of each phase of this process.

    Linux resets the mark when "5" is written to /proc/self/clear_refs, so each phase gets its own peak
    (what the process held at the phase's worst moment, including what earlier phases left in memory).
    Where the reset is not possible, each figure is the process's peak so far.
    """

    def __init__(self) -> None:
        self.peaks_mb: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self._current: str | None = None
        self._started = 0.0

    def begin(self, name: str) -> None:
        """End the current phase and start `name` (a name met again keeps its larger peak)."""
        self.end()
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
        self._current, self._started = name, time.perf_counter()

    def end(self) -> None:
        if self._current is not None:
            name, peak = self._current, round(memory_mb()["peak_mb"], 1)
            self.peaks_mb[name] = max(peak, self.peaks_mb.get(name, 0.0))
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - self._started, 2)
            self._current = None

    @property
    def peak_mb(self) -> float:
        return max(self.peaks_mb.values(), default=0.0)


def memory_mb() -> dict[str, float]:
    """This process's resident memory in MB (10^6 bytes): the peak and the current split.

    `peak_mb` is VmHWM, the high-water mark of this address space. `ru_maxrss_mb` is what
    resource.getrusage reports; Linux carries the pre-exec address space's peak into it, so a child
    started from a large parent can show the parent's figure: VmHWM is the one to trust.
    """
    fields: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
                fields[name] = int(value.split()[0]) * 1024 / 1e6  # kB -> MB
    except OSError:  # not Linux: only getrusage is available
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
    return {
        "peak_mb": fields.get("VmHWM", maxrss),
        "ru_maxrss_mb": maxrss,
        "rss_mb": fields.get("VmRSS", float("nan")),
        "rss_anon_mb": fields.get("RssAnon", float("nan")),
        "rss_file_mb": fields.get("RssFile", float("nan")),
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (other work on the machine inflates every timing)."""
    return [round(x, 2) for x in os.getloadavg()]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean/min/max in milliseconds of per-call times given in seconds."""
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    if ms.size == 0:
        return {"n": 0}
    return {
        "n": int(ms.size),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(ms.mean()),
        "min_ms": float(ms.min()),
        "max_ms": float(ms.max()),
    }


def text_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Right-aligned columns, one line per row, the head first."""
    widths = [max(len(str(row[i])) for row in (head, *rows)) for i in range(len(head))]
    return "\n".join(
        "  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)) for row in (head, *rows)
    )


def report_head(
    name: str, started: Any, args: Any, load_start: list[float], load_end: list[float]
) -> dict[str, Any]:
    """The fields every report opens with: which benchmark, when, how it was run, the machine's load."""
    import sys

    return {
        "benchmark": name,
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "params": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "load_average": {"start": load_start, "end": load_end, "cores": os.cpu_count()},
    }


def write_report(report: dict[str, Any], folder: Path, name: str) -> Path:
    """Write `report` as `folder/name` (JSON, indented) and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return path


def demo_corpus(size: int) -> tuple[Any, Any]:
    """Exactly `size` typed movies from the demo generator and their search documents (same row order)."""
    import polars as pl

    from movie_assets.catalog import build_movies
    from movie_assets.demo import generate_demo_catalogue
    from movie_assets.index import movie_documents

    # The generator's adult, video and undated items are left out by build_movies: generate a little more.
    wanted = math.ceil(size * 1.015) + 20
    parts = []
    # Above the generator's 500,000, seeded chunks of at most that many are typed one at a time (a million
    # movie dicts at once would not fit in memory), their ids moved into ranges of their own.
    for chunk, start in enumerate(range(0, wanted, DEMO_CHUNK)):
        records = generate_demo_catalogue(min(DEMO_CHUNK, wanted - start), seed=7 + chunk)
        by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            if record.get("release_date"):
                by_year[int(record["release_date"][:4])].append(record)
        del records
        typed = []
        # Each year's records (dicts of ~18 KB a movie) are let go as soon as they are typed.
        for year in sorted(by_year):
            typed.append(build_movies(by_year.pop(year), year=year)[0])
        parts.append(pl.concat(typed).with_columns(pl.col("movie_id") + chunk * DEMO_ID_SPAN))
        del typed
    movies = pl.concat(parts)
    del parts
    if movies.height < size:
        raise ValueError(f"the demo generator gave {movies.height} usable movies, fewer than {size}")
    # The rows `movies.sample(n=size, seed=1).sort("movie_id")` gives, gathered once: the sample and its
    # sorted copy would each hold the whole catalogue again.
    rows = movies.select("movie_id", pl.int_range(pl.len()).alias("row")).sample(n=size, seed=1)
    movies = movies[rows.sort("movie_id")["row"].to_numpy()]
    return movies, movie_documents(movies)


def embedding_rates(documents: Sequence[str], thread_counts: Sequence[int]) -> dict[int, float]:
    """Documents per second of the configured embedding model over `documents`, for each torch thread
    count (one untimed warm-up batch first). Raises EmbeddingModelUnavailable without the model."""
    import torch

    from movie_assets.config import embed_model_name
    from movie_assets.index import load_embedder

    model = load_embedder(embed_model_name())
    model.encode(list(documents[:32]))
    rates, serving = {}, torch.get_num_threads()
    for threads in dict.fromkeys(thread_counts):
        torch.set_num_threads(threads)
        started = time.perf_counter()
        model.encode(list(documents), batch_size=64)
        rates[threads] = len(documents) / (time.perf_counter() - started)
    torch.set_num_threads(serving)
    return rates


def real_catalogue_searcher(artifacts: Path | None) -> Any:
    """A Searcher over `artifacts` with the configured model, or over bench_quality's real catalogue
    (built if missing, its MiniLM vectors cached) when None."""
    from movie_assets.search import Searcher

    if artifacts is None:
        from benchmarks.bench_quality import _cache_dir, build_corpus

        corpus = build_corpus(_cache_dir())
        return Searcher.open(corpus.artifacts, embedder=corpus.embedder)
    from movie_assets.config import embed_model_name
    from movie_assets.index import load_embedder

    return Searcher.open(artifacts, embedder=load_embedder(embed_model_name()))
