"""The harvest estimate: its movie count is the catalogue's, its request count what a real harvest sends."""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from movie_assets.tmdb.client import TMDbClient
from movie_assets.tmdb.details import fetch_details
from movie_assets.tmdb.details_store import DetailsStore
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig
from movie_assets.tmdb.estimate import YearEstimate, estimate_year, format_estimate, hms

KEY = "estimate-test-key"
YEAR = 2021
CAP = 50  # small, so the year splits into date windows and 1 January into vote/runtime bands


def make_catalogue(seed: int = 3) -> list[dict[str, Any]]:
    """About 420 movies: a spike on 1 January, flagged ones the harvest skips, and neighbouring years."""
    rng = random.Random(seed)
    movies = []
    for movie_id in range(1, 421):
        if movie_id <= 90:
            day = date(YEAR, 1, 1)
        elif movie_id <= 380:
            day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
        else:
            day = rng.choice([date(YEAR - 1, 12, 31), date(YEAR + 1, 1, 1), None])
        movies.append(
            {
                "id": movie_id,
                "title": f"Film {movie_id}",
                "original_language": rng.choice(["en", "ml", "ko"]),
                "release_date": day.isoformat() if day else "",
                "vote_count": rng.choice([0, rng.randrange(1, 10), rng.randrange(10, 5000)]),
                "runtime": rng.choice([0, rng.randrange(60, 180)]),
                "adult": movie_id % 31 == 0,
                "video": movie_id % 37 == 0,
                "_deleted": movie_id % 53 == 0,
                "credits": {"cast": [], "crew": []},
                "keywords": {"keywords": []},
            }
        )
    return movies


def eligible(movies: list[dict[str, Any]], year: int, language: str | None = None) -> set[int]:
    return {
        m["id"]
        for m in movies
        if m["release_date"].startswith(f"{year}-")
        and not (m["adult"] or m["video"] or m["_deleted"])
        and language in (None, m["original_language"])
    }


async def _estimate_then_harvest(
    url: str, scope_params: list[dict[str, str]], work: Path
) -> tuple[YearEstimate, int, int, set[int]]:
    from movie_assets.tmdb.discover import discover_year

    async with TMDbClient(url, KEY, rate_limit=None) as client:
        estimate = await estimate_year(client, YEAR, scope_params=scope_params, cap=CAP)
        probes_sent = client.stats.requests
    async with TMDbClient(url, KEY, rate_limit=None) as client:
        found: set[int] = set()
        for n, params in enumerate(scope_params):
            result = await discover_year(client, YEAR, scope=params, cap=CAP)
            ids = [movie["id"] for movie in result.movies]
            await fetch_details(client, ids, DetailsStore(work / str(n)))
            found |= set(ids)
        return estimate, probes_sent, client.stats.requests, found


@pytest.mark.parametrize(
    "scope_params",
    [[{}], [{"with_original_language": "ml"}, {"with_original_language": "ko"}]],
    ids=["whole-year", "two-languages"],
)
def test_estimate_matches_the_catalogue_and_a_real_harvest(
    tmp_path: Path, scope_params: list[dict[str, str]]
) -> None:
    movies = make_catalogue()
    with Emulator(movies, EmulatorConfig(api_key=KEY)) as emulator:
        estimate, probes_sent, harvest_requests, found = asyncio.run(
            _estimate_then_harvest(emulator.url, scope_params, tmp_path)
        )
    languages = [params.get("with_original_language") for params in scope_params]
    expected = set().union(*(eligible(movies, YEAR, lang) for lang in languages))
    assert found == expected  # the harvest itself is exact, so it can be the yardstick
    assert estimate.movies == len(expected)
    assert estimate.details == len(expected)
    assert estimate.probes == probes_sent
    assert estimate.windows > len(scope_params)  # the cap really split the year
    assert estimate.requests == harvest_requests


def test_the_whole_year_splits_one_day_into_bands(tmp_path: Path) -> None:
    """90 movies on 1 January exceed the cap of 50, so that day is narrowed by vote_count bands."""

    async def plan(url: str) -> YearEstimate:
        async with TMDbClient(url, KEY, rate_limit=None) as client:
            return await estimate_year(client, YEAR, scope_params=[{}], cap=CAP)

    with Emulator(make_catalogue(), EmulatorConfig(api_key=KEY)) as emulator:
        estimate = asyncio.run(plan(emulator.url))
    # year, then halves down to single days: at least 9 date levels before 1 January is alone
    assert estimate.probes > estimate.windows >= 9 + 5
    assert estimate.pages > 0  # some windows hold more than one page of 20


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00:00"),
        (0.2, "0:00:01"),
        (59, "0:00:59"),
        (60, "0:01:00"),
        (3725.2, "1:02:06"),
        (90061, "25:01:01"),
    ],
)
def test_hms(seconds: float, text: str) -> None:
    assert hms(seconds) == text


def test_format_estimate_table() -> None:
    rows = [
        YearEstimate(2021, movies=12_000, windows=2, probes=3, pages=598, details=12_000),
        YearEstimate(2022, movies=8_000, windows=1, probes=1, pages=399, details=8_000),
    ]
    text = format_estimate(rows, rate=40)
    lines = text.splitlines()
    assert lines[0].split() == ["year", "movies", "windows", "requests", "time", "at", "40/s"]
    assert lines[2].split() == ["2021", "12,000", "2", "12,601", "0:05:16"]
    assert lines[3].split() == ["2022", "8,000", "1", "8,400", "0:03:30"]
    assert lines[5].split() == ["total", "20,000", "3", "21,001", "0:08:46"]
    assert "probes (4, already made by this estimate)" in text


@pytest.mark.parametrize("rate", [0, -1, float("nan")])
def test_format_estimate_refuses_a_bad_rate(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        format_estimate([], rate)


def test_estimate_refuses_a_scope_that_sets_the_window() -> None:
    with pytest.raises(ValueError, match="primary_release_date.gte"):
        asyncio.run(estimate_year(None, YEAR, scope_params=[{"primary_release_date.gte": "2021-06-01"}]))  # type: ignore[arg-type]
