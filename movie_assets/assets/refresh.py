"""The incremental refresh: TMDb's change feed since the last refresh, patched into the year partitions.

`catalog_changes` reads `/movie/changes` from its cursor (kept in its own materialization metadata, so
it lives in the Dagster instance and survives restarts) to today, re-fetches the changed ids plus new
titles released since the cursor, patches them into the touched year partitions (details store and
movies file) and brings those years' documents and vectors up to date, embedding only documents that
are new. The cursor advances only when all of that succeeded. In `refresh_job` (daily, 06:00 UTC) the
catalogue-wide assets run after it; their runtime materializations keep each partition's history true.
"""

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import dagster as dg
from pydantic import Field

from movie_assets.assets.catalog import BLOCKING_CHECKS
from movie_assets.paths import DataPaths
from movie_assets.refresh import (
    PatchReport,
    PendingYears,
    RefreshError,
    StoreBusy,
    VectorsRefresh,
    catalogue_years,
    first_cursor,
    patch_details,
    refresh_dir,
    refresh_vectors,
    write_partition,
)
from movie_assets.resources import TMDB_POOL, DataHome, EmbedderResource, TMDbResource
from movie_assets.tmdb import (
    ChangedIds,
    DetailsStore,
    fetch_details,
    released_between,
    walk_changes,
)

CHANGES_COMPLETE = "changes_complete"
CURSOR = "cursor"
# The catalogue-wide assets read what the refresh patched: in a refresh run they must come after it.
REFRESHED_BY = ("movies_profile", "dense_index", "bm25_index", "search_payload")


class RefreshConfig(dg.Config):
    since: str | None = Field(
        default=None, description="YYYY-MM-DD: read changes from this day instead of the stored cursor"
    )


def _cursor(
    context: dg.AssetExecutionContext, config: RefreshConfig, paths: DataPaths, years: list[int]
) -> tuple[date, str]:
    """(first day to read, where that day came from)."""
    if config.since:
        try:
            return date.fromisoformat(config.since), "config"
        except ValueError:
            raise dg.Failure(f"since must be a YYYY-MM-DD day, got {config.since!r}") from None
    event = context.instance.get_latest_materialization_event(context.asset_key)
    stored = (
        event.asset_materialization.metadata.get(CURSOR) if event and event.asset_materialization else None
    )
    if stored is not None:
        return date.fromisoformat(str(stored.value)), "stored"
    oldest = first_cursor(paths, years)
    if oldest is None:
        raise dg.Failure("the built movies partitions hold no rows; run `movie-assets build` first")
    return oldest, "oldest harvest"


def _release_window(since: date, until: date, years: Sequence[int]) -> tuple[date, date] | None:
    start, end = max(since, date(min(years), 1, 1)), min(until, date(max(years), 12, 31))
    return (start, end) if start <= end else None


async def _fetch(
    tmdb: TMDbResource, paths: DataPaths, since: date, until: date, years: list[int], known: set[int]
) -> tuple[ChangedIds, list[int], dict[int, dict[str, Any] | None], dict[str, Any]]:
    scope = tmdb.scope()
    store = DetailsStore(refresh_dir(paths) / "details")
    async with tmdb.client() as client:
        changes = await walk_changes(client, since, until)
        window = _release_window(since, until, years)
        released, _ = (
            await released_between(client, *window, scopes=scope.discover_params()) if window else ([], 0)
        )
        new_titles = sorted(set(released) - known - set(changes.ids))
        # Checkpointed: a run that dies mid-fetch resumes where it stopped when retried over the same ids.
        result = await fetch_details(client, [*changes.ids, *new_titles], store)
        stats = client.stats.as_metadata()
    fetched: dict[int, dict[str, Any] | None] = {r["id"]: r for r in store.iter_records()}
    fetched.update(dict.fromkeys(result.tombstones))
    return changes, new_titles, fetched, {**stats, "resumed_from": result.resumed_from}


def _materialized(context: dg.AssetExecutionContext, year: int, entries: dict[str, dict[str, Any]]) -> None:
    # This step rewrote files of the partitioned assets: record it in their own history too.
    for key, metadata in entries.items():
        context.log_event(dg.AssetMaterialization(asset_key=key, partition=str(year), metadata=metadata))


