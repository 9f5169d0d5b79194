"""The TMDb client and harvest: auth, rate limit, windowed discover, resumable details, changes, scope."""

from __future__ import annotations

from movie_assets.tmdb.catalogue import iter_catalogue, read_catalogue, write_catalogue
from movie_assets.tmdb.changes import ChangedIds, released_between, walk_changes
from movie_assets.tmdb.client import TMDbClient, TMDbError
from movie_assets.tmdb.details import Progress, fetch_details
from movie_assets.tmdb.details_store import HARVESTED_AT, DetailsStore
from movie_assets.tmdb.discover import PAGE_SIZE, DiscoverResult, discover_year
from movie_assets.tmdb.discover_store import DiscoverStore
from movie_assets.tmdb.estimate import YearEstimate, estimate_year, format_estimate
from movie_assets.tmdb.provenance import DataSource, combined_source, record_source
from movie_assets.tmdb.scope import HarvestScope, merge_discovered
from movie_assets.tmdb.windows import Window, plan_windows

__all__ = [
    "HARVESTED_AT",
    "PAGE_SIZE",
    "ChangedIds",
    "DataSource",
    "DetailsStore",
    "DiscoverResult",
    "DiscoverStore",
    "HarvestScope",
    "Progress",
    "TMDbClient",
    "TMDbError",
    "Window",
    "YearEstimate",
    "combined_source",
    "discover_year",
    "estimate_year",
    "fetch_details",
    "format_estimate",
    "iter_catalogue",
    "merge_discovered",
    "plan_windows",
    "read_catalogue",
    "record_source",
    "released_between",
    "walk_changes",
    "write_catalogue",
]
