"""Patch re-fetched movies into the year partitions: the catalogue side of an incremental refresh.

A re-fetched movie belongs to the partition of its primary release year when a full harvest would have
discovered it there (a built year, not a video, not adult unless the scope says so, inside the scope's
languages and vote floor). Each touched partition becomes: its old rows minus every re-fetched id, plus
the rows built from the re-fetched records that belong to it, so a movie whose release date moved
changes partition and a deleted one (404) disappears. A row equal to the old one apart from its fetch
time keeps the old row, so a refresh repeated over the same changes changes nothing.

The details store of a touched year gets one appended batch: the changed records, and a `_removed`
marker for each id that left the year. A store's reader keeps the last copy of an id, so rebuilding the
year from its store later gives the same partition. The appended batches are folded into the store
once they hold a quarter as many records as it, which keeps a refresh's cost in step with the changes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from movie_assets.catalog import build_movies, read_movies_dir, release_date
from movie_assets.paths import DataPaths
from movie_assets.tmdb import HARVESTED_AT, DetailsStore, HarvestScope

BATCH_SIZE = 500
COMPACT_SHARE = 0.25
REMOVED = "_removed"  # reserved field of a store marker: why the id left this year


class StoreBusy(ValueError):
    """A details store is mid-backfill; patching it now would mix two runs' writes."""


@dataclass(frozen=True)
class YearPatch:
    """One partition after the patch: its rows, and which ids changed or left it."""

    year: int
    movies: pl.DataFrame
    changed: list[int]  # rows new to the partition or different from before
    leaving: list[int]  # ids the partition held and no longer does
    dropped: list[tuple[int, str]]  # re-fetched records of this year that build_movies left out


@dataclass
class PatchReport:
    """What the patch did, by movie id; `years` are the partitions it changed."""

    years: list[YearPatch] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    moved: list[tuple[int, int, int]] = field(default_factory=list)  # (id, from year, to year)
    removed: list[int] = field(default_factory=list)  # deleted, or out of every built year's scope
    unchanged: list[int] = field(default_factory=list)
    outside: list[int] = field(default_factory=list)  # fetched, never part of the built catalogue

    @property
    def affected_years(self) -> list[int]:
        return [p.year for p in self.years]

    def summary(self) -> dict[str, int]:
        counts = ("added", "updated", "moved", "removed", "unchanged", "outside")
        return {name: len(getattr(self, name)) for name in counts}


def catalogue_years(paths: DataPaths, years: Collection[int]) -> dict[int, int]:
    """movie_id -> partition year over the built `movies` files (two columns read, not the catalogue)."""
    files = [paths.movies_file(year) for year in years if paths.movies_file(year).is_file()]
    if not files:
        return {}
    frame = pl.scan_parquet(files).select("movie_id", "year").collect()
    return dict(zip(frame["movie_id"].to_list(), frame["year"].to_list(), strict=True))


def target_year(record: Mapping[str, Any], years: Collection[int], scope: HarvestScope) -> int | None:
    """The year partition a full harvest would put this details record in, or None when it has none."""
    released = release_date(record)
    if released is None or released.year not in years or record.get("video") is True:
        return None
    if record.get("adult") is True and not scope.include_adult:
        return None
    if scope.languages and record.get("original_language") not in scope.languages:
        return None
    votes = record.get("vote_count")
    if scope.min_votes and not (isinstance(votes, int | float) and votes >= scope.min_votes):
        return None
    return released.year


