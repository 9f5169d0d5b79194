"""The window planner: exhaustive, non-overlapping splits that keep every window under the cap."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import date
from typing import Any

import pytest

from movie_assets.tmdb.windows import (
    PlannedWindow,
    Window,
    band_params,
    bisect_band,
    gather_or_cancel,
    plan_windows,
    split_dates,
    split_window,
)
from movie_assets_tests.tmdb.fake_discover import FakeDiscover, make_movies, select

D = date.fromisoformat


def window_probe(source: FakeDiscover) -> Any:
    async def probe(window: Window) -> int:
        return len(source.matching(window.params()))

    return probe


def assert_exact_cover(movies: list[dict[str, Any]], planned: list[PlannedWindow], cap: int) -> None:
    """Each planned total is the window's true count, and every visible movie lies in exactly one window."""
    hits: Counter[int] = Counter()
    for p in planned:
        found = select(movies, p.window.params())
        assert p.total_results == len(found), p.window.describe()
        assert p.overflow == (p.total_results > cap)
        hits.update(m["id"] for m in found)
    visible = {m["id"] for m in select(movies, {})}
    assert set(hits) == visible
    assert set(hits.values()) == {1}


@pytest.mark.parametrize(
    ("gte", "lte", "first", "second"),
    [
        ("2021-01-01", "2021-12-31", ("2021-01-01", "2021-07-02"), ("2021-07-03", "2021-12-31")),
        ("2021-01-01", "2021-01-02", ("2021-01-01", "2021-01-01"), ("2021-01-02", "2021-01-02")),
        ("2020-02-28", "2020-03-01", ("2020-02-28", "2020-02-29"), ("2020-03-01", "2020-03-01")),
        ("2021-03-01", "2021-03-04", ("2021-03-01", "2021-03-02"), ("2021-03-03", "2021-03-04")),
    ],
)
def test_split_dates_halves_inclusive_ranges(gte: str, lte: str, first: tuple, second: tuple) -> None:
    assert split_dates(D(gte), D(lte)) == (
        Window(D(first[0]), D(first[1])),
        Window(D(second[0]), D(second[1])),
    )


def test_split_dates_refuses_a_single_day() -> None:
    with pytest.raises(ValueError, match="2021-01-01"):
        split_dates(D("2021-01-01"), D("2021-01-01"))


@pytest.mark.parametrize(
    ("band", "halves"),
    [
        ((1, 9), ((1, 5), (6, 9))),
        ((10, 11), ((10, 10), (11, 11))),
        ((5, 5), None),
        ((None, 0), None),
        ((1000, None), ((1000, 9999), (10000, None))),
        ((120, None), ((120, 1199), (1200, None))),
    ],
)
def test_bisect_band(band: tuple, halves: tuple | None) -> None:
    assert bisect_band(band) == halves


@pytest.mark.parametrize(
    ("dimension", "band", "pairs"),
    [
        ("vote_count", (None, 0), (("vote_count.lte", 0),)),
        ("vote_count", (1, 9), (("vote_count.gte", 1), ("vote_count.lte", 9))),
        ("with_runtime", (120, None), (("with_runtime.gte", 120),)),
    ],
)
def test_band_params(dimension: str, band: tuple, pairs: tuple) -> None:
    assert band_params(dimension, band) == pairs


DAY = D("2021-01-01")
VOTE_1_9 = (("vote_count.gte", 1), ("vote_count.lte", 9))
VOTE_5 = (("vote_count.gte", 5), ("vote_count.lte", 5))


