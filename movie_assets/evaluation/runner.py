"""Run every search method over two query sets and tabulate the scores.

Proxy set: N catalogue movies whose title is the query; the movie itself is dropped from its k+1 hits and
the remaining k are compared with it (genre Jaccard, year gap, same original language), next to the chance
level of the year gap and the language match. Labelled set: TREC-ToT requests with gold TMDb ids
(`movie_assets.evaluation.tomt`), scored with Recall/MRR/nDCG.

Each method pays for its own queries: the Searcher's remembered query vectors are dropped before each
method is timed, or a later method would reuse the vectors of the same titles embedded by an earlier one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.evaluation import metrics as m
from movie_assets.evaluation.per_request import REQUESTS_FILE, gold_rank, requests_table, write_requests_table
from movie_assets.evaluation.tables import results_markdown
from movie_assets.evaluation.tomt import ToTQueries, truncate_words
from movie_assets.files import write_text
from movie_assets.index import PAYLOAD_FILE, learned_facts
from movie_assets.search import (
    MAX_QUERY_CHARS,
    Hit,
    ModelUnavailableError,
    QueryError,
    Searcher,
    SearchParams,
)

DEFAULT_METHODS: tuple[str, ...] = ("bm25", "retrieval", "hybrid", "blend", "mmr")
RELEVANCE_DEPTH = 100  # hits read per labelled query: enough for Recall@100
PROXY_COLUMNS = ("movie_id", "title", "year", "original_language", "genres")
RESULTS_FILE, TABLE_FILE = "search_eval.json", "search_eval.md"


def sample_title_queries(payload: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """`n` movies (all when fewer) with a title, drawn reproducibly: same artifacts + seed, same sample."""
    if n < 1:
        raise ValueError(f"the sample size must be >= 1, got {n}")
    titled = payload.select(PROXY_COLUMNS).filter(pl.col("title").str.strip_chars().str.len_chars() > 0)
    titled = titled.sort("movie_id")
    picked = np.random.default_rng(seed).permutation(titled.height)[: min(n, titled.height)]
    return titled[np.sort(picked)]


def _search(searcher: Searcher, text: str, params: SearchParams) -> tuple[tuple[Hit, ...], float]:
    """The hits and the seconds spent; a query the library refuses is an empty answer."""
    start = time.perf_counter()
    try:
        hits = searcher.search(text, params).hits
    except QueryError:
        # Scored as a miss, so a method cannot look better by failing on hard queries.
        hits = ()
    return hits, time.perf_counter() - start


def proxy_scores(searcher: Searcher, sample: pl.DataFrame, params: SearchParams) -> dict[str, float | None]:
    """genre@k, year_gap@k, lang_match@k, self@1 and ms per query of one method over the title sample,
    where `params.k` is k + 1 (the query movie itself is dropped from its hits)."""
    k = params.k - 1
    genre, gaps, matches, first, seconds = [], [], [], [], 0.0
    for row in sample.iter_rows(named=True):
        hits, spent = _search(searcher, row["title"], params)
        seconds += spent
        first.append(bool(hits) and hits[0].movie_id == row["movie_id"])
        others = [h for h in hits if h.movie_id != row["movie_id"]][:k]
        genre.append(m.genre_similarity(row["genres"] or [], [h.genres for h in others]))
        gaps.append(m.mean_year_gap(row["year"], [h.year for h in others]))
        matches += m.language_matches(row["original_language"], [h.original_language for h in others])
    return {
        f"genre@{k}": m.mean_or_none(genre),
        f"year_gap@{k}": m.mean_or_none(gaps),
        f"lang_match@{k}": m.mean_or_none(matches),
        "self@1": m.mean_or_none(first),
        "ms_per_query": 1000 * seconds / max(sample.height, 1),
    }


def chance_scores(payload: pl.DataFrame, sample: pl.DataFrame, k: int) -> dict[str, float | None]:
    """The year gap and language match of hits drawn at random from `payload`, for the title sample."""
    return {
        f"year_gap@{k}": m.chance_year_gap(sample["year"].to_list(), payload["year"].to_list()),
        f"lang_match@{k}": m.chance_language_match(
            sample["original_language"].to_list(), payload["original_language"].to_list()
        ),
    }


def relevance_scores(
    searcher: Searcher, tot: ToTQueries, params: SearchParams, ranks: list[int | None] | None = None
) -> dict[str, float | None]:
    """Recall@10/100, MRR@10, nDCG@10 and ms per query of one method over the labelled queries
    (`params.k` is replaced by RELEVANCE_DEPTH); each query's gold rank is appended to `ranks` if given."""
    params = replace(params, k=RELEVANCE_DEPTH)
    names = ("recall@10", "recall@100", "mrr@10", "ndcg@10")
    rows, seconds = [], 0.0
    for query in tot.queries:
        text = truncate_words(query.text, MAX_QUERY_CHARS)
        hits, spent = _search(searcher, text, params)
        seconds += spent
        ranked = [h.movie_id for h in hits]
        if ranks is not None:
            ranks.append(gold_rank(ranked, query.gold))
        rows.append(
            (
                m.recall_at_k(ranked, query.gold, 10),
                m.recall_at_k(ranked, query.gold, 100),
                m.mrr_at_k(ranked, query.gold, 10),
                m.ndcg_at_k(ranked, query.gold, 10),
            )
        )
    means = [m.mean_or_none(column) for column in zip(*rows, strict=True)] if rows else [None] * 4
    return {**dict(zip(names, means, strict=True)), "ms_per_query": 1000 * seconds / max(len(rows), 1)}


