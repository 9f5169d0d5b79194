"""The catalogue EDA: findings computed from the frame, a summary that states them, readable PNGs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from movie_assets.report.eda import (
    PLOTS,
    CatalogReport,
    catalog_findings,
    missing_shares,
    write_catalog_report,
)
from movie_assets_tests.fakes import make_movies

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _movies() -> pl.DataFrame:
    # 10 movies: 6 Tamil, 3 English, 1 without a language; runtimes 90..130 and two unknown.
    rows = []
    for i in range(10):
        rows.append(
            dict(
                movie_id=i + 1,
                title=f"Movie {i}",
                year=2000 + i % 3,
                original_language="ta" if i < 6 else ("en" if i < 9 else None),
                runtime=[90, 100, 110, 120, 130, None, 95, 105, None, 115][i],
                genres=["Drama"] if i % 2 else ["Drama", "Crime"],
                vote_count=[0, 1, 5, 9, 10, 50, 100, 1000, 3, 2][i],
                tagline=None if i < 7 else "A tagline",
                overview=f"Overview {i}",
            )
        )
    return make_movies(rows)


def test_findings_are_computed_from_the_frame() -> None:
    f = catalog_findings(_movies())
    assert f["rows"] == 10 and (f["year_min"], f["year_max"]) == (2000, 2002)
    assert f["languages"][0] == {"name": "ta", "count": 6, "share": 0.6}
    assert f["languages"][1] == {"name": "en", "count": 3, "share": 0.3}
    assert f["language_count"] == 2
    assert f["genres"] == [
        {"name": "Drama", "count": 10, "share": 1.0},
        {"name": "Crime", "count": 5, "share": 0.5},
    ]
    assert f["busiest_year"] == {"name": 2000, "count": 4, "share": 0.4}
    assert f["runtime_median"] == 107.5  # of 90, 95, 100, 105, 110, 115, 120, 130
    assert f["share_under_few_votes"] == pytest.approx(0.6)  # 0, 1, 5, 9, 3, 2
    assert f["vote_share_top_decile"] == pytest.approx(1000 / 1180)
    # Columns make_movies leaves empty for every row come first, in name order.
    assert f["most_missing"] == [
        {"column": name, "share": 1.0}
        for name in ("alt_titles", "backdrop_path", "cast", "collection", "directors")
    ]


def test_missing_shares_count_nulls_blank_text_and_empty_lists() -> None:
    frame = _movies().with_columns(
        pl.when(pl.col("movie_id") == 1).then(pl.lit(" ")).otherwise("title").alias("title")
    )
    shares = missing_shares(frame)
    assert shares["title"] == pytest.approx(0.1)
    assert shares["tagline"] == pytest.approx(0.7)
    assert shares["cast"] == 1.0  # every cast list is empty
    assert shares["runtime"] == pytest.approx(0.2)
    assert shares["original_language"] == pytest.approx(0.1)
    assert shares["movie_id"] == 0.0
    assert list(shares)[:5] == ["alt_titles", "backdrop_path", "cast", "collection", "directors"]  # 1.0 each


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[CatalogReport, Path]:
    folder = tmp_path_factory.mktemp("report") / "catalog"
    return write_catalog_report(_movies(), folder), folder


def test_report_writes_valid_pngs_and_a_summary_naming_the_top_language(
    written: tuple[CatalogReport, Path],
) -> None:
    report, folder = written
    assert set(report.plots) == set(PLOTS)
    for path in report.plots.values():
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5_000, path
    text = report.summary_path.read_text()
    assert text == report.summary
    assert "Top language: **ta (Tamil)** with 60.0% of movies" in text
    assert "Median runtime 108 min" in text
    assert "60.0% of movies have fewer than 10 votes" in text
    assert "Most missing: `alt_titles` 100.0%, `backdrop_path` 100.0%" in text
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{name}.png" for name in PLOTS] + ["summary.md"]
    )


def test_an_empty_catalogue_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="cannot report on 0 movies"):
        catalog_findings(make_movies([]))
