"""Kill benchmark: a two-year harvest SIGKILLed at random points ends with the clean run's catalogue.

The demo generator's synthetic catalogue (two years) is served by the TMDb emulator with injected faults
(default 5%). A worker process materializes `yearly_job` (discover, details, movies, documents,
embeddings) for each year on a Dagster instance on disk, skipping years whose last run succeeded, as a
backfill of the missing and failed partitions does; like `movie-assets build` it tags its runs with its
process id and first marks the runs of killed workers failed. First one clean worker runs it all. The
kill points are drawn uniformly over the clean run's steps (their summed time): each is a step of a
year and a time into it. A fresh data root is then harvested by workers that are SIGKILLed when they
reach the next point (the same step of the same year, as far into it, or anything later), and a last
worker finishes. The two catalogues are compared (movies rows modulo `harvested_at`), and the requests
the emulator answered are set against the clean run's.

Embeddings come from a synthetic embedder that sleeps as long as a model would take (`--embed-rate`
documents/s; the real MiniLM does ~130/s on 2 cores), so kills land in embedding as often as they would.

    python benchmarks/bench_resume.py                 # 6,000 movies, 10 kills, 5% faults (~5 min)
    python benchmarks/bench_resume.py --movies 2000   # a quick run

Goals: the killed harvest's catalogue equals the clean one; requests <= 1.10 x the clean run's.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__:
    from benchmarks import _common as common
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common

KEY = "bench-resume-key"
YEARS = (2021, 2022)
GOAL = 1.10
LOG_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _instance(home: Path) -> Any:
    import dagster as dg

    (home / "dagster").mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.local_temp(str(home / "dagster"), overrides={"telemetry": {"enabled": False}})


def worker(spec: dict[str, Any]) -> int:
    """The harvesting process: every year whose last run did not succeed, one `yearly_job` run each."""
    import dagster as dg

    from movie_assets.assets import catalog, embeddings, harvest
    from movie_assets.instance import build_tags, fail_dead_builds
    from movie_assets.jobs import yearly_job
    from movie_assets.resources import DataHome, EmbedderResource, TMDbResource

    embedder = common.SyntheticEmbedder(spec["embed_rate"])

    class SyntheticEmbedderResource(EmbedderResource):
        def load(self, export_root: Any = None, *, held: Any = ()) -> Any:
            return embedder

    home = Path(spec["home"])
    defs = dg.Definitions(
        assets=dg.load_assets_from_modules([harvest, catalog, embeddings]),
        jobs=[yearly_job],
        resources={
            "data": DataHome(home=str(home)),
            "tmdb": TMDbResource(base_url=spec["url"], api_key=KEY, rate_limit=spec["rate"]),
            "embedder": SyntheticEmbedderResource(model_name=embedder.name),
        },
    )
    job = defs.resolve_job_def("yearly_job")
    with _instance(home) as instance:
        fail_dead_builds(instance)  # as `movie-assets build` does: killed workers' runs become failures
        print("ready", flush=True)
        for year in spec["years"]:
            succeeded = dg.RunsFilter(
                job_name="yearly_job",
                tags={"dagster/partition": str(year)},
                statuses=[dg.DagsterRunStatus.SUCCESS],
            )
            if instance.get_run_records(filters=succeeded, limit=1):
                continue
            result = job.execute_in_process(
                instance=instance,
                partition_key=str(year),
                run_config=LOG_CONFIG,
                tags=build_tags(),
                raise_on_error=False,
            )
            if not result.success:
                print(f"yearly_job {year} failed", file=sys.stderr, flush=True)
                return 1
    return 0


def _start(spec: dict[str, Any], log: Path) -> subprocess.Popen[str]:
    """A worker that has said it is ready (imports and instance done)."""
    with open(log, "a", encoding="utf-8") as err:
        process = subprocess.Popen(
            [sys.executable, __file__, "--worker", json.dumps(spec)],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.wait()
        sys.exit(f"the worker exited {process.returncode} before it was ready; see {log}")
    return process


def _steps(instance: Any, run_id: str) -> list[tuple[str, float, float | None]]:
    """(step, start, end or None while it runs) of each step a run started, in order (epoch seconds)."""
    import dagster as dg

    spans: dict[str, list[Any]] = {}
    for entry in instance.all_logs(run_id):
        if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
            spans[entry.step_key] = [entry.timestamp, None]
        elif entry.dagster_event_type == dg.DagsterEventType.STEP_SUCCESS and entry.step_key in spans:
            spans[entry.step_key][1] = entry.timestamp
    return [(step, start, end) for step, (start, end) in spans.items()]


def timeline(home: Path) -> list[tuple[str, str, float]]:
    """(year, step, seconds) of every step the clean run ran, in order."""
    with _instance(home) as instance:
        runs = sorted(instance.get_runs(), key=lambda run: run.tags["dagster/partition"])
        return [
            (run.tags["dagster/partition"], step, end - start)
            for run in runs
            for step, start, end in _steps(instance, run.run_id)
        ]


def _position(instance: Any, order: list[tuple[str, str]], before: set[str]) -> tuple[int, float] | None:
    """Where a worker is: (index of its step in `order`, seconds into it), or None before its first run.
    Runs in `before` are earlier workers': a killed one looks forever in the step it died in."""
    runs = [run for run in instance.get_runs(limit=len(before) + 1) if run.run_id not in before]
    if not runs:
        return None
    year, steps = runs[0].tags["dagster/partition"], _steps(instance, runs[0].run_id)
    running = [(step, start) for step, start, end in steps if end is None]
    if running:
        return order.index((year, running[-1][0])), time.time() - running[-1][1]
    # Between steps (or between runs): at the start of the step after the last one that ended.
    return (order.index((year, steps[-1][0])) + 1, 0.0) if steps else None


