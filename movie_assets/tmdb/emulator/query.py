"""Discover request parameters for the emulator: TMDb's filters and sorts, parsed into a hashable query.

The catalogue holds one date per movie, the primary release date, so `release_date.*` filters act like
`primary_release_date.*` here (real TMDb matches any of a movie's release dates).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from movie_assets.tmdb.emulator.replies import ApiError

DEFAULT_SORT = "popularity.desc"
SORT_FIELDS = (
    "original_title",
    "popularity",
    "revenue",
    "primary_release_date",
    "title",
    "vote_average",
    "vote_count",
)
SORTS = frozenset(f"{name}.{way}" for name in SORT_FIELDS for way in ("asc", "desc"))
# Older clients still send release_date.*, which TMDb reportedly still honours (TMDB_API.md §3.1).
_SORT_ALIASES = {
    "release_date.asc": "primary_release_date.asc",
    "release_date.desc": "primary_release_date.desc",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def effective_sort(value: str | None) -> str:
    """The sort TMDb applies: an unknown `sort_by` is silently replaced by popularity.desc."""
    value = _SORT_ALIASES.get(value or "", value)
    return value if value in SORTS else DEFAULT_SORT


@dataclass(frozen=True)
class DiscoverQuery:
    """The filters and sort of one discover request, hashable so it can key the result cache."""

    date_gte: str | None = None
    date_lte: str | None = None
    include_adult: bool = False
    include_video: bool = False
    languages: tuple[str, ...] | None = None
    vote_count: tuple[float | None, float | None] = (None, None)
    vote_average: tuple[float | None, float | None] = (None, None)
    runtime: tuple[float | None, float | None] = (None, None)
    genres: tuple[frozenset[int], ...] | None = None  # any group matches; every id of a group must match
    sort: str = DEFAULT_SORT


def parse_query(params: Mapping[str, str]) -> DiscoverQuery:
    """Read TMDb's discover parameters; raises ApiError (code 23 bad date, code 5 bad number or id)."""
    lows = [_date(params, "primary_release_date.gte"), _date(params, "release_date.gte")]
    highs = [_date(params, "primary_release_date.lte"), _date(params, "release_date.lte")]
    for name in ("primary_release_year", "year"):
        if params.get(name):
            year = int(_number(params, name) or 0)
            lows.append(f"{year:04d}-01-01")
            highs.append(f"{year:04d}-12-31")
    langs = tuple(code for code in params.get("with_original_language", "").split("|") if code)
    return DiscoverQuery(
        date_gte=max((d for d in lows if d), default=None),
        date_lte=min((d for d in highs if d), default=None),
        include_adult=params.get("include_adult", "").lower() == "true",
        include_video=params.get("include_video", "").lower() == "true",
        languages=langs or None,
        vote_count=(_number(params, "vote_count.gte"), _number(params, "vote_count.lte")),
        vote_average=(_number(params, "vote_average.gte"), _number(params, "vote_average.lte")),
        runtime=(_number(params, "with_runtime.gte"), _number(params, "with_runtime.lte")),
        genres=_genre_groups(params.get("with_genres", "")),
        sort=effective_sort(params.get("sort_by")),
    )


def parse_day(params: Mapping[str, str], name: str) -> date | None:
    """The YYYY-MM-DD parameter `name` (absent or empty → None); anything else is TMDb's error 23."""
    raw = params.get(name, "")
    if not raw:
        return None
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError.of(23) from None


def _date(params: Mapping[str, str], name: str) -> str | None:
    return params[name] if parse_day(params, name) else None


def _number(params: Mapping[str, str], name: str) -> float | None:
    value = params.get(name, "")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ApiError.of(5) from None


def _genre_groups(value: str) -> tuple[frozenset[int], ...] | None:
    # TMDb: a comma means AND and a pipe means OR; a mix reads as OR of AND groups.
    if not value:
        return None
    try:
        return tuple(frozenset(int(g) for g in group.split(",") if g) for group in value.split("|"))
    except ValueError:
        raise ApiError.of(5) from None
