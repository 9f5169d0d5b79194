"""What a year's harvest will cost before it runs: movies, windows and requests, from page-1 probes only.

The estimate plans the windows exactly as `discover_year` does (same parameters, same planner, same
cap), so its probes are the ones the harvest will make. From each planned window's page 1 it knows
the rest: the harvest reuses that page 1, fetches pages 2..min(total_pages, max_page), and then asks
for one `/movie/{id}` per movie it discovered. Retries are not counted: they depend on the weather.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from movie_assets.tmdb.discover import BASE_PARAMS, PAGE_SIZE, DiscoverSource, merge_params
from movie_assets.tmdb.windows import Window, plan_windows

_RESERVED = ("primary_release_date.gte", "primary_release_date.lte", "page")


@dataclass(frozen=True)
class YearEstimate:
    """One year's harvest, predicted. `requests` = probes + pages + details (no retries)."""

    year: int
    movies: int  # sum of the planned windows' total_results (what TMDb lists)
    windows: int
    probes: int  # page-1 requests of the planner, split parents included; already spent by the estimate
    pages: int  # discover pages after each planned window's page 1
    details: int  # one `/movie/{id}` per reachable movie
    overflow_windows: int = 0  # windows over the cap that no split could narrow: partly unreachable

    @property
    def requests(self) -> int:
        return self.probes + self.pages + self.details


async def estimate_year(
    source: DiscoverSource,
    year: int,
    *,
    scope_params: Sequence[Mapping[str, str]],
    cap: int = 10_000,
    max_page: int = 500,
) -> YearEstimate:
    """Plan `year`'s discover windows once per scope parameter set and count what the harvest will request.

    Args:
        source: anything with `discover_page(params, page)`, e.g. a `TMDbClient`.
        year: the primary-release year.
        scope_params: one dict of extra discover filters per query, as `HarvestScope.discover_params()`.
        cap, max_page: as `discover_year` takes them (TMDb: 10,000 results, page 500).
    """
    if not 1 <= year <= 9999:
        raise ValueError(f"year must be between 1 and 9999, got {year}")
    if cap < 1 or max_page < 1:
        raise ValueError(f"need cap >= 1 and max_page >= 1; got {cap} and {max_page}")
    if not scope_params:
        raise ValueError("scope_params is empty: pass [{}] to estimate the whole year")
    parts = [await _estimate_scope(source, year, dict(extra), cap, max_page) for extra in scope_params]
    return YearEstimate(
        year=year,
        movies=sum(p.movies for p in parts),
        windows=sum(p.windows for p in parts),
        probes=sum(p.probes for p in parts),
        pages=sum(p.pages for p in parts),
        details=sum(p.details for p in parts),
        overflow_windows=sum(p.overflow_windows for p in parts),
    )


async def _estimate_scope(
    source: DiscoverSource, year: int, extra: dict[str, str], cap: int, max_page: int
) -> YearEstimate:
    clash = sorted(set(extra) & set(_RESERVED))
    if clash:
        raise ValueError(f"scope may not set {clash}: the harvester owns the date windows and paging")
    scope = {**BASE_PARAMS, **extra}
    first_pages: dict[Window, dict] = {}

    async def probe(window: Window) -> int:
        body = await source.discover_page(merge_params(scope, window), 1)
        first_pages[window] = body
        return _int_field(body, "total_results", window)

    # The same reachable cap as discover_year: a window is only whole if its pages are all servable.
    planned = await plan_windows(probe, date(year, 1, 1), date(year, 12, 31), min(cap, max_page * PAGE_SIZE))
    pages = details = 0
    for p in planned:
        body = first_pages[p.window]
        last = min(_int_field(body, "total_pages", p.window), max_page)
        if body.get("results"):  # an empty page 1 ends the window, whatever total_pages says
            pages += max(0, last - 1)
            details += min(p.total_results, last * PAGE_SIZE)
    return YearEstimate(
        year=year,
        movies=sum(p.total_results for p in planned),
        windows=len(planned),
        probes=len(first_pages),
        pages=pages,
        details=details,
        overflow_windows=sum(p.overflow for p in planned),
    )


def _int_field(body: object, key: str, window: Window) -> int:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"discover page 1 of {window.describe()} has no integer '{key}': {body!r:.200}")
    return value


def hms(seconds: float) -> str:
    """Whole seconds (rounded up) as h:mm:ss, e.g. 3725.2 -> "1:02:06"."""
    total = math.ceil(seconds)
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def format_estimate(estimates: Iterable[YearEstimate], rate: float) -> str:
    """A table of the estimates with the time each takes at `rate` requests/s, and a total line."""
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate must be a positive number of requests per second, got {rate!r}")
    rows = list(estimates)
    head = ("year", "movies", "windows", "requests", f"time at {rate:g}/s")
    lines = [
        (str(e.year), f"{e.movies:,}", f"{e.windows:,}", f"{e.requests:,}", hms(e.requests / rate))
        for e in rows
    ]
    total = sum(e.requests for e in rows)
    movies, windows = sum(e.movies for e in rows), sum(e.windows for e in rows)
    lines.append(("total", f"{movies:,}", f"{windows:,}", f"{total:,}", hms(total / rate)))
    widths = [max(len(row[i]) for row in (head, *lines)) for i in range(len(head))]

    def fmt(row: tuple[str, ...]) -> str:
        return "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))

    rule = "  ".join("-" * width for width in widths)
    notes = []
    overflow = sum(e.overflow_windows for e in rows)
    if overflow:
        notes.append(f"{overflow} window(s) exceed the cap even on one day: part of them is unreachable")
    notes.append(
        f"requests = page-1 probes ({sum(e.probes for e in rows):,}, already made by this estimate) "
        f"+ further discover pages ({sum(e.pages for e in rows):,}) + one details request per movie "
        f"({sum(e.details for e in rows):,}); retries not included"
    )
    return "\n".join([fmt(head), rule, *(fmt(row) for row in lines[:-1]), rule, fmt(lines[-1]), *notes])
