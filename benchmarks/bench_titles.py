"""Title benchmark: is a query that is a film's title answered with that film first, on the real catalogue?

For the FILMS most voted films of the catalogue (ties by movie_id: deterministic), two queries each: the
title as it is and lower-cased. For each method (every one this machine can run, and hybrid with the
learned parts when a learned set is given or found) the film's rank in the top K: the share at rank 1
and MRR@K, over all queries and over those the parser read as a whole title.

Baseline, measured in the same run: the same query with the title lift off. A query read as a title has
that one constraint, so it runs again with `constraints="off"` (the query's reading applied to nothing:
no lift); a query not read as a title is not lifted, and its answer is the baseline's too. A one-word
Latin title ("Heat") and one of generic words only ("Scary Movie") are read as words, by design.

The catalogue is bench_quality's (the union of the three dumps in ../shared/data/catalog, MiniLM vectors
cached); its films have no other titles (the dumps carry none).

    MOVIE_ASSETS_HOME=/tmp/bench_home python benchmarks/bench_titles.py
    python benchmarks/bench_titles.py --films 50 --learned-set none --out /tmp/bench_titles.json

Results: a table per method on stdout (and the queries still below rank 1), JSON at --out (default
$MOVIE_ASSETS_HOME/reports/bench/bench_titles.json).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks._common import load_average, real_catalogue_searcher, report_head, write_report
from movie_assets.paths import DataPaths
from movie_assets.search import METHODS, Searcher, SearchParams, SearchResult, unavailable_methods

K = 10
FILMS = 200
LEARNED = "hybrid (learned)"


def popular(searcher: Searcher, count: int) -> list[dict[str, Any]]:
    """The `count` most voted films (ties: smaller movie_id first)."""
    frame = searcher.payload.select("movie_id", "title", "year", "vote_count")
    frame = frame.sort(["vote_count", "movie_id"], descending=[True, False])
    return list(frame.head(count).iter_rows(named=True))


def _rank(result: SearchResult, movie_id: int) -> int:
    """The film's 1-based rank among the hits, 0 when it is not among them."""
    return next((h.rank for h in result.hits if h.movie_id == movie_id), 0)


def _read_as_title(result: SearchResult) -> bool:
    return result.parsed is not None and bool(result.parsed.title)


