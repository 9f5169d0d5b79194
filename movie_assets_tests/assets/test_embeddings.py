"""`movie_documents`, `movie_embeddings` and the index multi-asset called directly, with the fake embedder."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import polars as pl
import pytest

from movie_assets.assets.catalog import movies
from movie_assets.assets.embeddings import movie_documents, movie_embeddings
from movie_assets.assets.indexes import search_artifacts
from movie_assets.paths import DataPaths
from movie_assets.resources import DataHome
from movie_assets.search import Searcher
from movie_assets_tests.fakes import FAKE_EMBEDDER, FakeEmbedderResource

EMBEDDER = FakeEmbedderResource(model_name=FAKE_EMBEDDER.name)


def _year(year: int) -> dg.AssetExecutionContext:
    return dg.build_asset_context(partition_key=str(year))


def _build_year(data: DataHome, year: int) -> None:
    movies(_year(year), data)
    movie_documents(_year(year), data)


def test_unchanged_documents_are_not_embedded_twice(
    data_home: DataHome, paths: DataPaths, stored_details: Callable[..., list]
) -> None:
    records = stored_details(2021)
    _build_year(data_home, 2021)
    first = movie_embeddings(_year(2021), data_home, EMBEDDER)
    assert (first.metadata["embedded"], first.metadata["cached"]) == (len(records), 0)
    again = movie_embeddings(_year(2021), data_home, EMBEDDER)
    assert (again.metadata["embedded"], again.metadata["cached"]) == (0, len(records))
    vectors = pl.read_parquet(paths.embeddings_file(2021))
    documents = pl.read_parquet(paths.documents_file(2021))
    assert vectors["movie_id"].to_list() == documents["movie_id"].to_list()
    assert vectors["doc_hash"].to_list() == documents["doc_hash"].to_list()


def test_indexes_cover_every_built_year_and_search(
    data_home: DataHome, paths: DataPaths, stored_details: Callable[..., list]
) -> None:
    counts = {year: len(stored_details(year, seed=year)) for year in (2020, 2021)}
    for year in counts:
        _build_year(data_home, year)
        movie_embeddings(_year(year), data_home, EMBEDDER)
    results = list(search_artifacts(data_home, EMBEDDER))
    materialized = {r.asset_key.to_user_string(): r for r in results if isinstance(r, dg.MaterializeResult)}
    assert set(materialized) == {"dense_index", "bm25_index", "search_payload"}
    assert {r.metadata["count"] for r in materialized.values()} == {sum(counts.values())}
    searcher = Searcher.open(paths.artifacts_dir, embedder=FAKE_EMBEDDER)
    title = pl.read_parquet(paths.movies_file(2020))["title"][0]
    assert searcher.search(title, k=5, method="bm25").hits[0].title == title


def test_indexes_refuse_to_build_before_any_year(data_home: DataHome) -> None:
    with pytest.raises(dg.Failure, match="no movies are built yet"):
        list(search_artifacts(data_home, EMBEDDER))


def test_indexes_refuse_documents_and_vectors_that_disagree(
    data_home: DataHome, paths: DataPaths, stored_details: Callable[..., list]
) -> None:
    stored_details(2021)
    _build_year(data_home, 2021)
    movie_embeddings(_year(2021), data_home, EMBEDDER)
    documents = pl.read_parquet(paths.documents_file(2021))
    documents.head(documents.height - 1).write_parquet(paths.documents_file(2021))  # a year re-documented
    with pytest.raises(dg.Failure, match="re-materialize movie_embeddings"):
        list(search_artifacts(data_home, EMBEDDER))
