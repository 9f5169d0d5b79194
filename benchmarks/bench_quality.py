"""Retrieval-quality benchmark: Reddit "tip of my tongue" movie requests against the real TMDb catalogue.

The catalogue is the union of the three TMDb-derived dumps in ../shared/data/catalog/ (`import-dump`),
turned into the typed `movies` frame, search documents, real MiniLM vectors (through the embedding cache,
so a re-run embeds nothing) and the search artifacts; a `Searcher` then answers every labelled request.
Queries are the TREC-ToT requests of ../shared/data/tomt/ (title + text, edit/solved/update lines and answer
reveals stripped); the gold IMDb id maps to TMDb ids through MovieLens links.csv and the dumps' imdb_id, and
only requests whose answer is in the catalogue are kept (every other is counted under its reason).

The library reads requests up to MAX_QUERY_CHARS (20,000) characters whole (BM25 every word, the dense model
its first QUERY_WINDOW, 128, word pieces); "hybrid (1,000 chars)" cuts each request at the last word
boundary before 1,000 characters, as the library had to before it took long descriptions. The seed method
(the baseline the library must beat) reads the whole request: exact FAISS over the same vectors, rank_bm25's
BM25Okapi over lowercase [a-z0-9]+ tokens of the same documents, and an RRF (k=60) of both top-500 lists.

    MOVIE_ASSETS_HOME=/tmp/bench_home python benchmarks/bench_quality.py            # validation and train
    python benchmarks/bench_quality.py --splits validation                           # validation only
    python benchmarks/bench_quality.py --splits train --sample 1000 --seed 7         # a seeded train sample
    python benchmarks/bench_quality.py --splits validation --learned                 # + the learned variants

With --learned the query adapter and the ranker are trained on the train split (`_learned_variants`, cached
by fingerprint) and hybrid is scored on validation with each learned part and with none.

The first run embeds ~15.8k documents (several minutes on 2 cores); later runs read the cache under
$MOVIE_ASSETS_HOME/cache/bench_quality/. Results: a table on stdout and
$MOVIE_ASSETS_HOME/reports/bench/bench_quality.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.catalog import movies_frame
from movie_assets.config import embed_model_name
from movie_assets.dumps import import_dumps
from movie_assets.evaluation import (
    ToTQueries,
    ToTQuery,
    catalogue_imdb_map,
    load_tot_queries,
    mrr_at_k,
    ndcg_at_k,
    read_links,
    recall_at_k,
    truncate_words,
)
from movie_assets.index import (
    Embedder,
    EmbeddingCache,
    OnnxEmbedder,
    cache_key,
    cached_export,
    embed_documents,
    identity_of,
    load_embedder,
    movie_documents,
    write_artifacts,
)
from movie_assets.paths import DataPaths
from movie_assets.search import MAX_QUERY_CHARS, Searcher, SearchParams, rrf_arrays
from movie_assets.tmdb import read_catalogue

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
DUMPS = ("tmdb_5000_movies.csv.gz", "tmdb-movies.csv.gz", "top10K-TMDB-movies.csv.gz")
LINKS = Path("movielens/ml-25m/links.csv.gz")
SPLITS = ("validation", "train")
LIBRARY_METHODS = ("bm25", "retrieval", "hybrid", "blend", "mmr")
SEED_METHOD = "seed"
DEPTH = 100  # hits read per query: enough for Recall@100
SEED_POOL, SEED_RRF_K = 500, 60
SEED_TOKEN = re.compile(r"[a-z0-9]+")
METRICS = ("R@10", "R@100", "MRR@10", "nDCG@10")


class RecentEmbedder:
    """The model plus a memory of recent texts: the seed method re-reads many of the library's texts."""

    def __init__(self, inner: Embedder, keep: int = 16) -> None:
        self.name, self.dim = inner.name, inner.dim
        self.identity = identity_of(inner)  # int8 vectors are another encoder's: the Searcher checks
        self._inner, self._keep = inner, keep
        self._recent: dict[str, np.ndarray] = {}

    def windowed(self, max_tokens: int) -> RecentEmbedder:
        """The model reading `max_tokens` word pieces, as the library reads queries (QUERY_WINDOW)."""
        inner = getattr(self._inner, "windowed", None)
        return RecentEmbedder(inner(max_tokens) if inner is not None else self._inner, self._keep)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._recent]
        if todo:
            self._recent.update(zip(todo, self._inner.encode(todo, batch_size=batch_size), strict=True))
        rows = np.stack([self._recent[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        while len(self._recent) > self._keep:
            self._recent.pop(next(iter(self._recent)))
        return rows


@dataclass(frozen=True)
class Corpus:
    """The benchmark catalogue, sorted by movie_id: rows, documents and one unit vector per row."""

    movies: pl.DataFrame
    documents: pl.DataFrame
    vectors: np.ndarray
    artifacts: Path
    embedder: Embedder
    imported: int


def _cache_dir() -> Path:
    return DataPaths.from_env().root / "cache" / "bench_quality"


def _log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _need(path: Path) -> Path:
    if not path.exists():
        raise SystemExit(
            f"bench_quality: {path} is missing; the benchmark reads ../shared/data beside the repo"
        )
    return path


ENCODERS = ("torch", "onnx-fp32", "onnx-int8", "onnx-int8-mixed")


def _embedder(encoder: str, cache: Path) -> Embedder:
    """The document and query encoder: torch (the cached vectors of earlier runs), or an ONNX export."""
    if encoder == "torch":
        return load_embedder(embed_model_name())
    return OnnxEmbedder(cached_export(cache / "encoders", embed_model_name(), encoder.split("-", 1)[1]))


def build_corpus(cache: Path, encoder: str = "torch") -> Corpus:
    """Import the dumps, build movies/documents, embed (cached) and write the artifacts when they changed.

    Sets of another `encoder` than torch go to their own folder (artifacts-onnx-int8), so they never replace
    the torch set that the learned variants are trained over."""
    catalogue = cache / "catalogue.jsonl.gz"
    if not catalogue.is_file():
        report = import_dumps([_need(SHARED / "catalog" / name) for name in DUMPS], catalogue)
        _log(f"imported {report.movies_written:,} movies into {catalogue}")
    records = read_catalogue(catalogue)
    movies = movies_frame(records).filter(pl.col("year").is_not_null()).sort("movie_id")
    if movies.height < len(records):
        _log(f"{len(records) - movies.height:,} catalogue movies have no release year and are not indexed")
    documents = movie_documents(movies)
    embedder = _embedder(encoder, cache)
    started = time.perf_counter()
    vectors, stats = embed_documents(documents, embedder, EmbeddingCache(cache / "embeddings"))
    _log(
        f"{stats.total:,} documents: {stats.cached:,} vectors cached, {stats.embedded:,} embedded "
        f"in {time.perf_counter() - started:.0f}s"
    )
    suffix = "" if encoder == "torch" else f"-{encoder}"
    artifacts = cache / f"artifacts{suffix}"
    key = embedder.name if encoder == "torch" else cache_key(embedder)
    digest = hashlib.sha256("\n".join([key, *documents["doc_hash"].to_list()]).encode()).hexdigest()
    stamp = cache / f"artifacts{suffix}.fingerprint"
    if not (artifacts / "manifest.json").is_file() or not stamp.is_file() or stamp.read_text() != digest:
        write_artifacts(
            movies, documents, vectors, artifacts, model_name=embedder.name, encoder=identity_of(embedder)
        )
        stamp.write_text(digest)
        _log(f"artifacts written to {artifacts}")
    return Corpus(movies, documents, vectors, artifacts, RecentEmbedder(embedder), len(records))


class SeedMethod:
    """The baseline: exact FAISS + rank_bm25 BM25Okapi over [a-z0-9]+ tokens, RRF k=60 of both top-500 lists.

    BM25Okapi.get_scores walks every document in Python for every query term (~0.5 s per long request);
    its exact scores are precomputed as one sparse term matrix from the fitted object's own idf, k1, b and
    document frequencies, and checked against get_scores on the first query.
    """

    def __init__(self, documents: Sequence[str], vectors: np.ndarray, embedder: Embedder) -> None:
        import faiss
        from rank_bm25 import BM25Okapi
        from scipy import sparse

        self._embedder = embedder
        self._index = faiss.IndexFlatIP(vectors.shape[1])
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._bm25 = BM25Okapi([self.tokens(d) for d in documents])
        bm = self._bm25
        self._vocab = {term: i for i, term in enumerate(sorted(bm.idf))}
        rows, cols, values = [], [], []
        for doc, (freqs, length) in enumerate(zip(bm.doc_freqs, bm.doc_len, strict=True)):
            norm = bm.k1 * (1 - bm.b + bm.b * length / bm.avgdl)
            for term, tf in freqs.items():
                rows.append(doc)
                cols.append(self._vocab[term])
                values.append(bm.idf[term] * tf * (bm.k1 + 1) / (tf + norm))
        self._weights = sparse.csr_matrix((values, (rows, cols)), shape=(len(documents), len(self._vocab)))
        self._checked = False

    @staticmethod
    def tokens(text: str) -> list[str]:
        return SEED_TOKEN.findall(text.lower())

    def _bm25_scores(self, terms: list[str]) -> np.ndarray:
        counts = np.zeros(len(self._vocab))
        for term in terms:  # BM25Okapi adds a repeated query term once per repetition
            if term in self._vocab:
                counts[self._vocab[term]] += 1
        scores = self._weights @ counts
        if not self._checked:
            reference = self._bm25.get_scores(terms)
            if not np.allclose(scores, reference, rtol=1e-9, atol=1e-9):
                raise AssertionError("the vectorised BM25Okapi scores differ from rank_bm25's get_scores")
            self._checked = True
        return scores

    def rank(self, text: str, vector: np.ndarray | None = None) -> np.ndarray:
        """Catalogue rows (movie_id order), best first, DEPTH of them."""
        if vector is None:
            vector = self._embedder.encode([text])
        _, dense = self._index.search(np.ascontiguousarray(vector, dtype=np.float32), SEED_POOL)
        scores = self._bm25_scores(self.tokens(text))
        sparse_top = np.argsort(-scores, kind="stable")[:SEED_POOL]
        fused, _ = rrf_arrays([dense[0][dense[0] >= 0], sparse_top], SEED_RRF_K)
        return fused[:DEPTH]


@dataclass(frozen=True)
class Run:
    """One row of the table: a method name and how to rank one query with it."""

    name: str
    rank: Callable[[ToTQuery, str], list[int]]  # (query, library text) -> movie ids, best first


def library_run(searcher: Searcher, name: str, params: SearchParams) -> Run:
    def rank(_query: ToTQuery, text: str) -> list[int]:
        return [hit.movie_id for hit in searcher.search(text, params).hits]

    return Run(name, rank)


def cut_run(searcher: Searcher, name: str, params: SearchParams, limit: int) -> Run:
    """A library run over each request cut at a word boundary to `limit` characters."""

    def rank(_query: ToTQuery, text: str) -> list[int]:
        return [hit.movie_id for hit in searcher.search(truncate_words(text, limit), params).hits]

    return Run(name, rank)


def learned_runs(corpus: Corpus, report: dict[str, Any]) -> list[Run]:
    """hybrid as the library had it (1,000 characters), then with each learned part trained on train."""
    from _learned_variants import learned_variants

    base = Searcher.open(corpus.artifacts, embedder=corpus.embedder)
    hybrid = SearchParams(k=DEPTH, method="hybrid")
    # The plain "hybrid" row reads these same artifacts, which hold no learned parts: hybrid without them.
    runs = [cut_run(base, "hybrid (1,000 chars)", hybrid, 1_000)]
    train, _ = load_split(corpus, "train", None, 0)
    labels = (SHARED / "tomt" / "train.jsonl.gz").read_bytes()
    variants = learned_variants(
        corpus.artifacts, corpus.embedder, train, labels, (SHARED / LINKS).read_bytes(), _log
    )
    for name, variant in variants.items():
        searcher = Searcher.open(variant["folder"], embedder=corpus.embedder)
        runs.append(library_run(searcher, f"hybrid +{name.removeprefix('learned-')}", hybrid))
        report.setdefault("learned", {})[name] = {
            "trained_s_this_run": variant["trained_s"],
            **{
                k: variant["entry"].get(k)
                for k in ("requests", "ranker", "adapter", "held_apart_scores", "seconds")
            },
        }
    return runs


def seed_run(corpus: Corpus) -> Run:
    seed = SeedMethod(corpus.documents["document"].to_list(), corpus.vectors, corpus.embedder)
    movie_ids = corpus.movies["movie_id"].to_numpy()

    def rank(query: ToTQuery, _text: str) -> list[int]:
        return [int(movie_ids[row]) for row in seed.rank(" ".join(query.text.split()))]

    return Run(SEED_METHOD, rank)


def load_split(
    corpus: Corpus, split: str, sample: int | None, seed: int
) -> tuple[ToTQueries, list[ToTQuery]]:
    """The split's kept queries and the ones to run (a seeded sample when `sample` is smaller)."""
    links = read_links(_need(SHARED / LINKS))
    tot = load_tot_queries(
        _need(SHARED / "tomt" / f"{split}.jsonl.gz"),
        corpus.movies["movie_id"].to_list(),
        links=links,
        imdb_map=catalogue_imdb_map(corpus.movies),
    )
    chosen = list(tot.queries)
    if sample is not None and sample < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample), key=lambda q: q.query_id)
    return tot, chosen


def score_split(runs: Sequence[Run], queries: Sequence[ToTQuery]) -> dict[str, dict[str, float]]:
    """Mean R@10, R@100, MRR@10, nDCG@10 and ms per query of every run over the queries."""
    sums = {run.name: dict.fromkeys((*METRICS, "ms_per_query"), 0.0) for run in runs}
    for number, query in enumerate(queries, start=1):
        text = truncate_words(query.text, MAX_QUERY_CHARS)
        for run in runs:
            started = time.perf_counter()
            ranked = run.rank(query, text)
            row = sums[run.name]
            row["ms_per_query"] += 1000 * (time.perf_counter() - started)
            row["R@10"] += recall_at_k(ranked, query.gold, 10)
            row["R@100"] += recall_at_k(ranked, query.gold, 100)
            row["MRR@10"] += mrr_at_k(ranked, query.gold, 10)
            row["nDCG@10"] += ndcg_at_k(ranked, query.gold, 10)
        if number % 250 == 0:
            _log(f"  {number:,}/{len(queries):,} queries")
    return {
        name: {key: value / max(len(queries), 1) for key, value in row.items()} for name, row in sums.items()
    }


def table(results: dict[str, Any]) -> str:
    lines = [f"{'split':<11} {'n':>5}  {'method':<14}" + "".join(f"{m:>9}" for m in METRICS) + f"{'ms/q':>8}"]
    for split, block in results.items():
        for name, row in block["methods"].items():
            cells = "".join(f"{row[m]:>9.4f}" for m in METRICS)
            lines.append(
                f"{split:<11} {block['queries_used']:>5}  {name:<14}{cells}{row['ms_per_query']:>8.1f}"
            )
    return "\n".join(lines)


def verdict(methods: dict[str, dict[str, float]]) -> list[str]:
    """Where hybrid does not beat each single retriever and the seed method on every metric."""
    hybrid = methods.get("hybrid")
    if hybrid is None:
        return []
    return [
        f"hybrid {metric} {hybrid[metric]:.4f} <= {other} {methods[other][metric]:.4f}"
        for other in ("bm25", "retrieval", SEED_METHOD)
        if other in methods
        for metric in ("R@10", "R@100", "MRR@10")
        if hybrid[metric] <= methods[other][metric]
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--splits", nargs="+", choices=SPLITS, default=list(SPLITS))
    parser.add_argument("--methods", nargs="+", choices=(*LIBRARY_METHODS, SEED_METHOD),
                        default=[*LIBRARY_METHODS, SEED_METHOD])  # fmt: skip
    parser.add_argument("--sample", type=int, default=None, help="run a seeded sample of N queries per split")
    parser.add_argument("--seed", type=int, default=7, help="the sample's seed (default 7)")
    parser.add_argument("--build-only", action="store_true", help="build the corpus and artifacts, then stop")
    parser.add_argument(
        "--learned", action="store_true", help="train the learned parts on train, score hybrid with each"
    )
    parser.add_argument(
        "--encoder", choices=ENCODERS, default="torch",
        help="embed documents and queries with torch (default), or the ONNX export in fp32, int8 or "
        "int8-mixed",
    )  # fmt: skip
    parser.add_argument(
        "--query-window", type=int, default=None, metavar="N",
        help="embed each request's first N word pieces (default: the library's QUERY_WINDOW, 128; the "
        "documents keep the model's 256)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.sample is not None and args.sample < 1:
        parser.error(f"--sample must be >= 1, got {args.sample}")
    if args.query_window is not None and args.query_window < 1:
        parser.error(f"--query-window must be >= 1, got {args.query_window}")
    if args.learned and "train" in args.splits:
        parser.error("--learned trains on the train split; score it with --splits validation")
    if args.learned and args.encoder != "torch":
        parser.error("--learned trains over the torch set; leave --encoder at torch")
    corpus = build_corpus(_cache_dir(), args.encoder)
    if args.build_only:
        return 0
    if args.query_window is not None:
        # The library's query window, changed for this run: every searcher opened from here on, and the
        # learned parts' training through them, read each request's first N word pieces.
        import movie_assets.search.models as query_models

        query_models.QUERY_WINDOW = args.query_window
    searcher = Searcher.open(corpus.artifacts, embedder=corpus.embedder)
    runs = [
        library_run(searcher, m, SearchParams(k=DEPTH, method=m))
        for m in LIBRARY_METHODS
        if m in args.methods
    ]
    if SEED_METHOD in args.methods:
        runs.append(seed_run(corpus))
    learned_report: dict[str, Any] = {}
    if args.learned:
        runs += learned_runs(corpus, learned_report)
    name = "bench_quality.json" if args.encoder == "torch" else f"bench_quality-{args.encoder}.json"
    if args.query_window is not None:
        name = name.replace(".json", f"-window{args.query_window}.json")
    out = DataPaths.from_env().reports_dir / "bench" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "benchmark": "bench_quality",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": list(os.getloadavg()),
        "catalogue": {
            "dumps": list(DUMPS), "movies_imported": corpus.imported, "movies_indexed": corpus.movies.height
        },
        "embedding_model": corpus.embedder.name,
        "encoder": args.encoder,
        "query_window": args.query_window,
        "query_text": f"title + stripped text, cut at a word boundary to {MAX_QUERY_CHARS:,} characters "
        "for the library methods (1,000 for 'hybrid (1,000 chars)'); the seed method reads the whole text",
        "timing": "ms_per_query is wall time on a shared machine; per query the methods run in table order "
        "and the first dense one (retrieval) pays the query embedding that the later ones reuse",
        "knobs": "library defaults (k=100 read, pools 500, rrf_k 60, weights 1.0, lang_policy auto-soft)",
        "splits": {},
        **learned_report,
    }  # fmt: skip
    results: dict[str, Any] = report["splits"]
    for split in args.splits:
        tot, chosen = load_split(corpus, split, args.sample, args.seed)
        truncated = sum(len(" ".join(q.text.split())) > MAX_QUERY_CHARS for q in chosen)
        _log(f"{split}: {len(chosen):,} of {len(tot.queries):,} kept queries ({tot.total:,} read)")
        methods = score_split(runs, chosen)
        results[split] = {
            "queries_read": tot.total, "queries_kept": len(tot.queries), "queries_used": len(chosen),
            "dropped": tot.dropped, "stripped_lines": tot.stripped_lines, "truncated_to_limit": truncated,
            "sample": {"size": args.sample, "seed": args.seed} if args.sample else None,
            "hybrid_not_ahead": verdict(methods), "methods": methods,
        }  # fmt: skip
        # Written after every split, so a long train pass that is stopped keeps the validation figures.
        out.write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(table({split: results[split]}), flush=True)
        for line in results[split]["hybrid_not_ahead"]:
            print(f"{split}: {line}", flush=True)
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