def patch_partition(
    old: pl.DataFrame, records: Sequence[Mapping[str, Any]], touched: Collection[int], year: int
) -> YearPatch:
    """`old` without the `touched` ids, plus the rows of `records` (this year's re-fetched movies).

    A new row equal to its old row apart from `harvested_at` is replaced by the old row.
    """
    fresh, report = build_movies(records, year=year)
    before = old.filter(pl.col("movie_id").is_in(list(touched)))
    # Rows as tuples led by movie_id: the touched ids are few, so comparing them in Python is cheap.
    old_rows = {row[0]: row for row in before.drop("harvested_at").iter_rows()}
    new_rows = fresh.drop("harvested_at").iter_rows()
    changed = [row[0] for row in new_rows if old_rows.get(row[0]) != row]
    same = set(fresh["movie_id"].to_list()) - set(changed)
    movies = pl.concat(
        [
            old.filter(~pl.col("movie_id").is_in(list(touched)) | pl.col("movie_id").is_in(list(same))),
            fresh.filter(pl.col("movie_id").is_in(changed)),
        ]
    ).sort("movie_id")
    leaving = sorted(set(old_rows) - set(fresh["movie_id"].to_list()))
    return YearPatch(year, movies, changed, leaving, report.dropped)


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _kept(record: Mapping[str, Any]) -> bool:
    # A compacted store holds what a full harvest of the year would: no marker of an id that left it.
    return not record.get(REMOVED)


def append_to_store(
    store: DetailsStore,
    records: Sequence[Mapping[str, Any]],
    removed: Mapping[int, str],
    *,
    deleted: Collection[int] = (),
    compact_share: float = COMPACT_SHARE,
) -> None:
    """Append `records` and a marker per `removed` id (id -> reason) to `store`; tombstone `deleted`."""
    if not store.is_complete():
        raise StoreBusy(
            f"{store.dir} holds no completed details backfill; materialize movie_details for its year "
            "before refreshing it"
        )
    stamp = _stamp()
    markers = [{"id": i, REMOVED: why, HARVESTED_AT: stamp} for i, why in sorted(removed.items())]
    store.append([*records, *markers], tombstones=deleted, stamp=stamp)
    if store.needs_compaction(compact_share):
        store.compact(_kept, BATCH_SIZE)


def _why(record: Mapping[str, Any] | None, target: int | None, year: int) -> str:
    if record is None:
        return "deleted (404)"
    if target is None:
        return "out of the built years or the harvest scope"
    return f"moved to {target}" if target != year else "left out by the movies transform"


def patch_details(
    paths: DataPaths,
    fetched: Mapping[int, dict[str, Any] | None],
    *,
    current: Mapping[int, int],
    years: Collection[int],
    scope: HarvestScope = HarvestScope(),  # noqa: B008 - frozen, so one shared default is safe
) -> PatchReport:
    """Patch re-fetched details into the partitions under `paths` and append them to the year stores.

    Args:
        fetched: movie id -> its fresh details record, or None when TMDb answered 404 (deleted).
        current: movie id -> the partition it is in now (see `catalogue_years`).
        years: the built years; a movie released in any other year is left out of the catalogue.
        scope: the harvest scope the catalogue was built with.

    Returns:
        The report; its `years` hold each changed partition's new rows, still to be checked and written.
    """
    bad = [i for i, r in fetched.items() if r is not None and r.get("id") != i]
    if bad:
        raise ValueError(f"details records filed under the wrong id: {bad[:5]}; re-fetch them")
    targets = {i: None if r is None else target_year(r, years, scope) for i, r in fetched.items()}
    report = PatchReport()
    for year in sorted({current[i] for i in fetched if i in current} | {t for t in targets.values() if t}):
        records = [fetched[i] for i, t in targets.items() if t == year]
        patch = patch_partition(read_movies_dir(paths.movies_root, [year]), records, set(fetched), year)
        if not patch.changed and not patch.leaving:
            continue
        changed = set(patch.changed)
        append_to_store(
            DetailsStore(paths.details_dir(year)),
            [r for r in records if r["id"] in changed],
            {i: _why(fetched[i], targets[i], year) for i in patch.leaving},
            deleted=[i for i in patch.leaving if fetched[i] is None],
        )
        report.years.append(patch)
    arrived = {i: p.year for p in report.years for i in p.changed}
    left = {i for p in report.years for i in p.leaving}
    for movie_id in sorted(fetched):
        origin, target = current.get(movie_id), arrived.get(movie_id)
        if target is None:
            kind = report.removed if movie_id in left else report.unchanged if origin else report.outside
            kind.append(movie_id)
        elif origin is None:
            report.added.append(movie_id)
        elif origin != target:
            report.moved.append((movie_id, origin, target))
        else:
            report.updated.append(movie_id)
    return report