def measure(searcher: Searcher, method: str, films: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per query: the film's rank with the lift (the library as it is) and without it."""
    params = SearchParams(k=K, method=method)
    rows = []
    for film in films:
        for form, query in (("as is", film["title"]), ("lower", film["title"].lower())):
            started = time.perf_counter()
            lifted = searcher.search(query, params)
            spent = time.perf_counter() - started
            titled = _read_as_title(lifted)
            kinds = [c.kind for c in lifted.parsed.constraints] if lifted.parsed else []
            # With the title its only constraint, constraints off is exactly "no lift"; otherwise the
            # query is not lifted and the baseline is the same answer.
            alone = titled and kinds == ["title"]
            base = searcher.search(query, params, constraints="off") if alone else lifted
            rows.append(
                {
                    "movie_id": film["movie_id"], "title": film["title"], "year": film["year"],
                    "form": form, "query": query, "read_as_title": titled,
                    "other_constraints": titled and not alone,
                    "rank": _rank(lifted, film["movie_id"]), "baseline_rank": _rank(base, film["movie_id"]),
                    "top": f"{lifted.hits[0].title} ({lifted.hits[0].year})" if lifted.hits else "",
                    "seconds": spent,
                }
            )  # fmt: skip
    return rows


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Rank-1 share and MRR@K with and without the lift, over every query and over those read as titles."""

    def scores(chosen: Sequence[dict[str, Any]], key: str) -> dict[str, float | int]:
        ranks = [r[key] for r in chosen]
        n = len(ranks)
        return {
            "queries": n,
            "rank1": sum(r == 1 for r in ranks) / n if n else float("nan"),
            "mrr": sum(1 / r for r in ranks if r) / n if n else float("nan"),
            "found": sum(r > 0 for r in ranks) / n if n else float("nan"),
        }

    titled = [r for r in rows if r["read_as_title"]]
    return {
        "all": {"lift": scores(rows, "rank"), "baseline": scores(rows, "baseline_rank")},
        "read_as_title": {"lift": scores(titled, "rank"), "baseline": scores(titled, "baseline_rank")},
        "with_other_constraints": sum(r["other_constraints"] for r in rows),
        "search_p50_ms": statistics.median(r["seconds"] for r in rows) * 1e3 if rows else float("nan"),
    }


def table(report: dict[str, Any]) -> str:
    head = (
        f"{'method':<18} {'queries':>7} {'rank1 base':>10} {'rank1 lift':>10} {'MRR base':>8} {'MRR lift':>8}"
    )
    lines = []
    for scope, name in (("all", "every title query"), ("read_as_title", "read as a title")):
        lines += [f"\n{name} (MRR@{K})", head]
        for method, result in report["methods"].items():
            s = result["summary"][scope]
            lift, base = s["lift"], s["baseline"]
            lines.append(
                f"{method:<18} {lift['queries']:>7} {base['rank1']:>10.3f} {lift['rank1']:>10.3f} "
                f"{base['mrr']:>8.3f} {lift['mrr']:>8.3f}"
            )
    for method, result in report["methods"].items():
        missed = [r for r in result["queries"] if r["rank"] != 1]
        lines.append(f"\n{method}: {len(missed)} queries without their film first (read as a title: "
                     f"{sum(r['read_as_title'] for r in missed)})")  # fmt: skip
        for r in missed[:12]:
            ranks = f"rank {r['rank'] or '-':>2} (base {r['baseline_rank'] or '-'})"
            lines.append(f"  {r['query']!r:<40} {ranks}, title read: {r['read_as_title']}, first: {r['top']}")
    return "\n".join(lines)


def _learned_set(choice: str) -> Path | None:
    """The learned set to score as hybrid (learned): a path, "none", or "auto" (bench_quality's)."""
    if choice == "none":
        return None
    if choice != "auto":
        return Path(choice)
    from benchmarks.bench_quality import _cache_dir

    found = _cache_dir() / "learned-both"
    return found if found.exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--artifacts", type=Path, default=None,
                        help="artifacts to search (default: bench_quality's, built if missing)")  # fmt: skip
    parser.add_argument("--films", type=int, default=FILMS, help="how many of the most voted films")
    parser.add_argument(
        "--methods", nargs="+", default=None, help=f"methods (default: every one of {METHODS})"
    )
    parser.add_argument("--learned-set", default="auto",
                        help="learned set for hybrid (learned): a path, auto or none")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="where the JSON report goes (a .json file)")
    args = parser.parse_args(argv)
    started, load_start = datetime.now(UTC), load_average()
    searcher = real_catalogue_searcher(args.artifacts)
    films = popular(searcher, args.films)
    skipped = unavailable_methods()
    methods = [m for m in (args.methods or METHODS) if m not in skipped]
    report = report_head("bench_titles", started, args, load_start, [])
    report.update(artifacts=str(searcher.folder), k=K, films=len(films), skipped=skipped, methods={})
    for method in methods:
        # The plain set: hybrid is the RRF of both retrievers, as without learned parts.
        rows = measure(searcher, method, films)
        report["methods"][method] = {"summary": summary(rows), "queries": rows}
    learned_set = _learned_set(args.learned_set)
    if learned_set is not None and "hybrid" in methods:
        learned = Searcher.open(learned_set, embedder=searcher.encoder.model())
        rows = measure(learned, "hybrid", films)
        parts = list(learned.learned.applied) if learned.learned else []
        report["methods"][LEARNED] = {"summary": summary(rows), "queries": rows, "parts": parts}
    report["load_average"]["end"] = load_average()
    print(table(report))
    out = args.out or DataPaths.from_env().reports_dir / "bench" / "bench_titles.json"
    print(f"\nreport: {write_report(report, out.parent, out.name)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
