"""The catalogue tab's aggregates, on a five-movie frame counted by hand."""

from __future__ import annotations

import polars as pl
import pytest

from movie_assets.app import charts
from movie_assets_tests.fakes import make_movies

MOVIES = make_movies([
    dict(movie_id=1, year=2020, runtime=95, genres=["Drama", "Crime"], vote_count=0, original_language="ta",
         overview="A", cast=["A"], directors=["D"], keywords=["k"]),
    dict(movie_id=2, year=2021, runtime=300, genres=["Drama"], vote_count=12_000, overview="B"),
    dict(movie_id=3, year=2021, runtime=None, genres=[], vote_count=55, original_language=None),
    dict(movie_id=4, year=2021, runtime=99, genres=["Crime"], vote_count=9, original_language="cn"),
    dict(movie_id=5, year=2023, runtime=0, genres=["Drama"], vote_count=100),
])  # fmt: skip


def _rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return frame.rows()


def test_year_counts() -> None:
    assert _rows(charts.year_counts(MOVIES)) == [(2020, 1), (2021, 3), (2023, 1)]


def test_runtime_bins_skip_unknown_and_cap_long_runtimes() -> None:
    assert _rows(charts.runtime_bins(MOVIES)) == [(90, 2), (240, 1)]


def test_language_mix_names_languages_and_sums_the_rest() -> None:
    assert _rows(charts.language_mix(MOVIES)) == [
        ("English", 2),
        ("Cantonese", 1),
        ("Tamil", 1),
        ("unknown", 1),
    ]
    assert _rows(charts.language_mix(MOVIES, top=1)) == [("English", 2), ("Other", 3)]


def test_genre_mix_counts_each_genre_of_a_movie() -> None:
    assert _rows(charts.genre_mix(MOVIES)) == [("Drama", 3), ("Crime", 2)]


def test_vote_buckets_keep_empty_buckets_in_order() -> None:
    assert _rows(charts.vote_buckets(MOVIES)) == [
        ("0", 1), ("1-9", 1), ("10-99", 1), ("100-999", 1), ("1k-9.9k", 0), ("10k+", 1)
    ]  # fmt: skip


@pytest.mark.parametrize(("fraction", "share"), [(0.1, 12_000 / 12_164), (0.4, 12_100 / 12_164), (1.0, 1.0)])
def test_top_share(fraction: float, share: float) -> None:
    assert charts.top_share(MOVIES, fraction) == pytest.approx(share)


def test_top_share_without_votes_is_zero() -> None:
    assert charts.top_share(MOVIES.with_columns(pl.lit(0).alias("vote_count"))) == 0.0


def test_missingness_counts_nulls_and_empty_lists() -> None:
    missing = dict(charts.missingness(MOVIES).rows())
    assert list(missing) == list(charts.MISSING_COLUMNS)
    assert missing["overview"] == pytest.approx(3 / 5)
    assert missing["runtime"] == pytest.approx(1 / 5)  # 0 is not a gap in the frame; null is
    assert missing["genres"] == pytest.approx(1 / 5)
    assert missing["original_language"] == pytest.approx(1 / 5)
    assert missing["cast"] == missing["directors"] == missing["keywords"] == pytest.approx(4 / 5)


def test_catalogue_charts_ship_only_aggregates() -> None:
    drawn = charts.catalogue_charts(MOVIES)
    titles = [chart.to_dict()["title"] for chart in drawn]
    assert titles[0] == "Movies per release year" and len(titles) == 6
    assert "the top 10% of movies hold 99% of all votes" in titles[4]
    sizes = [len(next(iter(chart.to_dict()["datasets"].values()))) for chart in drawn]
    assert sizes == [3, 2, 4, 2, 6, len(charts.MISSING_COLUMNS)]
