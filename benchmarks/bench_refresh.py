"""Refresh benchmark: an incremental refresh after 1% of a synthetic catalogue changed, against a full build.

A synthetic catalogue (default 50,000 movies over the 14 demo years) is served by the TMDb emulator in
its own process and built in full through the Dagster jobs (`yearly_job` per year, then `catalog_job`).
Then 1% of it changes (new overviews, moved release dates, deletions, vote-only edits and new titles,
each stamped `_changed_at`) and `refresh_job` runs on the same instance. Finally the mutated catalogue
is built in full into a second data root, and the two are compared.

Vectors: by default a SYNTHETIC embedder (a deterministic 384-d unit vector per document text, seeded by
its sha256) stands in for the model, whose time would otherwise dominate both builds. The real model's
throughput is measured on a sample (skip with --no-model) and used to project both wall times.

    python benchmarks/bench_refresh.py                     # 50,000 movies (several minutes)
    python benchmarks/bench_refresh.py --movies 3000       # a quick run

Goals: refresh wall time / full build wall time <= 0.1; documents re-embedded == documents whose text
changed; the refreshed artifacts equal a full rebuild of the mutated catalogue.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import numpy as np
import polars as pl

from movie_assets.assets import catalog, embeddings, harvest, indexes, reference, refresh
from movie_assets.demo import DEMO_YEARS, generate_demo_catalogue
from movie_assets.jobs import catalog_job, yearly_job
from movie_assets.paths import DataPaths
from movie_assets.resources import DataHome, EmbedderResource, TMDbResource
from movie_assets.tmdb import read_catalogue, write_catalogue

if __package__:
    from benchmarks import _common as common
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common

KEY = "bench-refresh-key"
SHARES = {"overview": 0.6, "moved": 0.1, "deleted": 0.1, "votes": 0.1, "new": 0.1}
LOG_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


SyntheticEmbedder = common.SyntheticEmbedder
_EMBEDDER = SyntheticEmbedder()


class SyntheticEmbedderResource(EmbedderResource):
    def load(self, export_root: Any = None, *, held: Any = ()) -> Any:
        return _EMBEDDER


def _serve(catalogue_path: str, conn: Any) -> None:
    """Child process: serve the catalogue until the parent closes the pipe."""
    from movie_assets.tmdb.emulator import Emulator, EmulatorConfig

    with Emulator(read_catalogue(catalogue_path), EmulatorConfig(api_key=KEY)) as emulator:
        conn.send(emulator.url)
        try:
            conn.recv()
        except EOFError:
            pass


class ServedCatalogue:
    """The emulator in its own process, so its threads do not share the builder's interpreter lock."""

    def __init__(self, path: Path) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(str(path), child), daemon=True)

    def __enter__(self) -> str:
        self._process.start()
        return self._conn.recv()

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._process.join(timeout=30)


def _defs(home: Path, url: str) -> dg.Definitions:
    modules = [reference, harvest, catalog, embeddings, indexes, refresh]
    return dg.Definitions(
        assets=refresh.in_refresh_order(dg.load_assets_from_modules(modules)),
        jobs=[yearly_job, catalog_job, refresh.refresh_job],
        resources={
            "data": DataHome(home=str(home)),
            "tmdb": TMDbResource(base_url=url, api_key=KEY, rate_limit=100_000),
            "embedder": SyntheticEmbedderResource(model_name=SyntheticEmbedder.name),
        },
    )


def _run(defs: dg.Definitions, instance: dg.DagsterInstance, job: str, partition: str | None = None) -> Any:
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance, partition_key=partition, run_config=LOG_CONFIG, raise_on_error=False
    )
    if not result.success:
        sys.exit(f"{job} {partition or ''} failed; rerun with a smaller --movies to see the log")
    return result


def full_build(home: Path, url: str, instance: dg.DagsterInstance, years: Sequence[int]) -> float:
    defs = _defs(home, url)
    started = time.perf_counter()
    for year in years:
        _run(defs, instance, "yearly_job", str(year))
    _run(defs, instance, "catalog_job")
    return time.perf_counter() - started


