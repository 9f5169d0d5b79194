"""Serving benchmark: `movie-assets serve` on loopback under load, and through a rebuild.

The server is the real command in its own process (uvicorn, the real MiniLM model, one worker, its
default search threads), over its own artifact path under the work folder, first published from the data
home's catalogue, documents and vectors (`movie-assets build` must have run: the demo by default).

    MOVIE_ASSETS_HOME=/tmp/demo_home python benchmarks/bench_serve.py          # 60 s runs, ~4 min
    python benchmarks/bench_serve.py --seconds 15 --burst-seconds 5            # a quick run

1. cold start: from starting the command to the first answered hybrid query; memory at rest after it.
2. open loop: Poisson arrivals at `--rate` requests/s for `--seconds`, each a distinct query (no vector
   cache can help) from the catalogue's own words, mixed methods (hybrid half of them), a few long
   descriptions by POST. Latency counts from each request's scheduled time, so a slow server cannot
   hide its queue by slowing the client (no coordinated omission).
   The same at `--low-rate` (20/s), to show the latencies below the saturation of a busy machine.
3. closed loop: `--clients` clients back to back for `--burst-seconds`: the saturation throughput.
4. the open loop again with a rebuild published halfway: another process builds a set over 90% of the
   movies and switches it in. Every answer names its set (X-Artifact-Set); afterwards each hit's id and
   title are checked against that set's payload: a torn or mixed answer would fail the check.

The load generator runs on the same cores as the server (2 here): its cost is part of every figure.
Goal on the demo on 2 cores: 0 errors, hybrid p95 <= 60 ms at 50 requests/s; 0 errors and 0 torn answers
through the rebuild.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import polars as pl
import psutil

if __package__:
    from benchmarks import _common as common
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common

SET_HEADER = "x-artifact-set"
MIX = {"hybrid": 0.5, "bm25": 0.15, "retrieval": 0.15, "blend": 0.1, "mmr": 0.1}
GOAL_P95_MS = 60.0
OPEN_LOOP_CONNECTIONS = 64
TIMELINE_S = 5.0
FLOOR_REQUESTS = 200  # one client, one request at a time: each method's latency with no queue
LONG_SHARE = 0.05  # requests sent by POST with a long recalled description
CUES = ("", "", "", " after 2018", " before 2016", " in korean", " malayalam", " tamil", " french", " 90s")


# -- the artifacts the server reads ---------------------------------------------------------------


def _catalogue(home_paths: Any) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray, str]:
    """Every built year's movies, documents and vectors (in the documents' order), and the vectors'
    encoder identity."""
    from movie_assets.config import embed_model_name
    from movie_assets.index import held_encoders, precision_of, read_vectors

    years = home_paths.built_years()
    if not years:
        raise SystemExit(f"no catalogue under {home_paths.movies_root}: run `movie-assets build` first")
    movies = pl.concat([pl.read_parquet(home_paths.movies_file(y)) for y in years], how="vertical_relaxed")
    documents = pl.concat(
        [pl.read_parquet(home_paths.documents_file(y)) for y in years], how="vertical_relaxed"
    )
    model = embed_model_name()
    files = [home_paths.embeddings_file(y) for y in years]
    held = held_encoders(files, model)
    if len(held) != 1 or precision_of(next(iter(held)), model) is None:
        raise SystemExit(f"the vectors under {home_paths.embeddings_root} are of {sorted(held)}, not one "
                         f"encoder of {model}: run `movie-assets build` again")  # fmt: skip
    (encoder,) = held
    ids, vectors = read_vectors(files, model_name=model, encoder=encoder)
    order = pl.DataFrame({"movie_id": ids, "row": np.arange(len(ids))})
    rows = documents.select("movie_id").join(order, on="movie_id", how="left")["row"].to_numpy()
    return movies, documents, vectors[rows], encoder


def _publish(artifacts: Path, share: float, seed: int) -> str:
    """Build and publish a set over `share` of the data home's movies; returns its set id."""
    from movie_assets.config import embed_model_name
    from movie_assets.index import ENCODER_DIR, cached_export, encoder_writer, precision_of, write_artifacts
    from movie_assets.paths import DataPaths

    paths = DataPaths.from_env()
    movies, documents, vectors, encoder_id = _catalogue(paths)
    model = embed_model_name()
    if share < 1:
        keep = np.sort(np.random.default_rng(seed).permutation(movies.height)[: int(movies.height * share)])
        movies = movies[keep]
        wanted = documents["movie_id"].is_in(movies["movie_id"].implode()).to_numpy()
        documents, vectors = documents.filter(wanted), vectors[wanted]
    # As a build publishes it: with the ONNX query encoder of the documents' precision, which the server
    # embeds queries with.
    precision = precision_of(encoder_id, model) or "fp32"
    encoder = {ENCODER_DIR: encoder_writer(cached_export(paths.encoder_cache_dir, model, precision))}
    manifest = write_artifacts(
        movies, documents, vectors, artifacts, model_name=model, source="demo", extra_files=encoder,
        encoder=encoder_id,
    )  # fmt: skip
    return str(manifest["set_id"])


