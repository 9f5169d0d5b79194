"""Harvest assets: the movies TMDb lists per year, and their details, credits and keywords.

Resume granularity: a year run that failed or was killed after some of its steps (say, while embedding)
leaves whole discover and details folders; the next run of the year reuses them and asks TMDb for nothing
it already has. After a run of the year that succeeded, the next one fetches the year afresh (DESIGN §2).
"""

import asyncio

import dagster as dg

from movie_assets.partitions import year_partitions
from movie_assets.resources import TMDB_POOL, DataHome, TMDbResource
from movie_assets.tmdb import (
    DetailsStore,
    DiscoverResult,
    DiscoverStore,
    Progress,
    discover_year,
    fetch_details,
)

DISCOVER_COMPLETE = "windows_complete"
DETAILS_COVER_DISCOVERED = "details_cover_discovered"
DISCOVERED_FILE = DiscoverStore.MOVIES_FILE
PARTITION_TAG = "dagster/partition"


def _run_unfinished(context: dg.AssetExecutionContext, started_by: str | None) -> bool:
    """Whether harvest files that run `started_by` began belong to a run of this year that failed or was
    killed, with no run of the year succeeding since: then they are reused, else the year is fetched afresh.

    Where "the last run of this year succeeded" lives: in Dagster's run history for the partition, not in
    a file. Every way a year runs (build, UI, backfill, schedule, a retry or a re-execution from failure)
    is a run tagged with its partition, and Dagster sets its status: SUCCESS only once every step of that
    run is done, FAILURE when a step raised, and STARTED forever for a killed process (until a later build
    marks it failed). A marker written by "the last step" could not tell a re-execution of only the failed
    step from a partial run. The dagster-free core records just an opaque label (the run id) in the files.

    A run the instance does not know (wiped storage, another instance) counts as finished: fetching again
    costs time, reusing what a successful run left would serve stale data.
    """
    if started_by is None:
        return False
    if started_by == context.run_id:
        return True  # this very run began them: a retry of the step
    instance = context.instance
    origin = instance.get_run_record_by_id(started_by)
    if origin is None or origin.dagster_run.status == dg.DagsterRunStatus.SUCCESS:
        return False
    since = dg.RunsFilter(
        tags={PARTITION_TAG: context.partition_key},
        statuses=[dg.DagsterRunStatus.SUCCESS],
        created_after=origin.create_timestamp,
    )
    return not instance.get_run_records(filters=since, limit=1)


async def _discover(tmdb: TMDbResource, year: int, log: dg.DagsterLogManager) -> list[DiscoverResult]:
    scope = tmdb.scope()
    log.info(f"discovering {year}: scope {scope.describe()}")
    async with tmdb.client() as client:
        return [
            await discover_year(client, year, scope=params, log=log.info)
            for params in scope.discover_params()
        ]


@dg.asset(
    partitions_def=year_partitions,
    group_name="harvest",
    kinds={"json"},
    pool=TMDB_POOL,
    check_specs=[dg.AssetCheckSpec(DISCOVER_COMPLETE, asset="discovered_movies")],
)
def discovered_movies(
    context: dg.AssetExecutionContext, tmdb: TMDbResource, data: DataHome
) -> dg.MaterializeResult:
    """Every movie TMDb lists with its primary release date in the year, de-duplicated by id."""
    year = int(context.partition_key)
    paths = data.paths()
    store = DiscoverStore(paths.discover_dir(year))
    settings = tmdb.settings()
    # What was harvested: a folder of another server or scope is never reused.
    identity = {"base_url": settings.url, "source": tmdb.source, "scope": tmdb.scope().discover_params()}
    marker = store.finished(identity)
    waited, reused = 0.0, marker is not None and _run_unfinished(context, marker.get("started_by"))
    if marker is not None and reused:
        context.log.info(f"discover {year}: reusing the files of run {marker['started_by']}, which failed")
    else:
        with tmdb.exclusive(paths, context.log.info) as waited:
            results = asyncio.run(_discover(tmdb, year, context.log))
        marker = store.write(
            results, identity=identity, base_url=settings.url, source=tmdb.source, started_by=context.run_id
        )
    windows = [window for result in store.results() for window in result["window_reports"]]
    incomplete = store.incomplete_windows()
    return dg.MaterializeResult(
        metadata={
            "movie_count": marker["movies"],
            "windows": len(windows),
            "requests": 0 if reused else marker["requests"],
            "reused_from_run": marker["started_by"] if reused else "",
            "incomplete_windows": len(incomplete),
            "tmdb_lock_wait_s": round(waited, 2),
            "path": dg.MetadataValue.path(str(store.dir)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=DISCOVER_COMPLETE,
                passed=not incomplete,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"count": len(incomplete), "examples": incomplete[:10]},
            )
        ],
    )


def _progress_logger(log: dg.DagsterLogManager, year: int):  # noqa: ANN202 - a plain callback
    def report(p: Progress) -> None:
        eta = f"{p.eta_seconds:.0f} s" if p.eta_seconds is not None else "?"
        log.info(
            f"movie_details {year}: {p.done}/{p.total} ({p.done / max(p.total, 1):.0%}), "
            f"{p.rate:.1f}/s, ETA {eta}"
        )

    return report


@dg.asset(
    partitions_def=year_partitions,
    deps=[discovered_movies],
    group_name="harvest",
    kinds={"json"},
    pool=TMDB_POOL,
    check_specs=[dg.AssetCheckSpec(DETAILS_COVER_DISCOVERED, asset="movie_details", blocking=True)],
)
def movie_details(
    context: dg.AssetExecutionContext, tmdb: TMDbResource, data: DataHome
) -> dg.MaterializeResult:
    """Details, credits and keywords of each discovered movie of the year; 404 ids kept as tombstones."""
    year = int(context.partition_key)
    paths = data.paths()
    ids = DiscoverStore(paths.discover_dir(year)).movie_ids()
    store = DetailsStore(paths.details_dir(year))
    # An unfinished backfill is always resumed; a finished one only when its run failed after it.
    resume_complete = _run_unfinished(context, store.started_by())

    async def run():  # noqa: ANN202
        async with tmdb.client() as client:
            return await fetch_details(
                client,
                ids,
                store,
                resume_complete=resume_complete,
                started_by=context.run_id,
                progress=_progress_logger(context.log, year),
            )

    with tmdb.exclusive(paths, context.log.info) as waited:
        result = asyncio.run(run())
    covered = {record["id"] for record in store.iter_records()} | set(store.tombstone_ids())
    missing = sorted(set(ids) - covered)
    return dg.MaterializeResult(
        metadata={
            "movie_count": result.total - len(result.tombstones),
            "fetched_this_run": result.fetched,
            "resumed_from": result.resumed_from,
            "tombstones": len(result.tombstones),
            "tmdb_lock_wait_s": round(waited, 2),
            "path": dg.MetadataValue.path(str(store.dir)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=DETAILS_COVER_DISCOVERED,
                passed=not missing,
                metadata={"count": len(missing), "examples": missing[:10]},
            )
        ],
    )
