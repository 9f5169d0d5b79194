"""The typed `movies` table: schema, raw -> typed transform, named checks, Parquet store and profile."""

from __future__ import annotations

from movie_assets.catalog.checks import CheckOutcome, check_movies
from movie_assets.catalog.profile import checksums, profile_movies, write_profile
from movie_assets.catalog.store import read_movies_dir, write_movies
from movie_assets.catalog.transform import build_movies, movies_frame, release_date

__all__ = [
    "CheckOutcome",
    "build_movies",
    "check_movies",
    "checksums",
    "movies_frame",
    "profile_movies",
    "read_movies_dir",
    "release_date",
    "write_movies",
    "write_profile",
]
