"""The data profile of the typed `movies` table, and sha256 checksums of the files it was built from.

`profile_movies` is pure (the caller passes `now`), so the `movies_profile` asset and tests get the same
answer for the same frame. The profile flags the catalogue as stale when its oldest `harvested_at` is
older than 183 days: TMDb's terms forbid keeping cached data for more than 6 months.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from movie_assets.files import sha256_file, write_text

STALE_AFTER_DAYS = 183  # 6 months, rounded up: TMDb data must not be cached longer
TOP_N = 10
REQUIRED_COLUMNS = ("original_language", "genres", "release_date", "harvested_at")
PROFILE_FILE = "data_profile.json"
CHECKSUMS_FILE = "checksums.txt"


def _column(series: pl.Series) -> dict[str, Any]:
    """dtype, nulls and distinct non-null values; for list columns also empty lists and distinct items."""
    summary: dict[str, Any] = {"dtype": str(series.dtype), "nulls": series.null_count()}
    if isinstance(series.dtype, pl.List):
        summary["empty_lists"] = int((series.list.len() == 0).sum())
        summary["unique"] = series.explode().drop_nulls().n_unique()  # distinct items, e.g. genre names
    else:
        summary["unique"] = series.drop_nulls().n_unique()
    return summary


def _top(values: pl.Series, key: str) -> list[dict[str, Any]]:
    """The TOP_N most frequent non-null values; ties in name order, so the list is deterministic."""
    counts = values.drop_nulls().value_counts(name="count")
    counts = counts.sort(["count", values.name], descending=[True, False]).head(TOP_N)
    return [{key: value, "count": count} for value, count in counts.iter_rows()]


def _period(dates: pl.Series) -> dict[str, Any]:
    known = dates.drop_nulls()
    years = known.dt.year().value_counts(name="rows").sort(known.name)
    return {
        "min_release_date": known.min().isoformat() if len(known) else None,  # type: ignore[union-attr]
        "max_release_date": known.max().isoformat() if len(known) else None,  # type: ignore[union-attr]
        "years": {str(year): rows for year, rows in years.iter_rows()},
    }


def _harvest(harvested: pl.Series, now: datetime) -> dict[str, Any]:
    oldest, newest = harvested.min(), harvested.max()
    if oldest is None:  # nothing harvested, so nothing is being kept too long
        return {"oldest": None, "newest": None, "oldest_age_days": None, "stale": False}
    if oldest.tzinfo is None:  # type: ignore[union-attr]
        raise ValueError("harvested_at has no time zone; the movies table stores it as Datetime('us', 'UTC')")
    age = now - oldest  # type: ignore[operator]
    return {
        "oldest": oldest.isoformat(),  # type: ignore[union-attr]
        "newest": newest.isoformat(),  # type: ignore[union-attr]
        "oldest_age_days": age.days,
        "stale": age > timedelta(days=STALE_AFTER_DAYS),
    }


def profile_movies(df: pl.DataFrame, *, now: datetime) -> dict[str, Any]:
    """Profile a typed movies frame (DESIGN §7) as JSON-ready values.

    Args:
        df: the movies table, any subset of rows; it must hold at least REQUIRED_COLUMNS.
        now: the time to measure the data's age against; must carry a time zone.

    Returns:
        `rows`, `columns` (per column: dtype, nulls, unique, and empty_lists for list columns),
        `top_languages`, `top_genres`, `period`, `harvested_at` (oldest, newest, oldest_age_days),
        `stale` and `stale_after_days`.
    """
    if now.tzinfo is None:
        raise ValueError(f"now has no time zone ({now.isoformat()}); pass datetime.now(UTC)")
    missing = [name for name in REQUIRED_COLUMNS if name not in df.columns]
    if missing:
        raise ValueError(f"cannot profile the movies frame: it lacks columns {missing} (it has {df.columns})")
    harvest = _harvest(df["harvested_at"], now)
    return {
        "generated_at": now.isoformat(),
        "rows": df.height,
        "columns": {name: _column(df[name]) for name in df.columns},
        "top_languages": _top(df["original_language"], "language"),
        "top_genres": _top(df["genres"].explode(), "genre"),
        "period": _period(df["release_date"]),
        "harvested_at": {key: harvest[key] for key in ("oldest", "newest", "oldest_age_days")},
        "stale": harvest["stale"],
        "stale_after_days": STALE_AFTER_DAYS,
    }


def checksums(paths: Iterable[Path], root: Path) -> str:
    """`sha256sum` output for the files, named relative to `root`, sorted by that name.

    `sha256sum -c checksums.txt` run in `root` verifies them.
    """
    root = Path(root).resolve()
    named: dict[str, Path] = {}
    for path in paths:
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(root):
            raise ValueError(f"{path} is not under {root}; checksums name files relative to the data root")
        if not resolved.is_file():
            raise FileNotFoundError(f"cannot checksum {path}: no such file")
        relative = resolved.relative_to(root).as_posix()
        if "\n" in relative or "\\" in relative:
            raise ValueError(f"{relative!r}: sha256sum would escape this name; rename the file")
        named[relative] = resolved
    return "".join(f"{sha256_file(named[name])}  {name}\n" for name in sorted(named))


def write_profile(profile: dict[str, Any], checksums_text: str, reports_dir: Path) -> dict[str, Path]:
    """Write `data_profile.json` and `checksums.txt` into `reports_dir`; returns their paths by name."""
    reports_dir = Path(reports_dir)
    text = json.dumps(profile, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    return {
        "data_profile": write_text(text, reports_dir / PROFILE_FILE),
        "checksums": write_text(checksums_text, reports_dir / CHECKSUMS_FILE),
    }
