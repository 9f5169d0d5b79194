"""TMDb details records -> the typed movies frame: quirks, credits, exclusions and the report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import polars as pl
import pytest

from movie_assets.catalog.schema import MOVIES_SCHEMA
from movie_assets.catalog.transform import MAX_CAST, build_movies, movies_frame

HARVESTED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def details(movie_id: int = 11, **overrides: Any) -> dict[str, Any]:
    """A details record shaped like /movie/{id}?append_to_response=credits,keywords."""
    record: dict[str, Any] = {
        "adult": False,
        "id": movie_id,
        "imdb_id": "tt0076759",
        "title": "Star Wars",
        "original_title": "Star Wars",
        "original_language": "en",
        "spoken_languages": [{"english_name": "English", "iso_639_1": "en", "name": "English"}],
        "origin_country": ["US"],
        "production_countries": [{"iso_3166_1": "GB", "name": "United Kingdom"}],
        "overview": "Princess Leia is captured.",
        "tagline": "A long time ago in a galaxy far, far away...",
        "release_date": "1977-05-25",
        "runtime": 121,
        "genres": [{"id": 12, "name": "Adventure"}, {"id": 28, "name": "Action"}],
        "popularity": 89.5,
        "vote_average": 8.2,
        "vote_count": 21000,
        "poster_path": "/6FfCtAuVAW8XJjZ7eWeLibRLWTw.jpg",
        "backdrop_path": "/zqkmTXzjkAgXmEWLRsY4UpTWCeo.jpg",
        "belongs_to_collection": {"id": 10, "name": "Star Wars Collection"},
        "status": "Released",
        "video": False,
        "credits": {
            "cast": [{"name": "Mark Hamill", "order": 0}, {"name": "Harrison Ford", "order": 1}],
            "crew": [{"name": "George Lucas", "job": "Director", "department": "Directing"}],
        },
        "keywords": {"keywords": [{"id": 1, "name": "rebellion"}, {"id": 2, "name": "space opera"}]},
    }
    record.update(overrides)
    return record


def one_row(record: dict[str, Any]) -> dict[str, Any]:
    frame = movies_frame([record], harvested_at=HARVESTED)
    assert frame.height == 1
    return frame.row(0, named=True)


def crew(*members: tuple[str, str]) -> dict[str, Any]:
    return {"cast": [], "crew": [{"name": name, "job": job} for name, job in members]}


def cast(*members: tuple[str, int | None]) -> dict[str, Any]:
    return {"cast": [{"name": name, "order": order} for name, order in members], "crew": []}


@pytest.mark.parametrize(
    ("overrides", "column", "expected"),
    [
        ({}, "title", "Star Wars"),
        ({}, "spoken_languages", ["en"]),
        ({}, "genres", ["Adventure", "Action"]),
        ({}, "keywords", ["rebellion", "space opera"]),
        ({}, "collection", "Star Wars Collection"),
        ({}, "release_date", date(1977, 5, 25)),
        ({}, "year", 1977),
        ({}, "vote_average", pytest.approx(8.2)),
        ({"overview": ""}, "overview", None),
        ({"tagline": ""}, "tagline", None),
        ({"tagline": "   "}, "tagline", None),
        ({"imdb_id": None}, "imdb_id", None),
        ({"imdb_id": ""}, "imdb_id", None),
        ({"poster_path": None}, "poster_path", None),
        ({"backdrop_path": ""}, "backdrop_path", None),
        ({"original_language": ""}, "original_language", None),
        ({"runtime": 0}, "runtime", None),
        ({"runtime": None}, "runtime", None),
        ({"runtime": 121.0}, "runtime", 121),
        ({"runtime": 40000}, "runtime", None),
        ({"belongs_to_collection": None}, "collection", None),
        ({"status": ""}, "status", None),
        ({"title": ""}, "title", "Star Wars"),
        ({"title": "Krieg der Sterne", "original_title": None}, "original_title", "Krieg der Sterne"),
        ({"origin_country": None}, "origin_country", ["GB"]),
        ({"origin_country": []}, "origin_country", ["GB"]),
        ({"origin_country": ["US", "GB"]}, "origin_country", ["US", "GB"]),
        ({"genres": [{"name": "Drama"}, {"name": ""}, {"id": 5}, "junk"]}, "genres", ["Drama"]),
        ({"keywords": {"keywords": []}}, "keywords", []),
        ({"keywords": {"results": [{"name": "tv shape"}]}}, "keywords", ["tv shape"]),
        ({"credits": crew(("Ann", "Director"), ("Ann", "Screenplay"))}, "directors", ["Ann"]),
        (
            {"credits": crew(("Ann", "Director"), ("Bo", "Writer"), ("Cy", "Director"))},
            "directors",
            ["Ann", "Cy"],
        ),
        ({"credits": crew(("Ann", "Director"), ("Ann", "Director"))}, "directors", ["Ann"]),
        ({"credits": crew(("Bo", "Screenplay"))}, "directors", []),
        ({"credits": cast(("C", 2), ("A", 0), ("B", 1))}, "cast", ["A", "B", "C"]),
        ({"credits": cast(("X", 1), ("Y", 1), ("Z", 0))}, "cast", ["Z", "X", "Y"]),
        ({"credits": cast(("late", None), ("B", 1), ("A", 0))}, "cast", ["A", "B", "late"]),
        ({"credits": cast(("A", 0), ("A", 3), ("B", 1))}, "cast", ["A", "B"]),
        ({"popularity": None, "vote_count": None}, "vote_count", 0),
        ({"popularity": None}, "popularity", 0.0),
    ],
)
def test_field_quirks(overrides: dict[str, Any], column: str, expected: Any) -> None:
    assert one_row(details(**overrides))[column] == expected


@pytest.mark.parametrize(
    "missing", ["credits", "keywords", "genres", "spoken_languages", "belongs_to_collection"]
)
def test_missing_blocks_give_empty_values_not_errors(missing: str) -> None:
    record = details()
    del record[missing]
    row = one_row(record)
    assert row["cast"] == ([] if missing == "credits" else ["Mark Hamill", "Harrison Ford"])
    assert row["directors"] == ([] if missing == "credits" else ["George Lucas"])
    assert row["keywords"] == ([] if missing == "keywords" else ["rebellion", "space opera"])
    assert row["genres"] == ([] if missing == "genres" else ["Adventure", "Action"])
    assert row["spoken_languages"] == ([] if missing == "spoken_languages" else ["en"])
    assert row["collection"] == (None if missing == "belongs_to_collection" else "Star Wars Collection")


def test_bare_record_gives_nulls_and_empty_lists() -> None:
    row = one_row({"id": 5})
    assert row == {
        **dict.fromkeys(MOVIES_SCHEMA),
        "movie_id": 5,
        **{name: [] for name, dtype in MOVIES_SCHEMA.items() if isinstance(dtype, pl.List)},
        "popularity": 0.0,
        "vote_average": 0.0,
        "vote_count": 0,
        "harvested_at": HARVESTED,
    }


def test_cast_keeps_billing_order_up_to_the_cap() -> None:
    members = [(f"actor {i:02d}", i) for i in reversed(range(MAX_CAST + 10))]
    row = one_row(details(credits=cast(*members)))
    assert row["cast"] == [f"actor {i:02d}" for i in range(MAX_CAST)]


def test_frame_has_exact_schema_and_is_sorted_by_id() -> None:
    frame = movies_frame([details(30), details(10), details(20)], harvested_at=HARVESTED)
    assert dict(frame.schema) == MOVIES_SCHEMA
    assert list(frame.schema) == list(MOVIES_SCHEMA)
    assert frame["movie_id"].to_list() == [10, 20, 30]


def test_empty_input_gives_empty_frame_with_full_schema() -> None:
    frame, report = build_movies([], year=2020)
    assert frame.height == 0
    assert dict(frame.schema) == MOVIES_SCHEMA
    assert (report.rows_in, report.rows_out, report.dropped) == (0, 0, [])
    assert dict(movies_frame([]).schema) == MOVIES_SCHEMA


@pytest.mark.parametrize(
    ("record_time", "expected"),
    [
        (None, HARVESTED),
        ("2024-06-02T10:00:00+00:00", datetime(2024, 6, 2, 10, tzinfo=UTC)),
        ("2024-06-02T12:00:00+02:00", datetime(2024, 6, 2, 10, tzinfo=UTC)),
        ("2024-06-02T10:00:00Z", datetime(2024, 6, 2, 10, tzinfo=UTC)),
    ],
)
def test_record_harvested_at_wins_over_argument(record_time: str | None, expected: datetime) -> None:
    record = details() if record_time is None else details(_harvested_at=record_time)
    assert one_row(record)["harvested_at"] == expected


def test_default_harvested_at_is_now_in_utc() -> None:
    before = datetime.now(UTC)
    stamp = movies_frame([details()])["harvested_at"][0]
    assert before - timedelta(microseconds=1) <= stamp <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("kwargs", "records", "message"),
    [
        ({"harvested_at": datetime(2024, 1, 1)}, [details()], "has no time zone"),
        ({}, [details(_harvested_at="2024-01-01T10:00:00")], "_harvested_at of movie 11 has no time zone"),
        ({}, [details(_harvested_at="yesterday")], "_harvested_at of movie 11 is not an ISO timestamp"),
        ({}, [details(), {"title": "No Id"}], "details record #1 (title 'No Id') has no integer 'id'"),
        ({}, [details(id="11")], "details record #0"),
    ],
)
def test_bad_input_raises_a_clear_error(kwargs: dict[str, Any], records: list[dict], message: str) -> None:
    with pytest.raises(ValueError) as info:
        movies_frame(records, **kwargs)
    assert message in str(info.value)


def test_build_movies_drops_and_reports_each_exclusion() -> None:
    records = [
        details(5, release_date="2020-03-01"),
        details(3, release_date="2020-01-01", adult=True),
        details(4, release_date="2020-01-01", video=True),
        details(6, release_date=""),
        details(7, release_date=None),
        details(8, release_date="2019-12-31"),
        details(9, release_date="2020-02-30"),
        details(10, release_date="2020-07-01", title="", original_title=""),
        details(2, release_date="2020-05-05", title="first copy"),
        details(1, release_date="2020-12-31"),
        details(2, release_date="2020-05-05", title="second copy"),
    ]
    frame, report = build_movies(records, year=2020, harvested_at=HARVESTED)
    assert frame["movie_id"].to_list() == [1, 2, 5]
    assert frame.filter(pl.col("movie_id") == 2)["title"].to_list() == ["second copy"]
    assert report.rows_in == 11
    assert report.rows_out == 3
    assert report.dropped == [
        (3, "adult"),
        (4, "video"),
        (6, "no release_date"),
        (7, "no release_date"),
        (8, "release year 2019 not in partition 2020"),
        (9, "unparseable release_date '2020-02-30'"),
        (10, "no title"),
        (2, "duplicate id"),
    ]
    assert report.drop_reasons()["no release_date"] == 2
    assert report.adjusted == []


@pytest.mark.parametrize(
    ("runtime", "adjusted"),
    [
        (121, []),
        (0, []),
        (40000, [(11, "runtime 40000 is not storable minutes (Int16); stored as null")]),
        (-5, [(11, "runtime -5 is not storable minutes (Int16); stored as null")]),
    ],
)
def test_build_movies_reports_runtimes_it_cannot_store(runtime: int, adjusted: list[tuple[int, str]]) -> None:
    frame, report = build_movies([details(runtime=runtime)], year=1977, harvested_at=HARVESTED)
    assert report.adjusted == adjusted
    assert frame["runtime"].to_list() == [runtime if 0 < runtime < 1500 else None]


def test_build_movies_accepts_a_generator_and_other_offsets() -> None:
    east = timezone(timedelta(hours=9))
    frame, report = build_movies(
        (details(i, release_date=f"2001-0{i}-01") for i in (2, 1)),
        year=2001,
        harvested_at=HARVESTED.astimezone(east),
    )
    assert frame["movie_id"].to_list() == [1, 2]
    assert frame["harvested_at"].to_list() == [HARVESTED, HARVESTED]
    assert (report.rows_in, report.rows_out) == (2, 2)
