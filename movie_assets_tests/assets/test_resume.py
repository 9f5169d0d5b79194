"""Resume granularity of a year run: a failed run's harvest is reused, a successful one's fetched afresh."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from movie_assets.assets.catalog import movies
from movie_assets.assets.embeddings import movie_documents, movie_embeddings
from movie_assets.assets.harvest import discovered_movies, movie_details
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.resources import DataHome, TMDbResource
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig
from movie_assets.tmdb.emulator.stats import EmulatorStats
from movie_assets_tests.fakes import FakeEmbedderResource

pytestmark = pytest.mark.integration

YEARLY = [discovered_movies, movie_details, movies, movie_documents, movie_embeddings]
KEY = "resume-test-key-0123"
YEAR = "2020"


def _year_run(
    url: str, home: Path, instance: dg.DagsterInstance, *, failing_embedder: bool = False
) -> dg.ExecuteInProcessResult:
    resources = {
        "data": DataHome(home=str(home)),
        "tmdb": TMDbResource(base_url=url, api_key=KEY, rate_limit=1000),
        "embedder": FakeEmbedderResource(model_name="fake", fail=failing_embedder),
    }
    return dg.materialize(
        YEARLY, partition_key=YEAR, resources=resources, instance=instance, raise_on_error=False
    )


def _spent(before: EmulatorStats, after: EmulatorStats) -> dict[str, int]:
    return {kind: after.by_kind.get(kind, 0) - before.by_kind.get(kind, 0) for kind in ("discover", "movie")}


def _details(run: dg.ExecuteInProcessResult) -> dict[str, object]:
    [event] = run.asset_materializations_for_node("movie_details")
    return {name: value.value for name, value in event.metadata.items()}


def test_a_year_run_that_failed_after_its_details_is_resumed_and_a_successful_one_fetched_afresh(
    tmp_path: Path,
) -> None:
    catalogue = generate_demo_catalogue(n=120, years=(int(YEAR),), seed=3)
    instance = dg.DagsterInstance.ephemeral()
    with Emulator(catalogue, EmulatorConfig(api_key=KEY)) as emulator:
        start = emulator.stats
        failed = _year_run(emulator.url, tmp_path, instance, failing_embedder=True)
        assert not failed.success
        assert failed.asset_materializations_for_node("movie_details")  # it failed after the details
        first = emulator.stats
        fetched = _details(failed)["fetched_this_run"]
        assert _spent(start, first)["movie"] == fetched > 0

        resumed = _year_run(emulator.url, tmp_path, instance)
        assert resumed.success
        second = emulator.stats
        # Nothing the failed run fetched is asked for again: no discover page, no /movie/{id}.
        assert _spent(first, second) == {"discover": 0, "movie": 0}
        assert _details(resumed)["resumed_from"] == fetched

        afresh = _year_run(emulator.url, tmp_path, instance)
        assert afresh.success
        spent = _spent(second, emulator.stats)
    # After a successful run of the year, a new run fetches the year afresh.
    assert spent["discover"] > 0 and spent["movie"] == fetched
    assert _details(afresh)["resumed_from"] == 0
