"""The typed movie catalogue, one Parquet file per year, and its profile."""

from datetime import UTC, datetime

import dagster as dg

from movie_assets.assets.harvest import movie_details
from movie_assets.catalog import (
    CheckOutcome,
    build_movies,
    check_movies,
    checksums,
    profile_movies,
    read_movies_dir,
    write_movies,
    write_profile,
)
from movie_assets.partitions import year_partitions
from movie_assets.resources import DataHome
from movie_assets.tmdb import DetailsStore

# Downstream (documents, embeddings, indexes) must never run on a partition that fails these.
BLOCKING_CHECKS = ("schema", "unique_movie_ids", "year_matches_partition")
WARNING_CHECKS = ("value_ranges", "iso_codes", "text_values")
DATA_FRESH = "harvested_within_6_months"


def _check_result(outcome: CheckOutcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=outcome.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR
        if outcome.name in BLOCKING_CHECKS
        else dg.AssetCheckSeverity.WARN,
        description=outcome.description,
        metadata={"count": outcome.failing, "examples": dg.MetadataValue.json(outcome.examples[:10])},
    )


@dg.asset(
    partitions_def=year_partitions,
    deps=[movie_details],
    group_name="catalog",
    kinds={"polars", "parquet"},
    check_specs=[dg.AssetCheckSpec(name, asset="movies", blocking=True) for name in BLOCKING_CHECKS]
    + [dg.AssetCheckSpec(name, asset="movies") for name in WARNING_CHECKS],
)
def movies(context: dg.AssetExecutionContext, data: DataHome) -> dg.MaterializeResult:
    """Typed, validated movies released in the year: one row per TMDb movie with credits and keywords."""
    year = int(context.partition_key)
    paths = data.paths()
    frame, report = build_movies(DetailsStore(paths.details_dir(year)).iter_records(), year=year)
    outcomes = check_movies(frame, year)
    blocked = [o for o in outcomes if o.name in BLOCKING_CHECKS and not o.passed]
    # A failing frame never replaces the good partition; it is kept aside for inspection instead.
    target = paths.movies_file(year)
    if blocked:
        target = paths.movies_root / "_rejected" / f"year={year}" / "movies.parquet"
        context.log.error(
            f"movies {year} failed {', '.join(o.name for o in blocked)}: "
            + "; ".join(o.description for o in blocked)
            + f". Kept the previous partition; the rejected rows are in {target}."
        )
    written = write_movies(frame, target)
    return dg.MaterializeResult(
        metadata={
            "row_count": written["row_count"],
            "path": dg.MetadataValue.path(written["path"]),
            "sha256": written["sha256"],
            "rejected": bool(blocked),
            "dropped": len(report.dropped),
            "dropped_examples": dg.MetadataValue.json([list(d) for d in report.dropped[:10]]),
        },
        check_results=[_check_result(o) for o in outcomes],
    )


@dg.asset(
    deps=[movies],
    group_name="catalog",
    kinds={"json"},
    check_specs=[dg.AssetCheckSpec(DATA_FRESH, asset="movies_profile")],
)
def movies_profile(data: DataHome) -> dg.MaterializeResult:
    """Profile of all built years (rows, nulls, uniques, languages, period, data age) and file checksums."""
    paths = data.paths()
    years = paths.built_years()
    frame = read_movies_dir(paths.movies_root, years)
    profile = profile_movies(frame, now=datetime.now(UTC))
    files = [paths.movies_file(year) for year in years]
    written = write_profile(profile, checksums(files, paths.root), paths.reports_dir)
    return dg.MaterializeResult(
        metadata={
            "rows": profile["rows"],
            "years": dg.MetadataValue.json(years),
            "profile": dg.MetadataValue.json(profile),
            "path": dg.MetadataValue.path(str(written["data_profile"])),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=DATA_FRESH,
                passed=not profile["stale"],
                severity=dg.AssetCheckSeverity.WARN,
                description="TMDb's terms keep cached data at most 6 months; re-harvest older years.",
                metadata={"oldest_harvested_at": str(profile["harvested_at"]["oldest"])},
            )
        ],
    )
