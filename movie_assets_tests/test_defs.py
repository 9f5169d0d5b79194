from __future__ import annotations

import dagster as dg

from movie_assets.assets.refresh import refresh_job
from movie_assets.definitions import defs
from movie_assets.jobs import JOBS

EXPECTED_ASSETS = {
    "tmdb_languages",
    "tmdb_genres",
    "discovered_movies",
    "movie_details",
    "movies",
    "movies_profile",
    "search_eval",
    "catalog_report",
    "movie_documents",
    "movie_embeddings",
    "dense_index",
    "bm25_index",
    "search_payload",
    "catalog_changes",
}


def test_every_job_resolves() -> None:
    for job in [*JOBS, refresh_job]:
        assert defs.resolve_job_def(job.name).name == job.name


def test_asset_graph_holds_the_designed_assets() -> None:
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_blocking_checks_guard_the_catalogue() -> None:
    movies_def = defs.resolve_assets_def(dg.AssetKey("movies"))
    movies_checks = {spec.name: spec.blocking for spec in movies_def.check_specs}
    assert (
        movies_checks["unique_movie_ids"]
        and movies_checks["year_matches_partition"]
        and movies_checks["schema"]
    )
    assert not movies_checks["value_ranges"]


def test_the_daily_refresh_runs_the_refresh_job_before_the_artifacts() -> None:
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert (schedule.job_name, schedule.cron_schedule) == ("refresh_job", "0 6 * * *")
    graph = defs.resolve_asset_graph()
    for key in ("movies_profile", "dense_index", "bm25_index", "search_payload"):
        assert dg.AssetKey("catalog_changes") in graph.get(dg.AssetKey(key)).parent_keys
