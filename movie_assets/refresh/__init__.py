"""The incremental refresh without Dagster: patch re-fetched movies into years, then rewrite those years."""

from __future__ import annotations

from movie_assets.refresh.patch import PatchReport, StoreBusy, catalogue_years, patch_details
from movie_assets.refresh.years import (
    PendingYears,
    RefreshError,
    VectorsRefresh,
    first_cursor,
    refresh_dir,
    refresh_vectors,
    write_partition,
)

__all__ = [
    "PatchReport",
    "PendingYears",
    "RefreshError",
    "StoreBusy",
    "VectorsRefresh",
    "catalogue_years",
    "first_cursor",
    "patch_details",
    "refresh_dir",
    "refresh_vectors",
    "write_partition",
]
