"""Training the learned parts of search from labelled requests: the query adapter, then the ranker.

One split of the training requests (whole requests, fixed seed) serves both: the adapter and the ranker
fit on the same requests and stop early on the same held-apart slice, whose scores go into the manifest.
The adapter is kept only when it raises the held-apart dense MRR@10; the ranker then learns over pools
formed with it, exactly as the searcher forms them, and once its number of trees is chosen on the held-apart
slice (whose scores are those of that early-stopped ranker) it is grown again on every request.
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from movie_assets.evaluation import ToTQueries
from movie_assets.index import EmbeddingCache
from movie_assets.ranking import (
    ADAPTER_FILE,
    FEATURE_NAMES,
    FEATURE_SCHEMA,
    RANKER_FILE,
    LearnedRanker,
    QueryAdapter,
)
from movie_assets.training.adapter import train_adapter
from movie_assets.training.lambdarank import PARAMS, SEED, Group, refit_ranker, split_groups, train_ranker

FOLDS = 4  # out-of-fold adapters for the ranker's training pools (`_out_of_fold`)
MIN_REQUESTS = 200  # fewer matched requests than this train nothing: the held-apart slice would be ~30
TRAINING_VERSION = 3  # bump when training changes in a way that should retrain every ranker (3: QUERY_WINDOW)


class LearningView(Protocol):
    """What training reads of an opened searcher (`movie_assets.search.learning_view`)."""

    encoder_name: str  # the set's model, which learned parts are recorded against
    encoder_identity: str  # whose vectors its queries are ("model@int8-mixed"): request vectors cache by it
    query_window: int  # the word pieces its queries are read to
    dim: int
    movie_ids: np.ndarray  # payload order

    def dense_text(self, text: str) -> str: ...  # what the dense retriever embeds for this request

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...  # unit rows, one per text

    def documents(self) -> np.ndarray: ...  # every movie's unit vector, payload order

    def pool(
        self, text: str, vector: np.ndarray, raw: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(payload rows in RRF order, their feature matrix) of hybrid's pool for one request, formed with
        the (adapted) `vector`; `raw` is the vector before the adapter, when there is one."""
        ...


@dataclass(frozen=True)
class LearnedOutcome:
    """What training produced: files for learned/ and the manifest entry, or why nothing was trained."""

    trained: bool
    reason: str
    files: dict[str, bytes] = field(default_factory=dict)
    entry: dict[str, Any] | None = None


def fingerprint(labels: bytes, links: bytes | None, encoder: str) -> str:
    """Changes when the labelled requests, the links, the encoder, the features or the training change."""
    digest = hashlib.sha256()
    parts = (labels, links or b"", encoder.encode(), FEATURE_SCHEMA.encode(), str(TRAINING_VERSION).encode())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def embed_requests(view: LearningView, texts: Sequence[str], cache: EmbeddingCache | None) -> np.ndarray:
    """Unit vectors of the texts, through the embedding cache when one is given (a retrain re-reads it)."""
    if cache is None:
        return view.embed(texts)
    # Query vectors share the embedding cache with documents under their own hashes, which name the window.
    prefix = f"query@{view.query_window}\n"
    hashes = [hashlib.sha256(f"{prefix}{t}".encode()).hexdigest() for t in texts]
    # By the query encoder's identity, not the model's name: an int8 set's request vectors are not an fp32
    # set's (an fp32 set's identity is the model's name).
    found, vectors = cache.lookup(view.encoder_identity, hashes, view.dim)
    missing = np.flatnonzero(~found)
    if missing.size:
        fresh = view.embed([texts[i] for i in missing])
        cache.add(view.encoder_identity, [hashes[i] for i in missing], fresh)
        vectors[missing] = fresh
    return vectors


def _rank_of(order: np.ndarray, labels: np.ndarray) -> int | None:
    hits = np.flatnonzero(labels[order])
    return int(hits[0]) + 1 if hits.size else None


def _scores(ranks: Sequence[int | None]) -> dict[str, float]:
    """Recall@10/100, MRR@10 and the share found at all, from each request's gold rank (None: not in pool)."""
    n = max(len(ranks), 1)
    return {
        "recall@10": round(sum(r is not None and r <= 10 for r in ranks) / n, 4),
        "recall@100": round(sum(r is not None and r <= 100 for r in ranks) / n, 4),
        "mrr@10": round(sum(1.0 / r for r in ranks if r is not None and r <= 10) / n, 4),
        "in_pool": round(sum(r is not None for r in ranks) / n, 4),
    }