def _apply(
    context: dg.AssetExecutionContext, paths: DataPaths, patch: PatchReport, embedder: EmbedderResource
) -> tuple[list[VectorsRefresh], dict[str, list[str]], dict[str, int]]:
    """Write the patched partitions, then bring the documents and vectors of every pending year up to date."""
    pending = PendingYears(refresh_dir(paths) / "pending_years.json")
    unfinished = set(pending.read())  # left by a failed run: their documents are all rebuilt
    pending.add(patch.affected_years)  # before the writes, so a failure after them is finished next time
    warnings: dict[str, list[str]] = {}
    for year_patch in patch.years:
        sha256, failed = write_partition(paths, year_patch, blocking=BLOCKING_CHECKS)
        warnings.update({str(year_patch.year): failed} if failed else {})
        movies_meta = {
            "row_count": year_patch.movies.height,
            "sha256": sha256,
            "changed": len(year_patch.changed),
        }
        _materialized(context, year_patch.year, {"movie_details": {"patched": True}, "movies": movies_meta})
    todo = pending.read()
    model = (
        embedder.load_for(paths) if todo else None
    )  # loading a model takes seconds: not when nothing changed
    changed = {p.year: p.changed for p in patch.years if p.year not in unfinished}
    refreshed, stats = (
        refresh_vectors(paths, todo, model, model_name=embedder.name, changed=changed) if todo else ([], None)
    )
    for done in refreshed:
        documents = {"row_count": done.documents}
        _materialized(
            context,
            done.year,
            {"movie_documents": documents, "movie_embeddings": {**documents, "new": done.new_documents}},
        )
        pending.discard(done.year)
    embedded = {"embedded": stats.embedded, "cached": stats.cached} if stats else {"embedded": 0, "cached": 0}
    return refreshed, warnings, embedded


def _metadata(
    changes: ChangedIds, new_titles: list[int], patch: PatchReport, refreshed: list[VectorsRefresh]
) -> dict[str, Any]:
    return {
        CURSOR: changes.cursor.isoformat(),
        "previous_cursor": changes.since.isoformat(),
        "changed_ids": len(changes.ids),
        "new_titles": len(new_titles),
        **patch.summary(),
        "affected_years": dg.MetadataValue.json(patch.affected_years),
        "rebuilt_years": dg.MetadataValue.json([r.year for r in refreshed]),
        "new_documents": sum(r.new_documents for r in refreshed),
        "moved_examples": dg.MetadataValue.json([list(m) for m in patch.moved[:10]]),
        "windows": len(changes.windows),
    }


@dg.asset(
    group_name="refresh",
    kinds={"json"},
    pool=TMDB_POOL,
    check_specs=[dg.AssetCheckSpec(CHANGES_COMPLETE, asset="catalog_changes")],
)
def catalog_changes(
    context: dg.AssetExecutionContext,
    config: RefreshConfig,
    tmdb: TMDbResource,
    data: DataHome,
    embedder: EmbedderResource,
) -> dg.MaterializeResult:
    """TMDb's movie changes since the last refresh, applied to the built year partitions."""
    paths = data.paths()
    years = paths.built_years()
    if not years:
        raise dg.Failure("no year partitions are built yet: run `movie-assets build` before a refresh")
    since, source = _cursor(context, config, paths, years)
    until = max(since, datetime.now(UTC).date())
    context.log.info(f"reading TMDb changes {since}..{until} (cursor from {source}) over years {years}")
    clock = [time.perf_counter()]
    current = catalogue_years(paths, years)
    with tmdb.exclusive(paths, context.log.info) as waited:
        changes, new_titles, fetched, stats = asyncio.run(
            _fetch(tmdb, paths, since, until, years, set(current))
        )
    clock.append(time.perf_counter())
    try:
        patch = patch_details(paths, fetched, current=current, years=years, scope=tmdb.scope())
        clock.append(time.perf_counter())
        refreshed, warnings, embedded = _apply(context, paths, patch, embedder)
        clock.append(time.perf_counter())
    except (RefreshError, StoreBusy) as exc:
        raise dg.Failure(description=str(exc)) from exc
    phases = ("fetch", "patch", "write_and_embed")
    timings = {
        name: round(end - start, 2) for name, start, end in zip(phases, clock[:-1], clock[1:], strict=True)
    }
    incomplete = [w.describe() for w in changes.incomplete]
    return dg.MaterializeResult(
        metadata={
            **_metadata(changes, new_titles, patch, refreshed),
            **embedded,
            "warning_checks": dg.MetadataValue.json(warnings),
            "cursor_source": source,
            "timings_s": dg.MetadataValue.json(timings),
            "requests": stats["requests"],
            "retries": stats["retries"],
            "fetch_resumed_from": stats["resumed_from"],
            "tmdb_lock_wait_s": round(waited, 2),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=CHANGES_COMPLETE,
                passed=not incomplete,
                severity=dg.AssetCheckSeverity.WARN,
                description="Days with more changes than /movie/changes can page through (500 x 100 ids).",
                metadata={"count": len(incomplete), "examples": incomplete[:10]},
            )
        ],
    )


def in_refresh_order(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """`assets` with the catalogue-wide ones (REFRESHED_BY) depending on `catalog_changes`."""

    def after_refresh(spec: dg.AssetSpec) -> dg.AssetSpec:
        return spec.merge_attributes(deps=[catalog_changes]) if spec.key.path[-1] in REFRESHED_BY else spec

    return list(dg.map_asset_specs(after_refresh, assets))


refresh_job = dg.define_asset_job(
    "refresh_job",
    selection=dg.AssetSelection.assets("catalog_changes", *REFRESHED_BY),
    description="Apply TMDb's changes since the last refresh, then rebuild the profile and search artifacts.",
)

# 06:00 UTC: TMDb's change feed is day-based (UTC), so most of the previous day's changes are in.
refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh", job=refresh_job, cron_schedule="0 6 * * *", execution_timezone="UTC"
)
