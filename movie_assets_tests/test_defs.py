from __future__ import annotations

import dagster as dg

from movie_assets.definitions import defs
from movie_assets.jobs import JOBS

EXPECTED_ASSETS = {
    "tmdb_languages", "tmdb_genres", "discovered_movies", "movie_details", "movies", "movies_profile",
    "movie_documents", "movie_embeddings", "dense_index", "bm25_index", "search_payload",
}


def test_every_job_resolves() -> None:
    for job in JOBS:
        assert defs.resolve_job_def(job.name).name == job.name


def test_asset_graph_holds_the_designed_assets() -> None:
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_blocking_checks_guard_the_catalogue() -> None:
    graph = defs.resolve_asset_graph()
    movies_checks = {spec.key.name: spec.blocking for spec in graph.get_check_specs(dg.AssetKey("movies"))}
    assert movies_checks["unique_movie_ids"] and movies_checks["year_matches_partition"] and movies_checks["schema"]
    assert not movies_checks["value_ranges"]
