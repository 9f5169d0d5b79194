"""`/discover/movie` for the emulator: the date-sorted movie index, filtering, sorting and paging.

Movies with an empty date never match a date filter. Filtered, sorted results are cached per query so
paging through a window costs one filter and one sort, not one per page.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from movie_assets.tmdb.emulator.query import DiscoverQuery

PAGE_SIZE = 20
_SORT_ATTRS = {"primary_release_date": "release_date"}
_DISCOVER_KEYS = (
    "adult", "backdrop_path", "genre_ids", "id", "original_language", "original_title", "overview",
    "popularity", "poster_path", "release_date", "title", "video", "vote_average", "vote_count",
)  # fmt: skip
_CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    release_date: str
    adult: bool
    video: bool
    language: str
    vote_count: float
    vote_average: float
    runtime: float
    genre_ids: frozenset[int]
    popularity: float
    revenue: float
    title: str
    original_title: str
    item: dict[str, Any]


def _entry(movie: Mapping[str, Any]) -> _Entry:
    genre_ids = [g["id"] for g in movie.get("genres") or [] if isinstance(g, dict) and "id" in g]
    item = {key: movie.get(key) for key in _DISCOVER_KEYS}
    item["genre_ids"] = genre_ids
    return _Entry(
        id=movie["id"],
        release_date=movie.get("release_date") or "",
        adult=bool(movie.get("adult")),
        video=bool(movie.get("video")),
        language=movie.get("original_language") or "",
        vote_count=float(movie.get("vote_count") or 0),
        vote_average=float(movie.get("vote_average") or 0),
        runtime=float(movie.get("runtime") or 0),  # unknown runtime is 0 on TMDb
        genre_ids=frozenset(genre_ids),
        popularity=float(movie.get("popularity") or 0),
        revenue=float(movie.get("revenue") or 0),
        title=movie.get("title") or "",
        original_title=movie.get("original_title") or "",
        item=item,
    )


def _within(value: float, bounds: tuple[float | None, float | None]) -> bool:
    low, high = bounds
    return (low is None or value >= low) and (high is None or value <= high)


def _matches(e: _Entry, q: DiscoverQuery) -> bool:
    return (
        (q.include_adult or not e.adult)
        and (q.include_video or not e.video)
        and (q.languages is None or e.language in q.languages)
        and _within(e.vote_count, q.vote_count)
        and _within(e.vote_average, q.vote_average)
        and _within(e.runtime, q.runtime)
        and (q.genres is None or any(group <= e.genre_ids for group in q.genres))
    )


class DiscoverIndex:
    """Discoverable (not deleted) movies kept in release-date order, so a date window is two bisects."""

    def __init__(self, movies: Iterable[Mapping[str, Any]]) -> None:
        self._entries = sorted(
            (_entry(m) for m in movies if not m.get("_deleted")), key=attrgetter("release_date")
        )
        self._dates = [e.release_date for e in self._entries]
        self._first_dated = bisect_right(self._dates, "")
        self._cache: OrderedDict[DiscoverQuery, list[_Entry]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def results(self, query: DiscoverQuery) -> list[_Entry]:
        """Every match in sort order; ties are broken by ascending id so paging is deterministic."""
        with self._lock:
            if query in self._cache:
                self._cache.move_to_end(query)
                return self._cache[query]
        found = sorted((e for e in self._candidates(query) if _matches(e, query)), key=attrgetter("id"))
        name, way = query.sort.rsplit(".", 1)
        found.sort(key=attrgetter(_SORT_ATTRS.get(name, name)), reverse=way == "desc")  # stable: ids stay asc
        with self._lock:
            self._cache[query] = found
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def _candidates(self, q: DiscoverQuery) -> list[_Entry]:
        if q.date_gte is None and q.date_lte is None:
            return self._entries
        low = bisect_left(self._dates, q.date_gte, lo=self._first_dated) if q.date_gte else self._first_dated
        high = bisect_right(self._dates, q.date_lte) if q.date_lte else len(self._dates)
        return self._entries[low:high]


def discover_page(
    found: list[_Entry], page: int, *, drift: bool = False, overstate: bool = False
) -> dict[str, Any]:
    """One page of results. `drift` repeats the previous page's last item first, as rank drift does on
    TMDb; `overstate` reports one page more than exists, as TMDb sometimes does."""
    start = (page - 1) * PAGE_SIZE
    chosen = found[start : start + PAGE_SIZE]
    if drift and page > 1 and chosen:
        chosen = [found[start - 1], *chosen[: PAGE_SIZE - 1]]
    total_pages = -(-len(found) // PAGE_SIZE) + (1 if overstate else 0)
    results = [e.item for e in chosen]
    return {"page": page, "results": results, "total_pages": total_pages, "total_results": len(found)}