@pytest.mark.parametrize(
    ("window", "params", "text"),
    [
        (
            Window(DAY, D("2021-01-31")),
            {"primary_release_date.gte": "2021-01-01", "primary_release_date.lte": "2021-01-31"},
            "2021-01-01..2021-01-31",
        ),
        (
            Window(DAY, DAY, VOTE_1_9),
            {
                "primary_release_date.gte": "2021-01-01",
                "primary_release_date.lte": "2021-01-01",
                "vote_count.gte": "1",
                "vote_count.lte": "9",
            },
            "2021-01-01 vote_count 1..9",
        ),
        (
            Window(DAY, DAY, (("vote_count.lte", 0), ("with_runtime.gte", 120))),
            {
                "primary_release_date.gte": "2021-01-01",
                "primary_release_date.lte": "2021-01-01",
                "vote_count.lte": "0",
                "with_runtime.gte": "120",
            },
            "2021-01-01 vote_count <=0 with_runtime >=120",
        ),
    ],
)
def test_window_params_and_describe(window: Window, params: dict, text: str) -> None:
    assert window.params() == params
    assert window.describe() == text


@pytest.mark.parametrize(
    ("window", "children"),
    [
        (
            Window(DAY, D("2021-01-04")),
            [Window(DAY, D("2021-01-02")), Window(D("2021-01-03"), D("2021-01-04"))],
        ),
        (
            Window(DAY, DAY),
            [
                Window(DAY, DAY, (("vote_count.lte", 0),)),
                Window(DAY, DAY, VOTE_1_9),
                Window(DAY, DAY, (("vote_count.gte", 10), ("vote_count.lte", 99))),
                Window(DAY, DAY, (("vote_count.gte", 100), ("vote_count.lte", 999))),
                Window(DAY, DAY, (("vote_count.gte", 1000),)),
            ],
        ),
        (
            Window(DAY, DAY, VOTE_1_9),
            [
                Window(DAY, DAY, (("vote_count.gte", 1), ("vote_count.lte", 5))),
                Window(DAY, DAY, (("vote_count.gte", 6), ("vote_count.lte", 9))),
            ],
        ),
        (
            Window(DAY, DAY, VOTE_5),
            [
                Window(DAY, DAY, (*VOTE_5, ("with_runtime.lte", 0))),
                Window(DAY, DAY, (*VOTE_5, ("with_runtime.gte", 1), ("with_runtime.lte", 59))),
                Window(DAY, DAY, (*VOTE_5, ("with_runtime.gte", 60), ("with_runtime.lte", 89))),
                Window(DAY, DAY, (*VOTE_5, ("with_runtime.gte", 90), ("with_runtime.lte", 119))),
                Window(DAY, DAY, (*VOTE_5, ("with_runtime.gte", 120))),
            ],
        ),
        (
            Window(DAY, DAY, (("vote_count.lte", 0), ("with_runtime.gte", 60), ("with_runtime.lte", 61))),
            [
                Window(DAY, DAY, (("vote_count.lte", 0), ("with_runtime.gte", 60), ("with_runtime.lte", 60))),
                Window(DAY, DAY, (("vote_count.lte", 0), ("with_runtime.gte", 61), ("with_runtime.lte", 61))),
            ],
        ),
        (Window(DAY, DAY, (*VOTE_5, ("with_runtime.gte", 95), ("with_runtime.lte", 95))), None),
        (Window(DAY, DAY, (("vote_count.lte", 0), ("with_runtime.lte", 0))), None),
    ],
)
def test_split_window_order_of_dimensions(window: Window, children: list[Window] | None) -> None:
    got = split_window(window)
    assert (list(got) if got is not None else None) == children


def test_plan_covers_a_year_exactly_once_under_a_small_cap() -> None:
    movies = make_movies(2500, 2021, spike=600, spike_day="2021-01-01")
    source = FakeDiscover(movies)
    planned = asyncio.run(plan_windows(window_probe(source), D("2021-01-01"), D("2021-12-31"), cap=100))
    assert all(p.total_results <= 100 and not p.overflow for p in planned)
    assert any(p.window.band("with_runtime") for p in planned)  # the spike needed the third dimension
    assert_exact_cover(movies, planned, cap=100)
    assert sum(p.total_results for p in planned) == len(select(movies, {}))


