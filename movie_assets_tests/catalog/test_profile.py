from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from movie_assets.catalog.profile import checksums, profile_movies, write_profile

SCHEMA = {
    "movie_id": pl.Int64(),
    "title": pl.Utf8(),
    "original_language": pl.Utf8(),
    "genres": pl.List(pl.Utf8()),
    "release_date": pl.Date(),
    "year": pl.Int16(),
    "runtime": pl.Int16(),
    "popularity": pl.Float32(),
    "vote_count": pl.Int32(),
    "harvested_at": pl.Datetime("us", "UTC"),
}
OLDEST = datetime(2024, 1, 1, tzinfo=UTC)


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


@pytest.fixture
def movies() -> pl.DataFrame:
    return _frame(
        [
            (1, "A", "en", ["Drama", "Comedy"], date(2001, 5, 1), 2001, 100, 1.5, 10, OLDEST),
            (2, "B", "fr", ["Drama"], date(2001, 1, 1), 2001, None, 2.0, 0, datetime(2024, 1, 2, tzinfo=UTC)),
            (3, "C", "en", [], date(1999, 12, 31), 1999, 90, 0.5, 3, datetime(2024, 1, 3, tzinfo=UTC)),
            (4, "D", None, None, date(2010, 6, 6), 2010, 90, 1.0, 5, OLDEST),
            (5, "E", "de", ["Horror", "Drama"], None, None, None, 3.0, 7, datetime(2024, 3, 1, tzinfo=UTC)),
        ]
    )


def test_profile_of_a_small_frame(movies: pl.DataFrame) -> None:
    now = datetime(2024, 7, 1, 12, tzinfo=UTC)
    profile = profile_movies(movies, now=now)
    assert profile["rows"] == 5
    assert profile["columns"] == {
        "movie_id": {"dtype": "Int64", "nulls": 0, "unique": 5},
        "title": {"dtype": "String", "nulls": 0, "unique": 5},
        "original_language": {"dtype": "String", "nulls": 1, "unique": 3},
        "genres": {"dtype": "List(String)", "nulls": 1, "empty_lists": 1, "unique": 3},
        "release_date": {"dtype": "Date", "nulls": 1, "unique": 4},
        "year": {"dtype": "Int16", "nulls": 1, "unique": 3},
        "runtime": {"dtype": "Int16", "nulls": 2, "unique": 2},
        "popularity": {"dtype": "Float32", "nulls": 0, "unique": 5},
        "vote_count": {"dtype": "Int32", "nulls": 0, "unique": 5},
        "harvested_at": {"dtype": "Datetime(time_unit='us', time_zone='UTC')", "nulls": 0, "unique": 4},
    }
    assert profile["top_languages"] == [
        {"language": "en", "count": 2},
        {"language": "de", "count": 1},
        {"language": "fr", "count": 1},
    ]
    assert profile["top_genres"] == [
        {"genre": "Drama", "count": 3},
        {"genre": "Comedy", "count": 1},
        {"genre": "Horror", "count": 1},
    ]
    assert profile["period"] == {
        "min_release_date": "1999-12-31",
        "max_release_date": "2010-06-06",
        "years": {"1999": 1, "2001": 2, "2010": 1},
    }
    assert profile["harvested_at"] == {
        "oldest": "2024-01-01T00:00:00+00:00",
        "newest": "2024-03-01T00:00:00+00:00",
        "oldest_age_days": 182,
    }
    assert (profile["stale"], profile["stale_after_days"]) == (False, 183)
    assert profile["generated_at"] == "2024-07-01T12:00:00+00:00"
    json.dumps(profile, allow_nan=False)  # JSON-ready as it is


@pytest.mark.parametrize(
    ("age", "stale"),
    [
        (timedelta(days=182), False),
        (timedelta(days=183), False),
        (timedelta(days=183, microseconds=1), True),
        (timedelta(days=400), True),
    ],
)
def test_stale_after_six_months(movies: pl.DataFrame, age: timedelta, stale: bool) -> None:
    assert profile_movies(movies, now=OLDEST + age)["stale"] is stale
    # the same instant seen from another time zone gives the same answer
    elsewhere = (OLDEST + age).astimezone(timezone(timedelta(hours=-5)))
    assert profile_movies(movies, now=elsewhere)["stale"] is stale


def test_top_lists_keep_ten_with_ties_by_name() -> None:
    langs = ["zz", "zz", "zz"] + [f"l{i:02d}" for i in range(11, -1, -1)]
    rows = [
        (i, "t", lang, ["Drama"], date(2000, 1, 1), 2000, 90, 1.0, 1, OLDEST) for i, lang in enumerate(langs)
    ]
    top = profile_movies(_frame(rows), now=OLDEST)["top_languages"]
    assert top == [{"language": "zz", "count": 3}] + [{"language": f"l{i:02d}", "count": 1} for i in range(9)]


def test_empty_frame() -> None:
    profile = profile_movies(_frame([]), now=OLDEST)
    assert profile["rows"] == 0 and profile["top_languages"] == [] and profile["top_genres"] == []
    assert profile["period"] == {"min_release_date": None, "max_release_date": None, "years": {}}
    assert profile["harvested_at"] == {"oldest": None, "newest": None, "oldest_age_days": None}
    assert profile["stale"] is False


def test_bad_input_is_explained(movies: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        profile_movies(movies, now=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match=r"lacks columns \['genres', 'harvested_at'\]"):
        profile_movies(movies.drop("genres", "harvested_at"), now=OLDEST)


def _tree(root: Path) -> dict[str, bytes]:
    files = {
        "processed/movies_parquet/year=2001/movies.parquet": b"parquet-2001",
        "processed/movies_parquet/year=1999/movies.parquet": b"parquet-1999",
        "b.bin": bytes(range(256)) * 8200,  # over 2 MiB: read in several chunks
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return files


def test_checksums_match_hashlib_in_sha256sum_format(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    given = [tmp_path / name for name in files] + [tmp_path / "b.bin"]  # unsorted, one repeated
    expected = "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files))
    assert checksums(given, tmp_path) == expected
    assert expected.splitlines()[0].endswith("  b.bin")


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not installed")
def test_checksums_verify_with_sha256sum(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    (tmp_path / "checksums.txt").write_text(checksums([tmp_path / n for n in files], tmp_path), "utf-8")
    done = subprocess.run(["sha256sum", "-c", "checksums.txt"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_checksums_refuse_files_outside_root_or_missing(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "outside.txt").write_text("x", "utf-8")
    with pytest.raises(ValueError, match="is not under"):
        checksums([tmp_path / "outside.txt"], tmp_path / "root")
    with pytest.raises(FileNotFoundError, match="no such file"):
        checksums([tmp_path / "root" / "gone.parquet"], tmp_path / "root")


def test_write_profile_writes_both_files(movies: pl.DataFrame, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "data_profile.json").write_text("old", "utf-8")  # replaced, not appended to
    profile = profile_movies(movies, now=OLDEST)
    text = "ab" * 32 + "  b.bin\n"
    paths = write_profile(profile, text, reports)
    assert paths == {"data_profile": reports / "data_profile.json", "checksums": reports / "checksums.txt"}
    assert json.loads(paths["data_profile"].read_text("utf-8")) == profile
    assert paths["checksums"].read_text("utf-8") == text
    assert sorted(p.name for p in reports.iterdir()) == ["checksums.txt", "data_profile.json"]
