"""The emulator's routes: map a path and its query parameters to a Reply, with TMDb's shapes and errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta

from movie_assets import reference
from movie_assets.tmdb.emulator.catalogue import MAX_APPENDS, SUB_RESOURCES, EmulatorCatalogue
from movie_assets.tmdb.emulator.config import EmulatorConfig
from movie_assets.tmdb.emulator.discover import discover_page
from movie_assets.tmdb.emulator.query import effective_sort, parse_day, parse_query
from movie_assets.tmdb.emulator.replies import ApiError, Reply, error_reply, json_reply, legacy_page_error

CHANGES_PAGE_SIZE = 100
MAX_CHANGE_DAYS = 14
_INTEGER = re.compile(r"[+-]?\d+")

CONFIGURATION = {
    "images": {
        "base_url": "http://image.tmdb.org/t/p/",
        "secure_base_url": "https://image.tmdb.org/t/p/",
        "backdrop_sizes": ["w300", "w780", "w1280", "original"],
        "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
        "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
        "profile_sizes": ["w45", "w185", "h632", "original"],
        "still_sizes": ["w92", "w185", "w300", "original"],
    },
    "change_keys": [
        "adult", "air_date", "also_known_as", "alternative_titles", "biography", "birthday", "budget", "cast",
        "certifications", "character_names", "created_by", "crew", "deathday", "episode", "episode_number",
        "episode_run_time", "freebase_id", "freebase_mid", "general", "genres", "guest_stars", "homepage",
        "images", "imdb_id", "languages", "name", "network", "origin_country", "original_name",
        "original_title", "overview", "parts", "place_of_birth", "plot_keywords", "production_code",
        "production_companies", "production_countries", "releases", "revenue", "runtime", "season",
        "season_number", "season_regular", "spoken_languages", "status", "tagline", "title", "translations",
        "tvdb_id", "tvrage_id", "type", "video", "videos",
    ],
}  # fmt: skip


def path_kind(path: str) -> str:
    """The stats bucket of a request path."""
    path = path.rstrip("/")
    if path.startswith("/t/p/"):
        return "image"
    if path == "/3/discover/movie":
        return "discover"
    if path == "/3/movie/changes":
        return "changes"
    if path.startswith("/3/movie/"):
        return "movie"
    if path == "/3/genre/movie/list":
        return "genre"
    if path == "/3/configuration":
        return "configuration"
    if path == "/3/configuration/languages":
        return "languages"
    return "other"


def drift_applies(kind: str, params: Mapping[str, str]) -> bool:
    """Rank drift only shows under popularity sorts, on a page that has a previous page."""
    page = params.get("page", "1")
    return (
        kind == "discover"
        and effective_sort(params.get("sort_by")).startswith("popularity.")
        and bool(_INTEGER.fullmatch(page))
        and int(page) > 1
    )


def handle(
    catalogue: EmulatorCatalogue,
    path: str,
    params: Mapping[str, str],
    config: EmulatorConfig,
    *,
    drift: bool = False,
    now: datetime | None = None,
) -> Reply:
    """Answer one authorised GET; TMDb-shaped errors come back as replies, never as exceptions."""
    kind = path_kind(path)
    try:
        if kind == "discover":
            page = _page(params, config)
            found = catalogue.discover.results(parse_query(params))
            return json_reply(discover_page(found, page, drift=drift, overstate=config.overstate_total_pages))
        if kind == "changes":
            return _changes(catalogue, params, config, now or datetime.now(UTC))
        if kind == "movie":
            return _details(catalogue, path.rstrip("/").removeprefix("/3/movie/"), params)
        if kind == "genre":
            return json_reply({"genres": [{"id": gid, "name": name} for gid, name in reference.GENRES]})
        if kind == "configuration":
            return json_reply(CONFIGURATION)
        if kind == "languages":
            return json_reply(reference.languages())
    except ApiError as exc:
        return exc.reply
    return error_reply(34)


def _page(params: Mapping[str, str], config: EmulatorConfig) -> int:
    raw = params.get("page", "1")
    page = int(raw) if _INTEGER.fullmatch(raw) else None
    if page is not None and 1 <= page <= config.max_page:
        return page
    if not config.legacy_page_errors:
        raise ApiError.of(22)
    if page is None:
        raise ApiError(legacy_page_error("page must be an integer"))
    if page < 1:
        raise ApiError(legacy_page_error("page must be greater than 0"))
    raise ApiError(legacy_page_error(f"page must be less than or equal to {config.max_page}"))


def _details(catalogue: EmulatorCatalogue, raw_id: str, params: Mapping[str, str]) -> Reply:
    raw_id, _, sub = raw_id.partition("/")
    if sub in SUB_RESOURCES and raw_id.isdigit() and raw_id.isascii():
        block = catalogue.sub_resource(int(raw_id), sub, params.get("country"))
        return error_reply(34) if block is None else json_reply(block)
    if sub or not raw_id.isdigit() or not raw_id.isascii():
        return error_reply(34)
    appends = [name.strip() for name in params.get("append_to_response", "").split(",") if name.strip()]
    if len(appends) > MAX_APPENDS:
        return error_reply(27)
    body = catalogue.details(int(raw_id), appends)
    return error_reply(34) if body is None else json_reply(body)


def _changes(
    catalogue: EmulatorCatalogue, params: Mapping[str, str], config: EmulatorConfig, now: datetime
) -> Reply:
    start_day, end_day = parse_day(params, "start_date"), parse_day(params, "end_date")
    if start_day is None and end_day is None:
        start, end = now - timedelta(hours=24), now  # TMDb's default: the last 24 hours
    else:
        end_day = end_day or now.date()
        start_day = start_day or end_day - timedelta(days=1)
        if (end_day - start_day).days > MAX_CHANGE_DAYS:
            return error_reply(20)
        start = datetime.combine(start_day, time.min, UTC)
        end = datetime.combine(end_day, time.max, UTC)
    page = _page(params, config)
    changed = catalogue.changed(start, end)
    first = (page - 1) * CHANGES_PAGE_SIZE
    return json_reply(
        {
            "results": changed[first : first + CHANGES_PAGE_SIZE],
            "page": page,
            "total_pages": -(-len(changed) // CHANGES_PAGE_SIZE),
            "total_results": len(changed),
        }
    )
