"""TMDb reference data shipped with the package: the movie genre list and the language list."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

# /genre/movie/list?language=en — TMDb's real ids and English names.
GENRES: tuple[tuple[int, str], ...] = (
    (28, "Action"),
    (12, "Adventure"),
    (16, "Animation"),
    (35, "Comedy"),
    (80, "Crime"),
    (99, "Documentary"),
    (18, "Drama"),
    (10751, "Family"),
    (14, "Fantasy"),
    (36, "History"),
    (27, "Horror"),
    (10402, "Music"),
    (9648, "Mystery"),
    (10749, "Romance"),
    (878, "Science Fiction"),
    (10770, "TV Movie"),
    (53, "Thriller"),
    (10752, "War"),
    (37, "Western"),
)
GENRE_NAMES: dict[int, str] = dict(GENRES)
GENRE_IDS: dict[str, int] = {name: gid for gid, name in GENRES}


@cache
def languages() -> list[dict[str, Any]]:
    """/configuration/languages: `[{"iso_639_1", "english_name", "name"}]`, `name` often empty."""
    text = resources.files("movie_assets.reference").joinpath("data/languages.json").read_text("utf-8")
    return json.loads(text)