def mutate(catalogue: list[dict[str, Any]], share: float, seed: int) -> tuple[list[dict[str, Any]], dict]:
    """A copy with `share` of the catalogue changed, each change stamped `_changed_at`."""
    rng = random.Random(seed)
    mutated = copy.deepcopy(catalogue)
    live = [m for m in mutated if not (m.get("_deleted") or m.get("adult") or m.get("video"))]
    total = max(len(SHARES), round(len(catalogue) * share))
    counts = {kind: max(1, round(total * part)) for kind, part in SHARES.items()}
    chosen = rng.sample(live, sum(counts.values()) - counts["new"])
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    years = sorted({int(m["release_date"][:4]) for m in live})
    next_id = max(m["id"] for m in mutated) + 1
    picks: dict[str, list[int]] = {}
    for kind, count in counts.items():
        if kind == "new":
            batch = [{**copy.deepcopy(rng.choice(live)), "id": next_id + n} for n in range(count)]
            for movie in batch:
                movie["title"] = f"{movie['title']} Returns"
            mutated.extend(batch)
        else:
            batch, chosen = chosen[:count], chosen[count:]
        for movie in batch:
            if kind == "overview":
                movie["overview"] = f"{movie.get('overview') or ''} A late revision adds an epilogue.".strip()
            elif kind == "moved":
                year, day = (
                    int(movie["release_date"][:4]),
                    movie["release_date"][4:].replace("-02-29", "-02-28"),
                )
                movie["release_date"] = f"{rng.choice([y for y in years if y != year])}{day}"
            elif kind == "deleted":
                movie["_deleted"] = True
            elif kind == "votes":
                movie["vote_count"] = int(movie.get("vote_count") or 0) + 11
            movie["_changed_at"] = stamp
        picks[kind] = [m["id"] for m in batch]
    return mutated, picks


def _frame(paths: DataPaths, kind: str, years: Sequence[int]) -> pl.DataFrame:
    files = {
        "movies": paths.movies_file,
        "documents": paths.documents_file,
        "embeddings": paths.embeddings_file,
    }
    frame = pl.concat(pl.read_parquet(files[kind](y)) for y in years)
    return frame.drop("harvested_at") if kind == "movies" else frame


def compare(a: DataPaths, b: DataPaths, years: Sequence[int]) -> dict[str, bool]:
    """Which outputs of two data roots hold the same rows (movies modulo harvested_at)."""
    same = {kind: _frame(a, kind, years).equals(_frame(b, kind, years)) for kind in ("movies", "documents")}
    va, vb = _frame(a, "embeddings", years), _frame(b, "embeddings", years)
    same["vectors"] = va["movie_id"].equals(vb["movie_id"]) and np.array_equal(
        va["vector"].to_numpy(), vb["vector"].to_numpy()
    )
    for name in ("search_payload.parquet", "text_idmap.parquet"):
        same[name] = pl.read_parquet(a.artifacts_dir / name).equals(pl.read_parquet(b.artifacts_dir / name))
    manifests = [json.loads((p.artifacts_dir / "manifest.json").read_text()) for p in (a, b)]
    same["manifest files"] = all(
        manifests[0]["files"][f] == manifests[1]["files"][f] for f in ("text.index", "text_idmap.parquet")
    )
    return same


def model_throughput(documents: list[str]) -> dict[str, float] | None:
    """Documents per second of the real embedding model on this machine (None when it is not installed)."""
    import torch

    threads = torch.get_num_threads()
    try:
        rate = common.embedding_rates(documents, [threads])[threads]
    except Exception as exc:  # the model package is optional for this benchmark
        print(f"(model throughput not measured: {exc})")
        return None
    return {"docs_per_s": rate, "threads": threads, "docs_per_s_per_thread": rate / threads}