def harvest(
    spec: dict[str, Any],
    log: Path,
    points: list[tuple[int, float]] = (),
    clean: list[tuple[str, str, float]] = (),
    served: Any = None,
) -> dict[str, Any]:
    """Workers killed at each point (index of a step in `clean`, seconds into it), then one that finishes."""
    import sqlite3

    order = [(year, step) for year, step, _ in clean]
    kills, started, finished = [], time.perf_counter(), False
    with _instance(Path(spec["home"])) as instance:
        for point in points:
            before = {run.run_id for run in instance.get_runs()}
            process, reached = _start(spec, log), None
            while reached is None and process.poll() is None:
                try:  # the worker writes the same SQLite files: a read can find them locked
                    where = _position(instance, order, before)
                except sqlite3.OperationalError:
                    where = None
                if where is not None and where >= point:
                    process.kill()  # SIGKILL: no handler runs, nothing is flushed
                    reached = where
                time.sleep(0.05)
            if process.wait() != 0 and reached is None:
                sys.exit(f"a worker failed (exit {process.returncode}); see {log}")
            if reached is None:  # it finished before the point: the harvest is done
                finished = True
                break
            year, step = order[min(reached[0], len(order) - 1)]
            kills.append(
                {"year": year, "step": step, "into_step_s": reached[1], "requests": served.stats.requests}
            )
    if not finished and _start(spec, log).wait() != 0:
        sys.exit(f"the last worker failed; see {log}")
    return {"kills": kills, "wall_s": time.perf_counter() - started}


def _movies(home: Path, year: int) -> Any:
    import polars as pl

    from movie_assets.paths import DataPaths

    return pl.read_parquet(DataPaths(home).movies_file(year)).drop("harvested_at").sort("movie_id")


def compare(clean: Path, killed: Path) -> dict[str, Any]:
    out = {}
    for year in YEARS:
        a, b = _movies(clean, year), _movies(killed, year)
        out[str(year)] = {"rows": a.height, "killed_rows": b.height, "equal": a.equals(b)}
    return out


def _server(stats: Any) -> dict[str, Any]:
    return {"requests": stats.requests, "by_kind": stats.by_kind, "faults": sum(stats.faults.values())}


def _print(report: dict[str, Any]) -> None:
    head = ("kill", "point (step, s into it)", "killed in", "requests_so_far")
    rows = [
        (
            str(n),
            f"{p[0]} +{p[1]:.1f}",
            f"{k['year']} {k['step']} +{k['into_step_s']:.1f}",
            f"{k['requests']:,}",
        )
        for n, (k, p) in enumerate(zip(report["killed"]["kills"], report["kill_points"], strict=False), 1)
    ]
    print(common.text_table(head, rows))
    head = ("run", "requests", "discover", "movie", "faults", "wall_s")
    rows = []
    for name, key in (("clean", "clean"), (f"{len(report['killed']['kills'])} kills", "killed")):
        server = report[key]["server"]
        kinds = server["by_kind"]
        counts = (server["requests"], kinds.get("discover", 0), kinds.get("movie", 0), server["faults"])
        rows.append((name, *(f"{c:,}" for c in counts), f"{report[key]['wall_s']:.1f}"))
    print(common.text_table(head, rows))
    print(
        f"requests killed / clean: {report['request_ratio']:.3f} (goal <= {GOAL}); catalogue equal to the "
        f"clean run's: {report['catalogue_equal']} ("
        + ", ".join(f"{y}: {v['killed_rows']}/{v['rows']} rows" for y, v in report["catalogue"].items())
        + ")"
    )


