"""The catalogue file: JSON lines (optionally gzipped), one `/movie/{id}?append_to_response=credits,keywords`
object per movie. It is the emulator's input and the output of the demo generator and the dump import.

Reserved underscore fields drive the emulator: `_deleted` (details answer 404) and `_changed_at`
(ISO timestamp reported by `/movie/changes`).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO


def _open_text(path: Path, mode: str) -> TextIO:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8")


def iter_catalogue(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the movie objects of a catalogue file, failing with the line number on bad JSON."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"catalogue file not found: {path}")
    with _open_text(path, "r") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                movie = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"{path}:{lineno}: not a JSON object ({exc.msg}); fix or regenerate the file"
                ) from None
            if not isinstance(movie, dict) or not isinstance(movie.get("id"), int):
                raise ValueError(f"{path}:{lineno}: each line must be a JSON object with an integer 'id'")
            yield movie


def read_catalogue(path: str | Path) -> list[dict[str, Any]]:
    return list(iter_catalogue(path))


def write_catalogue(movies: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write movies atomically (temp file + rename) so a killed writer never leaves half a catalogue."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp" + (".gz" if path.suffix == ".gz" else ""))
    count = 0
    with _open_text(tmp, "w") as fh:
        for movie in movies:
            fh.write(json.dumps(movie, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
            count += 1
    os.replace(tmp, path)
    return count