def _step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    kinds = {
        dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.STEP_SUCCESS,
        dg.DagsterEventType.STEP_FAILURE,
    }
    times: dict[str, list[float]] = {}
    for entry in instance.all_logs(run_id):
        if entry.step_key and entry.dagster_event_type in kinds:
            times.setdefault(entry.step_key, []).append(entry.timestamp)
    return {step: max(ts) - min(ts) for step, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--movies", type=int, default=50_000)
    parser.add_argument("--changed", type=float, default=0.01, help="share of the catalogue that changes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-model", action="store_true", help="skip measuring the real model's throughput")
    parser.add_argument("--workdir", help="keep the built data roots here (default: a temporary folder)")
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-refresh-"))
    years = list(DEMO_YEARS)
    print(f"generating {args.movies:,} synthetic movies over {years[0]}-{years[-1]} in {work}")
    catalogue = generate_demo_catalogue(n=args.movies, years=years, seed=args.seed)
    write_catalogue(catalogue, work / "catalogue.jsonl")
    mutated, picks = mutate(catalogue, args.changed, args.seed)
    write_catalogue(mutated, work / "mutated.jsonl")
    del catalogue

    (work / "instance").mkdir(exist_ok=True)
    instance = dg.DagsterInstance.local_temp(
        str(work / "instance"), overrides={"telemetry": {"enabled": False}}
    )
    home = work / "refreshed"
    with ServedCatalogue(work / "catalogue.jsonl") as url:
        full_s = full_build(home, url, instance, years)
    print(f"full build: {full_s:.1f} s")
    before = _frame(DataPaths(home), "documents", years)
    embedded_before = _EMBEDDER.encoded
    with ServedCatalogue(work / "mutated.jsonl") as url:
        started = time.perf_counter()
        result = _run(_defs(home, url), instance, "refresh_job")
        refresh_s = time.perf_counter() - started
    re_embedded_by_embedder = _EMBEDDER.encoded - embedded_before
    changes = next(
        m
        for m in result.asset_materializations_for_node("catalog_changes")
        if m.asset_key.path == ["catalog_changes"]
    )
    meta = {name: value.value for name, value in changes.metadata.items()}
    after = _frame(DataPaths(home), "documents", years)
    changed_docs = after.filter(~pl.col("doc_hash").is_in(before["doc_hash"].implode()))[
        "doc_hash"
    ].n_unique()
    print(f"refresh: {refresh_s:.1f} s")

    (work / "instance2").mkdir(exist_ok=True)
    instance2 = dg.DagsterInstance.local_temp(
        str(work / "instance2"), overrides={"telemetry": {"enabled": False}}
    )
    with ServedCatalogue(work / "mutated.jsonl") as url:
        rebuild_s = full_build(work / "rebuilt", url, instance2, years)
    same = compare(DataPaths(home), DataPaths(work / "rebuilt"), years)
    sample = after["document"].head(512).to_list()
    model = None if args.no_model else model_throughput(sample)

    report = {
        "movies": args.movies,
        "changed_ids": meta["changed_ids"],
        "mutation": {kind: len(ids) for kind, ids in picks.items()},
        "full_build_s": full_s,
        "full_rebuild_mutated_s": rebuild_s,
        "refresh_s": refresh_s,
        "ratio": refresh_s / full_s,
        "refresh_steps_s": _step_seconds(instance, result.run_id),
        "catalog_changes_phases_s": meta.get("timings_s"),
        "re_embedded": meta["embedded"],
        "re_embedded_by_embedder": re_embedded_by_embedder,
        "documents_changed": changed_docs,
        "affected_years": meta["affected_years"],
        "equal_to_full_rebuild": same,
        "vectors": "synthetic (sha256-seeded 384-d unit vectors) in both builds",
        "model": model,
    }
    if model:
        docs_total = after.height
        report["projected_with_model"] = {
            "full_build_s": full_s + docs_total / model["docs_per_s"],
            "refresh_s": refresh_s + meta["embedded"] / model["docs_per_s"],
        }
        report["projected_with_model"]["ratio"] = (
            report["projected_with_model"]["refresh_s"] / report["projected_with_model"]["full_build_s"]
        )
    _print(report)
    out = DataPaths.from_env().reports_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_refresh.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"wrote {out / 'bench_refresh.json'}")
    return 0 if report["ratio"] <= 0.1 and all(same.values()) and changed_docs == meta["embedded"] else 1


def _print(r: dict[str, Any]) -> None:
    rows = [
        ("movies", f"{r['movies']:,}"),
        ("changed ids (/movie/changes)", f"{r['changed_ids']:,}  {r['mutation']}"),
        ("full build wall", f"{r['full_build_s']:.1f} s"),
        ("refresh wall", f"{r['refresh_s']:.1f} s"),
        ("refresh / full build (goal <= 0.1)", f"{r['ratio']:.3f}"),
        ("refresh steps", ", ".join(f"{k} {v:.1f} s" for k, v in r["refresh_steps_s"].items())),
        (
            "catalog_changes phases",
            ", ".join(f"{k} {v} s" for k, v in (r["catalog_changes_phases_s"] or {}).items()),
        ),
        ("documents re-embedded", f"{r['re_embedded']:,} (embedder saw {r['re_embedded_by_embedder']:,})"),
        ("documents whose text changed (goal: equal)", f"{r['documents_changed']:,}"),
        (
            "refreshed == full rebuild of mutated",
            ", ".join(f"{k}={v}" for k, v in r["equal_to_full_rebuild"].items()),
        ),
        ("full rebuild of mutated wall", f"{r['full_rebuild_mutated_s']:.1f} s"),
        ("vectors", r["vectors"]),
    ]
    if r.get("model"):
        m, p = r["model"], r["projected_with_model"]
        rows.append(("model throughput", f"{m['docs_per_s']:.0f} docs/s on {m['threads']} threads"))
        rows.append(
            (
                "projected with the model",
                f"full {p['full_build_s']:.0f} s, refresh {p['refresh_s']:.0f} s, ratio {p['ratio']:.3f}",
            )
        )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    sys.exit(main())
