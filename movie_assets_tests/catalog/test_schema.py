"""The movies schema: the pandera model matches MOVIES_SCHEMA exactly, and the Parquet store keeps it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest

from movie_assets.catalog.schema import MOVIES_SCHEMA, Movie
from movie_assets.catalog.store import (
    MoviesFileError,
    read_movies,
    read_movies_dir,
    schema_problems,
    write_movies,
)
from movie_assets.catalog.transform import build_movies

HARVESTED = datetime(2024, 5, 1, tzinfo=UTC)

DESIGN_COLUMNS = [
    ("movie_id", pl.Int64()),
    ("imdb_id", pl.Utf8()),
    ("title", pl.Utf8()),
    ("original_title", pl.Utf8()),
    ("original_language", pl.Utf8()),
    ("spoken_languages", pl.List(pl.Utf8())),
    ("origin_country", pl.List(pl.Utf8())),
    ("overview", pl.Utf8()),
    ("tagline", pl.Utf8()),
    ("release_date", pl.Date()),
    ("year", pl.Int16()),
    ("runtime", pl.Int16()),
    ("genres", pl.List(pl.Utf8())),
    ("keywords", pl.List(pl.Utf8())),
    ("cast", pl.List(pl.Utf8())),
    ("directors", pl.List(pl.Utf8())),
    ("popularity", pl.Float32()),
    ("vote_average", pl.Float32()),
    ("vote_count", pl.Int32()),
    ("poster_path", pl.Utf8()),
    ("backdrop_path", pl.Utf8()),
    ("collection", pl.Utf8()),
    ("status", pl.Utf8()),
    ("harvested_at", pl.Datetime("us", "UTC")),
    ("alt_titles", pl.List(pl.Utf8())),  # added at the end, after partitions had been written without it
]
NULLABLE = {
    "imdb_id",
    "original_language",
    "overview",
    "tagline",
    "runtime",
    "poster_path",
    "backdrop_path",
    "collection",
    "status",
}


def test_movies_schema_is_the_design_table_in_order() -> None:
    assert list(MOVIES_SCHEMA.items()) == DESIGN_COLUMNS


def test_model_dtypes_equal_movies_schema() -> None:
    schema = Movie.to_schema()
    assert {name: column.dtype.type for name, column in schema.columns.items()} == MOVIES_SCHEMA
    assert list(schema.columns) == list(MOVIES_SCHEMA)


def test_model_nullability_and_config() -> None:
    schema = Movie.to_schema()
    assert {name for name, column in schema.columns.items() if column.nullable} == NULLABLE
    assert (schema.strict, schema.coerce, schema.ordered) == (True, False, True)
    assert schema.columns["movie_id"].unique


def test_every_field_has_a_description() -> None:
    assert all(column.description for column in Movie.to_schema().columns.values())


def test_empty_frame_with_the_schema_validates() -> None:
    assert Movie.validate(pl.DataFrame(schema=MOVIES_SCHEMA)).height == 0


@pytest.mark.parametrize(
    ("column", "dtype"),
    [("vote_count", pl.Int64()), ("harvested_at", pl.Datetime("us")), ("genres", pl.List(pl.Categorical()))],
)
def test_model_rejects_a_near_miss_dtype(column: str, dtype: pl.DataType) -> None:
    frame = pl.DataFrame(schema={**MOVIES_SCHEMA, column: dtype})
    with pytest.raises(pa.errors.SchemaErrors):
        Movie.validate(frame, lazy=True)


def movies(year: int, *ids: int) -> pl.DataFrame:
    records = [
        {"id": i, "title": f"Movie {i}", "release_date": f"{year}-01-0{i}", "genres": [{"name": "Drama"}]}
        for i in ids
    ]
    frame, _ = build_movies(records, year=year, harvested_at=HARVESTED)
    return frame


def partition(root: Path, year: int) -> Path:
    return root / f"year={year}" / "movies.parquet"


def test_write_then_read_round_trips_exactly(tmp_path: Path) -> None:
    frame = movies(2020, 2, 1, 3)
    path = partition(tmp_path, 2020)
    meta = write_movies(frame, path)
    assert meta == {
        "path": str(path),
        "row_count": 3,
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    assert [p.name for p in path.parent.iterdir()] == ["movies.parquet"]  # no temp file left behind
    back = read_movies([path])
    assert back.equals(frame)
    assert dict(back.schema) == MOVIES_SCHEMA


def test_empty_partition_round_trips(tmp_path: Path) -> None:
    path = partition(tmp_path, 1999)
    write_movies(movies(1999), path)
    assert dict(read_movies([path]).schema) == MOVIES_SCHEMA


def test_rewrite_replaces_the_file(tmp_path: Path) -> None:
    path = partition(tmp_path, 2020)
    write_movies(movies(2020, 1, 2), path)
    write_movies(movies(2020, 3), path)
    assert read_movies([path])["movie_id"].to_list() == [3]


def test_write_refuses_a_frame_without_the_schema(tmp_path: Path) -> None:
    path = partition(tmp_path, 2020)
    with pytest.raises(ValueError, match="vote_count is Int64, expected Int32"):
        write_movies(movies(2020, 1).with_columns(pl.col("vote_count").cast(pl.Int64)), path)
    assert not path.parent.exists() or not any(path.parent.iterdir())


def test_read_movies_dir_reads_built_years_in_order(tmp_path: Path) -> None:
    write_movies(movies(2021, 4), partition(tmp_path, 2021))
    write_movies(movies(2019, 1, 2), partition(tmp_path, 2019))
    (tmp_path / "year=2020").mkdir()  # a folder without a finished file is not a built partition
    (tmp_path / "year=2020" / ".movies.parquet.0f1e2d3c.tmp").write_bytes(b"partial")
    assert read_movies_dir(tmp_path)["movie_id"].to_list() == [1, 2, 4]
    assert read_movies_dir(tmp_path, years=[2021])["year"].to_list() == [2021]
    assert read_movies_dir(tmp_path / "absent").height == 0
    assert read_movies([]).schema == pl.DataFrame(schema=MOVIES_SCHEMA).schema


def test_requested_year_without_a_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(
        MoviesFileError, match=r"year=2005.movies\.parquet does not exist.*partition year=2005"
    ):
        read_movies_dir(tmp_path, years=[2005])


@pytest.mark.parametrize("damage", ["truncate", "zero_middle", "garbage"])
def test_corrupt_parquet_names_the_file_and_the_fix(tmp_path: Path, damage: str) -> None:
    path = partition(tmp_path, 2020)
    write_movies(movies(2020, 1, 2, 3), path)
    data = path.read_bytes()
    damaged = {
        "truncate": data[: len(data) // 2],
        "zero_middle": data[:100] + bytes(200) + data[300:],
        "garbage": b"not a parquet file",
    }[damage]
    path.write_bytes(damaged)
    with pytest.raises(MoviesFileError) as info:
        read_movies([path])
    message = str(info.value)
    assert str(path) in message
    assert "unreadable or corrupt" in message
    assert "rebuild the movies partition year=2020" in message
    assert info.value.path == path


def test_wrong_schema_file_names_the_file_and_the_columns(tmp_path: Path) -> None:
    path = partition(tmp_path, 2018)
    path.parent.mkdir(parents=True)
    movies(2018, 1).drop("tagline").write_parquet(path)
    with pytest.raises(MoviesFileError) as info:
        read_movies_dir(tmp_path)
    assert "missing column tagline" in str(info.value)
    assert str(path) in str(info.value)
    assert "rebuild the movies partition year=2018" in str(info.value)


@pytest.mark.parametrize(
    ("schema", "problems"),
    [
        (MOVIES_SCHEMA, []),
        ({**MOVIES_SCHEMA, "extra": pl.Int8()}, ["unexpected column extra"]),
        ({k: v for k, v in MOVIES_SCHEMA.items() if k != "year"}, ["missing column year"]),
        ({**MOVIES_SCHEMA, "year": pl.Int32()}, ["year is Int32, expected Int16"]),
        (dict(reversed(MOVIES_SCHEMA.items())), ["columns are not in the movies order"]),
    ],
)
def test_schema_problems(schema: dict[str, pl.DataType], problems: list[str]) -> None:
    assert schema_problems(schema) == problems
