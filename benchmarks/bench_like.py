"""Seed-title benchmark: does "like <title>" return films that are like it, on the real TMDb catalogue?

For the SEEDS most voted films of the catalogue (ties by movie_id: deterministic), the query is
"like <title>" (hybrid, the library's defaults, k=10). A hit is *kin* to the seed when it shares with it a
director, a lead actor (billed in the first LEADS of both), a collection, or at least two genres. The goal:
at least GOAL of the 10 hits kin, for each film. The seed itself must not be among the hits, and the
reading must have taken the seed (the most voted film of its title).

Baseline, measured in the same run: the seed's nearest neighbours by its stored vector alone
(`Searcher.similar`), i.e. what the seed's document embedding gives without its metadata.

The catalogue is bench_quality's (the union of the three dumps in ../shared/data/catalog, MiniLM vectors
cached); it has no `collection` values (the dumps carry none), so that criterion never fires there.

    MOVIE_ASSETS_HOME=/tmp/bench_home python benchmarks/bench_like.py
    python benchmarks/bench_like.py --artifacts /path/to/artifacts --seeds 30 --out /tmp/bench_like.json

Results: a per-film table and the means on stdout, JSON at --out (default
$MOVIE_ASSETS_HOME/reports/bench/bench_like.json).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import load_average, real_catalogue_searcher, report_head, write_report
from movie_assets.paths import DataPaths
from movie_assets.search import Searcher, SearchParams

K = 10
GOAL = 8
SEEDS = 30
LEADS = 3
COLUMNS = ("movie_id", "title", "year", "directors", "cast", "collection", "genres", "vote_count")


def kin_why(seed: Mapping[str, Any], film: Mapping[str, Any]) -> list[str]:
    """What makes `film` kin to `seed` (empty: not kin): director, lead actor, collection, 2+ genres."""
    why = []
    if set(seed["directors"] or ()) & set(film["directors"] or ()):
        why.append("director")
    if set((seed["cast"] or ())[:LEADS]) & set((film["cast"] or ())[:LEADS]):
        why.append("lead")
    if seed["collection"] and seed["collection"] == film["collection"]:
        why.append("collection")
    if len(set(seed["genres"] or ()) & set(film["genres"] or ())) >= 2:
        why.append("genres")
    return why


def popular(searcher: Searcher, count: int) -> list[dict[str, Any]]:
    """The `count` most voted films (ties: smaller movie_id first)."""
    frame = searcher.payload.select(COLUMNS).sort(["vote_count", "movie_id"], descending=[True, False])
    return list(frame.head(count).iter_rows(named=True))


def _score(searcher: Searcher, seed: Mapping[str, Any], ids: Sequence[int]) -> dict[str, Any]:
    rows = []
    for movie_id in ids:
        record = searcher.movie(movie_id)
        assert record is not None
        rows.append(record)
    whys = [kin_why(seed, r) for r in rows]
    counts = {c: sum(c in w for w in whys) for c in ("director", "lead", "collection", "genres")}
    return {"kin": sum(bool(w) for w in whys), "by": counts, "seed_returned": seed["movie_id"] in ids}


def run(searcher: Searcher, count: int) -> dict[str, Any]:
    params = SearchParams(k=K)
    films = []
    times = []
    for seed in popular(searcher, count):
        started = time.perf_counter()
        result = searcher.search(f"like {seed['title']}", params)
        times.append(time.perf_counter() - started)
        ids = [h.movie_id for h in result.hits]
        liked = [s for s in result.seeds if s.liked]
        taken = liked[0].movie_id if liked else None
        baseline = [h.movie_id for h in searcher.similar(seed["movie_id"], k=K).hits]
        films.append(
            {
                "movie_id": seed["movie_id"], "title": seed["title"], "year": seed["year"],
                "seed_taken": taken == seed["movie_id"], **_score(searcher, seed, ids),
                "baseline_kin": _score(searcher, seed, baseline)["kin"],
                "hits": [f"{h.title} ({h.year})" for h in result.hits],
            }
        )  # fmt: skip
    kin = [f["kin"] for f in films]
    base = [f["baseline_kin"] for f in films]
    return {
        "k": K,
        "goal": GOAL,
        "films": films,
        "summary": {
            "mean_kin": statistics.fmean(kin),
            "median_kin": statistics.median(kin),
            "films_at_goal": sum(k >= GOAL for k in kin),
            "films": len(films),
            "baseline_mean_kin": statistics.fmean(base),
            "baseline_films_at_goal": sum(k >= GOAL for k in base),
            "seed_never_returned": not any(f["seed_returned"] for f in films),
            "seeds_taken_right": sum(f["seed_taken"] for f in films),
            "search_p50_ms": float(np.median(times)) * 1e3,
        },
        "collection_values": int(searcher.payload["collection"].is_not_null().sum()),
    }


def table(report: dict[str, Any]) -> str:
    lines = [f"{'film':<44} {'kin':>3} {'dir':>3} {'lead':>4} {'coll':>4} {'2gen':>4} {'base':>4}  taken"]
    for f in report["films"]:
        by = f["by"]
        mark = "" if f["kin"] >= GOAL else "  < goal"
        name = f"{f['title']} ({f['year']})"[:44]
        lines.append(
            f"{name:<44} {f['kin']:>3} {by['director']:>3} {by['lead']:>4} "
            f"{by['collection']:>4} {by['genres']:>4} {f['baseline_kin']:>4}  "
            f"{'yes' if f['seed_taken'] else 'NO'}{mark}"
        )
    s = report["summary"]
    lines.append(
        f"\nmean kin in the top {K}: {s['mean_kin']:.2f} (median {s['median_kin']}), {s['films_at_goal']} of "
        f"{s['films']} films at >= {GOAL}; baseline (stored-vector neighbours): "
        f"{s['baseline_mean_kin']:.2f}, {s['baseline_films_at_goal']} at goal"
    )
    lines.append(
        f"seed never returned: {s['seed_never_returned']}; seed taken right: {s['seeds_taken_right']} of "
        f"{s['films']}; search p50 {s['search_p50_ms']:.0f} ms; films with a collection: "
        f"{report['collection_values']}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--artifacts", type=Path, default=None,
                        help="artifacts to search (default: bench_quality's, built if missing)")  # fmt: skip
    parser.add_argument("--seeds", type=int, default=SEEDS, help="how many of the most voted films")
    parser.add_argument("--out", type=Path, default=None, help="where the JSON report goes (a .json file)")
    args = parser.parse_args(argv)
    started, load_start = datetime.now(UTC), load_average()
    searcher = real_catalogue_searcher(args.artifacts)
    report = report_head("bench_like", started, args, load_start, [])
    report.update(run(searcher, args.seeds))
    report["artifacts"] = str(searcher.folder)
    report["learned"] = list(searcher.learned.applied) if searcher.learned is not None else []
    report["load_average"]["end"] = load_average()
    print(table(report))
    out = args.out or DataPaths.from_env().reports_dir / "bench" / "bench_like.json"
    print(f"\nreport: {write_report(report, out.parent, out.name)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
