"""Patching re-fetched details into the year stores: updates, moves, deletions, arrivals, no-ops."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import polars as pl
import pytest

from movie_assets.catalog.store import write_movies
from movie_assets.catalog.transform import build_movies
from movie_assets.paths import DataPaths
from movie_assets.refresh.patch import (
    REMOVED,
    StoreBusy,
    append_to_store,
    catalogue_years,
    patch_details,
    target_year,
)
from movie_assets.tmdb.details_store import DetailsStore
from movie_assets.tmdb.scope import HarvestScope
from movie_assets_tests.fakes import make_movies

YEARS = (2020, 2021)


def _record(movie_id: int, released: str, **extra: Any) -> dict[str, Any]:
    base = {"id": movie_id, "title": f"Movie {movie_id}", "release_date": released, "original_language": "en"}
    return {**base, "vote_count": 10, "_harvested_at": "2025-01-01T00:00:00+00:00", **extra}


@pytest.mark.parametrize(
    ("record", "scope", "expected"),
    [
        (_record(1, "2020-05-01"), HarvestScope(), 2020),
        (_record(1, "2022-05-01"), HarvestScope(), None),  # not a built year
        (_record(1, ""), HarvestScope(), None),
        (_record(1, "2020-13-01"), HarvestScope(), None),
        (_record(1, "2021-01-01", video=True), HarvestScope(), None),
        (_record(1, "2021-01-01", adult=True), HarvestScope(), None),
        (_record(1, "2021-01-01", adult=True), HarvestScope(include_adult=True), 2021),
        (_record(1, "2021-01-01"), HarvestScope(languages=("ml",)), None),
        (_record(1, "2021-01-01", original_language="ml"), HarvestScope(languages=("ml", "ta")), 2021),
        (_record(1, "2021-01-01", vote_count=4), HarvestScope(min_votes=5), None),
        (_record(1, "2021-01-01", vote_count=5), HarvestScope(min_votes=5), 2021),
    ],
)
def test_target_year_is_where_a_full_harvest_would_file_it(
    record: dict, scope: HarvestScope, expected: int | None
) -> None:
    assert target_year(record, YEARS, scope) == expected


def _seed(paths: DataPaths, year: int, records: list[dict[str, Any]]) -> None:
    store = DetailsStore(paths.details_dir(year))
    name = store.write_batch(1, records)
    store.write_checkpoint({"state": "complete", "batches": [name], "done_ids_count": len(records)})
    write_movies(build_movies(records, year=year)[0], paths.movies_file(year))


def _stored(paths: DataPaths, year: int) -> dict[int, dict[str, Any]]:
    """What a reader of the store sees: the last copy of each id."""
    return {r["id"]: r for r in DetailsStore(paths.details_dir(year)).iter_records()}


def _rebuilt(paths: DataPaths, year: int) -> pl.DataFrame:
    records = DetailsStore(paths.details_dir(year)).iter_records()
    return build_movies(records, year=year)[0].drop("harvested_at")


@pytest.fixture()
def paths(tmp_path: Path) -> DataPaths:
    paths = DataPaths(tmp_path)
    _seed(paths, 2020, [_record(1, "2020-01-01"), _record(2, "2020-02-02"), _record(3, "2020-03-03")])
    _seed(paths, 2021, [_record(4, "2021-04-04"), _record(5, "2021-05-05")])
    return paths


CURRENT = {1: 2020, 2: 2020, 3: 2020, 4: 2021, 5: 2021}


def _fetched() -> dict[int, dict[str, Any] | None]:
    fresh = "2025-06-01T00:00:00+00:00"
    return {
        1: _record(1, "2020-01-01", overview="rewritten", _harvested_at=fresh),  # updated in place
        2: _record(2, "2021-07-07", _harvested_at=fresh),  # moved 2020 -> 2021
        3: None,  # deleted
        4: _record(4, "2021-04-04", _harvested_at=fresh),  # same content, fetched again
        6: _record(6, "2021-08-08", _harvested_at=fresh),  # new
        7: _record(7, "2019-01-01", _harvested_at=fresh),  # released in a year that is not built
    }


def test_patch_files_each_movie_where_a_full_harvest_would(paths: DataPaths) -> None:
    report = patch_details(paths, _fetched(), current=CURRENT, years=YEARS)

    assert report.affected_years == [2020, 2021]
    assert (report.added, report.updated, report.moved) == ([6], [1], [(2, 2020, 2021)])
    assert (report.removed, report.unchanged, report.outside) == ([3], [4], [7])
    first, second = report.years
    assert (first.changed, first.leaving, second.changed, second.leaving) == ([1], [2, 3], [2, 6], [])
    assert first.movies["movie_id"].to_list() == [1] and second.movies["movie_id"].to_list() == [2, 4, 5, 6]
    # The unchanged row keeps its first fetch time, so nothing about it changes.
    kept = second.movies.filter(pl.col("movie_id") == 4)["harvested_at"].item()
    assert kept == datetime(2025, 1, 1, tzinfo=UTC)
    assert DetailsStore(paths.details_dir(2020)).tombstone_ids() == [3]


def test_a_year_rebuilt_from_its_patched_store_equals_the_patch(paths: DataPaths) -> None:
    report = patch_details(paths, _fetched(), current=CURRENT, years=YEARS)

    for patch in report.years:
        assert _rebuilt(paths, patch.year).equals(patch.movies.drop("harvested_at"))
    # Stores this small are folded at once: only the live records remain.
    assert sorted(_stored(paths, 2020)) == [1] and sorted(_stored(paths, 2021)) == [2, 4, 5, 6]


def test_patching_the_same_fetch_again_changes_nothing(paths: DataPaths) -> None:
    for patch in patch_details(paths, _fetched(), current=CURRENT, years=YEARS).years:
        write_movies(patch.movies, paths.movies_file(patch.year))
    checkpoints = {y: (paths.details_dir(y) / "checkpoint.json").read_bytes() for y in YEARS}

    report = patch_details(
        paths, _fetched(), current={1: 2020, 2: 2021, 4: 2021, 5: 2021, 6: 2021}, years=YEARS
    )

    assert report.affected_years == [] and report.unchanged == [1, 2, 4, 6] and report.outside == [3, 7]
    assert {y: (paths.details_dir(y) / "checkpoint.json").read_bytes() for y in YEARS} == checkpoints


def test_appended_batches_are_folded_in_once_they_outgrow_the_store(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    base = [_record(i, "2020-01-01") for i in range(1, 9)]
    store.write_checkpoint(
        {"state": "complete", "batches": [store.write_batch(1, base)], "done_ids_count": 8}
    )

    append_to_store(
        store, [_record(1, "2020-01-01", overview="new")], {2: "deleted (404)"}, compact_share=0.5
    )
    assert len(store.batches()) == 2 and len(list(store.iter_records())) == 10
    assert list(store.iter_records())[-1] == {"id": 2, REMOVED: "deleted (404)", "_harvested_at": ANY}
    append_to_store(
        store, [_record(3, "2020-01-01", overview="new")], {4: "moved to 2021"}, compact_share=0.5
    )

    records = list(store.iter_records())
    assert [r["id"] for r in records] == [1, 3, 5, 6, 7, 8]
    assert records[0]["overview"] == records[1]["overview"] == "new"
    assert store.batches() == ["batch-00004.jsonl.gz"] and store.checkpoint()["patched_records"] == 0
    assert sorted(p.name for p in tmp_path.glob("batch-*")) == ["batch-00004.jsonl.gz"]


def test_a_store_mid_backfill_is_not_patched(tmp_path: Path) -> None:
    store = DetailsStore(tmp_path)
    store.write_checkpoint({"state": "in_progress", "batches": []})
    with pytest.raises(StoreBusy, match="movie_details"):
        append_to_store(store, [_record(1, "2020-01-01")], {})
    assert store.batches() == []


def test_a_record_under_the_wrong_id_is_refused(paths: DataPaths) -> None:
    with pytest.raises(ValueError, match="wrong id"):
        patch_details(paths, {1: _record(9, "2020-01-01")}, current=CURRENT, years=YEARS)
    assert sorted(_stored(paths, 2020)) == [1, 2, 3]


def test_catalogue_years_maps_ids_to_their_partition(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path)
    for year, ids in ((2020, [1, 2]), (2021, [3])):
        frame = make_movies([{"movie_id": i, "release_date": date(year, 2, 2)} for i in ids])
        paths.movies_file(year).parent.mkdir(parents=True)
        frame.write_parquet(paths.movies_file(year))

    assert catalogue_years(paths, [2020, 2021, 2022]) == {1: 2020, 2: 2020, 3: 2021}
