"""Where a harvested year came from: TMDb (or a server like it) or the synthetic demo catalogue.

The TMDb resource carries the label (`movie-assets build` sets "demo" while it serves the demo); each
`discovered_movies` partition records it beside its files, and the search artifacts carry it in their
manifest.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from movie_assets.files import read_json, write_json

DataSource = Literal["tmdb", "demo"]
SOURCE_FILE = "source.json"


def record_source(discover_dir: Path, base_url: str, source: DataSource) -> None:
    write_json({"source": source, "base_url": base_url}, discover_dir / SOURCE_FILE)


def combined_source(discover_dirs: Iterable[Path]) -> DataSource:
    """ "demo" if any year came from the demo catalogue (the set is then partly synthetic), else "tmdb"."""
    sources = {
        read_json(d / SOURCE_FILE).get("source", "tmdb") for d in discover_dirs if (d / SOURCE_FILE).is_file()
    }
    return "demo" if "demo" in sources else "tmdb"
