"""Dagster resources: where the data lives, how to reach TMDb, and which embedding model to use.

Each reads its configuration when a run starts (never at import), so one set of resources serves the
UI, `movie-assets build` and the schedule; tests inject their own values.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg

from movie_assets.config import TMDbSettings, embed_model_name
from movie_assets.paths import DataPaths
from movie_assets.tmdb import TMDbClient


class DataHome(dg.ConfigurableResource):
    """The data root; empty means `MOVIE_ASSETS_HOME`, else `data/` under the repo."""

    home: str | None = None

    def paths(self) -> DataPaths:
        return DataPaths(Path(self.home).resolve()) if self.home else DataPaths.from_env()


# Steps that call TMDb join this pool. TMDb's rate limit is per key, so dagster.yaml lets one such step
# run at a time across all runs, while the other steps of concurrent runs (typing, embedding) go on.
TMDB_POOL = "tmdb"


class TMDbResource(dg.ConfigurableResource):
    """TMDb (or an emulator) as configured by `TMDB_BASE_URL`, `TMDB_API_KEY` and `TMDB_RATE_LIMIT`."""

    base_url: str | None = None
    rate_limit: float | None = None

    def settings(self) -> TMDbSettings:
        env = TMDbSettings.from_env()
        return TMDbSettings(
            base_url=(self.base_url or env.base_url).rstrip("/"),
            api_key=env.api_key,
            rate_limit=self.rate_limit or env.rate_limit,
        )

    def client(self) -> TMDbClient:
        settings = self.settings()
        if not settings.api_key:
            raise dg.Failure(
                description=(
                    f"TMDB_API_KEY is not set, so {settings.base_url} cannot be harvested. Set TMDB_API_KEY "
                    "(a v3 key or a v4 read token), or run `movie-assets build` without TMDB_BASE_URL/"
                    "TMDB_API_KEY to use the offline demo catalogue."
                )
            )
        return TMDbClient(settings.base_url, settings.api_key, rate_limit=settings.rate_limit)


class EmbedderResource(dg.ConfigurableResource):
    """The sentence-transformers model named by `EMBED_MODEL_NAME` (offline MiniLM by default)."""

    model_name: str | None = None

    @property
    def name(self) -> str:
        return self.model_name or embed_model_name()

    def load(self) -> Any:
        return _load_embedder(self.name)


@cache
def _load_embedder(name: str) -> Any:
    # Loading a model takes seconds; every asset in a process shares one instance per name.
    from movie_assets.index import load_embedder

    return load_embedder(name)
