"""What changed on TMDb since a cursor day: `/movie/changes` walked in windows, plus recent releases.

`/movie/changes` answers at most 14 days per query (a longer range is HTTP 422, code 20) and 100 ids a
page up to the 500-page cap, so the range from the cursor to today is cut into 14-day windows; a window
whose page count nears the cap is walked again one day at a time (a busy day holds 4-6k ids, about 60
pages). A single day still over the cap cannot be split further and is reported incomplete, never
silently cut. Ids are de-duplicated across windows; deleted ids are included (their details 404).

The cursor is a day, and the day it names is walked again by the next refresh: TMDb's change feed only
has day granularity, so changes made later on the cursor day would otherwise be missed. Re-fetching a
movie that did not change is harmless (the patch keeps records that are equal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from movie_assets.tmdb.discover import BASE_PARAMS, PAGE_SIZE, merge_params
from movie_assets.tmdb.windows import Window, gather_or_cancel, plan_windows

MAX_WINDOW_DAYS = 14  # TMDb's longest /movie/changes range
CHANGES_PAGE_SIZE = 100
MAX_PAGE = 500
NEAR_CAP = 0.8  # a window past this share of the page cap is re-walked by day
PAGE_CONCURRENCY = 8


class ChangesSource(Protocol):
    async def changes(self, start_date: date, end_date: date, page: int) -> dict[str, Any]: ...


class ReleasesSource(Protocol):
    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ChangesWindow:
    """One walked window: its inclusive days, what TMDb reported, and whether every page was reachable."""

    start: date
    end: date
    total_results: int
    pages_fetched: int
    complete: bool

    def describe(self) -> str:
        return self.start.isoformat() if self.start == self.end else f"{self.start}..{self.end}"


@dataclass(frozen=True)
class ChangedIds:
    """The ids changed in [since, until] (sorted, unique), the windows walked and the next cursor."""

    ids: list[int]
    windows: list[ChangesWindow]
    requests: int
    since: date
    cursor: date

    @property
    def incomplete(self) -> list[ChangesWindow]:
        return [w for w in self.windows if not w.complete]


def change_windows(since: date, until: date, days: int = MAX_WINDOW_DAYS) -> list[tuple[date, date]]:
    """Consecutive, non-overlapping inclusive (start, end) ranges of at most `days` days covering
    [since, until]; the last one ends on `until`."""
    if until < since:
        raise ValueError(f"the changes range starts on {since}, after its end {until}; check the cursor")
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise ValueError(f"a changes window spans 1 to {MAX_WINDOW_DAYS} days, got {days}")
    windows = []
    start = since
    while start <= until:
        end = min(until, start + timedelta(days=days - 1))
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


class _Walk:
    def __init__(self, source: ChangesSource, max_page: int) -> None:
        self.source, self.max_page = source, max_page
        self.requests = 0
        self.ids: set[int] = set()

    async def page(self, start: date, end: date, page: int) -> dict[str, Any]:
        self.requests += 1
        body = await self.source.changes(start, end, page)
        if not isinstance(body.get("results"), list) or not isinstance(body.get("total_pages"), int):
            raise ValueError(
                f"/movie/changes {start}..{end} page {page} is not a results page: {body!r:.200}"
            )
        return body

    async def window(self, start: date, end: date, near_cap: float) -> list[ChangesWindow]:
        first = await self.page(start, end, 1)
        total_pages = int(first["total_pages"])
        if start < end and total_pages > near_cap * self.max_page:
            # Too close to the cap to trust (the feed grows while it is paged): one day at a time.
            days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
            walked = [await self.window(day, day, near_cap) for day in days]
            return [w for part in walked for w in part]
        last = min(total_pages, self.max_page)
        items, fetched = list(first["results"]), 1
        for chunk_start in range(2, last + 1, PAGE_CONCURRENCY):
            chunk = range(chunk_start, min(chunk_start + PAGE_CONCURRENCY, last + 1))
            bodies = await gather_or_cancel(self.page(start, end, p) for p in chunk)
            fetched += len(bodies)
            items.extend(item for body in bodies for item in body["results"])
        self.ids.update(int(item["id"]) for item in items)
        total = int(first.get("total_results") or len(items))
        return [ChangesWindow(start, end, total, fetched, complete=total_pages <= self.max_page)]


async def walk_changes(
    source: ChangesSource,
    since: date,
    until: date,
    *,
    window_days: int = MAX_WINDOW_DAYS,
    max_page: int = MAX_PAGE,
    near_cap: float = NEAR_CAP,
) -> ChangedIds:
    """Every movie id `/movie/changes` reports for the days `since`..`until` (both inclusive).

    Args:
        source: anything with TMDbClient's `changes(start_date, end_date, page)`.
        since: the cursor: the first day to read (the last day the previous refresh read).
        until: the last day to read, normally today (UTC); it becomes the returned cursor.
        window_days: days per query (TMDb allows 14).
        max_page: the last page the server serves (TMDb: 500).
        near_cap: a multi-day window reporting more than this share of `max_page` pages is re-walked
            one day at a time.
    """
    if max_page < 1 or not 0 < near_cap <= 1:
        raise ValueError(f"need max_page >= 1 and 0 < near_cap <= 1; got {max_page} and {near_cap}")
    walk = _Walk(source, max_page)
    windows: list[ChangesWindow] = []
    for start, end in change_windows(since, until, window_days):
        windows.extend(await walk.window(start, end, near_cap))
    return ChangedIds(sorted(walk.ids), windows, walk.requests, since, until)


async def released_between(
    source: ReleasesSource,
    start: date,
    end: date,
    *,
    scopes: Iterable[Mapping[str, str]] = ({},),
    max_page: int = MAX_PAGE,
) -> tuple[list[int], int]:
    """Ids `/discover/movie` lists with a primary release date in [start, end] (the safety net for new
    titles the change feed missed), per scope parameter set; returns (sorted ids, requests made)."""
    if end < start:
        raise ValueError(f"release window starts on {start}, after its end {end}")
    requests = 0
    ids: set[int] = set()
    for scope in scopes:
        params = {**BASE_PARAMS, **scope}

        async def page(window: Window, number: int, params: dict[str, str] = params) -> dict[str, Any]:
            nonlocal requests
            requests += 1
            return await source.discover_page(merge_params(params, window), number)

        async def probe(window: Window) -> int:
            return int((await page(window, 1))["total_results"])

        for planned in await plan_windows(probe, start, end, cap=max_page * PAGE_SIZE):
            last = min(-(-planned.total_results // PAGE_SIZE), max_page)
            bodies = await gather_or_cancel(page(planned.window, n) for n in range(1, last + 1))
            ids.update(int(item["id"]) for body in bodies for item in body["results"])
    return sorted(ids), requests
