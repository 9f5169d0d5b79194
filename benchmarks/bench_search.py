"""Search benchmark: Searcher open time, per-method latency and peak memory, against the seed's method.

For each size a synthetic catalogue of exactly n movies becomes real artifacts (`_search_build`: flat
FAISS up to 100,000 vectors, HNSW above, as in production; real or borrowed MiniLM vectors).

Each stage runs in a fresh process: building; opening (3 times, no model); serving (model load, warm-up,
then every method on the same distinct queries, round robin, so the query-vector cache never answers;
then hybrid queries timed stage by stage, through the Searcher's own encoder and retrievers); and the
seed's method (`_search_seed`). Peak memory is the serving process's resident high-water mark, model
included; the build reports its own, phase by phase (`build.memory_mb` in the JSON).

    MOVIE_ASSETS_HOME=/tmp/bench_home python benchmarks/bench_search.py        # 3,600 and 200,000
    python benchmarks/bench_search.py --sizes 3600 --queries 50 --seed-queries 5   # a quick run

Goals at 200,000 on the 2-core CPU: hybrid p50 <= 20 ms, p95 <= 40 ms (cross-encoder excluded),
open <= 2 s, peak RSS <= 1.5 GB; with `--learned-from DIR` (learned parts installed, e.g. bench_quality's
$MOVIE_ASSETS_HOME/cache/bench_quality/learned-both) the learned stage adds <= 5 ms to hybrid's p50.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

if __package__:
    from benchmarks import _common as common
    from benchmarks._search_build import DEMO_SIZE, build_worker, install_encoder
    from benchmarks._search_learned import install_from, learned_stage_times
    from benchmarks._search_seed import seed_worker
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common
    from _search_build import DEMO_SIZE, build_worker, install_encoder
    from _search_learned import install_from, learned_stage_times
    from _search_seed import seed_worker

METHODS = ("hybrid", "retrieval", "bm25", "blend", "mmr")
GOALS = {"p50_ms": 20.0, "p95_ms": 40.0, "open_s": 2.0, "peak_mb": 1_500.0}  # stated for 200,000 movies
GOAL_SIZE = 200_000
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
    from movie_assets.search import detect_language, parse_query, parse_year_cues, tokenize_query

    def reading(text: str) -> tuple:
        cue = parse_year_cues(text)
        parsed = parse_query(text).constraints
        return detect_language(text), cue.year_min, cue.year_max, tokenize_query(text), parsed

    return sum(reading(q) != reading(distinct(q, serial)) for q in QUERIES for serial in (0, 4_321))


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


class _StandIn:
    """A part with one method replaced; every other attribute is read from the part itself."""

    def __init__(self, part: Any, method: str, run: Callable[..., Any]) -> None:
        self._part = part
        setattr(self, method, run)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._part, name)


class _StageClock:
    """Wall and CPU seconds per stage, from timers put around the Searcher's public parts (its encoder
    and retrievers): each query's stages are the very calls `Searcher.search` made."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.last: dict[str, Any] = {}

    @contextlib.contextmanager
    def timing(self, name: str) -> Iterator[None]:
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - start
            self.cpu[name] += time.process_time() - start_cpu

    def timed(self, name: str, call: Callable[..., Any]) -> _StandIn:
        """A stand-in part whose method `call` is timed under `name` (its last answer kept); its other
        attributes are the part's own (the seeded stage reads the dense part's stored vectors)."""

        def run(*args: Any, **kwargs: Any) -> Any:
            with self.timing(name):
                self.last[name] = call(*args, **kwargs)
            return self.last[name]

        return _StandIn(call.__self__, call.__name__, run)

    @staticmethod
    def split(clock: dict[str, float], total: float) -> dict[str, float]:
        """One query's seconds per stage on `clock` (wall or CPU), emptied; they add up to `total`."""
        parts = {
            "embed_query": clock["embed"],
            "faiss_search": clock["dense"] - clock["embed"],
            "bm25_search (terms, scores, top-k)": clock["sparse"],
            "rrf_fusion": clock["rrf"],
            "parse_query (constraints)": clock["parse"],
            "rest (reading, masks, ranks, boosts, hits)": total
            - clock["dense"]
            - clock["sparse"]
            - clock["rrf"]
            - clock["parse"],
        }
        clock.clear()
        return parts


