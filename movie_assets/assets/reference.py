"""Reference lists from TMDb: languages and movie genres."""

import asyncio
import json

import dagster as dg

from movie_assets.files import write_json
from movie_assets.resources import TMDB_POOL, DataHome, TMDbResource
from movie_assets.tmdb import TMDbClient


async def _fetch(client: TMDbClient, endpoint: str) -> list[dict]:
    async with client:
        return await getattr(client, endpoint)()


def _reference(
    context: dg.AssetExecutionContext, tmdb: TMDbResource, data: DataHome, endpoint: str, key: str
) -> dg.MaterializeResult:
    """Fetch a list while holding the data home's TMDb lock, and write it sorted by `key`."""
    paths = data.paths()
    with tmdb.exclusive(paths, context.log.info) as waited:
        rows = sorted(asyncio.run(_fetch(tmdb.client(), endpoint)), key=lambda row: row[key])
    path = paths.root / "raw" / "reference" / f"{endpoint}.json"
    write_json(rows, path)
    return dg.MaterializeResult(
        metadata={
            "count": len(rows),
            "path": dg.MetadataValue.path(str(path)),
            "sample": json.dumps(rows[:5]),
            "tmdb_lock_wait_s": round(waited, 2),
        }
    )


@dg.asset(group_name="harvest", kinds={"json"}, pool=TMDB_POOL)
def tmdb_languages(
    context: dg.AssetExecutionContext, tmdb: TMDbResource, data: DataHome
) -> dg.MaterializeResult:
    """Languages TMDb knows: ISO 639-1 code, English name and native name."""
    return _reference(context, tmdb, data, "languages", "iso_639_1")


@dg.asset(group_name="harvest", kinds={"json"}, pool=TMDB_POOL)
def tmdb_genres(
    context: dg.AssetExecutionContext, tmdb: TMDbResource, data: DataHome
) -> dg.MaterializeResult:
    """TMDb movie genres: id and English name."""
    return _reference(context, tmdb, data, "genres", "id")
