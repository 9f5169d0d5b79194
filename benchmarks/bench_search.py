"""Search benchmark: Searcher open time, per-method latency and peak memory, against the seed's method.

For each size a synthetic catalogue is generated with the demo generator (`generate_demo_catalogue(n)`,
trimmed to exactly n movies), turned into the typed `movies` frame and its search documents, and
written as real artifacts (`write_artifacts`: BM25 over the documents; flat FAISS up to 100,000 vectors,
HNSW above, as in production). Dense vectors: at the demo size the real MiniLM embeds every document;
above it each movie borrows the real vector of a demo movie with the same original language and first
genre, plus Gaussian noise, re-normalised (embedding 200k documents takes ~25 minutes on 2 cores).

Each stage runs in a fresh process: building; opening (3 times, no model); serving (model load, warm-up,
then every method on the same distinct queries, round robin, so the query-vector cache never answers);
and the seed's method (exact FAISS + rank_bm25.BM25Okapi over lowercase [a-z0-9]+ tokens + RRF k=60 of
both top-500 lists). Peak memory is the serving process's resident high-water mark, model included.

    MOVIE_ASSETS_HOME=/tmp/bench_home python benchmarks/bench_search.py        # 3,600 and 200,000
    python benchmarks/bench_search.py --sizes 3600 --queries 50 --seed-queries 5   # a quick run

Goals at 200,000 on the 2-core CPU: hybrid p50 <= 20 ms, p95 <= 40 ms (cross-encoder excluded),
open <= 2 s, peak RSS <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

if __package__:
    from benchmarks import _common as common
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common

DEMO_SIZE = 3_600
METHODS = ("hybrid", "retrieval", "bm25", "blend", "mmr")
GOALS = {"p50_ms": 20.0, "p95_ms": 40.0, "open_s": 2.0, "peak_mb": 1_500.0}  # stated for 200,000 movies
GOAL_SIZE = 200_000
SEED_POOL, SEED_RRF_K = 500, 60
SEED_TOKEN = re.compile(r"[a-z0-9]+")
# Realistic requests: plot descriptions, language and industry cues, a title. A few carry year cues, so
# the filtered paths (HNSW with a selector, or an exact scan of the filtered movies) are timed too.
QUERIES = (
    "malayalam investigative thriller after 2020", "korean revenge thriller",
    "french romantic comedy in paris",
    "space adventure with robots", "like Drishyam, tight family crime with twists", "tamil action movies",
    "bollywood family drama with songs", "japanese anime about friendship",
    "detective hunts a serial killer in a small town", "heist gone wrong", "haunted house horror",
    "spanish psychological thriller", "coming of age story in a village",
    "a con artist falls in love with her target", "war drama about two brothers",
    "documentary about climate change", "telugu mass action before 2018",
    "feel good comedy for the whole family", "time travel love story",
    "courtroom drama about a wrongful conviction", "movies in korean", "german historical drama",
    "zombie outbreak survival", "a widow rebuilds her life", "political thriller with a journalist",
    "mollywood comedy", "italian mafia saga", "superhero origin story", "hindi sports biopic",
    "kids animated adventure with talking animals", "romance set in london", "crime thriller from 2015",
    "chinese martial arts epic", "slow burn mystery on an island", "small town cop and a missing girl",
    "road trip buddy comedy", "musical about a struggling singer", "portuguese drama",
    "post apocalyptic wasteland", "undercover agent infiltrates a drug cartel",
    "ghost story in a boarding school", "action thriller with car chases", "the quiet witness",
    "heartwarming drama about a father and daughter", "turkish family saga",
    "scientist discovers a dangerous secret", "thai horror", "kannada gangster movie",
    "murder mystery at a wedding", "recent sci-fi films after 2022",
)  # fmt: skip
_MARKS = ".!?,"


def distinct(text: str, serial: int) -> str:
    """`text` plus a punctuation tail unique to `serial`.

    The Searcher keeps the vectors of its last 256 query texts; a distinct text per call makes every
    timed query embed. Punctuation changes neither the BM25 terms, the language cue nor the year cue
    (checked before timing), whereas an extra word would break cues such as "movies in korean".
    """
    digits = []
    while True:
        serial, digit = divmod(serial, len(_MARKS))
        digits.append(_MARKS[digit])
        if serial == 0:
            break
    return f"{text} {''.join(digits)}"


def _check_marks() -> int:
    """How many queries read differently once marked (must be 0 for the marks to be neutral)."""
    from movie_assets.index import tokenize_query
    from movie_assets.search import detect_language, parse_year_cues

    def reading(text: str) -> tuple:
        cue = parse_year_cues(text)
        return detect_language(text), cue.year_min, cue.year_max, tokenize_query(text)

    return sum(reading(q) != reading(distinct(q, serial)) for q in QUERIES for serial in (0, 4_321))


# -- building (fresh process) ------------------------------------------------------------------------


def _group_keys(movies: Any) -> list[str]:
    first_genre = movies["genres"].list.first().fill_null("")
    return [f"{lang}|{genre}" for lang, genre in zip(movies["original_language"], first_genre, strict=True)]


def borrowed_vectors(keys: list[str], source: np.ndarray, source_keys: list[str], noise: float) -> np.ndarray:
    """One unit vector per key: a real source vector of the same language|genre (else language, else
    any), plus Gaussian noise of expected norm `noise`, re-normalised."""
    from movie_assets.index import unit_rows

    exact: dict[str, list[int]] = defaultdict(list)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for row, key in enumerate(source_keys):
        exact[key].append(row)
        by_lang[key.split("|")[0]].append(row)
    rng = np.random.default_rng(3)
    everything = list(range(len(source_keys)))
    picks = np.array(
        [
            (pool := exact.get(key) or by_lang.get(key.split("|")[0]) or everything)[rng.integers(len(pool))]
            for key in keys
        ]
    )
    dim = source.shape[1]
    jitter = rng.standard_normal((len(keys), dim), dtype=np.float32) * np.float32(noise / math.sqrt(dim))
    return unit_rows(source[picks] + jitter)


def _fit_threads_to_load() -> None:
    """One torch thread when the machine is already busy: oversubscribed OpenMP threads wait on each
    other and made batch embedding ~1.5x slower here than one thread."""
    import os

    import torch

    if os.getloadavg()[0] >= (os.cpu_count() or 1):
        torch.set_num_threads(1)


def _approximate_recall(index_file: Path, vectors: np.ndarray, model: str) -> dict[str, float]:
    """Recall@10 of the approximate index against exact search, for 200 of its own vectors (the asset
    check's measure) and for the benchmark's query texts embedded by the model."""
    from movie_assets.index import ann_recall_at_k, load_dense, load_embedder

    index = load_dense(index_file)
    return {
        "own_vectors": ann_recall_at_k(index, vectors, k=10),
        "query_texts": ann_recall_at_k(index, vectors, load_embedder(model).encode(list(QUERIES)), k=10),
    }


def build_worker(size: int, work: str, model: str, noise: float) -> dict[str, Any]:
    """Build the artifacts for `size` movies under work/size-N; returns timings and how vectors were made."""
    from movie_assets.index import load_embedder, write_artifacts

    folder = Path(work) / f"size-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"size": size}
    t = time.perf_counter()
    movies, documents = common.demo_corpus(size)
    out["corpus_s"] = time.perf_counter() - t
    keys = _group_keys(movies)
    t = time.perf_counter()
    _fit_threads_to_load()
    if size <= DEMO_SIZE:
        vectors = load_embedder(model).encode(documents["document"].to_list(), batch_size=64)
        out["vectors"] = f"real {model} embeddings of every document"
        if size == DEMO_SIZE:
            np.savez(Path(work) / "demo-source.npz", vectors=vectors, keys=np.array(keys))
    else:
        source_file = Path(work) / "demo-source.npz"
        if not source_file.is_file():
            demo_movies, demo_docs = common.demo_corpus(DEMO_SIZE)
            demo = load_embedder(model).encode(demo_docs["document"].to_list(), batch_size=64)
            np.savez(source_file, vectors=demo, keys=np.array(_group_keys(demo_movies)))
        source = np.load(source_file)
        vectors = borrowed_vectors(keys, source["vectors"], source["keys"].tolist(), noise)
        out["vectors"] = (
            f"borrowed: the real {model} vector of a {DEMO_SIZE:,}-movie demo movie with the same original "
            f"language and first genre (else language, else any) + Gaussian noise of norm {noise}, "
            "re-normalised"
        )
    out["vectors_s"] = time.perf_counter() - t
    t = time.perf_counter()
    manifest = write_artifacts(movies, documents, vectors, folder / "artifacts", model_name=model)
    out["artifacts_s"] = time.perf_counter() - t
    out["dense"], out["count"] = manifest["dense"], manifest["count"]
    if manifest["dense"]["type"] != "flat":
        out["dense_recall_at_10"] = _approximate_recall(folder / "artifacts" / "text.index", vectors, model)
    # The seed's method reads the same documents and vectors, in the same order.
    documents.select("document").write_parquet(folder / "documents.parquet")
    np.save(folder / "vectors.npy", vectors)
    out["files_mb"] = {
        p.name: round(p.stat().st_size / 1e6, 1)
        for p in sorted((folder / "artifacts").rglob("*"))
        if p.is_file()
    }
    (folder / "build.json").write_text(json.dumps(out, indent=1))
    return out


# -- opening and serving (fresh processes) -----------------------------------------------------------


def open_worker(artifacts: str, preload: bool = False) -> dict[str, Any]:
    """Searcher.open in a new interpreter, without a model: the import, the first open and a second one."""
    t0 = time.perf_counter()
    from movie_assets.search import Searcher

    t1 = time.perf_counter()
    searcher = Searcher.open(artifacts, preload=preload)  # faiss and bm25s are imported inside
    t2 = time.perf_counter()
    Searcher.open(artifacts, preload=preload)
    t3 = time.perf_counter()
    return {
        "import_s": t1 - t0,
        "open_s": t2 - t1,
        "reopen_s": t3 - t2,
        "count": searcher.count,
        **common.memory_mb(),
    }


class _Stages:
    """Wraps a Searcher's stage methods with wall and CPU timers (benchmark only: private names)."""

    def __init__(self, searcher: Any) -> None:
        import movie_assets.search.searcher as module

        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        searcher._embed = self._timed("embed", searcher._embed)
        searcher._dense = self._timed("dense", searcher._dense)
        searcher._sparse = self._timed("sparse", searcher._sparse)
        searcher._hits = self._timed("payload_hits", searcher._hits)
        searcher._bm25.retrieve = self._timed("bm25_retrieve", searcher._bm25.retrieve)
        module.rrf_arrays = self._timed("rrf", module.rrf_arrays)

    def _timed(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.wall[name] += time.perf_counter() - start
                self.cpu[name] += time.process_time() - start_cpu

        return timed

    def split(self, clock: dict[str, float], total: float) -> dict[str, float]:
        """One query's seconds per stage on `clock` (wall or CPU); they add up to `total`."""
        parts = {
            "embed_query": clock["embed"],
            "faiss_search": clock["dense"] - clock["embed"],
            "bm25_tokenize_terms": clock["sparse"] - clock["bm25_retrieve"],
            "bm25s_retrieve": clock["bm25_retrieve"],
            "rrf_fusion": clock["rrf"],
            "payload_hits": clock["payload_hits"],
        }
        parts["rest (cues, language, masks, ranks, boosts)"] = total - sum(parts.values())
        clock.clear()
        return parts


def _breakdown(searcher: Any, n: int, serial: int, profile: bool) -> dict[str, Any]:
    """Where a hybrid query's time goes, stage by stage (wall and CPU), over `n` more distinct queries."""
    stages = _Stages(searcher)
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    totals, cpu_totals = [], []
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    for i in range(n):
        text = distinct(QUERIES[i % len(QUERIES)], serial + i)
        start, start_cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        searcher.search(text, k=20, method="hybrid")
        if profiler is not None:
            profiler.disable()
        totals.append(time.perf_counter() - start)
        cpu_totals.append(time.process_time() - start_cpu)
        for name, spent in stages.split(stages.wall, totals[-1]).items():
            wall[name].append(spent)
        for name, spent in stages.split(stages.cpu, cpu_totals[-1]).items():
            cpu[name].append(spent)
    mean_total = float(np.mean(totals))
    out: dict[str, Any] = {
        "queries": n,
        "total": {**common.latency_summary(totals), "cpu_p50_ms": float(np.median(cpu_totals)) * 1e3},
        "stages_ms": {
            name: {
                "p50": float(np.median(v)) * 1e3,
                "mean": float(np.mean(v)) * 1e3,
                "share_of_mean": float(np.mean(v)) / mean_total,
                "cpu_p50": float(np.median(cpu[name])) * 1e3,
                "cpu_mean": float(np.mean(cpu[name])) * 1e3,
            }
            for name, v in wall.items()
        },
    }
    if profiler is not None:
        import io
        import pstats

        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(20)
        out["cprofile_top20_tottime"] = buffer.getvalue()
    return out


def _embed_alone(embedder: Any, n: int) -> dict[str, Any]:
    """The query embedding by itself, with the serving thread count and with one torch thread: the
    wrapper's encode, and the bare tokenize + forward under it."""
    import torch

    model, serving = embedder._model, torch.get_num_threads()
    out: dict[str, Any] = {}
    for threads in dict.fromkeys((serving, 1)):
        torch.set_num_threads(threads)
        wrapped, bare = [], []
        for i in range(n):
            text = distinct(QUERIES[i % len(QUERIES)], 90_000 + 1_000 * threads + i)
            start = time.perf_counter()
            embedder.encode([text])
            wrapped.append(time.perf_counter() - start)
            start = time.perf_counter()
            with torch.inference_mode():
                model.forward(
                    model.preprocess([text]) if hasattr(model, "preprocess") else model.tokenize([text])
                )
            bare.append(time.perf_counter() - start)
        out[f"torch_threads_{threads}"] = {
            "encode": common.latency_summary(wrapped),
            "forward": common.latency_summary(bare),
        }
    torch.set_num_threads(serving)
    return out


def serve_worker(
    artifacts: str,
    queries: int,
    warmup: int,
    breakdown: int,
    profile: bool,
    threads: int | None,
    preload: bool = False,
) -> dict[str, Any]:
    """Load the model, open, warm up, then time every method on the same distinct queries, round robin."""
    import torch

    baseline = common.memory_mb()
    # The Searcher embeds queries on one torch thread when it loads its own model; this worker injects
    # the model (to time its load), so it applies the same setting unless told otherwise.
    torch.set_num_threads(threads or 1)
    from movie_assets.index import load_embedder
    from movie_assets.search import ModelUnavailableError, Searcher, load_cross_encoder

    manifest = json.loads((Path(artifacts) / "manifest.json").read_text())
    t = time.perf_counter()
    embedder = load_embedder(manifest["embedding_model"])
    model_load_s = time.perf_counter() - t
    methods, reranker = list(METHODS), None
    try:
        t = time.perf_counter()
        reranker = load_cross_encoder()
        ce = {"status": "available", "load_s": time.perf_counter() - t}
        methods.append("ce")
    except ModelUnavailableError as exc:
        ce = {"status": "skipped: no cross-encoder offline", "reason": str(exc)}
    t = time.perf_counter()
    searcher = Searcher.open(artifacts, embedder=embedder, cross_encoder=reranker, preload=preload)
    open_s = time.perf_counter() - t
    serial = 0
    for i in range(warmup):  # model first use, page faults on the memory-mapped files
        for method in methods:
            searcher.search(distinct(QUERIES[-1 - i % len(QUERIES)], serial), k=20, method=method)
            serial += 1
    times: dict[str, list[float]] = {m: [] for m in methods}
    cpu: dict[str, list[float]] = {m: [] for m in methods}
    empty: dict[str, int] = dict.fromkeys(methods, 0)
    by_query: dict[str, list[float]] = defaultdict(list)
    for i in range(queries):
        base = QUERIES[i % len(QUERIES)]
        shift = i % len(methods)  # rotate the order so no method always runs right after another
        for method in methods[shift:] + methods[:shift]:
            if method == "ce" and i >= 20:  # the cross-encoder reads 50 passages: seconds per query on CPU
                continue
            text = distinct(base, serial)
            serial += 1
            start, start_cpu = time.perf_counter(), time.process_time()
            result = searcher.search(text, k=20, method=method)
            times[method].append(time.perf_counter() - start)
            cpu[method].append(time.process_time() - start_cpu)  # every thread of this process
            empty[method] += len(result) == 0
            if method == "hybrid":
                by_query[base].append(times[method][-1] * 1e3)
    measured = {
        m: {
            **common.latency_summary(v),
            "cpu_p50_ms": float(np.median(cpu[m])) * 1e3,
            "empty_results": empty[m],
        }
        for m, v in times.items()
    }
    slowest = sorted(((float(np.median(v)), q) for q, v in by_query.items()), reverse=True)[:5]
    out = {
        "torch_threads": torch.get_num_threads(),
        "model_load_s": model_load_s,
        "open_with_model_s": open_s,
        "cross_encoder": ce,
        "methods": measured,
        "distinct_texts": serial,
        "hybrid_slowest_queries_p50_ms": [{"query": q, "p50_ms": ms} for ms, q in slowest],
        "memory": common.memory_mb(),  # read before the breakdown: the goal is about serving, not profiling
        "memory_interpreter_start": baseline,
    }
    if breakdown:
        out["embedding_alone"] = _embed_alone(embedder, breakdown)
        out["hybrid_breakdown"] = _breakdown(searcher, breakdown, 50_000, profile)
    return out


# -- the seed's method (fresh process) -------------------------------------------------------------


def seed_worker(folder: str, model: str, queries: int, threads: int | None) -> dict[str, Any]:
    """Exact FAISS + BM25Okapi over [a-z0-9]+ tokens + RRF k=60 of both top-500 lists, as the seed did."""
    import faiss
    import polars as pl
    from rank_bm25 import BM25Okapi

    from movie_assets.index import load_embedder

    documents = pl.read_parquet(Path(folder) / "documents.parquet")["document"].to_list()
    vectors = np.load(Path(folder) / "vectors.npy")
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    dense_build_s = time.perf_counter() - t
    t = time.perf_counter()
    bm25 = BM25Okapi([SEED_TOKEN.findall(doc.lower()) for doc in documents])
    bm25_build_s = time.perf_counter() - t
    del documents
    embedder = load_embedder(model)
    if threads:
        import torch

        torch.set_num_threads(threads)
    stages: dict[str, list[float]] = defaultdict(list)

    def search(text: str) -> list[int]:
        marks = [time.perf_counter()]
        vector = embedder.encode([text])
        marks.append(time.perf_counter())
        dense = flat.search(vector, SEED_POOL)[1][0]
        marks.append(time.perf_counter())
        scores = bm25.get_scores(SEED_TOKEN.findall(text.lower()))
        marks.append(time.perf_counter())
        sparse = np.argsort(scores)[::-1][:SEED_POOL]
        fused: dict[int, float] = defaultdict(float)
        for ranking in (dense, sparse):
            for rank, row in enumerate(ranking, start=1):
                fused[int(row)] += 1.0 / (SEED_RRF_K + rank)
        top = sorted(fused, key=fused.__getitem__, reverse=True)[:20]
        marks.append(time.perf_counter())
        names = ("embed", "faiss_flat", "bm25okapi_get_scores", "sort_rrf")
        for name, a, b in zip(names, marks, marks[1:], strict=False):
            stages[name].append(b - a)
        return top

    search(QUERIES[-1])  # warm-up
    stages.clear()
    times = []
    for i in range(queries):
        start = time.perf_counter()
        search(QUERIES[i % len(QUERIES)])
        times.append(time.perf_counter() - start)
    return {
        "dense_build_s": dense_build_s,
        "bm25okapi_build_s": bm25_build_s,
        "latency": common.latency_summary(times),
        "stages_p50_ms": {name: float(np.median(v)) * 1e3 for name, v in stages.items()},
        "memory": common.memory_mb(),
    }


# -- the run -------------------------------------------------------------------------------------------


def _measure_size(size: int, work: Path, model: str, args: argparse.Namespace) -> dict[str, Any]:
    folder = work / f"size-{size}"
    if args.work and not args.rebuild and (folder / "build.json").is_file():
        build = {**json.loads((folder / "build.json").read_text()), "reused": True}
        print(f"  {size:,}: reusing the artifacts built earlier in {folder}", flush=True)
    else:
        print(f"  {size:,}: building the catalogue, vectors and artifacts ...", flush=True)
        build = common.in_fresh_process(build_worker, size, str(work), model, args.noise)
        print(
            f"  {size:,}: built in {build['corpus_s'] + build['vectors_s'] + build['artifacts_s']:.0f} s "
            f"(corpus {build['corpus_s']:.0f}, vectors {build['vectors_s']:.0f}, "
            f"artifacts {build['artifacts_s']:.0f}; dense {build['dense']['type']})",
            flush=True,
        )
    artifacts = str(folder / "artifacts")
    opens = [common.in_fresh_process(open_worker, artifacts, args.preload) for _ in range(args.open_repeats)]
    print(f"  {size:,}: open {[round(o['open_s'], 3) for o in opens]} s; serving ...", flush=True)
    serve = common.in_fresh_process(
        serve_worker,
        artifacts,
        args.queries,
        args.warmup,
        args.breakdown,
        args.profile,
        args.torch_threads,
        args.preload,
    )
    seed = None
    if args.seed_queries > 0:
        print(f"  {size:,}: the seed's method over {args.seed_queries} queries ...", flush=True)
        seed = common.in_fresh_process(seed_worker, str(folder), model, args.seed_queries, args.torch_threads)
    hybrid = serve["methods"]["hybrid"]
    result = {
        "size": size,
        "build": build,
        "open": {
            "runs": opens,
            "open_s_median": float(np.median([o["open_s"] for o in opens])),
            "import_plus_open_s_median": float(np.median([o["import_s"] + o["open_s"] for o in opens])),
        },
        "serve": serve,
        "seed": seed,
        "seed_over_hybrid_p50": None if seed is None else seed["latency"]["p50_ms"] / hybrid["p50_ms"],
    }
    result["goals_missed"] = _missed(result)
    return result


def _missed(result: dict[str, Any]) -> list[str]:
    hybrid = result["serve"]["methods"]["hybrid"]
    seen = {
        "p50_ms": hybrid["p50_ms"],
        "p95_ms": hybrid["p95_ms"],
        "open_s": result["open"]["open_s_median"],
        "peak_mb": result["serve"]["memory"]["peak_mb"],
    }
    return [f"{name} {seen[name]:.4g} > {limit:g}" for name, limit in GOALS.items() if seen[name] > limit]


def _table(results: list[dict[str, Any]]) -> str:
    head = (
        "size",
        "method",
        "open_s",
        "p50_ms",
        "p95_ms",
        "mean_ms",
        "cpu_p50_ms",
        "peak_RSS_MB",
        "goal met?",
    )
    rows = []
    for r in results:
        serve, size = r["serve"], f"{r['size']:,}"
        for method, m in serve["methods"].items():
            first = method == "hybrid"
            goal = (
                ("yes" if not r["goals_missed"] else "NO: " + "; ".join(r["goals_missed"])) if first else "-"
            )
            rows.append((
                size, method, f"{r['open']['open_s_median']:.3f}" if first else "",
                f"{m['p50_ms']:.1f}", f"{m['p95_ms']:.1f}", f"{m['mean_ms']:.1f}", f"{m['cpu_p50_ms']:.1f}",
                f"{serve['memory']['peak_mb']:.0f}" if first else "", goal,
            ))  # fmt: skip
        if serve["cross_encoder"]["status"] != "available":
            rows.append((size, "ce", "", "", "", "", "", "", serve["cross_encoder"]["status"]))
        if r["seed"] is not None:
            s = r["seed"]
            rows.append((
                size, "seed (flat+BM25Okapi+RRF)", "", f"{s['latency']['p50_ms']:.1f}",
                f"{s['latency']['p95_ms']:.1f}", f"{s['latency']['mean_ms']:.1f}", "",
                f"{s['memory']['peak_mb']:.0f}", f"seed p50 / hybrid p50 = {r['seed_over_hybrid_p50']:.1f}x",
            ))  # fmt: skip
    return common.text_table(head, rows)


def _details(r: dict[str, Any]) -> str:
    serve, build, opened, memory = r["serve"], r["build"], r["open"], r["serve"]["memory"]
    lines = [
        f"{r['size']:,} movies: dense {build['dense']['type']}; vectors: {build['vectors']}",
        f"  open (fresh process, no model; page cache warm): median {opened['open_s_median']:.3f} s, "
        f"import+open {opened['import_plus_open_s_median']:.3f} s; model load {serve['model_load_s']:.2f} s",
        f"  serving memory: peak {memory['peak_mb']:.0f} MB (ru_maxrss {memory['ru_maxrss_mb']:.0f}), at the "
        f"end anon {memory['rss_anon_mb']:.0f} + file-backed {memory['rss_file_mb']:.0f} MB",
    ]
    if "hybrid_breakdown" in serve:
        b = serve["hybrid_breakdown"]
        lines.append(
            f"  hybrid breakdown over {b['queries']} queries (total p50 {b['total']['p50_ms']:.1f} ms, "
            f"mean {b['total']['mean_ms']:.1f} ms, CPU p50 {b['total']['cpu_p50_ms']:.1f} ms):"
        )
        lines += [
            f"    {name:<44} p50 {v['p50']:6.2f} ms  mean {v['mean']:6.2f} ms  {v['share_of_mean']:5.1%}"
            f"  CPU p50 {v['cpu_p50']:6.2f} ms"
            for name, v in b["stages_ms"].items()
        ]
        lines += [
            f"  query embedding alone, {name.replace('_', ' ')}: encode p50 {e['encode']['p50_ms']:.2f} ms, "
            f"tokenize+forward p50 {e['forward']['p50_ms']:.2f} ms"
            for name, e in serve["embedding_alone"].items()
        ]
    slow = ", ".join(f"{q['query']!r} {q['p50_ms']:.1f}" for q in serve["hybrid_slowest_queries_p50_ms"])
    lines.append(f"  slowest hybrid queries (p50 ms): {slow}")
    if r["seed"] is not None:
        s = r["seed"]
        stages = ", ".join(f"{k} {v:.1f}" for k, v in s["stages_p50_ms"].items())
        lines.append(
            f"  seed: build flat {s['dense_build_s']:.1f} s, BM25Okapi {s['bm25okapi_build_s']:.1f} s; "
            f"stage p50 ms: {stages}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from movie_assets.config import embed_model_name
    from movie_assets.paths import DataPaths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[DEMO_SIZE, GOAL_SIZE], help="movies per run")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per method")
    parser.add_argument("--seed-queries", type=int, default=10, help="timed queries of the seed's method")
    parser.add_argument("--warmup", type=int, default=10, help="untimed queries per method first")
    parser.add_argument("--breakdown", type=int, default=50, help="hybrid queries timed stage by stage")
    parser.add_argument("--profile", action="store_true", help="also cProfile the breakdown queries")
    parser.add_argument("--open-repeats", type=int, default=3, help="fresh processes that time the open")
    parser.add_argument("--noise", type=float, default=0.5, help="noise norm on borrowed vectors")
    parser.add_argument(
        "--torch-threads", type=int, help="torch threads when serving (default 1, as the Searcher uses)"
    )
    parser.add_argument(
        "--preload", action="store_true", help="read the dense index into memory at open, not mapped"
    )
    parser.add_argument("--work", type=Path, help="keep the built artifacts here and reuse them next time")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even when --work holds a build")
    parser.add_argument("--out", type=Path, help="JSON folder (default $MOVIE_ASSETS_HOME/reports/bench)")
    args = parser.parse_args(argv)
    if any(s < 10 or s > 2_000_000 for s in args.sizes) or args.queries < 1 or args.open_repeats < 1:
        parser.error("need every --sizes from 10 to 2000000, --queries >= 1 and --open-repeats >= 1")
    if min(args.seed_queries, args.warmup, args.breakdown) < 0 or args.noise < 0:
        parser.error("--seed-queries, --warmup, --breakdown and --noise must be >= 0")
    changed = _check_marks()
    if changed:
        raise SystemExit(f"{changed} queries read differently with a punctuation tail; fix QUERIES or _MARKS")
    model, out = embed_model_name(), args.out or DataPaths.from_env().reports_dir / "bench"
    started, load_start = datetime.now(UTC), common.load_average()
    print(
        f"search benchmark: sizes {args.sizes}, {args.queries} queries per method, load {load_start}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench_search_") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        results = [_measure_size(size, work, model, args) for size in sorted(set(args.sizes))]
    load_end = common.load_average()
    print()
    print(_table(results))
    for r in results:
        print(_details(r))
    print(f"load average (1, 5, 15 min): start {load_start}, end {load_end}")
    print(f"goals at {GOAL_SIZE:,}: hybrid p50 <= 20 ms, p95 <= 40 ms, open <= 2 s, peak RSS <= 1,500 MB")
    report = {
        "benchmark": "search",
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "params": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "embedding_model": model,
        "load_average": {"start": load_start, "end": load_end},
        "goals": {**GOALS, "at_size": GOAL_SIZE},
        "definitions": {
            "latency": "Searcher.search wall time per call, k=20, default knobs; every text distinct so the "
            "query vector is always embedded; methods interleaved round robin",
            "open_s": "Searcher.open in a fresh process without a model (lazy faiss/bm25s imports included), "
            "median over --open-repeats processes; the files are in the page cache",
            "peak_mb": "VmHWM (resident high-water mark) of the serving process: model, open, warm-up and "
            "every timed query; MB = 10^6 bytes",
            "seed": "exact faiss.IndexFlatIP + rank_bm25.BM25Okapi over lowercase [a-z0-9]+ tokens + RRF "
            "k=60 of both top-500 lists, query embedded with the same model",
        },
        "sizes": results,
    }
    print(f"wrote {common.write_report(report, out, 'bench_search.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
