"""discover_year: every movie of a year exactly once; short windows re-queried; gaps reported."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from movie_assets.tmdb.discover import PAGE_CONCURRENCY, WINDOW_CONCURRENCY, discover_year, merge_params
from movie_assets.tmdb.windows import Window
from movie_assets_tests.tmdb.fake_discover import FakeDiscover, make_movies, select


def catalogue() -> list[dict[str, Any]]:
    """2021 with a 400-movie 1 January, plus neighbours in 2020/2022 and an undated movie."""
    movies = make_movies(1500, 2021, spike=400, spike_day="2021-01-01")
    movies += make_movies(40, 2020, seed=1, first_id=10_000) + make_movies(40, 2022, seed=2, first_id=20_000)
    movies.append({"id": 30_000, "release_date": "", "vote_count": 3})
    return movies


def visible_ids(movies: list[dict[str, Any]], year: int, **params: str) -> list[int]:
    bounds = {"primary_release_date.gte": f"{year}-01-01", "primary_release_date.lte": f"{year}-12-31"}
    return sorted(m["id"] for m in select(movies, {**bounds, **params}))


def run(source: Any, year: int = 2021, **kwargs: Any) -> Any:
    return asyncio.run(discover_year(source, year, **kwargs))


def test_harvests_every_visible_movie_of_the_year_once() -> None:
    movies = catalogue()
    source = FakeDiscover(movies)
    result = run(source, cap=100)
    ids = [m["id"] for m in result.movies]
    assert ids == visible_ids(movies, 2021)
    assert result.complete and result.out_of_range == 0
    assert all(w.complete and w.ids_seen == w.total_results <= 100 for w in result.windows)
    assert result.requests == len(source.calls)
    # The planner's page 1 is reused, so no request is ever sent twice.
    sent = Counter((tuple(sorted(params.items())), page) for params, page in source.calls)
    assert max(sent.values()) == 1
    for params, _page in source.calls:
        assert params["sort_by"] == "primary_release_date.asc"
        assert params["include_adult"] == params["include_video"] == "false"
    assert json.loads(json.dumps(result.to_json()))["movies"] == len(ids)


def test_scope_filters_apply_to_every_request_and_narrow_the_bands() -> None:
    movies = catalogue()
    source = FakeDiscover(movies)
    result = run(source, cap=50, scope={"with_original_language": "fr", "vote_count.gte": 5})
    assert [m["id"] for m in result.movies] == visible_ids(
        movies, 2021, with_original_language="fr", **{"vote_count.gte": "5"}
    )
    assert result.complete
    assert all(p["with_original_language"] == "fr" and int(p["vote_count.gte"]) >= 5 for p, _ in source.calls)


def test_include_adult_scope_brings_adult_titles_in() -> None:
    movies = catalogue()
    result = run(FakeDiscover(movies), cap=100, scope={"include_adult": True})
    ids = [m["id"] for m in result.movies]
    assert ids == visible_ids(movies, 2021, include_adult="true")
    assert any(m.get("adult") for m in result.movies)


@pytest.mark.parametrize(
    ("scope", "bands", "expected"),
    [
        ({"vote_count.gte": "5"}, (("vote_count.gte", 1), ("vote_count.lte", 9)), {"gte": "5", "lte": "9"}),
        (
            {"vote_count.gte": "5"},
            (("vote_count.gte", 10), ("vote_count.lte", 99)),
            {"gte": "10", "lte": "99"},
        ),
        ({"vote_count.gte": "5"}, (("vote_count.lte", 0),), {"gte": "5", "lte": "0"}),
        (
            {"vote_count.lte": "2.5"},
            (("vote_count.gte", 1), ("vote_count.lte", 9)),
            {"gte": "1", "lte": "2.5"},
        ),
        ({}, (("vote_count.gte", 1000),), {"gte": "1000"}),
    ],
)
def test_merge_params_intersects_bounds(scope: dict, bands: tuple, expected: dict) -> None:
    day = date(2021, 1, 1)
    merged = merge_params(scope, Window(day, day, bands))
    assert {k.split(".")[1]: v for k, v in merged.items() if k.startswith("vote_count.")} == expected
    assert merged["primary_release_date.gte"] == merged["primary_release_date.lte"] == "2021-01-01"


class DriftOnce(FakeDiscover):
    """The first page 2 ever served repeats page 1's last item and loses one (TMDB_API §3.4)."""

    drifted = False

    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]:
        body = await super().discover_page(params, page)
        if page == 2 and not self.drifted:
            self.drifted = True
            previous = self.matching(params)[19]
            body["results"] = [{"id": previous["id"], "release_date": previous["release_date"]}] + body[
                "results"
            ][:-1]
        return body


