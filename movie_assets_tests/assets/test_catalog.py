"""The `movies` and `movies_profile` assets called directly over a stored details backfill."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import polars as pl
import pytest

from movie_assets.assets import catalog as catalog_assets
from movie_assets.assets.catalog import movies, movies_profile
from movie_assets.catalog import build_movies
from movie_assets.paths import DataPaths
from movie_assets.resources import DataHome


def _checks(result: dg.MaterializeResult) -> dict[str, bool]:
    return {c.check_name: c.passed for c in result.check_results or []}


def test_movies_types_a_year_and_reports_its_checks(
    data_home: DataHome, paths: DataPaths, stored_details: Callable[..., list]
) -> None:
    records = stored_details(2021)
    result = movies(dg.build_asset_context(partition_key="2021"), data_home)
    frame = pl.read_parquet(paths.movies_file(2021))
    assert sorted(frame["movie_id"]) == sorted(r["id"] for r in records)
    assert set(frame["year"]) == {2021}
    assert result.metadata["row_count"] == len(records) and result.metadata["rejected"] is False
    assert all(_checks(result).values()), _checks(result)


def test_a_record_of_another_year_is_dropped_and_counted(
    data_home: DataHome, paths: DataPaths, stored_details: Callable[..., list]
) -> None:
    def wrong_year(records: list[dict]) -> None:
        records[0]["release_date"] = "2019-05-05"  # re-dated on TMDb since discover listed it in 2021

    records = stored_details(2021, edit=wrong_year)
    result = movies(dg.build_asset_context(partition_key="2021"), data_home)
    assert result.metadata["dropped"] == 1 and result.metadata["row_count"] == len(records) - 1
    assert records[0]["id"] not in pl.read_parquet(paths.movies_file(2021))["movie_id"]


def test_a_year_failing_a_blocking_check_is_kept_aside(
    data_home: DataHome,
    paths: DataPaths,
    stored_details: Callable[..., list],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored_details(2021)
    movies(dg.build_asset_context(partition_key="2021"), data_home)
    good = paths.movies_file(2021).read_bytes()

    def with_a_duplicate(records: object, year: int) -> tuple[pl.DataFrame, object]:
        frame, report = build_movies(records, year=year)
        return pl.concat([frame, frame.head(1)]), report

    monkeypatch.setattr(catalog_assets, "build_movies", with_a_duplicate)
    result = movies(dg.build_asset_context(partition_key="2021"), data_home)
    assert _checks(result)["unique_movie_ids"] is False and result.metadata["rejected"] is True
    assert paths.movies_file(2021).read_bytes() == good  # the good partition stays
    assert (paths.movies_root / "_rejected" / "year=2021" / "movies.parquet").is_file()


def test_profile_covers_every_built_year(
    data_home: DataHome, paths: DataPaths, stored_details: Callable[..., list]
) -> None:
    counts = {year: len(stored_details(year, seed=year)) for year in (2020, 2021)}
    for year in counts:
        movies(dg.build_asset_context(partition_key=str(year)), data_home)
    result = movies_profile(data_home)
    assert result.metadata["rows"] == sum(counts.values())
    assert result.metadata["years"].value == [2020, 2021]
    checksums = (paths.reports_dir / "checksums.txt").read_text()
    assert "year=2020/movies.parquet" in checksums and "year=2021/movies.parquet" in checksums
