"""Harvest every movie whose primary release date falls in one year, through windowed `/discover/movie`.

Windows come from the planner (each under the 10,000-result cap); each window is paged to the end,
checked against its own `total_results` and re-queried when short. Nothing is dropped silently: a
window that stays short, or one over the cap that cannot be split, is reported incomplete.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

from movie_assets.tmdb.windows import PlannedWindow, Window, gather_or_cancel, plan_windows

PAGE_SIZE = 20  # TMDb's fixed discover page size
WINDOW_CONCURRENCY = 4  # windows harvested at once; the client bounds connections and rate
PAGE_CONCURRENCY = 8  # pages of one window requested at once after page 1
BASE_PARAMS: dict[str, str] = {
    "sort_by": "primary_release_date.asc",  # stable, so pages do not drift between requests
    "include_adult": "false",
    "include_video": "false",
}
_RESERVED = ("primary_release_date.gte", "primary_release_date.lte", "page")


class DiscoverSource(Protocol):
    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]: ...


@dataclass
class WindowReport:
    """How one window went. complete: every id its total_results counts was seen; overflow: it was over
    the cap and could not be split (it may still be complete when its pages were all reachable)."""

    window: str
    params: dict[str, str]
    total_results: int
    ids_seen: int = 0
    pages_fetched: int = 0
    complete: bool = False
    requeried: int = 0
    overflow: bool = False
    out_of_range: int = 0

    def describe(self) -> str:
        return self.window


@dataclass
class DiscoverResult:
    year: int
    movies: list[dict[str, Any]]
    windows: list[WindowReport]
    requests: int
    out_of_range: int = 0
    scope: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(w.complete for w in self.windows)

    def incomplete_windows(self) -> list[WindowReport]:
        return [w for w in self.windows if not w.complete]

    def summary(self) -> dict[str, Any]:
        """Flat numbers for asset metadata."""
        return {
            "year": self.year,
            "movies": len(self.movies),
            "complete": self.complete,
            "windows": len(self.windows),
            "incomplete_windows": len(self.incomplete_windows()),
            "overflow_windows": sum(w.overflow for w in self.windows),
            "requeried_windows": sum(w.requeried > 0 for w in self.windows),
            "requests": self.requests,
            "out_of_range": self.out_of_range,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "scope": self.scope, "window_reports": [asdict(w) for w in self.windows]}


def _param_text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _number(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"discover filter {name} must be a number, got {text!r}") from None


def merge_params(scope: Mapping[str, str], window: Window) -> dict[str, str]:
    """Scope and window filters together; a bound set by both keeps the narrower one (intersection)."""
    merged = dict(scope)
    for name, value in window.params().items():
        if name in merged and name.endswith((".gte", ".lte")):
            pick = max if name.endswith(".gte") else min
            bound = pick(_number(name, merged[name]), _number(name, value))
            value = str(int(bound)) if bound.is_integer() else str(bound)
        merged[name] = value
    return merged


def _checked(body: object, where: str) -> dict[str, Any]:
    """The page body, or a clear error naming the page when it lacks the list envelope."""
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise ValueError(f"{where} has no 'results' list: {body!r:.200}")
    if not all(isinstance(item, dict) and isinstance(item.get("id"), int) for item in body["results"]):
        raise ValueError(f"{where} has an item without an integer 'id'")
    for key in ("total_results", "total_pages"):
        if not isinstance(body.get(key), int):
            raise ValueError(f"{where} has no integer '{key}'")
    return body


class _Harvest:
    """One year's harvest state: the source, the scope and a page-1 cache shared by planner and pager."""

    def __init__(self, source: DiscoverSource, year: int, scope: dict[str, str], max_page: int) -> None:
        self.source, self.year, self.scope, self.max_page = source, year, scope, max_page
        self.requests = 0
        self.first_pages: dict[Window, dict[str, Any]] = {}
        self.movies: dict[int, dict[str, Any]] = {}

    async def page(self, window: Window, page: int) -> dict[str, Any]:
        self.requests += 1
        body = await self.source.discover_page(merge_params(self.scope, window), page)
        return _checked(body, f"discover page {page} of {window.describe()}")

    async def probe(self, window: Window) -> int:
        body = await self.page(window, 1)
        self.first_pages[window] = body  # reused as the window's first page: saves one request per window
        return int(body["total_results"])

    async def pages(self, window: Window) -> tuple[list[dict[str, Any]], int, int]:
        """Every item of the window (pages 1..last, stopping at the first empty page)."""
        first = self.first_pages.pop(window, None) or await self.page(window, 1)
        items, fetched = list(first["results"]), 1
        last = min(int(first["total_pages"]), self.max_page)
        next_page = 2
        while first["results"] and next_page <= last:
            chunk = range(next_page, min(next_page + PAGE_CONCURRENCY, last + 1))
            bodies = await gather_or_cancel(self.page(window, p) for p in chunk)
            fetched += len(bodies)
            next_page = chunk.stop
            for body in bodies:
                if not body["results"]:
                    next_page = last + 1  # results ran out early: total_pages overstated
                    break
                items.extend(body["results"])
        return items, fetched, int(first["total_results"])

    async def harvest(self, planned: PlannedWindow, requery: int, log: Callable[[str], None]) -> WindowReport:
        window = planned.window
        report = WindowReport(
            window.describe(), window.params(), planned.total_results, overflow=planned.overflow
        )
        seen: set[int] = set()
        out_of_range: set[int] = set()
        for attempt in range(requery + 1):
            items, fetched, total = await self.pages(window)
            report.pages_fetched += fetched
            report.total_results = total
            for item in items:
                seen.add(item["id"])
                if not str(item.get("release_date") or "").startswith(f"{self.year}-"):
                    out_of_range.add(item["id"])  # the server broke its own date filter: keep it out
                    continue
                self.movies.setdefault(item["id"], item)
            report.ids_seen, report.out_of_range = len(seen), len(out_of_range)
            # Past the last servable page no re-query can help: the window is truncated, not flaky.
            if len(seen) >= total or total > self.max_page * PAGE_SIZE:
                break
            if attempt < requery:
                report.requeried += 1
                log(f"{window.describe()}: saw {len(seen)} of {total} ids; re-querying")
        report.complete = report.ids_seen >= report.total_results
        if not report.complete:
            why = "over the cap and not splittable" if report.overflow else f"{report.requeried} re-queries"
            log(f"{window.describe()}: INCOMPLETE, {report.ids_seen} of {report.total_results} ids ({why})")
        return report


