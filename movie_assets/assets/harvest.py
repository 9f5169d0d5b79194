"""Harvest assets: the movies TMDb lists per year, and their details, credits and keywords."""

import asyncio

import dagster as dg

from movie_assets.files import write_json
from movie_assets.partitions import year_partitions
from movie_assets.resources import TMDB_POOL, DataHome, TMDbResource
from movie_assets.tmdb import (
    DetailsStore,
    DiscoverResult,
    Progress,
    discover_year,
    fetch_details,
    iter_catalogue,
    merge_discovered,
    record_source,
    write_catalogue,
)

DISCOVER_COMPLETE = "windows_complete"
DETAILS_COVER_DISCOVERED = "details_cover_discovered"
DISCOVERED_FILE = "movies.jsonl.gz"


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
    results = asyncio.run(_discover(tmdb, year, context.log))
    movies = merge_discovered(results)
    windows = [window for result in results for window in result.windows]
    out = data.paths().discover_dir(year)
    write_catalogue(movies, out / DISCOVERED_FILE)
    write_json([result.to_json() for result in results], out / "windows.json")
    record_source(out, tmdb.settings().url, tmdb.source)
    incomplete = [w.describe() for w in windows if not w.complete]
    return dg.MaterializeResult(
        metadata={
            "movie_count": len(movies),
            "windows": len(windows),
            "requests": sum(result.requests for result in results),
            "incomplete_windows": len(incomplete),
            "path": dg.MetadataValue.path(str(out)),
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
    ids = [movie["id"] for movie in iter_catalogue(paths.discover_dir(year) / DISCOVERED_FILE)]
    store = DetailsStore(paths.details_dir(year))

    async def run():  # noqa: ANN202
        async with tmdb.client() as client:
            return await fetch_details(client, ids, store, progress=_progress_logger(context.log, year))

    result = asyncio.run(run())
    covered = {record["id"] for record in store.iter_records()} | set(store.tombstone_ids())
    missing = sorted(set(ids) - covered)
    return dg.MaterializeResult(
        metadata={
            "movie_count": result.total - len(result.tombstones),
            "fetched_this_run": result.fetched,
            "resumed_from": result.resumed_from,
            "tombstones": len(result.tombstones),
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
