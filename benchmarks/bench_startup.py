"""Start-up benchmark: `movie-assets search "…"` wall time from process start to the printed hits.

Two artifact sets over the same 3,600-movie demo catalogue and the same real MiniLM vectors: one carries
its ONNX query encoder (as `movie-assets build` writes it now), one does not (as every set built before:
the search loads sentence-transformers and torch, today's path). Each command runs as a fresh process,
the variants round robin, beside `python -c "import torch"` in the same run; each run's peak resident
memory comes from the kernel (wait4's ru_maxrss of that child).

    python benchmarks/bench_startup.py                 # 10 runs per variant and method
    python benchmarks/bench_startup.py --runs 3 --work /tmp/bench_startup

Goal on the 2-core machine: a dense search <= 1.5 s median, and less than `import torch` takes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

if __package__:
    from benchmarks import _common as common
    from benchmarks._search_build import DEMO_SIZE
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common
    from _search_build import DEMO_SIZE

GOAL_S = 1.5
QUERY = "a detective hunts a serial killer through a rain-soaked city"
REPO = Path(__file__).resolve().parents[1]


def build_sets(work: str, source: str | None) -> dict[str, Any]:
    """The two demo sets under work/onnx and work/torch (kept: reused next time); `source` is a
    bench_search demo-source.npz holding the demo's real vectors, else they are embedded here."""
    from movie_assets.config import embed_model_name
    from movie_assets.index import (
        ENCODER_DIR,
        cached_export,
        encoder_writer,
        load_document_embedder,
        write_artifacts,
    )

    folder, model = Path(work), embed_model_name()
    if (folder / "sets.json").is_file():
        return {**json.loads((folder / "sets.json").read_text()), "reused": True}
    movies, documents = common.demo_corpus(DEMO_SIZE)
    started = time.perf_counter()
    if source and Path(source).is_file() and len(np.load(source)["vectors"]) == documents.height:
        vectors, how = np.load(source)["vectors"], f"real {model} vectors from {source}"
    else:
        embedder = load_document_embedder(model, export_root=folder / "encoders")
        vectors, how = embedder.encode(documents["document"].to_list()), f"embedded by {embedder.cache_key}"
    export = cached_export(folder / "encoders", model, "fp32")
    write_artifacts(movies, documents, vectors, folder / "onnx" / "artifacts", model_name=model,
                    source="demo", extra_files={ENCODER_DIR: encoder_writer(export)})  # fmt: skip
    write_artifacts(
        movies, documents, vectors, folder / "torch" / "artifacts", model_name=model, source="demo"
    )
    out = {"movies": movies.height, "vectors": how, "build_s": time.perf_counter() - started}
    (folder / "sets.json").write_text(json.dumps(out))
    return out


def timed(argv: list[str]) -> dict[str, Any]:
    """Wall seconds and peak RSS (MB) of one fresh process; its output is checked, not kept."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {child.returncode}: {err.decode()[-2000:]}")
    return {"wall_s": wall, "peak_mb": usage.ru_maxrss * 1024 / 1e6, "stdout_bytes": len(out)}


def main(argv: list[str] | None = None) -> int:
    from movie_assets.paths import DataPaths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per variant and method (default 10)")
    parser.add_argument("--methods", nargs="+", default=["retrieval", "hybrid"], help="dense methods timed")
    parser.add_argument("--query", default=QUERY)
    parser.add_argument("--work", type=Path, default=None, help="keep the two sets here and reuse them")
    parser.add_argument(
        "--source", type=Path, default=None, help="bench_search's demo-source.npz (default: embed the demo)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="JSON folder (default $MOVIE_ASSETS_HOME/reports/bench)"
    )
    args = parser.parse_args(argv)
    out = args.out or DataPaths.from_env().reports_dir / "bench"
    load_start, started = common.load_average(), datetime.now(UTC)
    print(f"start-up benchmark: {args.runs} runs per variant, methods {args.methods}, load {load_start}")
    with tempfile.TemporaryDirectory(prefix="bench_startup_") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        sets = common.in_fresh_process(build_sets, str(work), str(args.source) if args.source else None)
        print(f"  sets: {sets}", flush=True)
        search = [sys.executable, "-m", "movie_assets.cli.main", "search", args.query, "--json", "--method"]
        variants = {"import torch": [sys.executable, "-c", "import torch"]}
        for method in args.methods:
            for kind in ("onnx", "torch"):
                variants[f"{method} / {kind}"] = [
                    *search,
                    method,
                    "--artifacts",
                    str(work / kind / "artifacts"),
                ]
        for argv_ in variants.values():  # untimed: the files into the page cache, bytecode compiled
            timed(argv_)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
        for i in range(args.runs):
            names = list(variants)
            for name in names[i % len(names) :] + names[: i % len(names)]:  # rotated round robin
                runs[name].append(timed(variants[name]))
    load_end = common.load_average()
    summary = {
        name: {
            "median_s": float(np.median([r["wall_s"] for r in rs])),
            "min_s": float(np.min([r["wall_s"] for r in rs])),
            "max_s": float(np.max([r["wall_s"] for r in rs])),
            "peak_mb_median": float(np.median([r["peak_mb"] for r in rs])),
        }
        for name, rs in runs.items()
    }
    torch_import = summary["import torch"]["median_s"]
    rows = []
    for name, s in summary.items():
        method, _, kind = name.partition(" / ")
        ratios = ""
        if kind == "onnx":
            today = summary[f"{method} / torch"]["median_s"]
            ratios = f"today/this {today / s['median_s']:.1f}x; "
            ratios += f"this/import-torch {s['median_s'] / torch_import:.2f}"
            ratios += (
                "; goal met" if s["median_s"] <= GOAL_S and s["median_s"] < torch_import else "; GOAL MISSED"
            )
        rows.append((name, f"{s['median_s']:.2f}", f"{s['min_s']:.2f}", f"{s['max_s']:.2f}",
                     f"{s['peak_mb_median']:.0f}", ratios))  # fmt: skip
    print()
    print(
        common.text_table(("command", "median_s", "min_s", "max_s", "peak_RSS_MB", "same-run ratios"), rows)
    )
    print(f"load average (1, 5, 15 min): start {load_start}, end {load_end}; {os.cpu_count()} cores")
    report = {
        **common.report_head("startup", started, args, load_start, load_end),
        "goal": f"dense search median <= {GOAL_S} s and < `python -c 'import torch'` in the same run",
        "definitions": {
            "wall_s": "from spawning `python -m movie_assets.cli.main search ... --json` to its exit",
            "onnx": "the set carries its ONNX query encoder (encoder/), as sets built from now on do",
            "torch": "the same set without it, as sets built before: sentence-transformers + torch load",
            "peak_mb": "ru_maxrss of that child (wait4), MB = 10^6 bytes",
        },
        "sets": sets,
        "summary": summary,
        "runs": runs,
    }
    print(f"wrote {common.write_report(report, out, 'bench_startup.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
