"""The harvest end to end over HTTP: windowed discover and the details backfill through the real client,
against the emulator with injected faults and with a rate limit that answers 429."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from movie_assets.tmdb.client import TMDbClient
from movie_assets.tmdb.details import DetailsResult, fetch_details
from movie_assets.tmdb.details_store import HARVESTED_AT, DetailsStore
from movie_assets.tmdb.discover import DiscoverResult, discover_year
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig

KEY = "harvest-test-key"
YEAR = 2021


def person(rng: random.Random, pid: int) -> dict[str, Any]:
    return {"id": pid, "name": f"Person {pid}", "original_name": f"Person {pid}", "gender": rng.randrange(4)}


def make_catalogue(
    seed: int = 5, spike: int = 300, spread: int = 320, other: int = 40
) -> list[dict[str, Any]]:
    """Movies of 2021 (`spike` of them on 1 January), with adult, video and deleted ones, and neighbours."""
    rng = random.Random(seed)
    movies = []
    for movie_id in range(1, spike + spread + other + 1):
        if movie_id <= spike:
            day = f"{YEAR}-01-01"
        elif movie_id <= spike + spread:
            day = f"{YEAR}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        else:
            day = rng.choice([f"{YEAR - 1}-12-31", f"{YEAR + 1}-01-01", ""])
        cast = [{**person(rng, 10_000 + movie_id * 10 + k), "character": "x", "order": k} for k in range(6)]
        rng.shuffle(cast)  # billing order lives in `order`, not in list position
        crew = [
            {**person(rng, 20_000 + movie_id * 5 + k), "job": job, "department": dept}
            for k, (job, dept) in enumerate([("Director", "Directing"), ("Screenplay", "Writing")])
        ]
        if movie_id % 7 == 0:
            crew.append({**crew[0], "job": "Writer", "department": "Writing"})
            crew.append({**person(rng, 30_000 + movie_id), "job": "Director", "department": "Directing"})
        movies.append(
            {
                "id": movie_id,
                "title": f"Film {movie_id}",
                "original_title": f"Film {movie_id}",
                "original_language": rng.choice(["en", "ko", "ml"]),
                "release_date": day,
                "adult": movie_id % 41 == 0,
                "video": movie_id % 43 == 0,
                "vote_count": rng.choice([0, rng.randrange(1, 10), rng.randrange(10, 3000)]),
                "vote_average": round(rng.uniform(0, 10), 1),
                "runtime": rng.choice([None, 0, *[rng.randrange(1, 200)] * 8]),
                "popularity": round(rng.uniform(0, 50), 3),
                "genres": [{"id": 18, "name": "Drama"}],
                "credits": {"cast": cast, "crew": crew},
                "keywords": {
                    "keywords": [{"id": movie_id * 3 + k, "name": f"kw{movie_id}-{k}"} for k in range(3)]
                },
                **({"_deleted": True} if movie_id % 47 == 0 else {}),
            }
        )
    return movies


def eligible(movies: list[dict[str, Any]]) -> list[int]:
    return sorted(
        m["id"]
        for m in movies
        if m["release_date"].startswith(f"{YEAR}-") and not (m["adult"] or m["video"] or m.get("_deleted"))
    )


async def harvest(emu: Emulator, home: Path, movies: list[dict[str, Any]], **client: Any) -> tuple:
    """Discover, delete a few discovered ids on the server, then backfill details."""
    async with TMDbClient(emu.url, KEY, backoff_base=0.01, backoff_cap=0.5, **client) as tmdb:
        found: DiscoverResult = await discover_year(tmdb, YEAR, cap=100)
        ids = [m["id"] for m in found.movies]
        gone = set(ids[::97])  # deleted between discover and details: must end as tombstones
        emu.replace_movies([{**m, "_deleted": True} if m["id"] in gone else m for m in movies])
        details: DetailsResult = await fetch_details(tmdb, ids, DetailsStore(home), batch_size=50)
        return found, details, gone, tmdb.stats


def assert_exact_harvest(
    movies: list[dict[str, Any]], found: DiscoverResult, details: DetailsResult, gone: set[int], home: Path
) -> None:
    expected = eligible(movies)
    assert [m["id"] for m in found.movies] == expected
    assert found.complete and found.out_of_range == 0
    assert any(w.params.get("vote_count.lte") == "0" for w in found.windows)  # the 1 January spike was split
    assert details.tombstones == sorted(gone) and details.total == len(expected)
    by_id = {m["id"]: m for m in movies}
    records = {r["id"]: r for r in DetailsStore(home).iter_records()}
    assert sorted(records) == sorted(set(expected) - gone)
    for movie_id, record in records.items():
        source = by_id[movie_id]
        # A catalogue movie without other titles is answered with empty blocks, as TMDb answers.
        none = {"alternative_titles": {"titles": []}, "translations": {"translations": []}}
        assert {k: v for k, v in record.items() if k != HARVESTED_AT} == none | {
            k: v for k, v in source.items() if not k.startswith("_")
        }
        cast = [c["name"] for c in sorted(record["credits"]["cast"], key=lambda c: c["order"])]
        assert cast == [c["name"] for c in sorted(source["credits"]["cast"], key=lambda c: c["order"])]
        directors = [c["name"] for c in record["credits"]["crew"] if c["job"] == "Director"]
        assert directors == [c["name"] for c in source["credits"]["crew"] if c["job"] == "Director"]
        assert record["keywords"] == source["keywords"]


@pytest.mark.integration
def test_harvest_is_exact_through_injected_faults(tmp_path: Path) -> None:
    movies = make_catalogue()
    with Emulator(movies, EmulatorConfig(api_key=KEY, fault_rate=0.05, seed=3)) as emu:
        found, details, gone, stats = asyncio.run(harvest(emu, tmp_path, movies, rate_limit=None))
        faults = emu.stats.faults
    assert sum(faults.values()) > 10 and stats.retries > 0
    assert_exact_harvest(movies, found, details, gone, tmp_path)


@pytest.mark.integration
def test_harvest_is_exact_under_a_rate_limit_that_answers_429(tmp_path: Path) -> None:
    movies = make_catalogue(seed=8, spike=150, spread=60, other=10)  # small: 40 requests/s is slow going
    with Emulator(movies, EmulatorConfig(api_key=KEY, rate_limit=40)) as emu:
        # The client is not paced, so its 16 connections run into the server's limit.
        found, details, gone, stats = asyncio.run(
            harvest(emu, tmp_path, movies, rate_limit=None, max_attempts=12)
        )
        limited = emu.stats.rate_limited
    assert limited > 0 and stats.responses[429] == limited
    assert_exact_harvest(movies, found, details, gone, tmp_path)