def kill_points(clean: list[tuple[str, str, float]], kills: int, seed: int) -> list[tuple[int, float]]:
    """`kills` moments drawn uniformly over the clean run's summed step time, as (step index, seconds
    into it), in order."""
    rng, total = random.Random(seed), sum(seconds for _, _, seconds in clean)
    points = []
    for moment in sorted(rng.uniform(0, total) for _ in range(kills)):
        index = 0
        while index < len(clean) - 1 and moment >= clean[index][2]:
            moment -= clean[index][2]
            index += 1
        points.append((index, moment))
    return points


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=6000, help="synthetic movies over the two years")
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--rate", type=float, default=1000.0, help="client pace, req/s (loopback: 1000)")
    parser.add_argument("--embed-rate", type=float, default=130.0, help="synthetic embedder, docs/s")
    parser.add_argument("--seed", type=int, default=3, help="seeds the catalogue, faults and kill points")
    parser.add_argument("--workdir", type=Path, help="keep the data roots and logs here")
    parser.add_argument("--out", type=Path, help="JSON folder (default $MOVIE_ASSETS_HOME/reports/bench)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(json.loads(args.worker))
    if args.movies < 10 or args.kills < 0 or not 0 <= args.fault_rate < 1 or args.rate <= 0:
        parser.error("need --movies >= 10, --kills >= 0, --fault-rate in [0, 1) and --rate > 0")

    from movie_assets.demo import generate_demo_catalogue
    from movie_assets.paths import DataPaths
    from movie_assets.tmdb.emulator import Emulator, EmulatorConfig

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-resume-"))
    work.mkdir(parents=True, exist_ok=True)
    catalogue = generate_demo_catalogue(n=args.movies, years=YEARS, seed=args.seed)
    config = EmulatorConfig(api_key=KEY, fault_rate=args.fault_rate, seed=args.seed)
    spec = {"rate": args.rate, "embed_rate": args.embed_rate, "years": list(YEARS)}
    print(
        f"kill benchmark: {args.movies:,} synthetic movies over {YEARS}, {args.fault_rate:.0%} faults, "
        f"{args.kills} kills; work in {work}",
        flush=True,
    )
    load = [common.load_average()]
    with Emulator(catalogue, config) as served:
        clean = harvest({**spec, "home": str(work / "clean"), "url": served.url}, work / "clean.log")
        clean["server"] = _server(served.stats)
    steps = timeline(work / "clean")
    points = kill_points(steps, args.kills, args.seed)
    print(f"clean: {clean['wall_s']:.1f} s, {clean['server']['requests']:,} requests", flush=True)
    with Emulator(catalogue, config) as served:
        spec_killed = {**spec, "home": str(work / "killed"), "url": served.url}
        killed = harvest(spec_killed, work / "killed.log", points, steps, served)
        killed["server"] = _server(served.stats)
    load.append(common.load_average())
    catalogue_same = compare(work / "clean", work / "killed")
    report = {
        "benchmark": "resume",
        "params": {k: v for k, v in vars(args).items() if k not in ("worker", "workdir", "out")},
        "years": YEARS,
        "clean_steps": [{"year": y, "step": step, "seconds": round(sec, 2)} for y, step, sec in steps],
        "kill_points": [(f"{steps[i][0]} {steps[i][1]}", round(into, 2)) for i, into in points],
        "clean": clean,
        "killed": killed,
        "request_ratio": killed["server"]["requests"] / clean["server"]["requests"],
        "catalogue": catalogue_same,
        "catalogue_equal": all(year["equal"] for year in catalogue_same.values()),
        "load_average": load,
        "definitions": {
            "requests": "HTTP requests the emulator received (faulted and retried ones included)",
            "kill points": "uniform over the clean run's summed step time: a step of a year and seconds "
            "into it; a worker is killed once it is at that step that long, or later",
            "catalogue equal": "movies rows of each year, harvested_at dropped, sorted by movie_id",
        },
    }
    _print(report)
    out = args.out or DataPaths.from_env().reports_dir / "bench"
    print(f"wrote {common.write_report(report, out, 'bench_resume.json')}")
    return 0 if report["catalogue_equal"] and report["request_ratio"] <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
