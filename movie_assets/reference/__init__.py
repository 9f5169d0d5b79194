"""TMDb reference data shipped with the package: the movie genre list and the language list."""

from __future__ import annotations

from movie_assets.reference.lists import GENRE_IDS, GENRE_NAMES, GENRES, languages

__all__ = ["GENRES", "GENRE_IDS", "GENRE_NAMES", "languages"]
