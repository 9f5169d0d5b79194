"""The incremental refresh end to end: the emulator's change feed, the real client, Dagster runs on disk."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest

from movie_assets.assets import catalog, embeddings, harvest, indexes, ranker, reference, refresh
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.jobs import catalog_job, yearly_job
from movie_assets.resources import DataHome, TMDbResource
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig
from movie_assets_tests.fakes import FAKE_EMBEDDER, FakeEmbedderResource

pytestmark = pytest.mark.integration

YEARS = (2020, 2021)
KEY = "refresh-test-key-0123"
NEW_ID = 990_000_001


def _defs(url: str, home: Path, *, failing_embedder: bool = False) -> dg.Definitions:
    modules = [reference, harvest, catalog, embeddings, indexes, ranker, refresh]
    return dg.Definitions(
        assets=refresh.in_refresh_order(dg.load_assets_from_modules(modules)),
        jobs=[yearly_job, catalog_job, refresh.refresh_job],
        schedules=[refresh.refresh_schedule],
        resources={
            "data": DataHome(home=str(home)),
            "tmdb": TMDbResource(base_url=url, api_key=KEY, rate_limit=1000),
            "embedder": FakeEmbedderResource(model_name=FAKE_EMBEDDER.name, fail=failing_embedder),
        },
    )


def _instance(storage: Path) -> dg.DagsterInstance:
    storage.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.local_temp(str(storage), overrides={"telemetry": {"enabled": False}})


def _full_build(url: str, home: Path, storage: Path) -> None:
    defs, instance = _defs(url, home), _instance(storage)
    for year in YEARS:
        run = defs.resolve_job_def("yearly_job").execute_in_process(
            instance=instance, partition_key=str(year)
        )
        assert run.success
    with pytest.MonkeyPatch.context() as env:
        # The refresh is under test, not training: catalog_job's search_ranker reads no labelled requests.
        env.setenv("MOVIE_ASSETS_TRAIN_QUERIES", "none")
        assert defs.resolve_job_def("catalog_job").execute_in_process(instance=instance).success


def _refresh(url: str, home: Path, storage: Path, **kwargs: Any) -> dg.ExecuteInProcessResult:
    job = _defs(url, home, **kwargs).resolve_job_def("refresh_job")
    return job.execute_in_process(instance=_instance(storage), raise_on_error=False)


def _changes(run: dg.ExecuteInProcessResult) -> dict[str, Any]:
    (event,) = [
        m
        for m in run.asset_materializations_for_node("catalog_changes")
        if m.asset_key.path == ["catalog_changes"]
    ]
    return {name: value.value for name, value in event.metadata.items()}


def _eligible(catalogue: list[dict], year: int) -> list[dict]:
    flags = ("adult", "video", "_deleted")
    return [
        m for m in catalogue if m["release_date"].startswith(str(year)) and not any(m.get(f) for f in flags)
    ]


@dataclass
class Mutation:
    catalogue: list[dict]
    text: int  # overview rewritten
    moved: int  # release date moved from the first year to the second
    deleted: int
    votes: int  # only vote_count changed: not part of the document
    new: int = NEW_ID

    @property
    def re_embedded(self) -> set[int]:
        return {self.text, self.moved, self.new}


def _mutate(catalogue: list[dict]) -> Mutation:
    mutated = copy.deepcopy(catalogue)
    first, second = _eligible(mutated, YEARS[0]), _eligible(mutated, YEARS[1])
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    text, moved, deleted, votes = first[0], first[1], second[0], second[1]
    text["overview"] = "A lighthouse keeper deciphers letters that wash ashore."
    moved["release_date"] = f"{YEARS[1]}-06-01"
    deleted["_deleted"] = True
    votes["vote_count"] = int(votes.get("vote_count") or 0) + 7
    new = {
        **copy.deepcopy(second[2]),
        "id": NEW_ID,
        "title": "Harbour of Glass",
        "release_date": f"{YEARS[1]}-03-03",
    }
    mutated.append(new)
    for movie in (text, moved, deleted, votes, new):
        movie["_changed_at"] = stamp
    return Mutation(mutated, text["id"], moved["id"], deleted["id"], votes["id"])


def _movies(home: Path, year: int) -> pl.DataFrame:
    path = home / "processed" / "movies_parquet" / f"year={year}" / "movies.parquet"
    return pl.read_parquet(path).drop("harvested_at")


def _artifact(home: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(home / "processed" / "artifacts" / name)


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return generate_demo_catalogue(n=90, years=YEARS, seed=3)


@pytest.fixture(scope="module")
def served(catalogue: list[dict]) -> Iterator[Emulator]:
    with Emulator(catalogue, EmulatorConfig(api_key=KEY)) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def template(served: Emulator, catalogue: list[dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full build of the original catalogue and its instance, copied by each test."""
    root = tmp_path_factory.mktemp("built")
    served.replace_movies(catalogue)
    _full_build(served.url, root / "home", root / "dagster")
    return root