def _breakdown(searcher: Any, n: int, serial: int, profile: bool) -> dict[str, Any]:
    """Where a hybrid query's time goes, stage by stage (wall and CPU), over `n` more distinct queries; RRF
    is timed by fusing the two lists the Searcher fused once more (the same call on the same input), and
    the query parser by parsing the query once more with the Searcher's vocabulary (people, titles)."""
    from movie_assets.search import SearchParams, clean_query, parse_query, rrf_arrays

    # Today's hybrid: the stand-in retrievers below time `search` only, which the learned path does not call.
    clock, params = _StageClock(), SearchParams(k=20, method="hybrid", learned="off")
    dense, sparse, encoder = searcher.dense, searcher.sparse, searcher.dense.encoder
    dense.encoder = clock.timed("embed", encoder.encode)
    searcher.dense, searcher.sparse = clock.timed("dense", dense.search), clock.timed("sparse", sparse.search)
    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    totals, cpu_totals = [], []
    profiler = cProfile.Profile() if profile else None
    try:
        for i in range(n):
            text = distinct(QUERIES[i % len(QUERIES)], serial + i)
            start, start_cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            searcher.search(text, params)
            if profiler is not None:
                profiler.disable()
            totals.append(time.perf_counter() - start)
            cpu_totals.append(time.process_time() - start_cpu)
            with clock.timing("rrf"):
                fused = [clock.last["dense"][0], clock.last["sparse"][0]]
                rrf_arrays(fused, params.rrf_k, [params.w_dense, params.w_sparse])
            cleaned, vocabulary = clean_query(text), searcher.knowledge.vocabulary()
            with clock.timing("parse"):
                parse_query(cleaned, vocabulary)
            for name, spent in clock.split(clock.wall, totals[-1]).items():
                wall[name].append(spent)
            for name, spent in clock.split(clock.cpu, cpu_totals[-1]).items():
                cpu[name].append(spent)
    finally:
        dense.encoder, searcher.dense, searcher.sparse = encoder, dense, sparse
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
            }  # fmt: skip
            for name, v in wall.items()
        },
    }
    if profiler is not None:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(20)
        out["cprofile_top20_tottime"] = buffer.getvalue()
    return out


def serve_worker(
    artifacts: str,
    queries: int,
    warmup: int,
    breakdown: int,
    profile: bool,
    threads: int | None,
    preload: bool = False,
    query_encoder: str = "onnx",
) -> dict[str, Any]:
    """Load the model, open, warm up, then time every method on the same distinct queries, round robin.

    `query_encoder`: "onnx" (the set's own export, which the Searcher loads itself, as a search does now)
    or "torch" (sentence-transformers, injected, as before the set carried an export)."""
    baseline = common.memory_mb()
    from movie_assets.index import load_embedder, read_manifest
    from movie_assets.search import ModelUnavailableError, Searcher, SearchParams, load_cross_encoder

    manifest = read_manifest(Path(artifacts))
    t = time.perf_counter()
    embedder = None
    if query_encoder == "torch":
        import torch

        # The Searcher embeds queries on one torch thread when it loads its own model; this worker injects
        # the model (to time its load), so it applies the same setting unless told otherwise.
        torch.set_num_threads(threads or 1)
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
    if query_encoder == "onnx":
        t = time.perf_counter()
        if not searcher.encoder.load_onnx():
            raise RuntimeError(f"{artifacts} has no usable ONNX query encoder")
        model_load_s = time.perf_counter() - t
    serial = 0
    params = {method: SearchParams(k=20, method=method) for method in methods}
    for i in range(warmup):  # model first use, page faults on the memory-mapped files
        for method in methods:
            searcher.search(distinct(QUERIES[-1 - i % len(QUERIES)], serial), params[method])
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
            result = searcher.search(text, params[method])
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
        "query_encoder": query_encoder,
        "torch_threads": sys.modules["torch"].get_num_threads() if "torch" in sys.modules else None,
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
        out["hybrid_breakdown"] = _breakdown(searcher, breakdown, 50_000, profile)
    if searcher.learned is not None:
        texts = [distinct(QUERIES[i % len(QUERIES)], 90_000 + i) for i in range(queries)]
        out["learned_stage"] = learned_stage_times(searcher, texts)
    return out


# -- the run -------------------------------------------------------------------------------------------