def _labelled_summary(tot: ToTQueries) -> dict[str, Any]:
    long = sum(len(" ".join(q.text.split())) > MAX_QUERY_CHARS for q in tot.queries)
    return {
        "total": tot.total, "used": len(tot.queries), "dropped": tot.dropped,
        "stripped_lines": tot.stripped_lines, "truncated_to_max_chars": long,
    }  # fmt: skip


def evaluate(
    searcher: Searcher,
    methods: Sequence[str] = DEFAULT_METHODS,
    *,
    sample_size: int = 200,
    seed: int = 0,
    k: int = 10,
    tot: ToTQueries | None = None,
    lang_policy: str = "auto-soft",
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """Score each method on a title sample of the searcher's catalogue and, when given, on labelled queries.

    A method whose model cannot be loaded offline (``ce`` without a local cross-encoder) is listed under
    `skipped` with the reason instead of failing the whole evaluation.

    Args:
        searcher: an opened Searcher; its payload supplies the title sample.
        methods: search methods to score, in table order.
        sample_size, seed: how many title queries, drawn reproducibly with this seed.
        k: the proxy metrics' cutoff (k+1 hits are read, the query movie itself is dropped).
        tot: labelled queries (`load_tot_queries`); None or empty skips the relevance table.
        lang_policy: the language policy every search uses.
        notes: remarks to carry into the results (e.g. why there are no labelled queries).

    Returns:
        JSON-ready results: generated_at, artifacts, config, proxy_queries, proxy {method: scores},
        proxy_chance (the scores of random hits), labelled (counts) and relevance {method: scores} or None,
        skipped {method: reason}, notes.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    # A bad knob must fail here: inside the loop a refused query only counts as a miss.
    per_method = method_runs(searcher, methods, k + 1, lang_policy)
    payload = pl.read_parquet(Path(searcher.folder) / PAYLOAD_FILE, columns=list(PROXY_COLUMNS))
    sample = sample_title_queries(payload, sample_size, seed)
    labelled = tot if tot is not None and tot.queries else None
    proxy: dict[str, Any] = {}
    relevance: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    ranks: dict[str, list[int | None]] = {}
    for method, params in per_method.items():
        try:
            # One untimed query first: it loads the method's models, so ms_per_query measures queries.
            _search(searcher, "warm up", params)
            searcher.forget_queries()
            proxy[method] = proxy_scores(searcher, sample, params)
            if labelled is not None:
                ranks[method] = []
                searcher.forget_queries()
                relevance[method] = relevance_scores(searcher, labelled, params, ranks[method])
        except ModelUnavailableError as exc:
            proxy.pop(method, None)
            ranks.pop(method, None)
            skipped[method] = str(exc)
    manifest = searcher.manifest
    return {
        "generated_at": stamp(),
        "artifacts": {
            "dir": str(searcher.folder), "count": searcher.count,
            "embedding_model": manifest.get("embedding_model"), "built_at": manifest.get("built_at"),
        },
        "config": {
            "k": k, "sample_size": sample_size, "seed": seed, "lang_policy": lang_policy,
            "methods": list(dict.fromkeys(methods)),
        },
        "learned": None if searcher.learned is None else {
            "parts": list(searcher.learned.applied),
            "trained_at": (learned_facts(manifest) or {}).get("trained_at"),
        },
        "proxy_queries": sample.height,
        "proxy": proxy,
        "proxy_chance": chance_scores(payload, sample, k),
        "labelled": None if tot is None else _labelled_summary(tot),
        "relevance": relevance if labelled is not None else None,
        "skipped": skipped,
        "notes": list(notes),
        "requests": requests_table(labelled.queries, ranks) if labelled is not None else [],
    }  # fmt: skip


def method_runs(
    searcher: Searcher, methods: Sequence[str], k: int, lang_policy: str
) -> dict[str, SearchParams]:
    """Label -> knobs of every run: each method as asked (hybrid with its learned parts when the set has
    them) and, for a method the learned parts change, the same with them off as "<method> (learned off)"."""
    runs: dict[str, SearchParams] = {}
    for method in dict.fromkeys(methods):
        runs[method] = SearchParams(k=k, method=method, lang_policy=lang_policy)
        if searcher.learned_applies(method):
            runs[f"{method} (learned off)"] = replace(runs[method], learned="off")
    return runs


def write_results(results: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write search_eval.json, search_eval.md and the per-request ranks (search_eval_requests.csv) into
    `out_dir` (each replaced in one step)."""
    summary = {key: value for key, value in results.items() if key != "requests"}
    written = {
        name: write_text(text, out_dir / name)
        for name, text in (
            (RESULTS_FILE, json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n"),
            (TABLE_FILE, results_markdown(results)),
        )
    }
    written[REQUESTS_FILE] = write_requests_table(results.get("requests") or [], out_dir)
    return written


def stamp() -> str:
    """The current UTC time as an ISO string (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
