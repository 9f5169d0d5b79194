"""The search benchmark's artifacts: a demo catalogue of any size, its vectors and the real artifact set.

At the demo size the real model embeds every document; above it each movie borrows the real vector of a
demo movie with the same original language and first genre, plus Gaussian noise, re-normalised (embedding
200k documents takes ~25 minutes on 2 cores). The seed's method reads the same documents and vectors.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

if __package__:
    from benchmarks import _common as common
else:  # run as a script: benchmarks/ is on sys.path
    import _common as common

DEMO_SIZE = 3_600


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


def _approximate_recall(
    index_file: Path, vectors: np.ndarray, model: str, queries: Sequence[str]
) -> dict[str, float]:
    """Recall@10 of the approximate index against exact search, for 200 of its own vectors (the asset
    check's measure) and for the benchmark's query texts embedded by the model."""
    from movie_assets.index import ann_recall_at_k, load_dense, load_embedder

    index = load_dense(index_file)
    return {
        "own_vectors": ann_recall_at_k(index, vectors, k=10),
        "query_texts": ann_recall_at_k(index, vectors, load_embedder(model).encode(list(queries)), k=10),
    }


class _ArtifactPhases(logging.Handler):
    """Starts a phase of `meter` at each step write_artifacts logs (`record.phase`)."""

    def __init__(self, meter: common.PhasePeaks) -> None:
        super().__init__(logging.INFO)
        self.meter = meter

    def emit(self, record: logging.LogRecord) -> None:
        phase = getattr(record, "phase", None)
        if phase:
            self.meter.begin(f"artifacts: {phase}")


def build_worker(size: int, work: str, model: str, noise: float, queries: Sequence[str]) -> dict[str, Any]:
    """Build the artifacts for `size` movies under work/size-N; returns timings, the peak resident memory
    of each phase (`memory_mb`), how vectors were made (and, for an approximate index, its recall,
    `queries` among the probes)."""
    from movie_assets.index import load_embedder, write_artifacts

    folder = Path(work) / f"size-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"size": size}
    meter = common.PhasePeaks()
    t = time.perf_counter()
    meter.begin("corpus (the benchmark's generator)")
    movies, documents = common.demo_corpus(size)
    out["corpus_s"] = time.perf_counter() - t
    keys = _group_keys(movies)
    t = time.perf_counter()
    meter.begin("vectors (the benchmark's)")
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
    del keys
    out["vectors_s"] = time.perf_counter() - t
    t = time.perf_counter()
    # The product's own steps, each a phase: write_artifacts logs them as they start.
    log = logging.getLogger("movie_assets.index")
    handler, level = _ArtifactPhases(meter), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        meter.begin("artifacts: inputs")
        manifest = write_artifacts(movies, documents, vectors, folder / "artifacts", model_name=model)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    out["artifacts_s"] = time.perf_counter() - t
    meter.begin("after: recall check and the seed's files (the benchmark's)")
    out["dense"], out["count"] = manifest["dense"], manifest["count"]
    if manifest["dense"]["type"] != "flat":
        out["dense_recall_at_10"] = _approximate_recall(
            folder / "artifacts" / "text.index", vectors, model, queries
        )
    # The seed's method reads the same documents and vectors, in the same order.
    documents.select("document").write_parquet(folder / "documents.parquet")
    np.save(folder / "vectors.npy", vectors)
    meter.end()
    out["memory_mb"] = {
        "peak_mb": meter.peak_mb,
        "by_phase": meter.peaks_mb,
        "seconds_by_phase": meter.seconds,
        "note": "VmHWM of the build process, reset as each phase starts (/proc/self/clear_refs): each "
        "phase's figure includes what earlier phases still held",
    }
    out["files_mb"] = {
        p.name: round(p.stat().st_size / 1e6, 1)
        for p in sorted((folder / "artifacts").rglob("*"))
        if p.is_file()
    }
    (folder / "build.json").write_text(json.dumps(out, indent=1))
    return out


def install_encoder(artifacts: str, model: str, exports: str) -> dict[str, Any]:
    """Give the set its ONNX query encoder in fp32 (its vectors are the model's own), as `movie-assets
    build` does, unless it has one; returns the encoder's facts."""
    from movie_assets.index import ENCODER_DIR, cached_export, encoder_writer, extend_artifacts, read_manifest

    extras = read_manifest(Path(artifacts)).get("extras") or {}
    if ENCODER_DIR in extras:
        return extras[ENCODER_DIR]
    export = cached_export(Path(exports), model, "fp32")
    return extend_artifacts(Path(artifacts), {ENCODER_DIR: encoder_writer(export)})["extras"][ENCODER_DIR]
