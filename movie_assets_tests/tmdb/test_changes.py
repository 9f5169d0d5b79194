"""Walking `/movie/changes` in windows, and the recent-releases safety net, against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from movie_assets.tmdb.changes import ChangedIds, change_windows, released_between, walk_changes
from movie_assets.tmdb.client import TMDbClient
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig

KEY = "changes-test-key"
D = date.fromisoformat


@pytest.mark.parametrize(
    ("since", "until", "days", "expected"),
    [
        ("2024-01-01", "2024-01-01", 14, [("2024-01-01", "2024-01-01")]),
        ("2024-01-01", "2024-01-14", 14, [("2024-01-01", "2024-01-14")]),
        ("2024-01-01", "2024-01-15", 14, [("2024-01-01", "2024-01-14"), ("2024-01-15", "2024-01-15")]),
        (
            "2024-02-20",
            "2024-03-20",
            14,
            [("2024-02-20", "2024-03-04"), ("2024-03-05", "2024-03-18"), ("2024-03-19", "2024-03-20")],
        ),
        (
            "2024-01-01",
            "2024-01-03",
            1,
            [("2024-01-01", "2024-01-01"), ("2024-01-02", "2024-01-02"), ("2024-01-03", "2024-01-03")],
        ),
    ],
)
def test_change_windows_cover_the_range_once(since: str, until: str, days: int, expected: list) -> None:
    assert change_windows(D(since), D(until), days) == [(D(a), D(b)) for a, b in expected]


@pytest.mark.parametrize(
    ("since", "until", "days"),
    [("2024-01-02", "2024-01-01", 14), ("2024-01-01", "2024-01-09", 15), ("2024-01-01", "2024-01-09", 0)],
)
def test_change_windows_refuse_bad_ranges(since: str, until: str, days: int) -> None:
    with pytest.raises(ValueError, match="changes"):
        change_windows(D(since), D(until), days)


def _movie(movie_id: int, released: str, changed: str | None = None) -> dict[str, Any]:
    movie = {"id": movie_id, "title": f"Movie {movie_id}", "release_date": released, "adult": False}
    if changed:
        movie["_changed_at"] = f"{changed}T12:00:00Z"
    return movie


def _run(emulator: Emulator, call: Any) -> Any:
    async def go() -> Any:
        async with TMDbClient(emulator.url, KEY, rate_limit=None, backoff_base=0.0) as client:
            return await call(client)

    return asyncio.run(go())


@pytest.fixture()
def spread() -> Iterator[Emulator]:
    """One change a day from 2024-03-01 to 2024-04-09 (ids 1..40), plus a movie that never changed."""
    start = D("2024-03-01")
    movies = [_movie(n + 1, "2023-05-05", (start + timedelta(days=n)).isoformat()) for n in range(40)]
    movies.append(_movie(999, "2023-05-05"))
    with Emulator(movies, EmulatorConfig(api_key=KEY)) as emulator:
        yield emulator


def test_walk_reads_every_window_of_the_range_and_only_that_range(spread: Emulator) -> None:
    result: ChangedIds = _run(spread, lambda c: walk_changes(c, D("2024-03-05"), D("2024-04-02")))

    assert result.ids == list(range(5, 34))  # 2024-03-05 is id 5, 2024-04-02 is id 33
    assert [(w.start, w.end) for w in result.windows] == change_windows(D("2024-03-05"), D("2024-04-02"))
    assert all(w.complete for w in result.windows) and result.cursor == D("2024-04-02")
    assert spread.stats.requests == result.requests == 3  # no 422: every window is within 14 days


def test_a_window_near_the_page_cap_is_walked_one_day_at_a_time() -> None:
    # 3 days x 90 changes = 270 ids, 3 pages; with a 3-page cap that is past 80 % of it.
    movies = [_movie(d * 100 + n, "2023-01-01", f"2024-05-0{d}") for d in (1, 2, 3) for n in range(90)]
    with Emulator(movies, EmulatorConfig(api_key=KEY, max_page=3)) as emulator:
        result = _run(emulator, lambda c: walk_changes(c, D("2024-05-01"), D("2024-05-05"), max_page=3))

    assert result.ids == sorted(m["id"] for m in movies)
    assert [(w.start, w.end, w.total_results) for w in result.windows] == [
        (D("2024-05-01") + timedelta(days=n), D("2024-05-01") + timedelta(days=n), 90 if n < 3 else 0)
        for n in range(5)
    ]
    assert not result.incomplete


def test_a_single_day_past_the_cap_is_reported_incomplete_not_cut_silently() -> None:
    movies = [_movie(n + 1, "2023-01-01", "2024-05-01") for n in range(150)]
    with Emulator(movies, EmulatorConfig(api_key=KEY, max_page=1)) as emulator:
        result = _run(emulator, lambda c: walk_changes(c, D("2024-05-01"), D("2024-05-01"), max_page=1))

    assert [(w.total_results, w.pages_fetched, w.complete) for w in result.windows] == [(150, 1, False)]
    assert len(result.ids) == 100 and result.incomplete == result.windows


def test_released_between_lists_titles_released_in_the_window(spread: Emulator) -> None:
    extra = [_movie(2000 + n, f"2024-06-{10 + n:02d}") for n in range(5)]
    spread.replace_movies(
        [*extra, _movie(3000, "2024-06-30"), {**_movie(3001, "2024-06-11"), "_deleted": True}]
    )

    ids, requests = _run(spread, lambda c: released_between(c, D("2024-06-11"), D("2024-06-13")))

    assert ids == [2001, 2002, 2003] and requests == 2  # the probe, then page 1
