from __future__ import annotations

import os
import subprocess
import sys

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
    "search_ranker",
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


_SPY = """
import os, sys, sysconfig

STDLIB = (sysconfig.get_paths()["stdlib"], "<frozen")
SETTINGS = ("TMDB_", "MOVIE_ASSETS_", "EMBED_", "CROSS_ENCODER_")


class Spy(type(os.environ)):
    # Reports a read of a setting by movie_assets code (libraries copying the whole environment aside).
    def __getitem__(self, key):
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith(STDLIB):
            frame = frame.f_back
        if frame is not None and "/movie_assets/" in frame.f_code.co_filename and key.startswith(SETTINGS):
            print("READ", key, frame.f_code.co_filename)
        return super().__getitem__(key)


os.environ.__class__ = Spy
from movie_assets.definitions import defs

for job in ("reference_job", "yearly_job", "catalog_job", "refresh_job"):
    defs.resolve_job_def(job)
print("LOADED")
"""


def test_loading_the_definitions_reads_no_setting() -> None:
    # A fresh interpreter: here the definitions are long imported. A malformed value would fail a read.
    env = {**os.environ, "TMDB_RATE_LIMIT": "fast", "TMDB_API_KEY": "x", "MOVIE_ASSETS_HOME": "/nonexistent"}
    done = subprocess.run([sys.executable, "-c", _SPY], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["LOADED"]
