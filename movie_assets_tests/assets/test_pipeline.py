"""In-process materializations of the asset graph over a tiny catalogue served by the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest

from movie_assets.assets.catalog import movies, movies_profile
from movie_assets.assets.embeddings import movie_documents, movie_embeddings
from movie_assets.assets.harvest import discovered_movies, movie_details
from movie_assets.assets.indexes import search_artifacts
from movie_assets.assets.reference import tmdb_genres, tmdb_languages
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.resources import DataHome, TMDbResource
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig
from movie_assets_tests.fakes import FakeEmbedderResource

ASSETS = [
    tmdb_languages,
    tmdb_genres,
    discovered_movies,
    movie_details,
    movies,
    movies_profile,
    movie_documents,
    movie_embeddings,
    search_artifacts,
]
YEARLY = [discovered_movies, movie_details, movies, movie_documents, movie_embeddings]
YEARS = (2020, 2021)
KEY = "pipeline-test-key-0123"


def _eligible(catalogue: list[dict], year: int) -> set[int]:
    return {
        m["id"]
        for m in catalogue
        if (m.get("release_date") or "").startswith(str(year))
        and not m.get("adult")
        and not m.get("video")
        and not m.get("_deleted")
    }


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    movies_ = generate_demo_catalogue(n=300, years=YEARS, seed=11)
    # Out of range in the last year only: the non-blocking value_ranges check must flag that year alone.
    bad = next(m for m in movies_ if m["id"] in _eligible(movies_, YEARS[-1]))
    bad["vote_average"] = 11.5
    return movies_


@pytest.fixture()
def served(catalogue: list[dict]) -> Iterator[Emulator]:
    with Emulator(catalogue, EmulatorConfig(api_key=KEY, fault_rate=0.05, seed=5)) as emulator:
        yield emulator


def _resources(home: Path, url: str) -> dict[str, Any]:
    return {
        "data": DataHome(home=str(home)),
        "tmdb": TMDbResource(base_url=url, api_key=KEY, rate_limit=1000),
        "embedder": FakeEmbedderResource(model_name="fake"),
    }


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


@pytest.mark.integration
def test_whole_graph_materializes_over_the_emulator(
    catalogue: list[dict], served: Emulator, tmp_path: Path
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    resources = _resources(tmp_path, served.url)
    assert dg.materialize(
        ASSETS, selection=[tmdb_languages, tmdb_genres], resources=resources, instance=instance
    ).success
    for year in YEARS:
        result = dg.materialize(
            ASSETS, selection=YEARLY, partition_key=str(year), resources=resources, instance=instance
        )
        assert result.success
        checks = _checks(result)
        assert checks["unique_movie_ids"] and checks["year_matches_partition"] and checks["schema"]
        assert checks["details_cover_discovered"]
        frame = pl.read_parquet(tmp_path / "processed" / "movies_parquet" / f"year={year}" / "movies.parquet")
        assert set(frame["movie_id"].to_list()) == _eligible(catalogue, year)
        assert checks["value_ranges"] is (year != YEARS[-1])

    final = dg.materialize(
        ASSETS, selection=[movies_profile, search_artifacts], resources=resources, instance=instance
    )
    assert final.success
    manifest = json.loads((tmp_path / "processed" / "artifacts" / "manifest.json").read_text())
    assert manifest["count"] == sum(len(_eligible(catalogue, y)) for y in YEARS)
    assert manifest["years"] == list(YEARS)
    assert manifest["source"] == "tmdb"
    profile = json.loads((tmp_path / "reports" / "data_profile.json").read_text())
    assert profile["rows"] == manifest["count"]
    assert (tmp_path / "reports" / "checksums.txt").read_text().count("movies.parquet") == len(YEARS)
    assert served.stats.requests > 0


@pytest.mark.integration
def test_rematerializing_a_year_fetches_afresh_and_embeds_nothing_new(
    served: Emulator, tmp_path: Path
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    resources = _resources(tmp_path, served.url)
    runs = [
        dg.materialize(ASSETS, selection=YEARLY, partition_key="2020", resources=resources, instance=instance)
        for _ in range(2)
    ]
    assert all(run.success for run in runs)
    details = [run.asset_materializations_for_node("movie_details")[0].metadata for run in runs]
    assert details[1]["fetched_this_run"].value == details[0]["fetched_this_run"].value > 0
    assert details[1]["resumed_from"].value == 0
    embeddings = [run.asset_materializations_for_node("movie_embeddings")[0].metadata for run in runs]
    assert embeddings[0]["embedded"].value > 0
    assert embeddings[1]["embedded"].value == 0
    assert embeddings[1]["cached"].value == embeddings[0]["row_count"].value
