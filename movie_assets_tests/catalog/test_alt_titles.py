"""Other titles: TMDb's alternative_titles and translations blocks -> `alt_titles`, and partitions written
before the column existed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from movie_assets.catalog.alt_titles import alt_titles
from movie_assets.catalog.schema import MOVIES_SCHEMA
from movie_assets.catalog.store import read_movies_dir, write_movies
from movie_assets.catalog.transform import build_movies, movies_frame

HARVESTED = datetime(2024, 5, 1, tzinfo=UTC)


def translation(language: str, title: Any) -> dict[str, Any]:
    return {
        "iso_3166_1": "IN",
        "iso_639_1": language,
        "name": "",
        "english_name": "",
        "data": {"title": title},
    }


def record(movie_id: int = 1, **blocks: Any) -> dict[str, Any]:
    return {
        "id": movie_id,
        "title": "Drishyam",
        "original_title": "ദൃശ്യം",
        "original_language": "ml",
        "release_date": "2013-12-19",
        **blocks,
    }


GOOD = {
    "alternative_titles": {
        "titles": [
            {"iso_3166_1": "US", "title": "Visual", "type": ""},
            {"iso_3166_1": "IN", "title": "DRISHYAM", "type": "romanized"},  # the title in capitals
            {"iso_3166_1": "IN", "title": "Drishyam  -  The Visual", "type": ""},
        ]
    },
    "translations": {
        "translations": [
            translation("ml", ""),  # keeps the original title
            translation("hi", "दृश्यम"),
            translation("en", "Drishyam"),
            translation("ta", "visual"),  # the same as an alternative title, folded
            translation("te", "ദൃശ്യം"),  # the original title again
        ]
    },
}


def test_distinct_other_titles_in_tmdb_order_without_title_and_original() -> None:
    titles, problems = alt_titles(record(**GOOD), ("Drishyam", "ദൃശ്യം"))
    assert titles == ["Visual", "Drishyam - The Visual", "दृश्यम"]
    assert problems == []


@pytest.mark.parametrize(
    "blocks",
    [
        {},  # a harvest from before the blocks were asked for, or a dump import
        {"alternative_titles": {"titles": []}, "translations": {"translations": []}},
        {"alternative_titles": None, "translations": None},
        {"translations": {"translations": [translation("ml", ""), translation("en", None)]}},
    ],
)
def test_absent_or_empty_blocks_give_no_titles_and_no_problem(blocks: dict[str, Any]) -> None:
    frame, report = build_movies([record(**blocks)], year=2013, harvested_at=HARVESTED)
    assert frame["alt_titles"].to_list() == [[]]
    assert report.adjusted == []


@pytest.mark.parametrize(
    ("blocks", "kept", "problem"),
    [
        (
            {"alternative_titles": ["Visual"], "translations": GOOD["translations"]},
            ["दृश्यम", "visual"],
            "alternative_titles is list, not {'titles': [...]}; skipped",
        ),
        (
            {"alternative_titles": {"results": []}, "translations": GOOD["translations"]},
            ["दृश्यम", "visual"],
            "alternative_titles is an object without a 'titles' list, not {'titles': [...]}; skipped",
        ),
        (
            {"alternative_titles": GOOD["alternative_titles"], "translations": "Hindi"},
            ["Visual", "Drishyam - The Visual"],
            "translations is str, not {'translations': [...]}; skipped",
        ),
        (
            {"alternative_titles": {"titles": [{"title": 7}, "Visual", {"type": ""}, {"title": "Kazhcha"}]}},
            ["Kazhcha"],
            "alternative_titles: 3 of 4 entries have no title text; skipped",
        ),
        (
            {
                "translations": {
                    "translations": [{"data": "x"}, {"iso_639_1": "hi"}, translation("hi", "दृश्यम")]
                }
            },
            ["दृश्यम"],
            "translations: 2 of 3 entries have no data object with a title text; skipped",
        ),
        (
            {"alternative_titles": {"titles": [{"title": "Bad\x00Title"}, {"title": "Line\nbreak"}]}},
            ["Line break"],  # white space is only spacing; any other control character cannot be stored
            "1 alternative or translated titles hold control characters; skipped",
        ),
    ],
)
def test_malformed_block_or_entry_is_skipped_and_reported_and_the_movie_kept(
    blocks: dict[str, Any], kept: list[str], problem: str
) -> None:
    frame, report = build_movies([record(**blocks)], year=2013, harvested_at=HARVESTED)
    assert frame.height == 1
    assert frame["alt_titles"].to_list() == [kept]
    assert report.adjusted == [(1, problem)]
    assert report.dropped == []


def test_frame_of_alt_titles_validates_and_round_trips(tmp_path: Path) -> None:
    frame = movies_frame([record(**GOOD), record(2)], harvested_at=HARVESTED)
    path = tmp_path / "year=2013" / "movies.parquet"
    write_movies(frame, path)
    back = read_movies_dir(tmp_path)
    assert back["alt_titles"].to_list() == [["Visual", "Drishyam - The Visual", "दृश्यम"], []]
    assert dict(back.schema) == MOVIES_SCHEMA


def test_partition_written_before_the_column_reads_as_empty_lists(tmp_path: Path) -> None:
    """A year built by an older version (no alt_titles) is read as it is, beside a new one: no rebuild."""
    old = movies_frame([record(3)], harvested_at=HARVESTED).drop("alt_titles")
    old_path = tmp_path / "year=2013" / "movies.parquet"
    old_path.parent.mkdir(parents=True)
    old.write_parquet(old_path)
    assert "alt_titles" not in pl.read_parquet_schema(old_path)
    new = dict(record(4, **GOOD), release_date="2014-01-02")
    write_movies(movies_frame([new], harvested_at=HARVESTED), tmp_path / "year=2014" / "movies.parquet")

    both = read_movies_dir(tmp_path)
    assert dict(both.schema) == MOVIES_SCHEMA
    assert both.select("movie_id", "alt_titles").rows() == [
        (3, []),
        (4, ["Visual", "Drishyam - The Visual", "दृश्यम"]),
    ]
    assert read_movies_dir(tmp_path, years=[2013])["alt_titles"].to_list() == [[]]
