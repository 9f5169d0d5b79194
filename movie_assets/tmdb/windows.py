"""Plan `/discover/movie` windows that each stay under the 10,000-result cap (TMDB_API §3.4-3.5).

A window is a primary-release-date range, optionally narrowed on a single day by vote_count and then
runtime bands. Every split is exhaustive and non-overlapping, so the planned windows partition the
catalogue: each movie matches exactly one of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

T = TypeVar("T")

# Band dimensions in the order they are tried once a window is a single day. Bands are inclusive
# (lo, hi); lo None means "<= hi" (vote counts and runtimes are never negative, and a band on `lte` alone
# also catches whatever the server stores as 0 or unknown), hi None means "lo and above".
Band = tuple[int | None, int | None]
BAND_DIMENSIONS: tuple[str, ...] = ("vote_count", "with_runtime")
INITIAL_BANDS: dict[str, tuple[Band, ...]] = {
    "vote_count": ((None, 0), (1, 9), (10, 99), (100, 999), (1000, None)),
    "with_runtime": ((None, 0), (1, 59), (60, 89), (90, 119), (120, None)),
}


@dataclass(frozen=True, order=True)
class Window:
    """Inclusive primary-release-date bounds plus band filters, as `(param, value)` pairs."""

    gte: date
    lte: date
    bands: tuple[tuple[str, float | int], ...] = ()

    def params(self) -> dict[str, str]:
        params = {
            "primary_release_date.gte": self.gte.isoformat(),
            "primary_release_date.lte": self.lte.isoformat(),
        }
        params.update((name, str(value)) for name, value in self.bands)
        return params

    def band(self, dimension: str) -> Band | None:
        """The (lo, hi) band on `dimension`, or None when the window is not narrowed on it."""
        values = {name: value for name, value in self.bands if name.startswith(dimension + ".")}
        if not values:
            return None
        lo, hi = values.get(dimension + ".gte"), values.get(dimension + ".lte")
        return (None if lo is None else int(lo), None if hi is None else int(hi))

    def describe(self) -> str:
        dates = self.gte.isoformat() if self.gte == self.lte else f"{self.gte}..{self.lte}"
        parts = [dates]
        for dimension in BAND_DIMENSIONS:
            band = self.band(dimension)
            if band is not None:
                parts.append(f"{dimension} {_band_text(band)}")
        return " ".join(parts)


@dataclass(frozen=True)
class PlannedWindow:
    window: Window
    total_results: int
    # True when the window is over the cap and cannot be split further: only part of it is reachable.
    overflow: bool = False


def _band_text(band: Band) -> str:
    lo, hi = band
    if lo is None:
        return f"<={hi}"
    if hi is None:
        return f">={lo}"
    return str(lo) if lo == hi else f"{lo}..{hi}"


def band_params(dimension: str, band: Band) -> tuple[tuple[str, int], ...]:
    """The discover filters for one band, e.g. ("vote_count", (1, 9)) -> gte 1, lte 9."""
    lo, hi = band
    if lo is None and hi is None:
        raise ValueError(f"a {dimension} band needs at least one bound")
    pairs: list[tuple[str, int]] = []
    if lo is not None:
        pairs.append((f"{dimension}.gte", lo))
    if hi is not None:
        pairs.append((f"{dimension}.lte", hi))
    return tuple(pairs)


def bisect_band(band: Band) -> tuple[Band, Band] | None:
    """Split a band into two exhaustive halves, or None when it holds a single value."""
    lo, hi = band
    if lo is None:
        return None  # "<= 0": only the value 0 (or unknown) lives there
    if hi is None:
        # Open-ended: peel off a decade; the open tail eventually holds nothing and stops splitting.
        return (lo, max(lo, 1) * 10 - 1), (max(lo, 1) * 10, None)
    if lo >= hi:
        return None
    mid = (lo + hi) // 2
    return (lo, mid), (mid + 1, hi)


def split_dates(gte: date, lte: date) -> tuple[Window, Window]:
    """Halve [gte, lte] into [gte, m] and [m+1, lte]; the bounds are inclusive, so nothing overlaps."""
    if lte <= gte:
        raise ValueError(f"cannot split the single-day or empty range {gte}..{lte}")
    mid = gte + timedelta(days=(lte - gte).days // 2)
    return Window(gte, mid), Window(mid + timedelta(days=1), lte)


def _with_band(window: Window, dimension: str, band: Band) -> Window:
    bands: list[tuple[str, float | int]] = []
    for d in BAND_DIMENSIONS:  # canonical order keeps equal windows equal
        current = band if d == dimension else window.band(d)
        if current is not None:
            bands.extend(band_params(d, current))
    return Window(window.gte, window.lte, tuple(bands))


def split_window(window: Window) -> tuple[Window, ...] | None:
    """The next exhaustive split of an over-cap window, or None when nothing can split it further."""
    if window.lte > window.gte:
        return split_dates(window.gte, window.lte)
    for dimension in BAND_DIMENSIONS:
        band = window.band(dimension)
        if band is None:
            return tuple(_with_band(window, dimension, b) for b in INITIAL_BANDS[dimension])
        halves = bisect_band(band)
        if halves is not None:
            return tuple(_with_band(window, dimension, b) for b in halves)
    return None


async def gather_or_cancel(aws: Iterable[Awaitable[T]]) -> list[T]:
    """Like asyncio.gather, but the first failure cancels the siblings and is re-raised as itself."""
    tasks = [asyncio.ensure_future(aw) for aw in aws]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def plan_windows(
    probe: Callable[[Window], Awaitable[int]], start: date, end: date, cap: int = 10_000
) -> list[PlannedWindow]:
    """Windows covering [start, end] exactly once, each with total_results <= cap unless overflow.

    `probe(window)` returns the window's total_results (page 1 of the query). Windows with 0 results
    are kept: they are the evidence that the range was covered.
    """
    if end < start:
        raise ValueError(f"window start {start} is after its end {end}")
    if cap < 1:
        raise ValueError(f"the per-window cap must be at least 1, got {cap}")

    async def plan(window: Window) -> list[PlannedWindow]:
        total = await probe(window)
        if total <= cap:
            return [PlannedWindow(window, total)]
        children = split_window(window)
        if children is None:
            return [PlannedWindow(window, total, overflow=True)]
        planned = await gather_or_cancel(plan(child) for child in children)
        return [p for part in planned for p in part]

    return await plan(Window(start, end))