def test_a_window_short_after_drift_is_requeried_and_completes() -> None:
    movies = catalogue()
    source = DriftOnce(movies)
    messages: list[str] = []
    result = run(source, cap=100, log=messages.append)
    assert source.drifted
    assert [m["id"] for m in result.movies] == visible_ids(movies, 2021)
    assert result.complete
    assert [w.requeried for w in result.windows if w.requeried] == [1]
    assert any("re-querying" in m for m in messages)


class HidesOne(FakeDiscover):
    """Counts one movie in total_results but never lists it: a window that stays short."""

    def __init__(self, movies: list[dict[str, Any]], hidden: int) -> None:
        super().__init__(movies)
        self.hidden = hidden

    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]:
        body = await super().discover_page(params, page)
        body["results"] = [item for item in body["results"] if item["id"] != self.hidden]
        return body


def test_a_window_that_stays_short_is_reported_incomplete() -> None:
    movies = catalogue()
    hidden = visible_ids(movies, 2021)[10]
    messages: list[str] = []
    result = run(HidesOne(movies, hidden), cap=100, requery=2, log=messages.append)
    short = result.incomplete_windows()
    assert len(short) == 1 and short[0].requeried == 2
    assert short[0].ids_seen == short[0].total_results - 1
    assert not result.complete and result.summary()["incomplete_windows"] == 1
    assert [m["id"] for m in result.movies] == [i for i in visible_ids(movies, 2021) if i != hidden]
    assert any("INCOMPLETE" in m and short[0].describe() in m for m in messages)


class Overstates(FakeDiscover):
    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]:
        body = await super().discover_page(params, page)
        body["total_pages"] += 20
        return body


def test_paging_stops_at_the_first_empty_page() -> None:
    movies = make_movies(90, 2021)
    source = Overstates(movies)
    result = run(source, cap=1000)
    assert [m["id"] for m in result.movies] == visible_ids(movies, 2021)
    assert result.complete
    # 90 movies fill 5 pages; page 6 is empty, so nothing after the first chunk of pages is asked for.
    assert max(page for _params, page in source.calls) == 1 + PAGE_CONCURRENCY


class LeaksAnotherYear(FakeDiscover):
    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]:
        body = await super().discover_page(params, page)
        if body["results"]:
            body["results"].append({"id": 99_999, "release_date": "2019-05-05"})
        return body


def test_items_outside_the_year_are_dropped_and_counted() -> None:
    movies = make_movies(30, 2021)
    result = run(LeaksAnotherYear(movies), cap=1000)
    assert [m["id"] for m in result.movies] == visible_ids(movies, 2021)
    assert result.out_of_range == 1 and result.complete


def same_day(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "release_date": "2021-06-01", "vote_count": 5, "runtime": 95} for i in range(1, n + 1)]


def test_overflow_beyond_the_page_cap_takes_what_it_can_and_says_so() -> None:
    result = run(FakeDiscover(same_day(150)), max_page=5)  # 5 pages x 20 = 100 reachable
    (overflow,) = [w for w in result.windows if w.overflow]
    assert (overflow.total_results, overflow.ids_seen, overflow.pages_fetched) == (150, 100, 5)
    assert not overflow.complete and overflow.requeried == 0
    assert len(result.movies) == 100 and not result.complete


def test_overflow_within_reachable_pages_is_still_harvested_whole() -> None:
    result = run(FakeDiscover(same_day(150)), cap=100)
    (overflow,) = [w for w in result.windows if w.overflow]
    assert overflow.ids_seen == overflow.total_results == 150 and overflow.complete
    assert result.complete and len(result.movies) == 150


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scope": {"primary_release_date.gte": "2021-01-01"}}, "scope may not set"),
        ({"scope": {"page": 3}}, "scope may not set"),
        ({"cap": 0}, "cap >= 1"),
        ({"max_page": 0}, "max_page >= 1"),
        ({"requery": -1}, "requery >= 0"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run(FakeDiscover([]), **kwargs)


def test_a_non_numeric_scope_bound_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="vote_count.gte"):
        run(FakeDiscover(same_day(150)), cap=100, scope={"vote_count.gte": "many"})


class Refuses(FakeDiscover):
    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]:
        if len(self.calls) >= 5:
            raise PermissionError("credential rejected")
        return await super().discover_page(params, page)


def test_a_source_failure_propagates_as_itself() -> None:
    with pytest.raises(PermissionError, match="credential rejected"):
        run(Refuses(catalogue()), cap=100)


class CountsInFlight(FakeDiscover):
    in_flight = peak = 0

    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0)  # let siblings start, as a network round trip would
        try:
            return await super().discover_page(params, page)
        finally:
            self.in_flight -= 1


def test_windows_and_pages_run_concurrently_within_bounds() -> None:
    source = CountsInFlight(make_movies(1200, 2021))
    run(source, cap=200)
    assert 1 < source.peak
    # The planner's probes (up to 5 band children at once) stay under the harvest bound too.
    assert source.peak <= WINDOW_CONCURRENCY * PAGE_CONCURRENCY
