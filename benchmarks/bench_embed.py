"""Document embedding benchmark: documents/s of the real MiniLM on this machine's cores, torch fp32
(today's encoder) against ONNX Runtime fp32, int8 and int8-mixed, with how far each one's vectors are
from torch's.

Each encoder embeds the same demo documents in a fresh process (its peak memory is its own), the
encoders round robin over `--rounds`, so load that comes and goes hits each alike; the ratio is taken
within each round and its median reported. The ONNX exports are made first, untimed (a build makes
them once). The retrieval quality of int8 vectors is bench_quality's to say (`--encoder onnx-int8`).

    python benchmarks/bench_embed.py                       # 512 documents, 3 rounds
    python benchmarks/bench_embed.py --docs 128 --rounds 1

Goal on the 2-core machine: ONNX >= 2x torch's documents/s.
"""

from __future__ import annotations

import argparse
import os
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

ENCODERS = ("torch-fp32", "onnx-fp32", "onnx-int8", "onnx-int8-mixed")
GOAL_RATIO = 2.0


def make_exports(exports: str, model: str) -> dict[str, float]:
    """The ONNX exports under `exports` (made once); seconds each took (0 when already there)."""
    from movie_assets.index import PRECISIONS, cached_export

    took = {}
    for precision in PRECISIONS:
        started = time.perf_counter()
        cached_export(Path(exports), model, precision)
        took[precision] = time.perf_counter() - started
    return took


def embed_worker(encoder: str, texts: list[str], threads: int, exports: str, vectors: str) -> dict[str, Any]:
    """Load `encoder`, warm it up, embed `texts` once timed; the vectors go to the .npy `vectors`."""
    from movie_assets.config import embed_model_name

    started = time.perf_counter()
    if encoder == "torch-fp32":
        import torch

        from movie_assets.index import load_embedder

        torch.set_num_threads(threads)
        model: Any = load_embedder(embed_model_name(), device="cpu")
    else:
        from movie_assets.index import OnnxEmbedder, cached_export

        folder = cached_export(Path(exports), embed_model_name(), encoder.split("-", 1)[1])
        model = OnnxEmbedder(folder, threads=threads)
    load_s = time.perf_counter() - started
    model.encode(texts[:32])
    started, cpu = time.perf_counter(), time.process_time()
    out = model.encode(texts, batch_size=64)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    np.save(vectors, out)
    return {
        "docs_per_s": len(texts) / seconds,
        "seconds": seconds,
        "cpu_s": cpu,
        "load_s": load_s,
        "memory": common.memory_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    from movie_assets.config import embed_model_name
    from movie_assets.paths import DataPaths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=512, help="demo documents embedded per encoder and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every encoder (default 3)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads (default: cores)")
    parser.add_argument("--exports", type=Path, default=None, help="keep the ONNX exports here")
    parser.add_argument(
        "--out", type=Path, default=None, help="JSON folder (default $MOVIE_ASSETS_HOME/reports/bench)"
    )
    args = parser.parse_args(argv)
    if args.docs < 32 or args.rounds < 1:
        parser.error("need --docs >= 32 and --rounds >= 1")
    model, out = embed_model_name(), args.out or DataPaths.from_env().reports_dir / "bench"
    _, documents = common.demo_corpus(DEMO_SIZE)
    texts = documents.sample(n=min(args.docs, documents.height), seed=5)["document"].to_list()
    tokens = [len(t.split()) for t in texts]
    load_start, started = common.load_average(), datetime.now(UTC)
    print(f"embedding benchmark: {len(texts)} demo documents, {args.threads} threads, load {load_start}")
    with tempfile.TemporaryDirectory(prefix="bench_embed_") as scratch:
        exports = str(args.exports or Path(scratch) / "encoders")
        made = common.in_fresh_process(make_exports, exports, model)
        runs: dict[str, list[dict[str, Any]]] = {e: [] for e in ENCODERS}
        vectors: dict[str, np.ndarray] = {}
        for round_ in range(args.rounds):
            turn = round_ % len(ENCODERS)
            order = ENCODERS[turn:] + ENCODERS[:turn]
            for encoder in order:
                npy = str(Path(scratch) / f"{encoder}.npy")
                runs[encoder].append(
                    common.in_fresh_process(embed_worker, encoder, texts, args.threads, exports, npy)
                )
                vectors[encoder] = np.load(npy)
            print(f"  round {round_ + 1}: " + ", ".join(
                f"{e} {runs[e][-1]['docs_per_s']:.1f} docs/s" for e in ENCODERS), flush=True)  # fmt: skip
    load_end = common.load_average()
    summary: dict[str, dict[str, Any]] = {}
    for encoder in ENCODERS:
        rates = [r["docs_per_s"] for r in runs[encoder]]
        ratios = [
            r["docs_per_s"] / t["docs_per_s"] for r, t in zip(runs[encoder], runs["torch-fp32"], strict=True)
        ]
        cosine = (vectors[encoder] * vectors["torch-fp32"]).sum(axis=1)
        summary[encoder] = {
            "docs_per_s_median": float(np.median(rates)),
            "ratio_to_torch_median": float(np.median(ratios)),
            "ratios_per_round": ratios,
            "peak_mb_median": float(np.median([r["memory"]["peak_mb"] for r in runs[encoder]])),
            "load_s_median": float(np.median([r["load_s"] for r in runs[encoder]])),
            "cosine_to_torch": {"min": float(cosine.min()), "mean": float(cosine.mean())},
            "max_abs_diff_to_torch": float(np.abs(vectors[encoder] - vectors["torch-fp32"]).max()),
        }
    rows = [
        (e, f"{s['docs_per_s_median']:.1f}", f"{s['ratio_to_torch_median']:.2f}x",
         f"{s['cosine_to_torch']['min']:.4f} / {s['cosine_to_torch']['mean']:.4f}",
         f"{s['max_abs_diff_to_torch']:.1e}", f"{s['peak_mb_median']:.0f}", f"{s['load_s_median']:.2f}")
        for e, s in summary.items()
    ]  # fmt: skip
    print()
    head = ("encoder", "docs/s", "vs torch", "cos to torch min/mean", "max |diff|", "peak_RSS_MB", "load_s")
    print(common.text_table(head, rows))
    print(f"documents: {len(texts)}, words per document median {int(np.median(tokens))}, max {max(tokens)}")
    print(f"load average (1, 5, 15 min): start {load_start}, end {load_end}; {os.cpu_count()} cores")
    report = {
        **common.report_head("embed", started, args, load_start, load_end),
        "embedding_model": model,
        "goal": f"ONNX documents/s >= {GOAL_RATIO}x torch fp32's, ratio within each round",
        "exports_made_s": made,
        "summary": summary,
        "runs": runs,
    }
    print(f"wrote {common.write_report(report, out, 'bench_embed.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
