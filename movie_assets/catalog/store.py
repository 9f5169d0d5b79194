"""The `movies` partitions on disk: one Parquet file per year, written atomically, read schema-checked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from movie_assets.catalog.schema import MOVIES_SCHEMA
from movie_assets.files import atomic_path, sha256_file
from movie_assets.paths import DataPaths

_YEAR_DIR = re.compile(r"^year=(\d{4})$")
# Page checksums turn a flipped bit on disk into a read error: polars' own reader does not check them
# and can return altered values or abort the process on a damaged page.
_CHECKSUMS = {"write_page_checksum": True}
_VERIFY = {"page_checksum_verification": True}


class MoviesFileError(ValueError):
    """A movies Parquet file is missing, unreadable or not in the movies schema; `path` names it."""

    def __init__(self, path: Path, problem: str) -> None:
        match = _YEAR_DIR.match(path.parent.name)
        fix = f"year={match.group(1)}" if match else "that wrote it"
        super().__init__(f"movies file {path} {problem}; rebuild the movies partition {fix}")
        self.path = path


def schema_problems(schema: Mapping[str, pl.DataType]) -> list[str]:
    """How `schema` differs from MOVIES_SCHEMA (missing, unexpected, mistyped columns, order); [] if equal."""
    problems = [f"missing column {name}" for name in MOVIES_SCHEMA if name not in schema]
    problems += [f"unexpected column {name}" for name in schema if name not in MOVIES_SCHEMA]
    problems += [
        f"{name} is {dtype}, expected {MOVIES_SCHEMA[name]}"
        for name, dtype in schema.items()
        if name in MOVIES_SCHEMA and dtype != MOVIES_SCHEMA[name]
    ]
    if not problems and list(schema) != list(MOVIES_SCHEMA):
        problems.append("columns are not in the movies order")
    return problems


def write_movies(df: pl.DataFrame, path: Path) -> dict[str, Any]:
    """Write one partition atomically (`files.atomic_path`: a reader sees the old file or the new one).

    Returns:
        {"path", "row_count", "bytes", "sha256"} of the written file, for materialization metadata.
    """
    path = Path(path)
    problems = schema_problems(df.schema)
    if problems:
        raise ValueError(
            f"refusing to write {path}: not the movies schema ({'; '.join(problems)}); "
            "build the frame with movie_assets.catalog.transform.build_movies"
        )
    with atomic_path(path) as tmp:
        # statistics let readers skip row groups on filters such as year or vote_count
        df.write_parquet(
            tmp, compression="zstd", statistics=True, use_pyarrow=True, pyarrow_options=_CHECKSUMS
        )
        # Summed from the temporary file, so the result describes exactly the bytes renamed into place.
        sha256, size = sha256_file(tmp), tmp.stat().st_size
    return {"path": str(path), "row_count": df.height, "bytes": size, "sha256": sha256}


# Columns added to the table after partitions were written, with the value an older partition reads as
# (DESIGN §7 grows only at its end): such a partition needs no rebuild.
ADDED_COLUMNS: dict[str, pl.Expr] = {"alt_titles": pl.lit([], dtype=pl.List(pl.Utf8()))}


def _with_added_columns(frame: pl.DataFrame) -> pl.DataFrame:
    # Appended where they belong: the added columns are the schema's last (a file they would not end is
    # then reported as out of order, as before).
    missing = [name for name in ADDED_COLUMNS if name not in frame.columns]
    return frame.with_columns(ADDED_COLUMNS[name].alias(name) for name in missing) if missing else frame


def _read_one(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise MoviesFileError(path, "does not exist")
    try:
        frame = pl.read_parquet(path, use_pyarrow=True, pyarrow_options=_VERIFY)
    except (OSError, ValueError, pa.ArrowException, pl.exceptions.PolarsError) as exc:
        raise MoviesFileError(path, f"is unreadable or corrupt ({type(exc).__name__}: {exc})") from None
    frame = _with_added_columns(frame)
    problems = schema_problems(frame.schema)
    if problems:
        raise MoviesFileError(path, f"has the wrong schema ({'; '.join(problems)})")
    return frame


def read_movies(paths: Iterable[Path]) -> pl.DataFrame:
    """Concatenate year files (in the order given) after checking each one's schema."""
    frames = [_read_one(Path(p)) for p in paths]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=MOVIES_SCHEMA)


def _partition_file(movies_root: Path, year: int) -> Path:
    # DataPaths owns the layout below the movies root (year=YYYY/movies.parquet); reuse it from there
    layout = DataPaths(Path("/"))
    return movies_root / layout.movies_file(year).relative_to(layout.movies_root)


def read_movies_dir(root: Path, years: Iterable[int] | None = None) -> pl.DataFrame:
    """Read root/year=YYYY/movies.parquet for `years` (default: every built year), oldest first.

    A requested year without its file is an error; with no years given, a year folder without a
    finished file (a write killed before its rename) is not a built partition and is skipped.
    """
    root = Path(root)
    if years is None:
        built = DataPaths(root).built_years(root)
        paths = [f for f in (_partition_file(root, y) for y in built) if f.is_file()]
    else:
        paths = [_partition_file(root, y) for y in sorted(set(years))]
    return read_movies(paths)
