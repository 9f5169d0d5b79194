"""The learned ranker asset: trains the query adapter and the ranker from labelled requests and adds them
to the one artifact set; without labels (the demo) it leaves the set without them."""

from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from movie_assets.catalog import read_movies_dir
from movie_assets.config import REPO_ROOT
from movie_assets.evaluation import (
    TRAIN_LINKS_ENV,
    TRAIN_QUERIES_ENV,
    catalogue_imdb_map,
    default_links_path,
    default_train_queries_path,
    load_tot_queries,
    read_links,
)
from movie_assets.index import ArtifactsError, EmbeddingCache, install_learned, learned_facts
from movie_assets.resources import DataHome, EmbedderResource
from movie_assets.search import Searcher, learning_view
from movie_assets.training import MIN_REQUESTS, fingerprint, train_learned


class SearchRankerConfig(dg.Config):
    """Where the labelled requests are; unset fields take their environment defaults when the run starts."""

    queries_path: str | None = Field(
        default=None,
        description=f"labelled requests (JSON lines); unset: {TRAIN_QUERIES_ENV}, else "
        "../shared/data/tomt/train.jsonl.gz beside the repo when present, else none (no ranker)",
    )
    links_path: str | None = Field(
        default=None,
        description=f"MovieLens-style links.csv(.gz) mapping IMDb to TMDb ids; unset: {TRAIN_LINKS_ENV}, "
        "else ../shared/data/movielens/ml-25m/links.csv.gz when present",
    )
    min_requests: int = Field(default=MIN_REQUESTS, description="fewer matched requests train no ranker")
    retrain: bool = Field(default=False, description="train even when the labels and encoder are unchanged")


def _without(folder: Path, manifest: dict[str, Any], why: str) -> dg.MaterializeResult:
    # A ranker from earlier labels must not outlive them: the set is left with no learned parts at all.
    removed = learned_facts(manifest) is not None
    if removed:
        install_learned(folder, {}, None)
    return dg.MaterializeResult(metadata={"trained": False, "reason": why, "removed_previous": removed})


def _metadata(entry: dict[str, Any], reason: str, reused: bool) -> dict[str, Any]:
    held = entry.get("held_apart_scores", {})
    metadata: dict[str, Any] = {
        "trained": True,
        "reused": reused,
        "reason": reason,
        "encoder": entry.get("encoder"),
        "feature_schema": entry.get("feature_schema"),
        "adapter_kept": bool(entry.get("adapter", {}).get("kept")),
        "requests": dg.MetadataValue.json(entry.get("requests", {})),
        "training_seconds": float(entry.get("seconds", 0.0)),
    }
    for name, scores in held.items():
        metadata.update({f"held apart {name} {metric}": float(v) for metric, v in scores.items()})
    return metadata


@dg.asset(
    deps=[dg.AssetKey("dense_index"), dg.AssetKey("bm25_index"), dg.AssetKey("search_payload")],
    group_name="indexes",
    kinds={"lightgbm"},
)
def search_ranker(
    context: dg.AssetExecutionContext, config: SearchRankerConfig, data: DataHome, embedder: EmbedderResource
) -> dg.MaterializeResult:
    """LambdaRank over hybrid's candidate pools (and a query adapter when it helps), trained on labelled
    requests and listed in the artifact manifest; absent without labels."""
    paths = data.paths()
    folder = paths.artifacts_dir
    try:
        # Opened without its learned parts: a stale ranker is exactly what this asset is here to replace.
        searcher = Searcher.open(folder, embedder=embedder.load_for(paths), learned=False)
    except ArtifactsError as exc:
        raise dg.Failure(str(exc)) from exc
    manifest = searcher.manifest
    labels = Path(config.queries_path) if config.queries_path else default_train_queries_path(REPO_ROOT)
    if manifest.get("source") == "demo":
        return _without(
            folder, manifest, "the artifacts hold the synthetic demo catalogue: no labels name it"
        )
    if labels is None:
        why = f"no labelled requests ({TRAIN_QUERIES_ENV} is 'none', or unset with no shared file)"
        return _without(folder, manifest, why)
    links = Path(config.links_path) if config.links_path else default_links_path(REPO_ROOT, TRAIN_LINKS_ENV)
    for path, setting in ((labels, TRAIN_QUERIES_ENV), (links, TRAIN_LINKS_ENV)):
        if path is not None and not path.is_file():
            raise dg.Failure(
                f"search_ranker: no labelled queries at {path}; set {setting} to an existing file"
            )
    try:
        key = fingerprint(
            labels.read_bytes(), links.read_bytes() if links else None, manifest["embedding_model"]
        )
    except OSError as exc:
        raise dg.Failure(
            f"cannot read the labelled requests or links ({exc}); set {TRAIN_QUERIES_ENV}"
        ) from exc
    previous = learned_facts(manifest) or {}
    if previous.get("fingerprint") == key and not config.retrain:
        context.log.info("search_ranker: the labels, links, encoder and features are unchanged; kept as is")
        return dg.MaterializeResult(
            metadata=_metadata(previous, "unchanged since it was trained", reused=True)
        )
    movies = read_movies_dir(paths.movies_root, paths.built_years()).select("movie_id", "imdb_id")
    try:
        requests = load_tot_queries(
            labels, searcher.payload["movie_id"].to_list(), links=read_links(links) if links else None,
            imdb_map=catalogue_imdb_map(movies), setting=TRAIN_QUERIES_ENV,
        )  # fmt: skip
    except (OSError, ValueError) as exc:
        raise dg.Failure(f"search_ranker: {exc}") from exc
    context.log.info(
        f"search_ranker: {len(requests.queries):,} of {requests.total:,} labelled requests in {labels} have "
        f"their answer in the catalogue (dropped: {requests.dropped})"
    )
    cache = EmbeddingCache(paths.embedding_cache_dir)
    outcome = train_learned(
        learning_view(searcher), requests, fingerprint_id=key, cache=cache, log=context.log.info,
        min_requests=config.min_requests,
    )  # fmt: skip
    if not outcome.trained or outcome.entry is None:
        context.log.warning(f"search_ranker: {outcome.reason}")
        return _without(folder, manifest, outcome.reason)
    install_learned(folder, outcome.files, outcome.entry)
    context.log.info(f"search_ranker: {outcome.reason}; held apart: {outcome.entry['held_apart_scores']}")
    return dg.MaterializeResult(metadata=_metadata(outcome.entry, outcome.reason, reused=False))
