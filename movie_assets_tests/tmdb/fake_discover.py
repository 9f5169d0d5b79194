"""An in-memory `/discover/movie` with TMDb's semantics (TMDB_API §3), for the window and discover tests."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

INF = float("inf")


def _bounds(params: Mapping[str, object], field: str) -> tuple[float, float]:
    lo, hi = params.get(f"{field}.gte"), params.get(f"{field}.lte")
    return (-INF if lo is None else float(lo), INF if hi is None else float(hi))  # type: ignore[arg-type]


def select(movies: list[dict[str, Any]], params: Mapping[str, object]) -> list[dict[str, Any]]:
    """TMDb's discover filter: inclusive bounds, adult and video excluded unless asked for.

    Written as one comprehension over precomputed bounds because the planner tests call it ~100k times.
    """
    adult_ok = str(params.get("include_adult", "false")) == "true"
    video_ok = str(params.get("include_video", "false")) == "true"
    language = params.get("with_original_language")
    dated = "primary_release_date.gte" in params or "primary_release_date.lte" in params
    # "" (no release date) sorts below "0", so it fails any date filter, as on TMDb.
    day_lo = str(params.get("primary_release_date.gte", "0" if dated else ""))
    day_hi = str(params.get("primary_release_date.lte", "\uffff"))
    votes_lo, votes_hi = _bounds(params, "vote_count")
    runtime_lo, runtime_hi = _bounds(params, "with_runtime")
    return [
        m
        for m in movies
        if day_lo <= (m.get("release_date") or "") <= day_hi
        and votes_lo <= (m.get("vote_count") or 0) <= votes_hi
        and runtime_lo <= (m.get("runtime") or 0) <= runtime_hi  # unknown runtime is stored as 0
        and (adult_ok or not m.get("adult"))
        and (video_ok or not m.get("video"))
        and (language is None or m.get("original_language") == language)
    ]


class FakeDiscover:
    """`/discover/movie` over a list of movies: 20 per page, stable date sort, uncapped totals."""

    def __init__(self, movies: list[dict[str, Any]], max_page: int = 500) -> None:
        self.movies = movies
        self.max_page = max_page
        self.calls: list[tuple[dict[str, str], int]] = []

    def matching(self, params: Mapping[str, object]) -> list[dict[str, Any]]:
        found = select(self.movies, params)
        return sorted(found, key=lambda m: (m.get("release_date") or "", m["id"]))

    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]:
        self.calls.append(({k: str(v) for k, v in params.items()}, page))
        if not 1 <= page <= self.max_page:
            raise ValueError(f"page {page} is outside 1..{self.max_page}")  # TMDb answers 400, code 22
        found = self.matching(params)
        items = [
            {k: m.get(k) for k in ("id", "title", "release_date", "vote_count", "adult", "video")}
            for m in found[(page - 1) * 20 : page * 20]
        ]
        return {
            "page": page,
            "results": items,
            "total_pages": math.ceil(len(found) / 20),
            "total_results": len(found),
        }


def make_movies(
    n: int, year: int, *, seed: int = 7, spike: int = 0, spike_day: str | None = None, first_id: int = 1
) -> list[dict[str, Any]]:
    """A synthetic catalogue spread over `year`, plus `spike` movies on one day (TMDb's 1 January effect)."""
    rng = random.Random(seed)
    start = date(year, 1, 1)
    movies = []
    for i in range(n + spike):
        day = spike_day if i >= n and spike_day else (start + timedelta(days=rng.randrange(365))).isoformat()
        movies.append(
            {
                "id": first_id + i,
                "title": f"Film {first_id + i}",
                "release_date": day,
                "vote_count": rng.choice([0, rng.randrange(1, 10), rng.randrange(10, 5000)]),
                "runtime": rng.choice([None, 0, *[rng.randrange(1, 200)] * 10]),
                "adult": rng.random() < 0.03,
                "video": rng.random() < 0.03,
                "original_language": rng.choice(["en", "fr", "ml"]),
            }
        )
    return movies