def _measure_size(size: int, work: Path, model: str, args: argparse.Namespace) -> dict[str, Any]:
    folder = work / f"size-{size}"
    if args.work and not args.rebuild and (folder / "build.json").is_file():
        build = {**json.loads((folder / "build.json").read_text()), "reused": True}
        print(f"  {size:,}: reusing the artifacts built earlier in {folder}", flush=True)
    else:
        print(f"  {size:,}: building the catalogue, vectors and artifacts ...", flush=True)
        build = common.in_fresh_process(build_worker, size, str(work), model, args.noise, QUERIES)
        print(
            f"  {size:,}: built in {build['corpus_s'] + build['vectors_s'] + build['artifacts_s']:.0f} s "
            f"(corpus {build['corpus_s']:.0f}, vectors {build['vectors_s']:.0f}, "
            f"artifacts {build['artifacts_s']:.0f}; dense {build['dense']['type']}; "
            f"peak memory {build['memory_mb']['peak_mb']:,.0f} MB)",
            flush=True,
        )
    artifacts = str(folder / "artifacts")
    if "onnx" in args.query_encoders:
        facts = common.in_fresh_process(install_encoder, artifacts, model, str(work / "encoders"))
        print(f"  {size:,}: ONNX query encoder in the set ({facts['precision']})", flush=True)
    if args.learned_from is not None:
        entry = install_from(args.learned_from, Path(artifacts))
        print(f"  {size:,}: learned parts from {args.learned_from} installed ({entry['files']})", flush=True)
    opens = [common.in_fresh_process(open_worker, artifacts, args.preload) for _ in range(args.open_repeats)]
    print(f"  {size:,}: open {[round(o['open_s'], 3) for o in opens]} s; serving ...", flush=True)
    knobs = (args.queries, args.warmup, args.breakdown, args.profile, args.torch_threads, args.preload)
    serves = {}
    for encoder in args.query_encoders:
        print(f"  {size:,}: serving with the {encoder} query encoder ...", flush=True)
        serves[encoder] = common.in_fresh_process(serve_worker, artifacts, *knobs, encoder)
    serve = serves[args.query_encoders[0]]
    seed = None
    if args.seed_queries > 0:
        print(f"  {size:,}: the seed's method over {args.seed_queries} queries ...", flush=True)
        seed = common.in_fresh_process(
            seed_worker, str(folder), model, QUERIES, args.seed_queries, args.torch_threads
        )
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
        "serve_by_query_encoder": serves,
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
        first = serve["methods"]["hybrid"]["p50_ms"]
        for encoder, other in r["serve_by_query_encoder"].items():
            if other is serve:
                continue
            m = other["methods"]["hybrid"]
            rows.append((
                size, f"hybrid ({encoder} query encoder)", "", f"{m['p50_ms']:.1f}", f"{m['p95_ms']:.1f}",
                f"{m['mean_ms']:.1f}", f"{m['cpu_p50_ms']:.1f}", f"{other['memory']['peak_mb']:.0f}",
                f"its p50 / hybrid p50 = {m['p50_ms'] / first:.1f}x",
            ))  # fmt: skip
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
    if "memory_mb" in build:  # builds from before phases were measured lack it
        phases = ", ".join(f"{name} {mb:,.0f}" for name, mb in build["memory_mb"]["by_phase"].items())
        lines.append(f"  build memory: peak {build['memory_mb']['peak_mb']:,.0f} MB; by phase (MB): {phases}")
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
    if "learned_stage" in serve:
        ls = serve["learned_stage"]
        parts = ", ".join(f"{name} {ms:.2f}" for name, ms in ls["parts_p50_ms"].items())
        on, off = ls["hybrid_p50_ms"]["learned on"], ls["hybrid_p50_ms"]["learned off"]
        lines.append(
            f"  learned stage over {ls['queries']} queries: hybrid p50 {on:.1f} ms with it, {off:.1f} ms "
            f"without: +{ls['added_p50_ms']:.1f} ms; its parts p50 ms: {parts}"
        )
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
    for flag, kind, default, text in (
        ("--queries", int, 200, "timed queries per method"),
        ("--seed-queries", int, 10, "timed queries of the seed's method"),
        ("--warmup", int, 10, "untimed queries per method first"),
        ("--breakdown", int, 50, "hybrid queries timed stage by stage"),
        ("--open-repeats", int, 3, "fresh processes that time the open"),
        ("--noise", float, 0.5, "noise norm on borrowed vectors"),
        ("--torch-threads", int, None, "torch threads when serving (default 1, as the Searcher uses)"),
        ("--work", Path, None, "keep the built artifacts here and reuse them next time"),
        ("--learned-from", Path, None, "install this set's learned parts (bench_quality's learned-both)"),
        ("--out", Path, None, "JSON folder (default $MOVIE_ASSETS_HOME/reports/bench)"),
    ):
        parser.add_argument(flag, type=kind, default=default, help=text)
    parser.add_argument(
        "--query-encoders",
        nargs="+",
        choices=("onnx", "torch"),
        default=["onnx"],
        help="serve with each in turn (the first is the table's main rows; default onnx: the set's export)",
    )
    for flag, text in (
        ("--profile", "also cProfile the breakdown queries"),
        ("--preload", "read the dense index into memory at open, not mapped"),
        ("--rebuild", "rebuild even when --work holds a build"),
    ):
        parser.add_argument(flag, action="store_true", help=text)
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
