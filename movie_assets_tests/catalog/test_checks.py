"""Named checks on a movies partition: each fails on a crafted bad frame, all pass on a good one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import polars as pl
import pytest

from movie_assets.catalog.checks import (
    CHECKS,
    MAX_EXAMPLES,
    CheckOutcome,
    MoviesValidationError,
    check_movies,
    validate_movies,
)
from movie_assets.catalog.transform import build_movies

YEAR = 2020


def record(movie_id: int) -> dict:
    return {
        "id": movie_id,
        "imdb_id": f"tt{movie_id:07d}",
        "title": f"Movie {movie_id}",
        "original_title": f"Film {movie_id}",
        "original_language": "cn" if movie_id == 3 else "en",
        "spoken_languages": [{"iso_639_1": "en"}, {"iso_639_1": "xx"}],
        "origin_country": ["US", "SU"],
        "overview": "A story.",
        "release_date": f"{YEAR}-0{movie_id}-15",
        "runtime": 90 + movie_id,
        "genres": [{"name": "Drama"}],
        "popularity": 1.5,
        "vote_average": 10.0 if movie_id == 2 else 0.0,
        "vote_count": 3,
        "poster_path": "/p.jpg",
        "backdrop_path": None,
        "status": "Released",
        "credits": {"cast": [{"name": "A", "order": 0}], "crew": [{"name": "D", "job": "Director"}]},
        "keywords": {"keywords": [{"name": "k"}]},
    }


@pytest.fixture
def good() -> pl.DataFrame:
    frame, report = build_movies(
        [record(i) for i in (1, 2, 3)], year=YEAR, harvested_at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    assert report.dropped == []
    return frame


def at(movie_id: int, column: str, value: object, dtype: pl.DataType | None = None) -> Callable:
    """Set `column` of one movie to `value`, keeping the column's dtype."""

    def mutate(df: pl.DataFrame) -> pl.DataFrame:
        new = pl.lit(value, dtype=dtype or df.schema[column])
        return df.with_columns(
            pl.when(pl.col("movie_id") == movie_id).then(new).otherwise(pl.col(column)).alias(column)
        )

    return mutate


def failed(outcomes: list[CheckOutcome]) -> dict[str, CheckOutcome]:
    return {o.name: o for o in outcomes if not o.passed}


def test_good_frame_passes_every_check(good: pl.DataFrame) -> None:
    outcomes = check_movies(good, YEAR)
    assert [o.name for o in outcomes] == list(CHECKS)
    assert [o.name for o in outcomes] == [
        "unique_movie_ids",
        "year_matches_partition",
        "value_ranges",
        "iso_codes",
        "text_values",
        "schema",
    ]
    assert all(o.passed and o.failing == 0 and o.examples == [] for o in outcomes)
    validate_movies(good, YEAR)


@pytest.mark.parametrize(
    ("mutate", "check", "example"),
    [
        (at(2, "movie_id", 1), "unique_movie_ids", {"movie_id": 1, "column": "movie_id", "value": 1}),
        (at(2, "runtime", 2000), "value_ranges", {"movie_id": 2, "column": "runtime", "value": 2000}),
        (at(2, "runtime", 0), "value_ranges", {"movie_id": 2, "column": "runtime", "value": 0}),
        (at(1, "popularity", -1.0), "value_ranges", {"movie_id": 1, "column": "popularity", "value": -1.0}),
        (
            at(3, "vote_average", 10.5),
            "value_ranges",
            {"movie_id": 3, "column": "vote_average", "value": 10.5},
        ),
        (at(3, "vote_count", -1), "value_ranges", {"movie_id": 3, "column": "vote_count", "value": -1}),
        (at(2, "movie_id", -2), "value_ranges", {"movie_id": -2, "column": "movie_id", "value": -2}),
        (
            at(1, "original_language", "EN"),
            "iso_codes",
            {"movie_id": 1, "column": "original_language", "value": "EN"},
        ),
        (
            at(1, "spoken_languages", ["en", "eng"]),
            "iso_codes",
            {"movie_id": 1, "column": "spoken_languages", "value": ["en", "eng"]},
        ),
        (
            at(2, "spoken_languages", ["en", None]),
            "iso_codes",
            {"movie_id": 2, "column": "spoken_languages", "value": ["en", None]},
        ),
        (
            at(3, "origin_country", ["us"]),
            "iso_codes",
            {"movie_id": 3, "column": "origin_country", "value": ["us"]},
        ),
        (at(3, "imdb_id", "tt123"), "iso_codes", {"movie_id": 3, "column": "imdb_id", "value": "tt123"}),
        (at(1, "title", ""), "text_values", {"movie_id": 1, "column": "title", "value": ""}),
        (at(2, "status", "Unknown"), "text_values", {"movie_id": 2, "column": "status", "value": "Unknown"}),
        (
            at(2, "poster_path", "p.jpg"),
            "text_values",
            {"movie_id": 2, "column": "poster_path", "value": "p.jpg"},
        ),
        (
            at(3, "release_date", date(2019, 12, 31)),
            "year_matches_partition",
            {"movie_id": 3, "column": "release_date", "value": "2019-12-31 (year 2020)"},
        ),
        (at(1, "title", None), "schema", {"movie_id": 1, "column": "title", "value": None}),
        (
            lambda df: df.with_columns(pl.col("vote_count").cast(pl.Int64)),
            "schema",
            {"movie_id": None, "column": "vote_count", "value": "Int64 (expected Int32)"},
        ),
        (
            lambda df: df.with_columns(extra=pl.lit(1)),
            "schema",
            {"movie_id": None, "column": "extra", "value": "unexpected column"},
        ),
        (
            lambda df: df.drop("tagline"),
            "schema",
            {"movie_id": None, "column": "tagline", "value": "missing"},
        ),
        (
            lambda df: df.select("title", pl.exclude("title")),
            "schema",
            {"movie_id": None, "column": "title", "value": "out of order"},
        ),
    ],
)
def test_each_check_fails_alone_on_its_bad_frame(
    good: pl.DataFrame, mutate: Callable, check: str, example: dict
) -> None:
    outcomes = failed(check_movies(mutate(good), YEAR))
    assert list(outcomes) == [check]
    assert example in outcomes[check].examples
    assert outcomes[check].failing >= 1
    assert example["column"] in outcomes[check].description


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("title", "Star\x00Wars", "Star\x00Wars"),
        ("original_title", "Film\n2", "Film\n2"),  # a title is one line
        ("overview", "A \x1b[31mred\x1b[0m story.", "A \x1b[31mred\x1b[0m story."),
        ("tagline", "Soon\x85", "Soon\x85"),  # C1 controls count too
        ("cast", ["A", "B\x00"], ["A", "B\x00"]),
        ("keywords", ["k\x07"], ["k\x07"]),
    ],
)
def test_control_characters_in_text_fail_text_values(
    good: pl.DataFrame, column: str, value: object, shown: object
) -> None:
    outcomes = failed(check_movies(at(2, column, value)(good), YEAR))
    assert list(outcomes) == ["text_values"]
    assert outcomes["text_values"].examples == [{"movie_id": 2, "column": column, "value": shown}]
    assert "control character" in outcomes["text_values"].description
    with pytest.raises(MoviesValidationError, match=rf"{column}=.*\(movie 2\)"):
        validate_movies(at(2, column, value)(good), YEAR)