@pytest.fixture()
def built(template: Path, served: Emulator, catalogue: list[dict], tmp_path: Path) -> Path:
    served.replace_movies(catalogue)
    shutil.copytree(template, tmp_path / "site")
    return tmp_path / "site"


def test_refresh_equals_a_full_harvest_of_the_mutated_catalogue(
    built: Path, served: Emulator, catalogue: list[dict], tmp_path: Path
) -> None:
    home, storage = built / "home", built / "dagster"
    assert _changes(_refresh(served.url, home, storage))["changed_ids"] == 0
    mutation = _mutate(catalogue)
    served.replace_movies(mutation.catalogue)
    seen_before = len(FAKE_EMBEDDER.seen)

    run = _refresh(served.url, home, storage)

    assert run.success
    changes = _changes(run)
    assert changes["changed_ids"] == 5
    assert (changes["added"], changes["moved"], changes["removed"]) == (1, 1, 1)
    assert (changes["updated"], changes["unchanged"]) == (2, 0)
    assert changes["affected_years"] == list(YEARS) == changes["rebuilt_years"]
    documents = pl.concat(
        pl.read_parquet(home / "processed" / "documents" / f"year={y}" / "documents.parquet") for y in YEARS
    )
    expected_texts = set(documents.filter(pl.col("movie_id").is_in(mutation.re_embedded))["document"])
    assert set(FAKE_EMBEDDER.seen[seen_before:]) == expected_texts and changes["embedded"] == 3

    reference_home = tmp_path / "reference"
    _full_build(served.url, reference_home / "home", reference_home / "dagster")
    for year in YEARS:
        assert _movies(home, year).equals(_movies(reference_home / "home", year)), year
    for name in ("search_payload.parquet", "text_idmap.parquet"):
        assert _artifact(home, name).equals(_artifact(reference_home / "home", name)), name

    files_before = {
        y: (home / "processed" / "movies_parquet" / f"year={y}" / "movies.parquet").read_bytes()
        for y in YEARS
    }
    again = _refresh(served.url, home, storage)
    assert again.success
    repeat = _changes(again)
    assert repeat["affected_years"] == [] and repeat["embedded"] == 0 and repeat["unchanged"] == 4
    for year in YEARS:
        assert (
            home / "processed" / "movies_parquet" / f"year={year}" / "movies.parquet"
        ).read_bytes() == files_before[year]


def test_a_failed_refresh_resumes_and_the_cursor_survives_a_new_instance(
    built: Path, served: Emulator, catalogue: list[dict]
) -> None:
    home, storage = built / "home", built / "dagster"
    first = _changes(_refresh(served.url, home, storage))
    assert first["cursor_source"] == "oldest harvest"
    mutation = _mutate(catalogue)
    served.replace_movies(mutation.catalogue)

    failed = _refresh(served.url, home, storage, failing_embedder=True)

    assert not failed.success
    pending = home / "raw" / "changes" / "pending_years.json"
    assert pending.read_text() == "[2020, 2021]"
    # A fresh instance object on the same storage: the cursor comes from the last successful run.
    resumed = _refresh(served.url, home, storage)
    assert resumed.success
    changes = _changes(resumed)
    assert changes["cursor_source"] == "stored" and changes["previous_cursor"] == first["cursor"]
    assert changes["rebuilt_years"] == list(YEARS) and changes["embedded"] == 3
    assert pending.read_text() == "[]"
    ids = set(pl.concat(_movies(home, y) for y in YEARS)["movie_id"])
    assert mutation.new in ids and mutation.deleted not in ids
    assert _movies(home, YEARS[1]).filter(pl.col("movie_id") == mutation.moved).height == 1
