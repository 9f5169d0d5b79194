"""The `movies` validation as separate, named checks, each with its evidence (for Dagster asset checks).

One pandera run (lazy, so every failure is collected) is split by property; the partition-year rule is
checked here because the model cannot know the partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from pandera.errors import SchemaErrors

from movie_assets.catalog.schema import CONTROL_CHARACTER_CHECK, MOVIES_SCHEMA, RELEASE_YEAR_CHECK, Movie

MAX_EXAMPLES = 10

# check name -> (the property it tests, the columns whose pandera failures it owns)
CHECKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "unique_movie_ids": ("movie_id is unique", ("movie_id",)),
    "year_matches_partition": (
        "year is the partition's year and the year of release_date",
        ("release_date", "year"),
    ),
    "value_ranges": (
        "movie_id > 0, runtime null or 1..1500, popularity >= 0, vote_average 0..10, vote_count >= 0, "
        "year 1874..2100",
        ("movie_id", "runtime", "popularity", "vote_average", "vote_count", "year"),
    ),
    "iso_codes": (
        "original_language and spoken_languages are ISO 639-1, origin_country ISO 3166-1, imdb_id tt+digits",
        ("original_language", "spoken_languages", "origin_country", "imdb_id"),
    ),
    # The control-character rule reports here, by its pandera check name, rather than as a check of its own:
    # the movies asset declares its Dagster checks by name, and a result for an undeclared one fails the run.
    "text_values": (
        "title is non-empty, status is one of TMDb's, image paths start with '/', and no title, overview, "
        "tagline, collection or name holds a control character (tab and line breaks only in overview and "
        "tagline)",
        ("title", "status", "poster_path", "backdrop_path"),
    ),
    "schema": (
        "exactly the movies columns, in order, with their dtypes and nullability",
        tuple(MOVIES_SCHEMA),
    ),
}
_SCHEMA_LEVEL = {"column_in_dataframe", "column_in_schema", "column_ordered", "not_nullable"}
_FRAME_PROBLEM = {"column_in_dataframe": "missing", "column_in_schema": "unexpected column"}


@dataclass(frozen=True)
class CheckOutcome:
    """One property of the frame: whether it holds, how many rows break it, and up to 10 of them."""

    name: str
    passed: bool
    description: str
    failing: int
    examples: list[dict[str, Any]]


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


class _Evidence:
    """Failures collected per check: offending row indexes (or frame-level problems) and examples."""

    def __init__(self, df: pl.DataFrame) -> None:
        self.df = df
        self.rows: dict[str, set[int]] = {name: set() for name in CHECKS}
        self.frame_problems: dict[str, int] = dict.fromkeys(CHECKS, 0)
        self.examples: dict[str, list[dict[str, Any]]] = {name: [] for name in CHECKS}

    def add(
        self, check: str, column: str, index: int | None, value: Any = None, *, own: bool = False
    ) -> None:
        if index is None:
            self.frame_problems[check] += 1
        else:
            self.rows[check].add(index)
        if len(self.examples[check]) >= MAX_EXAMPLES:
            return
        movie_id = None
        if index is not None:
            row = self.df.row(index, named=True)
            movie_id = row.get("movie_id")
            if not own:  # the frame's typed value rather than pandera's string of it
                value = row.get(column, value)
        self.examples[check].append({"movie_id": movie_id, "column": column, "value": _jsonable(value)})


def _first_line(text: Any) -> str:
    return str(text).split("\n", 1)[0][:160]


def _route(check: str, column: str) -> str:
    if check in _SCHEMA_LEVEL or check.startswith("dtype("):
        return "schema"
    if check == "field_uniqueness" and column == "movie_id":
        return "unique_movie_ids"
    if check == RELEASE_YEAR_CHECK:
        return "year_matches_partition"
    if check == CONTROL_CHARACTER_CHECK:
        return "text_values"
    for name in ("value_ranges", "iso_codes", "text_values"):
        if column in CHECKS[name][1]:
            return name
    return "schema"  # nothing pandera finds may go unreported


def _pandera_failures(df: pl.DataFrame, evidence: _Evidence) -> None:
    try:
        Movie.validate(df, lazy=True)
    except SchemaErrors as exc:
        for case in exc.failure_cases.iter_rows(named=True):
            check, column, found, index = case["check"], case["column"], case["failure_case"], case["index"]
            name = _route(check, column)
            if check in _FRAME_PROBLEM or check == "column_ordered":
                column, found = found, _FRAME_PROBLEM.get(check, "out of order")
            elif check.startswith("dtype("):
                found = f"{found} (expected {MOVIES_SCHEMA.get(column)})"
            elif index is None and name != "schema":  # the check itself raised, e.g. on a wrong dtype
                column = "release_date" if check == RELEASE_YEAR_CHECK else column
                found = f"check could not run: {_first_line(found)}"
            elif check == RELEASE_YEAR_CHECK:
                row = df.row(index, named=True)
                column, found = "release_date", f"{_jsonable(row['release_date'])} (year {row['year']})"
            evidence.add(name, column, index, found, own=check == RELEASE_YEAR_CHECK)


def _partition_failures(df: pl.DataFrame, year: int, evidence: _Evidence) -> None:
    if not isinstance(df.schema.get("year"), pl.Int16 | pl.Int32 | pl.Int64):
        return  # the schema check reports it, and pandera's release-date check cannot run either
    wrong = df.select(pl.arg_where((pl.col("year") != year).fill_null(True))).to_series()
    for index in wrong.to_list():
        evidence.add("year_matches_partition", "year", index)


def check_movies(df: pl.DataFrame, year: int) -> list[CheckOutcome]:
    """Run every check on one partition's frame; the outcomes come in the order of CHECKS.

    `failing` counts offending rows, plus one per frame-level problem (a missing or mistyped column).
    Each example is {"movie_id", "column", "value"}.
    """
    if not isinstance(df, pl.DataFrame):
        raise TypeError(
            f"check_movies needs an eager polars DataFrame, got {type(df).__name__}; collect() it"
        )
    evidence = _Evidence(df)
    _pandera_failures(df, evidence)
    _partition_failures(df, year, evidence)
    outcomes = []
    for name, (prop, columns) in CHECKS.items():
        missing = [c for c in columns if c not in df.columns]
        if name != "schema":  # the schema check already lists missing columns
            for column in missing:
                evidence.add(name, column, None, "missing")
        failing = len(evidence.rows[name]) + evidence.frame_problems[name]
        bad_columns = sorted({e["column"] for e in evidence.examples[name]})
        result = f"{failing} failing ({', '.join(bad_columns)})" if failing else f"all {df.height} rows pass"
        outcomes.append(
            CheckOutcome(name, failing == 0, f"{prop}: {result}", failing, evidence.examples[name])
        )
    return outcomes


class MoviesValidationError(ValueError):
    """A movies frame broke one or more checks; `outcomes` holds every check's evidence."""

    def __init__(self, message: str, outcomes: list[CheckOutcome]) -> None:
        super().__init__(message)
        self.outcomes = outcomes