async def discover_year(
    source: DiscoverSource,
    year: int,
    *,
    scope: Mapping[str, object] | None = None,
    cap: int = 10_000,
    max_page: int = 500,
    requery: int = 2,
    log: Callable[[str], None] | None = None,
) -> DiscoverResult:
    """Every movie with a primary release date in `year` (within `scope`), de-duplicated and sorted by id.

    Args:
        source: anything with TMDbClient's `discover_page(params, page)`.
        scope: extra discover filters sent with every request (bounds intersect the planner's bands).
        cap: the most results a window may hold; lowered to `max_page * 20` when fewer are reachable.
        max_page: the last page the server serves (TMDb: 500).
        requery: how often a window that came back short is paged again before it is reported incomplete.
        log: receives one line for the plan and one per re-query or incomplete window.
    """
    if not 1 <= year <= 9999:
        raise ValueError(f"year must be between 1 and 9999, got {year}")
    if cap < 1 or max_page < 1 or requery < 0:
        raise ValueError(f"need cap >= 1, max_page >= 1 and requery >= 0; got {cap}, {max_page}, {requery}")
    extra = {name: _param_text(value) for name, value in (scope or {}).items()}
    clash = sorted(set(extra) & set(_RESERVED))
    if clash:
        raise ValueError(f"scope may not set {clash}: the harvester owns the date windows and paging")
    for name, value in extra.items():
        if name.endswith((".gte", ".lte")):
            _number(name, value)  # fail before the first request, naming the filter
    say = log or (lambda _message: None)
    harvest = _Harvest(source, year, {**BASE_PARAMS, **extra}, max_page)
    # A window is only fully reachable when it fits in the pages the server will serve.
    reachable = min(cap, max_page * PAGE_SIZE)
    planned = await plan_windows(harvest.probe, date(year, 1, 1), date(year, 12, 31), reachable)
    harvest.first_pages = {p.window: harvest.first_pages[p.window] for p in planned}  # drop split parents
    total = sum(p.total_results for p in planned)
    say(f"{year}: {len(planned)} windows, {total} results, {harvest.requests} probe requests")
    limit = asyncio.Semaphore(WINDOW_CONCURRENCY)

    async def bounded(p: PlannedWindow) -> WindowReport:
        async with limit:
            return await harvest.harvest(p, requery, say)

    reports = await gather_or_cancel(bounded(p) for p in planned)
    movies = [harvest.movies[movie_id] for movie_id in sorted(harvest.movies)]
    out_of_range = sum(r.out_of_range for r in reports)
    return DiscoverResult(year, movies, reports, harvest.requests, out_of_range, extra)
