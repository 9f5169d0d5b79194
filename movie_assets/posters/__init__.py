"""Poster images on demand: a bounded disk cache under the data root, filled from TMDb's image host."""

from __future__ import annotations

from movie_assets.posters.cache import CacheStats, PosterCache
from movie_assets.posters.fetch import PosterFetcher, PosterFetchError
from movie_assets.posters.images import image_type, is_poster_path

__all__ = ["CacheStats", "PosterCache", "PosterFetchError", "PosterFetcher", "image_type", "is_poster_path"]
