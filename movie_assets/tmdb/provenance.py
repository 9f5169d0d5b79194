"""Where a harvested year came from: TMDb (or a server like it) or the synthetic demo catalogue.

`movie-assets build` sets `MOVIE_ASSETS_SOURCE=demo` while it serves the demo; each `discovered_movies`
partition records the source beside its files, and the search artifacts carry it in their manifest.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from movie_assets.files import read_json, write_json

SOURCE_ENV = "MOVIE_ASSETS_SOURCE"
SOURCE_FILE = "source.json"


def current_source() -> str:
    return os.environ.get(SOURCE_ENV) or "tmdb"


def record_source(discover_dir: Path, base_url: str) -> None:
    write_json({"source": current_source(), "base_url": base_url}, discover_dir / SOURCE_FILE)


def combined_source(discover_dirs: Iterable[Path]) -> str:
    """ "demo" if any year came from the demo catalogue (the set is then partly synthetic), else "tmdb"."""
    sources = {
        read_json(d / SOURCE_FILE).get("source", "tmdb") for d in discover_dirs if (d / SOURCE_FILE).is_file()
    }
    return "demo" if "demo" in sources else "tmdb"
