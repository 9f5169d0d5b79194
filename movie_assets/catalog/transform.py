"""TMDb details records (`/movie/{id}?append_to_response=credits,keywords,alternative_titles,translations`)
-> the typed `movies` frame.

`movies_frame` converts every record it is given; `build_movies` decides which records belong in a
year partition first and reports every record it leaves out, so no exclusion is silent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import polars as pl
import pyarrow as pa

from movie_assets.catalog.alt_titles import alt_titles
from movie_assets.catalog.schema import MOVIES_SCHEMA

# Billing beyond ~50 is uncredited extras; ensemble films list hundreds, which would bloat the Parquet
# files and the search documents without helping search (DESIGN asks for at least the first 20).
MAX_CAST = 50
_INT16_MAX = 32_767


@dataclass(frozen=True)
class TransformReport:
    """What happened to the records: kept rows, and each left-out or altered record with the reason."""

    rows_in: int
    rows_out: int
    dropped: list[tuple[int, str]] = field(default_factory=list)
    adjusted: list[tuple[int, str]] = field(default_factory=list)

    def drop_reasons(self) -> dict[str, int]:
        return dict(Counter(reason for _, reason in self.dropped))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _int(value: Any) -> int | None:
    # JSON numbers only (bool is an int subclass in Python); 90.0 from a CSV-derived source is still 90
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if float(value).is_integer() else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _unique_texts(values: Iterable[Any]) -> list[str]:
    # dict keeps first-seen order, which is the order TMDb gives (billing, credits)
    return list(dict.fromkeys(v for v in values if _text(v)))


def _names(items: Any, key: str = "name") -> list[str]:
    return _unique_texts(_mapping(item).get(key) for item in _items(items))


def _cast(credits: Mapping[str, Any]) -> list[str]:
    billed = [(_int(m.get("order")), m.get("name")) for m in map(_mapping, _items(credits.get("cast")))]
    # sort() is stable, so equal `order`s keep TMDb's sequence; a missing order sorts last.
    billed.sort(key=lambda pair: (pair[0] is None, pair[0] or 0))
    return _unique_texts(name for _, name in billed)[:MAX_CAST]


def _directors(credits: Mapping[str, Any]) -> list[str]:
    crew = (_mapping(m) for m in _items(credits.get("crew")))
    return _unique_texts(m.get("name") for m in crew if m.get("job") == "Director")


def _keywords(record: Mapping[str, Any]) -> list[str]:
    block = _mapping(record.get("keywords"))
    # movies use "keywords"; TV's shape ("results") shows up in hand-made catalogues, so accept both
    return _names(block.get("keywords") or block.get("results"))


def _origin_country(record: Mapping[str, Any]) -> list[str]:
    codes = _unique_texts(_items(record.get("origin_country")))
    return codes or _names(record.get("production_countries"), "iso_3166_1")


def release_date(record: Mapping[str, Any]) -> date | None:
    """The primary release date, or None when TMDb has none ("") or it is not YYYY-MM-DD."""
    raw = _text(record.get("release_date"))
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _runtime(value: Any) -> int | None:
    minutes = _int(value)
    # TMDb's 0 means unknown; negative or past-Int16 values cannot be stored (build_movies reports them)
    return minutes if minutes is not None and 0 < minutes <= _INT16_MAX else None


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{what} has no time zone ({value.isoformat()}); use datetime.now(UTC)")
    return value.astimezone(UTC)


def _harvested_at(record: Mapping[str, Any], default: datetime, movie_id: int) -> datetime:
    raw = record.get("_harvested_at")
    if raw is None:
        return default
    what = f"_harvested_at of movie {movie_id}"
    try:
        parsed = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValueError(f"{what} is not an ISO timestamp: {raw!r}; re-run movie_details") from None
    return _utc(parsed, what)


def movie_id_of(record: Mapping[str, Any], position: int) -> int:
    """The record's TMDb id; a record without an integer id is corrupt input, not a movie to skip."""
    movie_id = _int(record.get("id")) if isinstance(record, Mapping) else None
    if movie_id is None:
        title = _mapping(record).get("title")
        raise ValueError(
            f"details record #{position} (title {title!r}) has no integer 'id'; "
            "the details file is damaged: re-run movie_details for its year"
        )
    return movie_id


