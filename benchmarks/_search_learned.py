"""The learned stage in the search benchmark: its parts installed into a synthetic set, and its cost timed.

The ranker's features do not depend on which movies exist and the adapter only needs the same encoder, so
the parts trained on the real catalogue (`bench_quality.py --learned` leaves them in
$MOVIE_ASSETS_HOME/cache/bench_quality/learned-both) apply to the synthetic sets of any size, which carry
borrowed MiniLM vectors under the same model name.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def install_from(source: Path, artifacts: Path) -> dict[str, Any]:
    """Install the learned parts of the set in `source` into the set in `artifacts`; the entry installed."""
    from movie_assets.index import LEARNED_DIR, install_learned, learned_facts, read_manifest

    entry = learned_facts(read_manifest(source))
    if not entry:
        raise SystemExit(f"bench_search: {source} has no learned parts (run bench_quality.py --learned)")
    target = read_manifest(artifacts)
    if (entry["encoder"], entry["dim"]) != (target["embedding_model"], target["dim"]):
        raise SystemExit(
            f"bench_search: the learned parts in {source} are for {entry['encoder']} (dim {entry['dim']}), "
            f"the synthetic set uses {target['embedding_model']} (dim {target['dim']})"
        )
    files = {name: (source / LEARNED_DIR / name).read_bytes() for name in entry["files"]}
    kept = {k: v for k, v in entry.items() if k not in ("build_id", "files")}
    return learned_facts(install_learned(artifacts, files, kept)) or {}


def learned_stage_times(searcher: Any, queries: list[str]) -> dict[str, Any]:
    """hybrid with and without its learned parts on the same distinct queries (alternating which goes
    first), and the learned stage's own parts timed inside the learned runs."""
    import movie_assets.search.learned as stage
    from movie_assets.search import SearchParams

    spent: dict[str, list[float]] = defaultdict(list)

    def timed(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent[name].append(time.perf_counter() - start)

        return run

    parts = searcher.learned.parts
    originals = (stage.pool_features, stage.neighbour_scores, searcher.dense.vectors, parts.ranker)
    stage.pool_features = timed("features", stage.pool_features)
    stage.neighbour_scores = timed("neighbour_scores", stage.neighbour_scores)
    searcher.dense.vectors = timed("pool_vectors", searcher.dense.vectors)
    if parts.ranker is not None:
        parts.ranker.score = timed("ranker_predict", parts.ranker.score)
    on, off = SearchParams(k=20, method="hybrid"), SearchParams(k=20, method="hybrid", learned="off")
    totals: dict[str, list[float]] = {"learned on": [], "learned off": []}
    try:
        for i, text in enumerate(queries):
            order = [("learned on", on), ("learned off", off)]
            for label, params in order if i % 2 else order[::-1]:
                # A fresh text per run: the query-vector cache must not answer the second run.
                query = f"{text} {'!' if label == 'learned on' else '?'}"
                start = time.perf_counter()
                searcher.search(query, params)
                totals[label].append(time.perf_counter() - start)
    finally:
        stage.pool_features, stage.neighbour_scores, searcher.dense.vectors, _ = originals
        if parts.ranker is not None:
            del parts.ranker.score
    p50 = {label: float(np.median(v)) * 1e3 for label, v in totals.items()}
    return {
        "queries": len(queries),
        "hybrid_p50_ms": p50,
        "added_p50_ms": p50["learned on"] - p50["learned off"],
        "parts_p50_ms": {name: float(np.median(v)) * 1e3 for name, v in spent.items()},
        "note": "features, pool vectors and the ranker run over the whole RRF pool (up to 1,000 rows)",
    }
