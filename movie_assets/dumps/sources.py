"""The three TMDb-derived CSV dump kinds the importer reads, recognised by their header.

Each parser turns one CSV row into a *partial* movie: a dict holding only the fields that row has a
non-empty value for, already typed (dates as `date`, genres as `(id, name)`, names-only keywords and
companies as `(None, name)`). Merging partials is the importer's job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from movie_assets.dumps.values import (
    RowError,
    clean_text,
    normalise_name,
    parse_float,
    parse_int,
    parse_iso_date,
    parse_mdy_date,
    repair_c1,
    repair_mojibake,
    split_names,
)
from movie_assets.reference import GENRE_IDS

Partial = dict[str, Any]

_GENRES_BY_KEY = {normalise_name(name): (gid, name) for name, gid in GENRE_IDS.items()}
# tmdb-movies writes "None" in the genres cell of movies that have no genre.
_NO_GENRE_MARKERS = {"", "none"}


@dataclass(frozen=True)
class DumpKind:
    name: str
    columns: tuple[str, ...]  # the columns the parser reads; a header must contain all of them
    parse: Callable[[dict[str, str]], Partial]


def movie_id(raw: str) -> int:
    raw = raw.strip()
    if not raw.isdigit() or int(raw) <= 0:
        raise RowError(f"id {raw!r} is not a positive integer")
    return int(raw)


def _genres(names: Sequence[str], partial: Partial) -> None:
    """Keep the genres TMDb lists today; others (e.g. the retired "Foreign") go to `unknown_genres`."""
    known: list[tuple[int, str]] = []
    unknown: list[str] = []
    for name in names:
        if normalise_name(name) in _NO_GENRE_MARKERS:
            continue
        hit = _GENRES_BY_KEY.get(normalise_name(name))
        if hit is None:
            unknown.append(name)
        elif hit not in known:
            known.append(hit)
    if known:
        partial["genres"] = known
    if unknown:
        partial["unknown_genres"] = unknown


def _json_objects(row: dict[str, str], column: str) -> list[dict[str, Any]]:
    raw = row[column].strip()
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise RowError(f"{column} is not JSON ({raw[:40]!r}...)") from None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise RowError(f"{column} is not a JSON list of objects")
    return value


def _id_names(row: dict[str, str], column: str) -> list[tuple[int | None, str]]:
    pairs: list[tuple[int | None, str]] = []
    for item in _json_objects(row, column):
        name, item_id = item.get("name"), item.get("id")
        if not isinstance(name, str):
            raise RowError(f"{column} has an entry without a name: {item}")
        if name.strip():  # TMDb has a keyword whose name is a lone no-break space: nothing to keep
            pairs.append((item_id if isinstance(item_id, int) else None, name.strip()))
    return pairs


def _put(partial: Partial, field: str, value: Any) -> None:
    """Store only non-empty values, so "first non-empty source wins" is a plain key lookup."""
    if isinstance(value, str):
        value = value.strip()
    if value is not None and value != "" and value != []:
        partial[field] = value


def _put_common(partial: Partial, row: dict[str, str]) -> None:
    """Columns that every kind spells alike."""
    _put(partial, "overview", row["overview"])
    _put(partial, "popularity", parse_float(row["popularity"], "popularity"))
    _put(partial, "vote_average", parse_float(row["vote_average"], "vote_average"))
    _put(partial, "vote_count", parse_int(row["vote_count"], "vote_count"))


def _positive(value: int | None) -> int | None:
    # TMDb writes 0 for an unknown runtime, budget or revenue.
    return value if value else None


def parse_tmdb_5000(row: dict[str, str]) -> Partial:
    partial: Partial = {"id": movie_id(row["id"])}
    for field in ("title", "original_title", "tagline", "homepage", "status", "original_language"):
        _put(partial, field, row[field])
    _put_common(partial, row)
    _put(partial, "release_date", parse_iso_date(row["release_date"]))
    for field in ("runtime", "budget", "revenue"):
        _put(partial, field, _positive(parse_int(row[field], field)))
    _genres([name for _, name in _id_names(row, "genres")], partial)
    _put(partial, "keywords", _id_names(row, "keywords"))
    _put(partial, "production_companies", _id_names(row, "production_companies"))
    countries = _json_objects(row, "production_countries")
    _put(
        partial,
        "production_countries",
        [{"iso_3166_1": c.get("iso_3166_1"), "name": c.get("name")} for c in countries],
    )
    spoken = _json_objects(row, "spoken_languages")
    _put(
        partial,
        "spoken_languages",
        [{"english_name": None, "iso_639_1": s.get("iso_639_1"), "name": s.get("name")} for s in spoken],
    )
    return partial


def parse_tmdb_movies(row: dict[str, str]) -> Partial:
    partial: Partial = {"id": movie_id(row["id"])}
    # The only title column; it serves as the title too where no other source has one.
    for field in ("original_title", "title"):
        _put(partial, field, row["original_title"])
    for field in ("imdb_id", "tagline", "homepage"):
        _put(partial, field, row[field])
    _put_common(partial, row)
    _put(partial, "release_date", parse_mdy_date(row["release_date"], row["release_year"]))
    for field in ("runtime", "budget", "revenue"):
        _put(partial, field, _positive(parse_int(row[field], field)))
    _put(partial, "cast", split_names(row["cast"], "|"))
    _put(partial, "directors", split_names(row["director"], "|"))
    _genres(split_names(row["genres"], "|"), partial)
    _put(partial, "keywords", [(None, name) for name in split_names(row["keywords"], "|")])
    companies = split_names(row["production_companies"], "|")
    _put(partial, "production_companies", [(None, name) for name in companies])
    return partial


def parse_top10k(row: dict[str, str]) -> Partial:
    partial: Partial = {"id": movie_id(row["id"])}
    _put(partial, "title", row["title"])
    _put(partial, "original_language", row["original_language"])
    _put_common(partial, row)
    _put(partial, "release_date", parse_iso_date(row["release_date"]))
    _genres(split_names(row["genre"], ","), partial)
    return partial


TMDB_5000 = DumpKind(
    "tmdb_5000_movies",
    ("id", "title", "original_title", "overview", "tagline", "homepage", "status", "original_language",
     "release_date", "runtime", "budget", "revenue", "popularity", "vote_average", "vote_count", "genres",
     "keywords", "production_companies", "production_countries", "spoken_languages"),
    parse_tmdb_5000,
)  # fmt: skip
TMDB_MOVIES = DumpKind(
    "tmdb-movies",
    ("id", "imdb_id", "original_title", "overview", "tagline", "homepage", "release_date", "release_year",
     "runtime", "budget", "revenue", "popularity", "vote_average", "vote_count", "cast", "director", "genres",
     "keywords", "production_companies"),
    parse_tmdb_movies,
)  # fmt: skip
TOP10K = DumpKind(
    "top10K-TMDB-movies",
    ("id", "title", "genre", "original_language", "overview", "popularity", "release_date", "vote_average",
     "vote_count"),
    parse_top10k,
)  # fmt: skip
KINDS: tuple[DumpKind, ...] = (TMDB_5000, TMDB_MOVIES, TOP10K)
# The one kind whose text was written as UTF-8 decoded as cp1252; the importer repairs its cells.
MISDECODED_KINDS = frozenset({TMDB_MOVIES.name})


def detect_kind(header: Sequence[str], file_label: str) -> DumpKind:
    """The dump kind whose columns the header holds; exactly one must match."""
    present = {column.strip() for column in header}
    matches = [kind for kind in KINDS if set(kind.columns) <= present]
    if len(matches) == 1:
        return matches[0]
    expected = "; ".join(f"{kind.name}: {', '.join(kind.columns)}" for kind in KINDS)
    if matches:
        names = ", ".join(kind.name for kind in matches)
        raise ValueError(
            f"{file_label}: header matches several dump kinds ({names}); expected exactly one of {expected}"
        )
    raise ValueError(
        f"{file_label}: header {', '.join(header)[:200]!r} is not a known TMDb dump; "
        f"expected the columns of one of {expected}"
    )


def repair_row(row: dict[str, str], *, misdecoded: bool) -> tuple[dict[str, str], int, int]:
    """Repair every cell of a row; returns (row, cells repaired, of which lossy).

    Cells of a `misdecoded` kind get their mojibake undone first; in every kind, C1 controls that stand for
    cp1252 punctuation become that punctuation (tmdb-movies has overviews whose curly quotes went through
    both mistakes).
    """
    repaired = lossy = 0
    fixed: dict[str, str] = {}
    for column, cell in row.items():
        text, was_lossy = repair_mojibake(cell) if misdecoded else (cell, False)
        text = repair_c1(text)
        repaired += text != cell
        lossy += was_lossy
        fixed[column] = text
    return fixed, repaired, lossy


# Prose keeps its line breaks and tabs; every other text field is one line (see `clean_text`).
_MULTILINE_FIELDS = frozenset({"overview"})


def _clean(value: Any, field: str) -> Any:
    if isinstance(value, str):
        return clean_text(value, field, multiline=field in _MULTILINE_FIELDS)
    if isinstance(value, list | tuple):
        return type(value)(_clean(item, field) for item in value)
    if isinstance(value, dict):
        return {key: _clean(item, field) for key, item in value.items()}
    return value


def clean_partial(partial: Partial) -> Partial:
    """Check and tidy every text value of a parsed row, names inside lists and JSON objects included.

    After parsing, so that a control character spelled as a JSON escape (`\\u0000` in a keywords cell) is
    caught as surely as a raw one. Raises `RowError` for a control character text never needs.
    """
    return {field: _clean(value, field) for field, value in partial.items()}
