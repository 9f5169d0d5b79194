"""The learned variants bench_quality compares, each an artifact set beside the benchmark's own.

Trained on the train split only (through `movie_assets.training.train_learned`, exactly as the
`search_ranker` asset trains), and kept by fingerprint, so a re-run trains nothing unless the labels,
the encoder, the features or the base artifacts changed:

    learned-both     query adapter (when it helps on the held-apart slice) + ranker over adapted pools
    learned-ranker   ranker over unadapted pools, no adapter
    learned-adapter  the adapter of learned-both alone
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import movie_assets.search.models as query_models
from movie_assets.evaluation import ToTQueries
from movie_assets.index import LEARNED_DIR, EmbeddingCache, install_learned, learned_facts, read_manifest
from movie_assets.ranking import ADAPTER_FILE
from movie_assets.search import Searcher, learning_view
from movie_assets.training import fingerprint, train_learned

VARIANTS = ("learned-adapter", "learned-ranker", "learned-both")


def _copy_set(base: Path, target: Path) -> None:
    if target.is_symlink():  # a published variant: a pointer to its sets, removed with them
        target.unlink()
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(target.with_name(f"{target.name}.sets"), ignore_errors=True)
    # Hard links: the files of a set are never changed in place, and the copy costs no space.
    shutil.copytree(base, target, copy_function=os.link)


def _key(base: Path, labels: bytes, links: bytes, mode: str) -> str:
    manifest = read_manifest(base)
    # The query window the requests are read in (bench_quality --query-window may change it for a run).
    stamp = f"{manifest.get('build_id') or manifest.get('built_at')}:{mode}:{query_models.QUERY_WINDOW}"
    return fingerprint(labels + stamp.encode(), links, manifest["embedding_model"])


def _current(folder: Path, key: str) -> dict[str, Any] | None:
    try:
        entry = learned_facts(read_manifest(folder))
    except Exception:  # a folder that is missing or half-written is rebuilt
        return None
    return entry if entry and entry.get("fingerprint") == key else None


def learned_variants(
    base: Path, embedder: Any, train: ToTQueries, labels: bytes, links: bytes, log: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """Variant name -> {"folder", "entry", "trained_s"} for each variant, training what is not current."""
    out: dict[str, dict[str, Any]] = {}
    cache = EmbeddingCache(base.parent / "embeddings")
    for name, with_adapter in (("learned-both", True), ("learned-ranker", False)):
        folder = base.parent / f"{name}-window{query_models.QUERY_WINDOW}"
        key = _key(base, labels, links, name)
        entry = _current(folder, key)
        seconds = None
        if entry is None:
            log(f"training {name} on {len(train.queries):,} train requests")
            started = time.perf_counter()
            _copy_set(base, folder)
            view = learning_view(Searcher.open(folder, embedder=embedder, learned=False))
            outcome = train_learned(
                view, train, fingerprint_id=key, cache=cache, log=log, with_adapter=with_adapter
            )
            if not outcome.trained or outcome.entry is None:
                raise SystemExit(f"bench_quality: {name} was not trained: {outcome.reason}")
            install_learned(folder, outcome.files, outcome.entry)
            entry, seconds = outcome.entry, round(time.perf_counter() - started, 1)
        out[name] = {"folder": folder, "entry": entry, "trained_s": seconds}
    both = out["learned-both"]
    if both["entry"]["adapter"]["kept"]:
        folder = base.parent / f"learned-adapter-window{query_models.QUERY_WINDOW}"
        key = _key(base, labels, links, "learned-adapter")
        if _current(folder, key) is None:
            _copy_set(base, folder)
            adapter = (both["folder"] / LEARNED_DIR / ADAPTER_FILE).read_bytes()
            entry = {k: v for k, v in both["entry"].items() if k not in ("ranker", "files", "build_id")}
            install_learned(folder, {ADAPTER_FILE: adapter}, {**entry, "fingerprint": key})
        out["learned-adapter"] = {
            "folder": folder,
            "entry": learned_facts(read_manifest(folder)),
            "trained_s": None,
        }
    return {name: out[name] for name in VARIANTS if name in out}