def _row(record: Mapping[str, Any], movie_id: int, harvested_at: datetime) -> dict[str, Any]:
    credits = _mapping(record.get("credits"))
    released = release_date(record)
    title, original_title = _text(record.get("title")), _text(record.get("original_title"))
    others, _ = alt_titles(record, (title or original_title or "", original_title or title or ""))
    return {
        "movie_id": movie_id,
        "imdb_id": _text(record.get("imdb_id")),
        "title": title or original_title,  # sources lacking one title still have the other
        "original_title": original_title or title,
        "original_language": _text(record.get("original_language")),
        "spoken_languages": _names(record.get("spoken_languages"), "iso_639_1"),
        "origin_country": _origin_country(record),
        "overview": _text(record.get("overview")),
        "tagline": _text(record.get("tagline")),
        "release_date": released,
        "year": released.year if released else None,
        "runtime": _runtime(record.get("runtime")),
        "genres": _names(record.get("genres")),
        "keywords": _keywords(record),
        "cast": _cast(credits),
        "directors": _directors(credits),
        # TMDb reports 0 for a movie nobody has voted on or viewed; a missing value means the same
        "popularity": _float(record.get("popularity")) or 0.0,
        "vote_average": _float(record.get("vote_average")) or 0.0,
        "vote_count": _int(record.get("vote_count")) or 0,
        "poster_path": _text(record.get("poster_path")),
        "backdrop_path": _text(record.get("backdrop_path")),
        "collection": _text(_mapping(record.get("belongs_to_collection")).get("name")),
        "status": _text(record.get("status")),
        "harvested_at": _harvested_at(record, harvested_at, movie_id),
        "alt_titles": others,
    }


def movies_frame(
    records: Iterable[Mapping[str, Any]], *, harvested_at: datetime | None = None
) -> pl.DataFrame:
    """Convert every record to one row of exactly MOVIES_SCHEMA, sorted by movie_id.

    Args:
        records: details records; missing or malformed fields become null or empty lists.
        harvested_at: when they were fetched (default: now); a record's `_harvested_at` wins.

    Returns:
        The frame. Nothing is dropped here: a record with no usable release date gets a null
        `release_date` and `year` (use `build_movies` to build a partition).
    """
    default = _utc(harvested_at, "harvested_at") if harvested_at is not None else datetime.now(UTC)
    rows = [_row(r, movie_id_of(r, i), default) for i, r in enumerate(records)]
    # through Arrow: polars builds list columns from Python objects several times slower
    arrow = pa.table(
        {name: _column(name, [row[name] for row in rows], kind) for name, kind in _arrow_types()}
    )
    return pl.DataFrame(arrow).sort("movie_id", maintain_order=True)


def _column(name: str, values: list[Any], kind: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowException, OverflowError) as exc:
        raise ValueError(
            f"column {name}: a value does not fit {kind} ({exc}); check the details records"
        ) from None


@cache
def _arrow_types() -> list[tuple[str, pa.DataType]]:
    return [(f.name, f.type) for f in pl.DataFrame(schema=MOVIES_SCHEMA).to_arrow().schema]


def _exclusion(record: Mapping[str, Any], year: int) -> str | None:
    if record.get("_removed"):  # a refresh's marker: the id left this year's store
        return f"removed by a refresh ({record['_removed']})"
    if record.get("adult") is True:
        return "adult"
    if record.get("video") is True:
        return "video"
    if not (_text(record.get("title")) or _text(record.get("original_title"))):
        return "no title"
    released = release_date(record)
    if released is None:
        raw = _text(record.get("release_date"))
        return f"unparseable release_date {raw!r}" if raw else "no release_date"
    if released.year != year:
        return f"release year {released.year} not in partition {year}"
    return None


def build_movies(
    records: Iterable[Mapping[str, Any]], *, year: int, harvested_at: datetime | None = None
) -> tuple[pl.DataFrame, TransformReport]:
    """Build the `movies` frame of one year partition and report every record left out.

    A record is left out when it is `adult`, a `video`, has no title, has no (valid) release date,
    was released in another year, or repeats an id (the last copy is the freshest fetch and wins).
    A negative runtime or one too large for Int16 becomes null and is listed under `adjusted`, and so is a
    malformed alternative_titles or translations block (or entry), which is skipped: the movie keeps the rest.
    """
    records = list(records) if not isinstance(records, Sequence) else records
    ids = [movie_id_of(r, i) for i, r in enumerate(records)]
    last = {movie_id: i for i, movie_id in enumerate(ids)}
    kept: list[Mapping[str, Any]] = []
    dropped: list[tuple[int, str]] = []
    adjusted: list[tuple[int, str]] = []
    for i, (record, movie_id) in enumerate(zip(records, ids, strict=True)):
        reason = "duplicate id" if last[movie_id] != i else _exclusion(record, year)
        if reason:
            dropped.append((movie_id, reason))
            continue
        kept.append(record)
        minutes = _int(record.get("runtime"))
        if minutes is not None and not 0 <= minutes <= _INT16_MAX:
            adjusted.append((movie_id, f"runtime {minutes} is not storable minutes (Int16); stored as null"))
        adjusted += [(movie_id, problem) for problem in alt_titles(record, ("", ""))[1]]
    frame = movies_frame(kept, harvested_at=harvested_at)
    report = TransformReport(len(records), frame.height, dropped, adjusted)
    return frame, report