def publish(artifacts: Path, share: float, seed: int) -> str:
    """`_publish` in another process, as a build is: it takes the cores, not this process's GIL."""
    cmd = [
        sys.executable,
        __file__,
        "--publish",
        str(share),
        "--work",
        str(artifacts.parent),
        "--seed",
        str(seed),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"publishing a set failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def queries(artifacts: Path, n: int, seed: int) -> list[tuple[str, str]]:
    """`n` distinct (method, query) pairs from the served movies' own words, with some language and year
    cues; a share of them long recalled descriptions (several overviews run together)."""
    payload = pl.read_parquet(artifacts / "search_payload.parquet", columns=["overview", "title"])
    overviews = [o for o in payload["overview"].to_list() if o]
    rng = random.Random(seed)
    methods, weights = list(MIX), list(MIX.values())
    out: dict[str, str] = {}
    while len(out) < n:
        words = re.findall(r"[\w']+", rng.choice(overviews))
        if rng.random() < LONG_SHARE:
            text = " ".join(rng.choice(overviews) for _ in range(rng.randint(4, 10)))
        else:
            start = rng.randrange(max(len(words) - 3, 1))
            text = " ".join(words[start : start + rng.randint(3, 10)]) + rng.choice(CUES)
        if text.strip() and text not in out:
            out[text] = rng.choices(methods, weights)[0]
    return [(method, text) for text, method in out.items()]


# -- the server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(artifacts: Path, port: int, threads: int | None) -> tuple[subprocess.Popen, float, float]:
    """Start `movie-assets serve`; return it, the seconds to its first answered hybrid query, and to
    its health check answering 200."""
    cmd = [
        sys.executable,
        "-m",
        "movie_assets.cli.main",
        "serve",
        "--port",
        str(port),
        "--artifacts",
        str(artifacts),
    ]
    cmd += ["--threads", str(threads)] if threads else []
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    healthy = None
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        while time.perf_counter() - started < 300:
            if proc.poll() is not None:
                raise SystemExit(f"`movie-assets serve` exited {proc.returncode} while starting")
            try:
                if healthy is None and client.get("/health").status_code == 200:
                    healthy = time.perf_counter() - started
                if client.get("/search", params={"q": "a quiet family drama by the sea"}).status_code == 200:
                    return proc, time.perf_counter() - started, healthy or time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("`movie-assets serve` did not answer within 300 s")


# -- load -----------------------------------------------------------------------------------------


async def _one(client: httpx.AsyncClient, method: str, text: str) -> dict[str, Any]:
    params = {"q": text, "method": method, "k": 20}
    try:
        if len(text) > 500:
            response = await client.post("/search", json=params)
        else:
            response = await client.get("/search", params=params)
    except httpx.HTTPError as exc:
        return {"method": method, "status": 0, "error": repr(exc), "long": len(text) > 500}
    out: dict[str, Any] = {"method": method, "status": response.status_code, "long": len(text) > 500}
    if response.status_code == 200:
        out["set"] = response.headers.get(SET_HEADER)
        out["hits"] = [(h["movie_id"], h["title"]) for h in response.json()["hits"]]
    else:
        out["error"] = response.text[:200]
    return out


async def open_loop(
    base: str, load: list[tuple[str, str]], rate: float, seconds: float, seed: int, at_half: Any = None
) -> tuple[list[dict[str, Any]], float]:
    """Poisson arrivals at `rate`/s for `seconds`; `at_half` (a blocking callable) runs in a thread once
    half the time has passed. Returns every answer with its latency from its scheduled time."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / rate, size=int(rate * seconds * 1.5) + 10)
    times = np.cumsum(gaps)
    times = times[times < seconds]
    # A bounded pool: past it requests wait for a connection (their latency still counts from their
    # scheduled time), rather than the client spending the cores on hundreds of new connections.
    limits = httpx.Limits(
        max_connections=OPEN_LOOP_CONNECTIONS, max_keepalive_connections=OPEN_LOOP_CONNECTIONS
    )
    results: list[dict[str, Any]] = []
    async with httpx.AsyncClient(
        base_url=base, timeout=httpx.Timeout(60, pool=None), limits=limits
    ) as client:
        start = time.perf_counter()

        slots = asyncio.Semaphore(OPEN_LOOP_CONNECTIONS)  # a cheap wait, where httpx's pool queue is not

        async def fire(i: int, due: float) -> None:
            method, text = load[i % len(load)]
            async with slots:
                answer = await _one(client, method, text)
            answer["latency_s"] = time.perf_counter() - (start + due)
            answer["sent_at_s"] = due
            results.append(answer)

        side = None
        if at_half is not None:

            async def halfway() -> Any:
                await asyncio.sleep(seconds / 2)
                return await asyncio.to_thread(at_half)

            side = asyncio.create_task(halfway())
        tasks = []
        for i, due in enumerate(times):  # each request is started at its time: no crowd of sleeping tasks
            await asyncio.sleep(max(0.0, start + float(due) - time.perf_counter()))
            tasks.append(asyncio.create_task(fire(i, float(due))))
        await asyncio.gather(*tasks)
        if side is not None:
            await side
        wall = time.perf_counter() - start
    return results, wall


async def closed_loop(
    base: str, load: list[tuple[str, str]], clients: int, seconds: float, limit: int | None = None
) -> tuple[list, float]:
    """`clients` clients, each sending its next query as soon as the last was answered (for `seconds`,
    or until `limit` requests were sent)."""
    results: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        start = time.perf_counter()

        async def worker(w: int) -> None:
            i = w
            while time.perf_counter() - start < seconds and (limit is None or i < limit):
                method, text = load[i % len(load)]
                sent = time.perf_counter()
                answer = await _one(client, method, text)
                answer["latency_s"] = time.perf_counter() - sent
                results.append(answer)
                i += clients

        await asyncio.gather(*(worker(w) for w in range(clients)))
        wall = time.perf_counter() - start
    return results, wall


class _CpuMeter:
    """CPU seconds the server and this load generator spend from now on, per request answered."""

    def __init__(self, server: psutil.Process) -> None:
        self.server, self.me = server, psutil.Process()
        self.start = (self._cpu(server), self._cpu(self.me))

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    def per(self, requests: int) -> dict[str, float]:
        server, me = self._cpu(self.server) - self.start[0], self._cpu(self.me) - self.start[1]
        return {"server": server / requests * 1e3, "load_generator": me / requests * 1e3}


def summary(results: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    def stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
        ms = np.array([r["latency_s"] for r in rows]) * 1e3
        if not ms.size:
            return {"n": 0}
        p50, p95, p99 = np.percentile(ms, [50, 95, 99])
        return {"n": int(ms.size), "p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99),
                "max_ms": float(ms.max())}  # fmt: skip

    by_method = defaultdict(list)
    for r in results:
        by_method[r["method"]].append(r)
    errors = [r for r in results if r["status"] != 200]
    return {
        "requests": len(results),
        "throughput_rps": len(results) / wall,
        "errors": len(errors),
        "error_examples": sorted({str(r.get("error", r["status"]))[:160] for r in errors})[:5],
        "statuses": dict(Counter(r["status"] for r in results)),
        "all": stats(results),
        "by_method": {m: stats(rows) for m, rows in sorted(by_method.items())},
        # Long recalled descriptions (LONG_SHARE of the requests) embed up to 128 word pieces, not ~10: their
        # latency is the tail, so hybrid is also given for short and long requests apart.
        "hybrid_by_length": {
            kind: stats([r for r in by_method.get("hybrid", []) if r.get("long") == (kind == "long")])
            for kind in ("short", "long")
        },
    }


def timeline(results: list[dict[str, Any]], step: float) -> list[dict[str, Any]]:
    """Requests, errors and p95 per `step` seconds of scheduled time: where in the run latency rose."""
    windows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        windows[int(r["sent_at_s"] // step)].append(r)
    return [
        {
            "from_s": w * step,
            "requests": len(rows),
            "errors": sum(r["status"] != 200 for r in rows),
            "p95_ms": float(np.percentile([r["latency_s"] for r in rows], 95) * 1e3),
        }  # fmt: skip
        for w, rows in sorted(windows.items())
    ]


def torn_answers(results: list[dict[str, Any]], sets_root: Path) -> tuple[int, dict[str, int]]:
    """Answers whose hits are not all (id, title) pairs of the set that answered; and answers per set."""
    catalogues: dict[str, set[tuple[int, str]]] = {}
    torn, per_set = 0, Counter()
    for r in results:
        if r["status"] != 200:
            continue
        set_id = r["set"]
        per_set[set_id] += 1
        if set_id not in catalogues:
            payload = pl.read_parquet(
                sets_root / set_id / "search_payload.parquet", columns=["movie_id", "title"]
            )
            catalogues[set_id] = set(
                zip(payload["movie_id"].to_list(), payload["title"].to_list(), strict=True)
            )
        torn += not set(map(tuple, r["hits"])) <= catalogues[set_id]
    return torn, dict(per_set)


def _row(name: str, s: dict[str, Any]) -> list[str]:
    a = s["all"]
    hybrid = s["by_method"].get("hybrid", {})
    times = [a["p50_ms"], a["p95_ms"], a["p99_ms"], hybrid.get("p95_ms", float("nan"))]
    return [
        name,
        str(s["requests"]),
        f"{s['throughput_rps']:.1f}",
        str(s["errors"]),
        *(f"{t:.1f}" for t in times),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--low-rate", type=float, default=20.0, help="the open loop again at this rate (0: not)"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--burst-seconds", type=float, default=20.0)
    parser.add_argument("--queries", type=int, default=3_000, help="distinct queries (at least 1,000)")
    parser.add_argument("--threads", type=int, default=None, help="the server's --threads (default: its own)")
    parser.add_argument(
        "--work", type=Path, default=None, help="default $MOVIE_ASSETS_HOME/cache/bench_serve"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--publish", type=float, default=None, help=argparse.SUPPRESS
    )  # the rebuild's process
    args = parser.parse_args()
    from movie_assets.paths import DataPaths

    if args.publish is not None:
        print(_publish(args.work / "artifacts", args.publish, args.seed))
        return
    paths = DataPaths.from_env()
    work = args.work or paths.root / "cache" / "bench_serve"
    artifacts = work / "artifacts"
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_before": common.load_average(),
        "settings": {**vars(args), "work": str(work)},
    }
    first_set = publish(artifacts, 1.0, args.seed)
    load = queries(artifacts, args.queries, args.seed)
    report["distinct_queries"] = len({text for _, text in load})
    report["query_mix"] = dict(Counter(m for m, _ in load))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc, cold_s, healthy_s = start_server(artifacts, port, args.threads)
    try:
        server = psutil.Process(proc.pid)
        time.sleep(2)
        report["cold_start"] = {"first_answer_s": cold_s, "health_200_s": healthy_s}
        report["rss_at_rest_mb"] = server.memory_info().rss / 1e6
        floor = asyncio.run(closed_loop(base, load[-FLOOR_REQUESTS:], 1, 3600, limit=FLOOR_REQUESTS))
        report["one_at_a_time"] = summary(*floor)
        cpu = _CpuMeter(server)
        report["open_loop"] = summary(*asyncio.run(open_loop(base, load, args.rate, args.seconds, args.seed)))
        report["open_loop"]["cpu_ms_per_request"] = cpu.per(report["open_loop"]["requests"])
        report["load_after_open_loop"] = common.load_average()
        if args.low_rate:
            low = asyncio.run(open_loop(base, load[::2], args.low_rate, args.seconds, args.seed + 2))
            report["open_loop_low_rate"] = summary(*low)
        cpu = _CpuMeter(server)
        burst = asyncio.run(closed_loop(base, load[::-1], args.clients, args.burst_seconds))
        report["closed_loop"] = summary(*burst)
        report["closed_loop"]["cpu_ms_per_request"] = cpu.per(report["closed_loop"]["requests"])
        report["load_after_burst"] = common.load_average()
        report["rss_after_load_mb"] = server.memory_info().rss / 1e6
        rebuilt: list[str] = []
        results, wall = asyncio.run(
            open_loop(
                base,
                load[len(load) // 2 :] + load[: len(load) // 2],
                args.rate,
                args.seconds,
                args.seed + 1,
                at_half=lambda: rebuilt.append(publish(artifacts, 0.9, args.seed + 1)),
            )  # fmt: skip
        )
        rebuild = summary(results, wall)
        torn, per_set = torn_answers(results, artifacts.with_name("artifacts.sets"))
        health = httpx.get(f"{base}/health", timeout=10).json()
        switched = [r["sent_at_s"] for r in results if r["status"] == 200 and r["set"] != first_set]
        rebuild.update(torn=torn, answers_per_set=per_set, sets=[first_set, *rebuilt], health_after=health)
        rebuild["first_answer_from_new_set_at_s"] = min(switched) if switched else None
        rebuild["timeline"] = timeline(results, TIMELINE_S)
        report["open_loop_with_rebuild"] = rebuild
        report["rss_after_rebuild_mb"] = server.memory_info().rss / 1e6
        report["load_after"] = common.load_average()
    finally:
        proc.terminate()
        report["exit_on_sigterm"] = proc.wait(timeout=60)
    o = report["open_loop"]
    met = o["errors"] == 0 and o["by_method"]["hybrid"]["p95_ms"] <= GOAL_P95_MS
    report["goal"] = {"hybrid_p95_ms": GOAL_P95_MS, "met": met and rebuild["errors"] == 0 and torn == 0}
    head = ["run", "requests", "req/s", "errors", "p50 ms", "p95 ms", "p99 ms", "hybrid p95"]
    runs = {"one at a time": "one_at_a_time", f"open {args.rate:g}/s": "open_loop",
            f"open {args.low_rate:g}/s": "open_loop_low_rate", f"closed {args.clients}": "closed_loop",
            "open + rebuild": "open_loop_with_rebuild"}  # fmt: skip
    rows = [_row(name, report[key]) for name, key in runs.items() if key in report]
    print(common.text_table(head, rows))
    for name in ("one_at_a_time", "open_loop", "open_loop_low_rate", "closed_loop", "open_loop_with_rebuild"):
        if name not in report:
            continue
        per = report[name]["by_method"]
        print(
            f"{name}: "
            + ", ".join(f"{m} p50 {s['p50_ms']:.1f} / p95 {s['p95_ms']:.1f} ms" for m, s in per.items())
        )
    for name in ("one_at_a_time", "open_loop", "open_loop_with_rebuild"):
        if name in report:
            kinds = report[name]["hybrid_by_length"]
            parts = [
                f"{k} n {v['n']} p50 {v.get('p50_ms', 0):.1f} / p95 {v.get('p95_ms', 0):.1f} ms"
                for k, v in kinds.items()
            ]
            print(f"{name}: hybrid by length: " + ", ".join(parts))
    for name in ("open_loop", "closed_loop"):
        per = report[name]["cpu_ms_per_request"]
        print(
            f"{name}: CPU per request: server {per['server']:.1f} ms, "
            f"load generator {per['load_generator']:.1f} ms"
        )
    print(f"cold start to first answer {cold_s:.1f} s (health 200 at {healthy_s:.1f} s); RSS at rest "
          f"{report['rss_at_rest_mb']:.0f} MB, after load {report['rss_after_load_mb']:.0f} MB")  # fmt: skip
    steps = rebuild["timeline"]
    print("rebuild run, p95 ms per 5 s: " + " ".join(f"{w['p95_ms']:.0f}" for w in steps))
    print(f"rebuild: torn answers {torn}, answers per set {per_set}, switches {health.get('switches')}")
    print(f"load average before {report['load_before']}, after {report['load_after']}")
    print(f"goal met: {report['goal']['met']}")
    path = common.write_report(report, paths.reports_dir / "bench", "bench_serve.json")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