def _out_of_fold(
    vectors: np.ndarray,
    gold_rows: np.ndarray,
    documents: np.ndarray,
    fit: np.ndarray,
    held: np.ndarray,
    adapter: QueryAdapter,
    seed: int,
) -> np.ndarray:
    """Adapted vectors for forming the ranker's training pools, each from an adapter that never saw it.

    The adapter fits its own requests far better than new ones (on Reddit-TOMT it lifted the RRF
    Recall@10 of the requests it was fitted on from 0.25 to 0.40, of the validation requests only from 0.22
    to 0.25); a ranker trained over such pools learns to trust the dense side more than it deserves at
    search time. So the fit requests are split in FOLDS and each part is adapted by an adapter trained on
    the other parts; the held-apart requests, which the final adapter never saw, are adapted by it.
    """
    out = np.empty_like(vectors)
    out[held] = adapter.apply(vectors[held])
    for part in np.array_split(np.random.default_rng(seed).permutation(fit), FOLDS):
        others = np.setdiff1d(fit, part)
        fold = train_adapter(vectors, gold_rows, documents, others, held, seed=seed)
        out[part] = QueryAdapter(fold.matrix).apply(vectors[part])
    return out


def train_learned(
    view: LearningView,
    requests: ToTQueries,
    *,
    fingerprint_id: str,
    cache: EmbeddingCache | None = None,
    log: Callable[[str], None] = print,
    min_requests: int = MIN_REQUESTS,
    seed: int = SEED,
    with_adapter: bool = True,
) -> LearnedOutcome:
    """Train the adapter and the ranker on `requests` (already matched to the catalogue).

    `with_adapter=False` trains the ranker over unadapted pools and keeps no adapter (the benchmark's
    "ranker only" variant).
    """
    queries = requests.queries
    if len(queries) < min_requests:
        return LearnedOutcome(
            False,
            f"only {len(queries)} of {requests.total} labelled requests have their answer in the catalogue "
            f"(at least {min_requests} are needed); no ranker trained, search ranks as without one",
        )
    started = time.perf_counter()
    row_of = {int(m): i for i, m in enumerate(view.movie_ids)}
    gold_rows = np.array([min(row_of[g] for g in q.gold) for q in queries], dtype=np.int64)
    vectors = embed_requests(view, [view.dense_text(q.text) for q in queries], cache)
    log(f"{len(queries):,} request vectors ready after {time.perf_counter() - started:.0f}s")
    fit, held = split_groups(len(queries), seed=seed)
    adapter, adapter_stats, pool_vectors = None, {"trained": False}, vectors
    if with_adapter:
        documents = view.documents()
        adapted = train_adapter(vectors, gold_rows, documents, fit, held, seed=seed)
        adapter = QueryAdapter(adapted.matrix) if adapted.helps else None
        adapter_stats = {"trained": True, **adapted.stats}
        log(f"query adapter {'kept' if adapter else 'not kept'}: {adapted.stats}")
        if adapter is not None:
            pool_vectors = _out_of_fold(vectors, gold_rows, documents, fit, held, adapter, seed)
    groups: list[Group] = []
    for query, vector, raw in zip(queries, pool_vectors, vectors, strict=True):
        rows, features = view.pool(query.text, vector[None, :], raw[None, :])
        gold = [row_of[g] for g in query.gold]
        groups.append(Group(features, np.isin(rows, gold).astype(np.int32)))
    log(f"{len(groups):,} pools formed after {time.perf_counter() - started:.0f}s")
    ranked = train_ranker([groups[i] for i in fit], [groups[i] for i in held], seed=seed)
    ranker = LearnedRanker.from_text(ranked.model)
    held_groups = [groups[i] for i in held]
    held_scores = {
        "pool order (RRF)": _scores([_rank_of(np.arange(len(g.labels)), g.labels) for g in held_groups]),
        "learned": _scores(
            [_rank_of(np.argsort(-ranker.score(g.features), kind="stable"), g.labels) for g in held_groups]
        ),
    }
    # The held-apart slice has chosen the trees' number and given its scores; its labels now join the fit.
    refit = refit_ranker(groups, int(ranked.stats["rounds"]), seed=seed)
    log(f"ranker refit on all {len(groups):,} requests after {time.perf_counter() - started:.0f}s")
    files = {RANKER_FILE: refit.model.encode("utf-8")}
    if adapter is not None:
        buffer = io.BytesIO()
        np.save(buffer, adapter.matrix, allow_pickle=False)
        files[ADAPTER_FILE] = buffer.getvalue()
    entry = {
        "encoder": view.encoder_name,
        "dim": view.dim,
        "feature_schema": FEATURE_SCHEMA,
        "feature_names": list(FEATURE_NAMES),
        "fingerprint": fingerprint_id,
        "training_version": TRAINING_VERSION,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "requests": {
            "read": requests.total, "matched": len(queries), "dropped": requests.dropped,
            "fit": int(fit.size), "held_apart": int(held.size), "seed": seed,
        },
        "ranker": {"objective": PARAMS["objective"], **ranked.stats, "refit": refit.stats},
        "adapter": {"kept": adapter is not None, **adapter_stats},
        "held_apart_scores": held_scores,
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    return LearnedOutcome(True, f"trained on {len(fit):,} requests, {len(held):,} held apart", files, entry)
