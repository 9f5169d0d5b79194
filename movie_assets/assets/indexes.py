"""Index assets: the dense and BM25 indexes and the payload, one artifact set over every built year."""

import uuid
from collections.abc import Iterator

import dagster as dg
import numpy as np
import polars as pl

from movie_assets.assets.catalog import movies
from movie_assets.assets.embeddings import movie_documents, movie_embeddings
from movie_assets.catalog import read_movies_dir
from movie_assets.index import (
    DENSE_FILE,
    ann_recall_at_k,
    carried_learned,
    export_precision,
    identity_of,
    load_dense,
    read_vectors,
    sets_dir,
    write_artifacts,
)
from movie_assets.resources import DataHome, EmbedderResource
from movie_assets.tmdb import combined_source

HNSW_RECALL = "hnsw_recall_at_10"
MIN_HNSW_RECALL = 0.95


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "dense_index",
            deps=[movie_embeddings],
            group_name="indexes",
            kinds={"faiss"},
            description="FAISS inner-product index over every built year's movie vectors.",
        ),
        dg.AssetSpec(
            "bm25_index",
            deps=[movie_documents],
            group_name="indexes",
            kinds={"bm25s"},
            description="bm25s index over every built year's documents, rows aligned with the dense index.",
        ),
        dg.AssetSpec(
            "search_payload",
            deps=[movies],
            group_name="indexes",
            kinds={"parquet"},
            description="Display fields of every indexed movie, rows aligned with both indexes.",
        ),
    ],
    check_specs=[dg.AssetCheckSpec(HNSW_RECALL, asset="dense_index")],
)
def search_artifacts(
    data: DataHome, embedder: EmbedderResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    paths = data.paths()
    years = paths.built_years()
    # Everything in movie_id order, the order of the set, as it is read: the unsorted frames are freed
    # at once, and write_artifacts need not hold sorted copies beside these for the whole build.
    catalogue = read_movies_dir(paths.movies_root, years).sort("movie_id")
    docs = (
        pl.concat([pl.read_parquet(paths.documents_file(y)) for y in years]).sort("movie_id")
        if years
        else None
    )
    # The encoder this machine embeds with (the resource's "auto" picks by machine): every year's vectors
    # must be its, and the query encoder is its export.
    model = embedder.load_for(paths)
    ids, vectors = read_vectors(
        [paths.embeddings_file(y) for y in years],
        model_name=embedder.name,
        encoder=identity_of(model),
        by_id=True,
    )
    if docs is None or docs.height == 0:
        raise dg.Failure(
            "no movies are built yet: materialize movies, movie_documents and movie_embeddings first"
        )
    if not np.array_equal(ids, docs["movie_id"].to_numpy()):
        raise dg.Failure(
            "movie_documents and movie_embeddings disagree; re-materialize movie_embeddings for every year"
        )
    source = combined_source(paths.discover_dir(y) for y in years)
    # The learned ranker does not depend on which movies exist: it goes into the new build unless the
    # encoder changed (search_ranker retrains it when its labels or features changed).
    build_id = uuid.uuid4().hex
    carried = carried_learned(paths.artifacts_dir, embedder.name, int(vectors.shape[1]), build_id)
    # The query encoder travels with the set: ONNX in the documents' precision, so a search starts without
    # torch and never embeds queries with another encoder than the documents'.
    encoder = embedder.query_encoder(paths.encoder_cache_dir, export_precision(model))
    manifest = write_artifacts(
        catalogue, docs, vectors, paths.artifacts_dir, model_name=embedder.name, source=source,
        extra_files={**carried, **encoder}, build_id=build_id, encoder=identity_of(model),
    )  # fmt: skip
    common = {
        "count": manifest["count"],
        "years": dg.MetadataValue.json(manifest["years"]),
        "source": manifest["source"],
    }
    dense = manifest["dense"]
    yield dg.MaterializeResult(
        asset_key="dense_index",
        metadata={
            **common,
            "dim": manifest["dim"],
            "type": dense["type"],
            "model": manifest["embedding_model"],
        },
    )
    yield dg.MaterializeResult(asset_key="bm25_index", metadata=common)
    yield dg.MaterializeResult(
        asset_key="search_payload",
        metadata={**common, "path": dg.MetadataValue.path(str(paths.artifacts_dir))},
    )
    del catalogue, docs  # only the vectors are needed from here on
    recall = 1.0
    if dense["type"] == "hnsw":
        # The set just built, by its own folder: a later build may already have moved the pointer on.
        # Its rows are in movie_id order, as `vectors` are.
        built = sets_dir(paths.artifacts_dir) / manifest["set_id"]
        recall = ann_recall_at_k(load_dense(built / DENSE_FILE), vectors, k=10)
    yield dg.AssetCheckResult(
        asset_key="dense_index",
        check_name=HNSW_RECALL,
        passed=recall >= MIN_HNSW_RECALL,
        metadata={"recall_at_10": recall, "index_type": dense["type"], "threshold": MIN_HNSW_RECALL},
    )
