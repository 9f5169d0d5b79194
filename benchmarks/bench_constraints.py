"""Constraint benchmark: queries that name a director or an actor (with a genre or a decade), or combine a
language, a genre and a time, on the real TMDb catalogue; do the top 10 satisfy every named constraint?

Each query carries its own labels (written here, not read by the parser under test): the person and
role, genres, year window, language. A hit satisfies them when the payload says so (directors, the top
ten cast, genres, year, original language). Precision@10 is normalised by what exists: a query whose
constraints only N < 10 films satisfy is scored on its top N. The goal: mean precision@10 >= 0.9 over the
queries with at least 10 such films.

Rows: the library's hybrid with constraints on (default auto-soft language policy, and auto-hard), and
with constraints off (the query words only, as before the parser). The catalogue is bench_quality's
(the union of the three dumps in ../shared/data/catalog, MiniLM vectors cached); a set built before
gazetteers reads its names from the payload.

    MOVIE_ASSETS_HOME=/tmp/bench_home python benchmarks/bench_constraints.py
    python benchmarks/bench_constraints.py --artifacts /path/to/artifacts --out /tmp/bench_constraints.json

Results: a table on stdout (and each query below the goal), JSON at --out (default
$MOVIE_ASSETS_HOME/reports/bench/bench_constraints.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.config import embed_model_name
from movie_assets.index import load_embedder
from movie_assets.paths import DataPaths
from movie_assets.search import Searcher, SearchParams, parse_query

K = 10
GOAL = 0.9
PARSE_REPEATS = 20  # parses of each query for the parser's timing


@dataclass(frozen=True)
class Labelled:
    """A query and what every hit must be: person (with "director", "cast" or "" for either), genres
    (each may be "A|B": any of them), year window, language."""

    query: str
    person: str = ""
    role: str = ""
    genres: tuple[str, ...] = ()
    years: tuple[int | None, int | None] = (None, None)
    language: str = ""
    family: str = field(default="person")


def _p(
    query: str, person: str, role: str = "", *genres: str, years: tuple[Any, Any] = (None, None)
) -> Labelled:
    return Labelled(query, person, role, genres, years)


def _l(query: str, language: str, *genres: str, years: tuple[Any, Any] = (None, None)) -> Labelled:
    return Labelled(query, "", "", genres, years, language, "language")


SUITE: tuple[Labelled, ...] = (
    # Directors, with and without a genre or decade.
    _p("films directed by Woody Allen", "Woody Allen", "director"),
    _p("Martin Scorsese crime movies", "Martin Scorsese", "director", "Crime"),
    _p("Steven Spielberg films from the 80s", "Steven Spielberg", "director", years=(1980, 1989)),
    _p("Ridley Scott science fiction", "Ridley Scott", "director", "Science Fiction"),
    _p("John Carpenter horror", "John Carpenter", "director", "Horror"),
    _p("Wes Craven horror movies", "Wes Craven", "director", "Horror"),
    _p("David Cronenberg films", "David Cronenberg", "director"),
    _p("Tim Burton fantasy", "Tim Burton", "director", "Fantasy"),
    _p("Brian De Palma thrillers", "Brian De Palma", "director", "Thriller"),
    _p("directed by Francis Ford Coppola", "Francis Ford Coppola", "director"),
    _p("Spike Lee drama", "Spike Lee", "director", "Drama"),
    _p("Richard Linklater comedies", "Richard Linklater", "director", "Comedy"),
    _p("Steven Soderbergh crime", "Steven Soderbergh", "director", "Crime"),
    _p("Sidney Lumet 1970s", "Sidney Lumet", "director", years=(1970, 1979)),
    _p("clint eastwood westerns", "Clint Eastwood", "", "Western"),
    _p("Ron Howard drama", "Ron Howard", "director", "Drama"),
    _p("movies by Roman Polanski", "Roman Polanski", "director"),
    # Actors.
    _p("Robert De Niro crime movies", "Robert De Niro", "cast", "Crime"),
    _p("Samuel L. Jackson action", "Samuel L. Jackson", "cast", "Action"),
    _p("Bruce Willis action films from the 90s", "Bruce Willis", "cast", "Action", years=(1990, 1999)),
    _p("Nicolas Cage thrillers", "Nicolas Cage", "cast", "Thriller"),
    _p("Tom Hanks comedies", "Tom Hanks", "", "Comedy"),
    _p("Robin Williams comedy", "Robin Williams", "cast", "Comedy"),
    _p("Meryl Streep drama", "Meryl Streep", "cast", "Drama"),
    _p("movies starring Morgan Freeman", "Morgan Freeman", "cast"),
    _p("Johnny Depp fantasy", "Johnny Depp", "cast", "Fantasy"),
    _p("Sylvester Stallone action 80s", "Sylvester Stallone", "", "Action", years=(1980, 1989)),
    _p("Keanu Reeves science fiction", "Keanu Reeves", "cast", "Science Fiction"),
    _p("harrison ford adventure", "Harrison Ford", "cast", "Adventure"),
    _p("Al Pacino crime drama", "Al Pacino", "cast", "Crime", "Drama"),
    _p("Eddie Murphy comedies from the 80s", "Eddie Murphy", "cast", "Comedy", years=(1980, 1989)),
    _p("Nicole Kidman thriller", "Nicole Kidman", "cast", "Thriller"),
    _p("Liam Neeson action after 2005", "Liam Neeson", "cast", "Action", years=(2006, None)),
    _p("Anthony Hopkins thriller", "Anthony Hopkins", "cast", "Thriller"),
    _p("antonio banderas films", "Antonio Banderas", "cast"),
    # Language, genre and time together.
    _l("french comedies from the 2000s", "fr", "Comedy", years=(2000, 2009)),
    _l("french romance", "fr", "Romance"),
    _l("italian comedy from the 60s", "it", "Comedy", years=(1960, 1969)),
    _l("italian horror 70s", "it", "Horror", years=(1970, 1979)),
    _l("japanese animation after 2000", "ja", "Animation", years=(2001, None)),
    _l("japanese science fiction", "ja", "Science Fiction"),
    _l("korean thriller after 2000", "ko", "Thriller", years=(2001, None)),
    _l("korean action movies", "ko", "Action"),
    _l("spanish thriller", "es", "Thriller"),
    _l("spanish horror after 2000", "es", "Horror", years=(2001, None)),
    _l("german drama", "de", "Drama"),
    _l("hindi romance", "hi", "Romance"),
    _l("hong kong action movies", "cn", "Action"),
    _l("mandarin action", "zh", "Action"),
    _l("french drama before 1980", "fr", "Drama", years=(None, 1979)),
    _l("japanese action movies from the 90s", "ja", "Action", years=(1990, 1999)),
    _l("french crime thriller", "fr", "Crime", "Thriller"),
    _l("italian comedies", "it", "Comedy"),
)
VARIANTS = {
    "constraints on (auto-soft)": SearchParams(k=K),
    "constraints on (auto-hard)": SearchParams(k=K, lang_policy="auto-hard"),
    "constraints off (auto-soft)": SearchParams(k=K, constraints="off"),
    "constraints off (auto-hard)": SearchParams(k=K, constraints="off", lang_policy="auto-hard"),
}


def satisfied(labels: Labelled, payload: pl.DataFrame) -> np.ndarray:
    """Which payload rows satisfy every label (independently of the parser)."""
    tests = []
    if labels.person:
        directed = payload["directors"].list.contains(labels.person).fill_null(False)
        acted = payload["cast"].list.contains(labels.person).fill_null(False)
        tests.append({"director": directed, "cast": acted}.get(labels.role, directed | acted).to_numpy())
    for genre in labels.genres:
        tests.append(
            np.logical_or.reduce(
                [payload["genres"].list.contains(g).fill_null(False).to_numpy() for g in genre.split("|")]
            )
        )
    low, high = labels.years
    years = payload["year"].fill_null(0).to_numpy()
    if low is not None:
        tests.append(years >= low)
    if high is not None:
        tests.append((years <= high) & (years > 0))
    if labels.language:
        tests.append((payload["original_language"] == labels.language).fill_null(False).to_numpy())
    return np.logical_and.reduce(tests)


def run(searcher: Searcher) -> dict[str, Any]:
    payload = searcher.payload
    row_of = {int(m): i for i, m in enumerate(payload["movie_id"].to_list())}
    rows: list[dict[str, Any]] = []
    for labels in SUITE:
        ok = satisfied(labels, payload)
        exists = int(ok.sum())
        row: dict[str, Any] = {"query": labels.query, "family": labels.family, "exists": exists}
        for name, params in VARIANTS.items():
            result = searcher.search(labels.query, params)
            top = [row_of[h.movie_id] for h in result.hits[:K]]
            depth = min(K, exists)
            row[name] = (sum(bool(ok[r]) for r in top[:depth]) / depth) if depth else None
            if name == "constraints on (auto-soft)":
                row["parsed"] = result.parsed.describe() if result.parsed else ""
        rows.append(row)
    vocabulary = searcher.knowledge.vocabulary()
    parse_s = []
    for _ in range(PARSE_REPEATS):
        for labels in SUITE:
            start = time.perf_counter()
            parse_query(labels.query, vocabulary)
            parse_s.append(time.perf_counter() - start)
    summary: dict[str, dict[str, float]] = {}
    for name in VARIANTS:
        full = [r[name] for r in rows if r["exists"] >= K]
        some = [r[name] for r in rows if r[name] is not None]
        summary[name] = {
            "mean_p10_where_10_exist": statistics.fmean(full) if full else float("nan"),
            "queries_where_10_exist": len(full),
            "mean_p10_normalised_all": statistics.fmean(some) if some else float("nan"),
            "queries": len(some),
            "person_mean": _family_mean(rows, name, "person"),
            "language_mean": _family_mean(rows, name, "language"),
        }
    parse = {"p50_ms": float(np.median(parse_s)) * 1e3, "p95_ms": float(np.percentile(parse_s, 95)) * 1e3}
    return {"k": K, "goal": GOAL, "summary": summary, "parse": parse, "queries": rows}


def _family_mean(rows: list[dict[str, Any]], name: str, family: str) -> float:
    scores = [r[name] for r in rows if r["family"] == family and r[name] is not None]
    return statistics.fmean(scores) if scores else float("nan")


def table(report: dict[str, Any]) -> str:
    lines = [f"{'variant':<30} {'P@10 (>=10 exist)':>18} {'n':>3} {'P@10 norm. (all)':>17} {'n':>3} "
             f"{'people':>7} {'lang+genre+time':>16}"]  # fmt: skip
    for name, s in report["summary"].items():
        lines.append(
            f"{name:<30} {s['mean_p10_where_10_exist']:>18.3f} {s['queries_where_10_exist']:>3} "
            f"{s['mean_p10_normalised_all']:>17.3f} {s['queries']:>3} {s['person_mean']:>7.3f} "
            f"{s['language_mean']:>16.3f}"
        )
    parse = report["parse"]
    lines.append(f"\nparse_query over the suite: p50 {parse['p50_ms']:.3f} ms, p95 {parse['p95_ms']:.3f} ms")
    main = "constraints on (auto-soft)"
    below = [r for r in report["queries"] if r[main] is not None and r[main] < GOAL]
    if below:
        lines.append(f"\nbelow {GOAL} with {main}:")
        for r in below:
            lines.append(f"  {r[main]:.1f}  {r['query']!r} ({r['exists']} exist) read as: {r['parsed']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--artifacts", type=Path, default=None,
                        help="artifacts to search (default: bench_quality's, built if missing)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="where the JSON report goes")
    args = parser.parse_args(argv)
    if args.artifacts is None:
        from benchmarks.bench_quality import _cache_dir, build_corpus

        corpus = build_corpus(_cache_dir())
        searcher = Searcher.open(corpus.artifacts, embedder=corpus.embedder)
    else:
        searcher = Searcher.open(args.artifacts, embedder=load_embedder(embed_model_name()))
    report = run(searcher)
    print(table(report))
    out = args.out or DataPaths.from_env().reports_dir / "bench" / "bench_constraints.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"\nreport: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
