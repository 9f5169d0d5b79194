"""Harvest benchmark: windowed discover + details backfill through the real client against the emulator.

A synthetic catalogue (TMDb's details shapes; by default 20,000 movies over two years, one of them over
the 10,000-result cap) is served by the emulator with a real rate limit of R requests/s, and harvested
by a `TMDbClient` paced at R, once per fault rate. The harvester runs in its own process, so its memory
figures and CPU are its own and the emulator's threads do not share its interpreter lock.

    python benchmarks/bench_harvest.py                             # R=40, 20,000 movies, faults 0 and 0.05
    python benchmarks/bench_harvest.py --movies 3000 --rate 200    # a quick run

Goals: achieved attempts/s >= 0.9 R; requests <= 1.05 x the minimum without faults; no lost, duplicated
or stray movies. The minimum is defined in MINIMUM_DEFINITION and computed from the catalogue alone.

tracemalloc (on unless --no-tracemalloc) costs the harvester about 3.5x the CPU per request; on a busy
machine that can starve it below R. The table therefore shows the harvester's CPU seconds and the
seconds it sat runnable waiting for a CPU, the emulator's CPU and the load average, so a slow run can
be told apart from a slow harvester. `limit_429s` are the emulator's rate-limit answers (injected 429
faults are counted with the other retries).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from bisect import bisect_left, bisect_right
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from movie_assets.paths import DataPaths
from movie_assets.tmdb import (
    PAGE_SIZE,
    DetailsStore,
    TMDbClient,
    Window,
    discover_year,
    fetch_details,
    plan_windows,
)
from movie_assets.tmdb.emulator import Emulator, EmulatorConfig

KEY = "bench-harvest-key"
YEARS = (2021, 2022)
BIG_YEAR_SHARE = 0.6  # 20,000 movies -> 12,000 in 2021 (over the cap) and 8,000 in 2022
MINIMUM_DEFINITION = (
    "minimum = page-1 probes of the exact window plan (plan_windows over the catalogue's eligible movies, "
    "split parents included) + for each planned window ceil(n/20)-1 further pages (page 1 is reused) "
    "+ one /movie/{id} per eligible movie; eligible = primary release date in the year, not adult, "
    "not video, not deleted"
)
GENRES = (
    (28, "Action"),
    (18, "Drama"),
    (35, "Comedy"),
    (53, "Thriller"),
    (10749, "Romance"),
    (99, "Documentary"),
)
LANGUAGES = (("en", "English"), ("ko", "Korean"), ("ml", "Malayalam"), ("fr", "French"), ("ja", "Japanese"))


class Row(NamedTuple):
    """What the planner and the expectations need of a movie; `expand` turns it into a details object."""

    id: int
    release_date: str
    vote_count: int
    runtime: int
    flag: str | None  # "adult", "video", "_deleted", or None


def catalogue_rows(n: int, seed: int = 11) -> list[Row]:
    """`n` eligible movies over YEARS, plus decoys a harvest must skip (flagged, other years, undated)."""
    rng = random.Random(seed)
    decoys = max(8, n // 100)
    ids = rng.sample(range(10_000, 3_000_000), n + decoys)
    big = round(n * BIG_YEAR_SHARE)
    rows = []
    for i, movie_id in enumerate(ids):
        if i < n:
            year = YEARS[0] if i < big else YEARS[1]
            # Editors enter YEAR-01-01 when only the year is known (TMDB_API §3.3): a spike on that day.
            day = date(year, 1, 1) + timedelta(days=0 if rng.random() < 0.05 else rng.randrange(365))
            flag = None
        else:
            kind = (i - n) % 4
            day = rng.choice((date(YEARS[0] - 1, 12, 31), date(YEARS[-1] + 1, 1, 1), date(YEARS[0], 6, 1)))
            flag = ("adult", "video", "_deleted", None)[kind]
            if kind == 3:
                day = None  # no release date: matches no date filter
        votes = 0 if rng.random() < 0.3 else int(rng.paretovariate(1.1) * 3)
        runtime = 0 if rng.random() < 0.04 else max(5, int(rng.gauss(100, 22)))
        rows.append(Row(movie_id, day.isoformat() if day else "", votes, runtime, flag))
    return rows


def _person(rng: random.Random, pid: int, department: str) -> dict[str, Any]:
    return {
        "adult": False,
        "gender": rng.randrange(4),
        "id": pid,
        "known_for_department": department,
        "name": f"Person {pid}",
        "original_name": f"Person {pid}",
        "popularity": round(rng.random() * 9, 3),
        "profile_path": f"/p{pid}.jpg" if rng.random() < 0.7 else None,
    }


def expand(row: Row, rng: random.Random) -> dict[str, Any]:
    """A `/movie/{id}?append_to_response=credits,keywords` object for the row (TMDb's fields and quirks)."""
    lang = rng.choice(LANGUAGES)
    cast = [
        {
            **_person(rng, 1_000_000 + rng.randrange(200_000), "Acting"),
            "cast_id": k,
            "character": f"Role {k}",
            "credit_id": f"{rng.getrandbits(96):024x}",
            "order": k,
        }
        for k in range(12)
    ]
    jobs = (
        ("Director", "Directing"),
        ("Screenplay", "Writing"),
        ("Producer", "Production"),
        ("Editor", "Editing"),
        ("Original Music Composer", "Sound"),
        ("Director of Photography", "Camera"),
    )
    crew = [
        {
            **_person(rng, 2_000_000 + rng.randrange(100_000), dept),
            "credit_id": f"{rng.getrandbits(96):024x}",
            "department": dept,
            "job": job,
        }
        for job, dept in jobs
    ]
    movie = {
        "adult": row.flag == "adult",
        "backdrop_path": f"/b{row.id}.jpg" if rng.random() < 0.8 else None,
        "belongs_to_collection": None,
        "budget": 0,
        "genres": [dict(zip(("id", "name"), g, strict=True)) for g in rng.sample(GENRES, 2)],
        "homepage": "",
        "id": row.id,
        "imdb_id": f"tt{row.id:07d}" if rng.random() < 0.9 else None,
        "origin_country": ["US"],
        "original_language": lang[0],
        "original_title": f"Original {row.id}",
        "overview": f"Synthetic overview of movie {row.id}. " * 3,
        "popularity": round(rng.random() * 40, 4),
        "poster_path": f"/q{row.id}.jpg",
        "production_companies": [],
        "production_countries": [{"iso_3166_1": "US", "name": "United States of America"}],
        "release_date": row.release_date,
        "revenue": 0,
        "runtime": row.runtime,
        "spoken_languages": [{"english_name": lang[1], "iso_639_1": lang[0], "name": ""}],
        "status": "Released",
        "tagline": "",
        "title": f"Synthetic {row.id}",
        "video": row.flag == "video",
        "vote_average": round(rng.uniform(0, 10), 1) if row.vote_count else 0.0,
        "vote_count": row.vote_count,
        "credits": {"cast": cast, "crew": crew},
        "keywords": {"keywords": [{"id": 800 + k, "name": f"keyword {k}"} for k in rng.sample(range(50), 3)]},
    }
    if row.flag == "_deleted":
        movie["_deleted"] = True
    return movie


def expected_ids(rows: list[Row], year: int) -> set[int]:
    return {r.id for r in rows if r.flag is None and r.release_date.startswith(f"{year}-")}


def minimum_requests(rows: list[Row], year: int, cap: int) -> dict[str, int]:
    """The exact plan's probes, pages and details for `year`, computed from the catalogue (no server)."""
    eligible = sorted((r for r in rows if r.flag is None and r.release_date), key=lambda r: r.release_date)
    days = [r.release_date for r in eligible]

    async def probe(window: Window) -> int:
        chosen = eligible[
            bisect_left(days, window.gte.isoformat()) : bisect_right(days, window.lte.isoformat())
        ]
        for name, value in window.bands:  # e.g. ("vote_count.gte", 1), ("with_runtime.lte", 0)
            field, bound = name.rsplit(".", 1)
            attr = "vote_count" if field == "vote_count" else "runtime"
            sign = 1 if bound == "gte" else -1
            chosen = [r for r in chosen if sign * (getattr(r, attr) - value) >= 0]
        probes.append(window)
        return len(chosen)

    probes: list[Window] = []
    planned = asyncio.run(
        plan_windows(probe, date(year, 1, 1), date(year, 12, 31), min(cap, 500 * PAGE_SIZE))
    )
    pages = sum(max(0, math.ceil(p.total_results / PAGE_SIZE) - 1) for p in planned)
    movies = len(expected_ids(rows, year))
    return {"probes": len(probes), "pages": pages, "details": movies, "windows": len(planned)}


async def _harvest(url: str, rate: float, cap: int, work: Path) -> dict[str, Any]:
    phases: dict[str, float] = {}
    discovered: dict[int, dict[str, Any]] = {}
    async with TMDbClient(url, KEY, rate_limit=rate) as client:
        for year in YEARS:
            start = time.perf_counter()
            result = await discover_year(client, year, cap=cap)
            phases[f"discover_{year}_s"] = time.perf_counter() - start
            ids = [movie["id"] for movie in result.movies]
            start = time.perf_counter()
            details = await fetch_details(client, ids, DetailsStore(work / f"year={year}"))
            phases[f"details_{year}_s"] = time.perf_counter() - start
            discovered[year] = {"discover": result.summary(), "details": details.summary()}
        stats = client.stats.as_metadata()
    return {"phases": phases, "years": discovered, "client": stats}


def peak_rss_mb() -> float:
    """This process's own peak RSS. ru_maxrss would do, except that on Linux a spawned child inherits the
    parent's high-water mark from the fork before its exec, and the parent holds the whole catalogue."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def _process_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def runqueue_wait_s() -> float:
    """Seconds this (single-threaded) process spent runnable but waiting for a CPU; nan off Linux.

    It says whether a slow run was starved of CPU by other load on the machine.
    """
    try:
        return int(Path("/proc/self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return float("nan")


def harvest_run(url: str, rate: float, cap: int, work: str, trace: bool) -> dict[str, Any]:
    """Run in a fresh process: harvest both years, then read back what was stored."""
    # Injected faults make the client log every retry; the table reports their count instead.
    logging.getLogger("movie_assets.tmdb").setLevel(logging.ERROR)
    if trace:
        tracemalloc.start()
    cpu, wait, start = _process_cpu_s(), runqueue_wait_s(), time.perf_counter()
    run = asyncio.run(_harvest(url, rate, cap, Path(work)))
    run["wall_s"] = time.perf_counter() - start
    run["harvester_cpu_s"], run["harvester_runqueue_wait_s"] = (
        _process_cpu_s() - cpu,
        runqueue_wait_s() - wait,
    )
    run["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    tracemalloc.stop()
    run["peak_rss_mb"] = peak_rss_mb()
    stored: dict[str, list[int]] = {}
    for year in YEARS:
        store = DetailsStore(Path(work) / f"year={year}")
        stored[str(year)] = [record["id"] for record in store.iter_records()]
    run["stored_ids"] = stored
    return run


def _measure(
    rows: list[Row], movies: list[dict[str, Any]], rate: float, fault: float, cap: int, trace: bool
) -> dict:
    config = EmulatorConfig(api_key=KEY, rate_limit=rate, fault_rate=fault, seed=17)
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="bench_harvest_") as work, Emulator(movies, config) as emulator:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            cpu, load = _process_cpu_s(), os.getloadavg()[0]
            run = pool.submit(harvest_run, emulator.url, rate, cap, work, trace).result()
            # This process only serves meanwhile; rusage also counts the emulator's finished threads.
            run["emulator_cpu_s"] = _process_cpu_s() - cpu
        server = emulator.stats
    run["loadavg_1min"] = [load, os.getloadavg()[0]]  # at the start and the end of the run
    minimum = {year: minimum_requests(rows, year, cap) for year in YEARS}
    needed = sum(sum(v for k, v in m.items() if k != "windows") for m in minimum.values())
    lost = duplicated = stray = 0
    stored_ids = run.pop("stored_ids")
    for year in YEARS:
        expected, stored = expected_ids(rows, year), Counter(stored_ids[str(year)])
        lost += len(expected - set(stored))
        stray += len(set(stored) - expected)
        duplicated += sum(count - 1 for count in stored.values() if count > 1)
    attempts = run["client"]["requests"]
    return {
        "fault_rate": fault,
        "rate_limit": rate,
        "requests": attempts,
        "minimum": needed,
        "minimum_by_year": minimum,
        "request_ratio": attempts / needed,
        "achieved_rps": attempts / run["wall_s"],
        "achieved_over_r": attempts / run["wall_s"] / rate,
        "ok_over_r": server.by_status.get(200, 0) / run["wall_s"] / rate,
        "lost": lost,
        "duplicated": duplicated,
        "stray": stray,
        "server": {
            "requests": server.requests,
            "rate_limited_429": server.rate_limited,
            "faults": server.faults,
            "by_status": {str(k): v for k, v in server.by_status.items()},
        },
        **run,
    }


def _table(runs: list[dict]) -> str:
    head = tuple("faults requests minimum ratio req/s req/s÷R limit_429s retries lost dup stray".split())
    head += ("tracemalloc_MB", "peak_RSS_MB", "wall_s", "harv_cpu/wait_s", "emu_cpu_s", "load")
    rows = [
        (
            f"{r['fault_rate']:.0%}",
            f"{r['requests']:,}",
            f"{r['minimum']:,}",
            f"{r['request_ratio']:.3f}",
            f"{r['achieved_rps']:.1f}",
            f"{r['achieved_over_r']:.3f}",
            str(r["server"]["rate_limited_429"]),
            str(r["client"]["retries"]),
            str(r["lost"]),
            str(r["duplicated"]),
            str(r["stray"]),
            "-" if r["tracemalloc_peak_mb"] is None else f"{r['tracemalloc_peak_mb']:.1f}",
            f"{r['peak_rss_mb']:.0f}",
            f"{r['wall_s']:.1f}",
            f"{r['harvester_cpu_s']:.0f}/{r['harvester_runqueue_wait_s']:.0f}",
            f"{r['emulator_cpu_s']:.1f}",
            "{:.1f}-{:.1f}".format(*r["loadavg_1min"]),
        )
        for r in runs
    ]
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in (head, *rows))


def _goals(run: dict) -> list[str]:
    missed = []
    if run["achieved_over_r"] < 0.9:
        missed.append(f"achieved/R {run['achieved_over_r']:.3f} < 0.9")
    if run["fault_rate"] == 0 and run["request_ratio"] > 1.05:
        missed.append(f"request ratio {run['request_ratio']:.3f} > 1.05")
    missed += [f"{k} {run[k]} != 0" for k in ("lost", "duplicated", "stray") if run[k]]
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40.0, help="R: emulator limit and client pace, req/s")
    parser.add_argument("--movies", type=int, default=20_000, help="eligible movies over the two years")
    parser.add_argument("--fault-rate", type=float, nargs="+", default=[0.0, 0.05], help="one run per rate")
    parser.add_argument("--cap", type=int, default=10_000, help="results per window (TMDb: 10,000)")
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip tracemalloc: it slows Python allocation several-fold, which matters at high --rate",
    )
    parser.add_argument("--out", type=Path, help="JSON folder (default $MOVIE_ASSETS_HOME/reports/bench)")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.movies < 10 or args.cap < 1 or any(not 0 <= f < 1 for f in args.fault_rate):
        parser.error("need --rate > 0, --movies >= 10, --cap >= 1 and every --fault-rate in [0, 1)")
    out = args.out or DataPaths.from_env().reports_dir / "bench"
    rows = catalogue_rows(args.movies)
    rng = random.Random(29)
    movies = [expand(row, rng) for row in rows]
    print(
        f"harvest benchmark: {args.movies:,} movies over {YEARS} (+{len(rows) - args.movies} decoys), "
        f"R={args.rate:g}/s, cap {args.cap:,}, fault rates {args.fault_rate}",
        flush=True,
    )
    runs = []
    for fault in args.fault_rate:
        runs.append(_measure(rows, movies, args.rate, fault, args.cap, not args.no_tracemalloc))
        print(f"  fault rate {fault:.0%}: {runs[-1]['wall_s']:.1f} s", flush=True)
    print(_table(runs))
    print(MINIMUM_DEFINITION)
    print(
        "req/s = client attempts (retries and 429s included) / harvest wall time; goals: req/s÷R >= 0.9, "
        "ratio <= 1.05 without faults, lost = dup = stray = 0"
    )
    missed = {f"{r['fault_rate']:.0%}": _goals(r) for r in runs}
    for fault, problems in missed.items():
        print(f"faults {fault}: " + ("all goals met" if not problems else "MISSED " + "; ".join(problems)))
    report = {
        "benchmark": "harvest",
        "params": {
            "rate": args.rate,
            "movies": args.movies,
            "years": YEARS,
            "cap": args.cap,
            "fault_rates": args.fault_rate,
            "tracemalloc": not args.no_tracemalloc,
            "decoys": len(rows) - args.movies,
        },
        "definitions": {
            "minimum": MINIMUM_DEFINITION,
            "achieved_over_r": "client attempts (retries and 429s included) / harvest wall time / R",
            "ok_over_r": "HTTP 200 answers the emulator sent / harvest wall time / R (faults excluded)",
            "request_ratio": "client attempts / minimum",
            "harvester_runqueue_wait_s": "time the harvester's threads were runnable but waited for a CPU",
            "lost, duplicated, stray": "expected ids missing from, repeated in, foreign to the store",
        },
        "runs": runs,
        "goals_missed": missed,
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / "bench_harvest.json"
    path.write_text(json.dumps(report, indent=1, default=str))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
