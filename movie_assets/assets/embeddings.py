"""Embedding assets: the search document of each movie and its vector, one Parquet file per year."""

import dagster as dg
import polars as pl

from movie_assets.assets.catalog import movies
from movie_assets.catalog import read_movies_dir
from movie_assets.index import (
    EmbeddingCache,
    cache_key,
    embed_documents,
    identity_of,
    write_documents,
    write_vectors,
)
from movie_assets.index import movie_documents as build_documents
from movie_assets.partitions import year_partitions
from movie_assets.resources import DataHome, EmbedderResource


@dg.asset(partitions_def=year_partitions, deps=[movies], group_name="embeddings", kinds={"parquet"})
def movie_documents(context: dg.AssetExecutionContext, data: DataHome) -> dg.MaterializeResult:
    """Each movie's search document (title, overview, genres, language, people, keywords) and its hash."""
    year = int(context.partition_key)
    paths = data.paths()
    docs = build_documents(read_movies_dir(paths.movies_root, [year]))
    target = write_documents(docs, paths.documents_file(year))
    return dg.MaterializeResult(
        metadata={
            "row_count": docs.height,
            "path": dg.MetadataValue.path(str(target)),
            "example": dg.MetadataValue.md(f"```\n{docs['document'][0]}\n```" if docs.height else "(empty)"),
        }
    )


@dg.asset(partitions_def=year_partitions, deps=[movie_documents], group_name="embeddings", kinds={"pytorch"})
def movie_embeddings(
    context: dg.AssetExecutionContext, data: DataHome, embedder: EmbedderResource
) -> dg.MaterializeResult:
    """One L2-normalised vector per movie document of the year; unchanged documents come from the cache."""
    year = int(context.partition_key)
    paths = data.paths()
    docs = pl.read_parquet(paths.documents_file(year))
    model = embedder.load_for(paths)
    vectors, stats = embed_documents(docs, model, EmbeddingCache(paths.embedding_cache_dir))
    target = write_vectors(
        docs, vectors, embedder.name, paths.embeddings_file(year), encoder=identity_of(model)
    )
    context.log.info(f"movie_embeddings {year}: {stats.embedded} embedded, {stats.cached} from the cache")
    return dg.MaterializeResult(
        metadata={
            "row_count": docs.height,
            "embedded": stats.embedded,
            "cached": stats.cached,
            "model": embedder.name,
            "encoder": cache_key(model),
            "dim": int(vectors.shape[1]) if vectors.ndim == 2 else 0,
            "path": dg.MetadataValue.path(str(target)),
        }
    )