def test_prose_may_hold_tabs_and_line_breaks(good: pl.DataFrame) -> None:
    # TMDb's own overviews come with CR LF paragraphs; they are text, not damage.
    frame = at(1, "overview", "First part.\r\n\r\nSecond\tpart.")(at(1, "tagline", "One\nTwo")(good))
    assert failed(check_movies(frame, YEAR)) == {}


def test_other_partition_year_fails_year_check_for_every_row(good: pl.DataFrame) -> None:
    outcomes = failed(check_movies(good, 2021))
    assert list(outcomes) == ["year_matches_partition"]
    assert outcomes["year_matches_partition"].failing == 3
    assert outcomes["year_matches_partition"].examples == [
        {"movie_id": i, "column": "year", "value": YEAR} for i in (1, 2, 3)
    ]


def test_a_row_failing_two_rules_of_one_check_counts_once(good: pl.DataFrame) -> None:
    bad = at(2, "vote_count", -1)(at(2, "runtime", 5000)(good))
    outcome = failed(check_movies(bad, YEAR))["value_ranges"]
    assert outcome.failing == 1
    assert sorted(e["column"] for e in outcome.examples) == ["runtime", "vote_count"]


def test_missing_year_column_fails_the_checks_that_need_it(good: pl.DataFrame) -> None:
    outcomes = failed(check_movies(good.drop("year"), YEAR))
    assert set(outcomes) == {"year_matches_partition", "value_ranges", "schema"}
    assert {"movie_id": None, "column": "year", "value": "missing"} in outcomes["value_ranges"].examples


def test_examples_are_capped_but_failing_counts_every_row() -> None:
    records = [
        {"id": i, "title": f"M{i}", "release_date": "2020-01-01", "runtime": 2000} for i in range(1, 16)
    ]
    frame, _ = build_movies(records, year=YEAR, harvested_at=datetime(2024, 1, 1, tzinfo=UTC))
    outcome = failed(check_movies(frame, YEAR))["value_ranges"]
    assert outcome.failing == 15
    assert len(outcome.examples) == MAX_EXAMPLES
    assert [e["movie_id"] for e in outcome.examples] == list(range(1, 11))


def test_lazy_frame_is_refused(good: pl.DataFrame) -> None:
    with pytest.raises(TypeError, match="collect"):
        check_movies(good.lazy(), YEAR)  # type: ignore[arg-type]


def test_validate_message_names_checks_columns_ids_and_the_fix(good: pl.DataFrame) -> None:
    bad = at(3, "imdb_id", "nm0000001")(at(2, "runtime", 2000)(good))
    with pytest.raises(MoviesValidationError) as info:
        validate_movies(bad, YEAR)
    message = str(info.value)
    assert message.startswith(f"movies year={YEAR}: 2 of 6 checks failed")
    assert "value_ranges" in message and "runtime=2000 (movie 2)" in message
    assert "iso_codes" in message and "imdb_id='nm0000001' (movie 3)" in message
    assert f"re-run movie_details for year={YEAR}" in message
    assert f"re-materialize movies year={YEAR}" in message
    assert "unique_movie_ids" not in message
    assert [o.name for o in info.value.outcomes if not o.passed] == ["value_ranges", "iso_codes"]
    assert isinstance(info.value, ValueError)