_REMEDY = {
    "unique_movie_ids": "build the frame with build_movies (it drops repeated ids)",
    "year_matches_partition": "re-run movie_details for year={y} (a release date may have moved)",
    "value_ranges": "re-run movie_details for year={y}; if TMDb really holds these values, widen the "
    "rule in movie_assets/catalog/schema.py",
    "iso_codes": "re-run movie_details for year={y}; if TMDb really holds these codes, widen the "
    "pattern in movie_assets/catalog/schema.py",
    "text_values": "re-run movie_details for year={y}; a control character came with the source data "
    "(TMDb, an emulator catalogue or an imported dump): remove it there",
    "schema": "build the frame with build_movies (movie_assets/catalog/transform.py)",
}


def _example_text(example: dict[str, Any]) -> str:
    text = f"{example['column']}={example['value']!r}"
    return text if example["movie_id"] is None else f"{text} (movie {example['movie_id']})"


def validate_movies(df: pl.DataFrame, year: int) -> None:
    """Raise MoviesValidationError naming each failing check, its columns, examples and the fix."""
    outcomes = check_movies(df, year)
    failed = [o for o in outcomes if not o.passed]
    if not failed:
        return
    lines = [f"movies year={year}: {len(failed)} of {len(outcomes)} checks failed"]
    for outcome in failed:
        shown = "; ".join(_example_text(e) for e in outcome.examples[:3])
        lines.append(f"- {outcome.name}: {outcome.description}. e.g. {shown}")
        lines.append(f"  fix: {_REMEDY[outcome.name].format(y=year)}, then re-materialize movies year={year}")
    raise MoviesValidationError("\n".join(lines), outcomes)