def test_plan_splits_a_25000_movie_day_under_the_real_cap() -> None:
    rng = random.Random(3)
    movies = [
        {
            "id": i,
            "release_date": "2021-01-01",
            # 12,000 zero-vote films force runtime bands; 11,000 in 1..9 force a vote bisection.
            "vote_count": 0
            if i < 12_000
            else rng.randrange(1, 10)
            if i < 23_000
            else rng.randrange(10, 3000),
            "runtime": rng.choice([None, 0, rng.randrange(1, 240)]),
        }
        for i in range(25_000)
    ]
    source = FakeDiscover(movies)
    planned = asyncio.run(plan_windows(window_probe(source), D("2021-01-01"), D("2021-01-01")))
    assert all(0 <= p.total_results <= 10_000 and not p.overflow for p in planned)
    assert sum(p.total_results for p in planned) == 25_000
    assert_exact_cover(movies, planned, cap=10_000)


def test_plan_marks_an_unsplittable_window_as_overflow() -> None:
    same = [{"id": i, "release_date": "2021-06-01", "vote_count": 5, "runtime": 95} for i in range(150)]
    movies = same + make_movies(300, 2021, first_id=1000)
    planned = asyncio.run(
        plan_windows(window_probe(FakeDiscover(movies)), D("2021-01-01"), D("2021-12-31"), 100)
    )
    overflow = [p for p in planned if p.overflow]
    assert [(p.window.describe(), p.total_results) for p in overflow] == [
        ("2021-06-01 vote_count 5 with_runtime 95", 150)
    ]
    assert_exact_cover(movies, planned, cap=100)


def test_plan_keeps_empty_windows_as_coverage() -> None:
    movies = [{"id": i, "release_date": "2021-01-01", "vote_count": 0, "runtime": 90} for i in range(3)]
    planned = asyncio.run(plan_windows(window_probe(FakeDiscover(movies)), DAY, D("2021-01-04"), cap=2))
    assert [(p.window.describe(), p.total_results) for p in planned] == [
        ("2021-01-01 vote_count <=0 with_runtime <=0", 0),
        ("2021-01-01 vote_count <=0 with_runtime 1..59", 0),
        ("2021-01-01 vote_count <=0 with_runtime 60..89", 0),
        ("2021-01-01 vote_count <=0 with_runtime 90", 3),
        ("2021-01-01 vote_count <=0 with_runtime 91", 0),
        ("2021-01-01 vote_count <=0 with_runtime 92..93", 0),
        ("2021-01-01 vote_count <=0 with_runtime 94..97", 0),
        ("2021-01-01 vote_count <=0 with_runtime 98..104", 0),
        ("2021-01-01 vote_count <=0 with_runtime 105..119", 0),
        ("2021-01-01 vote_count <=0 with_runtime >=120", 0),
        ("2021-01-01 vote_count 1..9", 0),
        ("2021-01-01 vote_count 10..99", 0),
        ("2021-01-01 vote_count 100..999", 0),
        ("2021-01-01 vote_count >=1000", 0),
        ("2021-01-02", 0),
        ("2021-01-03..2021-01-04", 0),
    ]
    assert planned[3].overflow


@pytest.mark.parametrize(
    ("start", "end", "cap"), [("2021-02-01", "2021-01-01", 10), ("2021-01-01", "2021-01-02", 0)]
)
def test_plan_rejects_bad_ranges(start: str, end: str, cap: int) -> None:
    async def probe(window: Window) -> int:
        return 0

    with pytest.raises(ValueError):
        asyncio.run(plan_windows(probe, D(start), D(end), cap))


def test_gather_or_cancel_reraises_the_first_failure_and_cancels_siblings() -> None:
    cancelled = asyncio.Event()

    async def waits_forever() -> int:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 0

    async def fails() -> int:
        await asyncio.sleep(0)
        raise KeyError("boom")

    async def main() -> None:
        with pytest.raises(KeyError, match="boom"):
            await gather_or_cancel([waits_forever(), fails()])
        assert cancelled.is_set()

    asyncio.run(main())
