"""The catalogue file: JSON lines (optionally gzipped), one `/movie/{id}?append_to_response=credits,keywords`
object per movie. It is the emulator's input and the output of the demo generator and the dump import.

Reserved underscore fields drive the emulator: `_deleted` (details answer 404) and `_changed_at`
(ISO timestamp reported by `/movie/changes`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from movie_assets.files import atomic_path, iter_json_lines, open_text

_FIX = "fix or regenerate the file"


def iter_catalogue(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the movie objects of a catalogue file, failing with the line number on bad JSON."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"catalogue file not found: {path}")
    for number, movie in iter_json_lines(path, fix=_FIX):
        if not isinstance(movie.get("id"), int):
            raise ValueError(f"{path} line {number} has no integer 'id'; {_FIX}")
        yield movie


def read_catalogue(path: str | Path) -> list[dict[str, Any]]:
    return list(iter_catalogue(path))


def write_catalogue(movies: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write movies atomically (`files.atomic_path`) so a killed writer never leaves half a catalogue."""
    path = Path(path)
    count = 0
    # The temporary name keeps ".gz" last: `open_text` compresses by the name it is given.
    with atomic_path(path, suffix=".gz" if path.suffix == ".gz" else "") as tmp, open_text(tmp, "w") as fh:
        for movie in movies:
            fh.write(json.dumps(movie, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            count += 1
    return count
