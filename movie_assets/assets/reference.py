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


def _write_reference(name: str, rows: list[dict], data: DataHome) -> dg.MaterializeResult:
    path = data.paths().root / "raw" / "reference" / f"{name}.json"
    write_json(rows, path)
    return dg.MaterializeResult(
        metadata={
            "count": len(rows),
            "path": dg.MetadataValue.path(str(path)),
            "sample": json.dumps(rows[:5]),
        }
    )


@dg.asset(group_name="harvest", kinds={"json"}, pool=TMDB_POOL)
def tmdb_languages(tmdb: TMDbResource, data: DataHome) -> dg.MaterializeResult:
    """Languages TMDb knows: ISO 639-1 code, English name and native name."""
    languages = asyncio.run(_fetch(tmdb.client(), "languages"))
    return _write_reference("languages", sorted(languages, key=lambda r: r["iso_639_1"]), data)


@dg.asset(group_name="harvest", kinds={"json"}, pool=TMDB_POOL)
def tmdb_genres(tmdb: TMDbResource, data: DataHome) -> dg.MaterializeResult:
    """TMDb movie genres: id and English name."""
    genres = asyncio.run(_fetch(tmdb.client(), "genres"))
    return _write_reference("genres", sorted(genres, key=lambda r: r["id"]), data)
