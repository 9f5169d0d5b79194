"""The emulator's view of a catalogue: details by id, the discover index and the change feed.

Built once per catalogue and never mutated, so the server can swap in a new one between requests.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from movie_assets.tmdb.emulator.discover import DiscoverIndex

MAX_APPENDS = 20
# Sub-resources that appear only when named in append_to_response.
APPENDABLE = ("credits", "keywords", "release_dates", "external_ids", "alternative_titles", "translations")
# Sub-resources that also have a route of their own, `/movie/{id}/<name>` (the block plus the movie's id).
SUB_RESOURCES = ("alternative_titles", "translations")


def _changed_at(movie: dict[str, Any], position: int) -> datetime | None:
    raw = movie.get("_changed_at")
    if raw in (None, ""):
        return None
    try:
        stamp = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ValueError(
            f"catalogue movie {movie['id']} (position {position}): _changed_at {raw!r} is not an ISO "
            "timestamp; use e.g. 2024-05-01T12:00:00Z"
        ) from None
    # A timestamp without a zone is read as UTC, the zone TMDb's change feed uses.
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


class EmulatorCatalogue:
    """Movies keyed by id plus the indexes the routes need; raises ValueError on malformed input."""

    def __init__(self, movies: Iterable[dict[str, Any]]) -> None:
        by_id: dict[int, dict[str, Any]] = {}
        changes: list[tuple[datetime, int, Any]] = []
        for position, movie in enumerate(movies):
            movie_id = movie.get("id") if isinstance(movie, dict) else None
            if not isinstance(movie_id, int) or isinstance(movie_id, bool):
                raise ValueError(
                    f"catalogue entry at position {position} is not a movie object with an integer 'id'"
                )
            if movie_id in by_id:
                raise ValueError(f"catalogue has movie id {movie_id} twice (second at position {position})")
            by_id[movie_id] = movie
            stamp = _changed_at(movie, position)
            if stamp is not None:
                changes.append((stamp, movie_id, movie.get("adult")))
        changes.sort(key=lambda change: (change[0], change[1]))
        self._by_id = by_id
        self._changes = changes
        self._change_times = [change[0] for change in changes]
        self.discover = DiscoverIndex(by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def details(self, movie_id: int, appends: Iterable[str]) -> dict[str, Any] | None:
        """The `/movie/{id}` body, or None when the id is unknown or deleted."""
        movie = self._by_id.get(movie_id)
        if movie is None or movie.get("_deleted"):
            return None
        body = {k: v for k, v in movie.items() if not k.startswith("_") and k not in APPENDABLE}
        for name in dict.fromkeys(appends):
            block = _appended(movie, name)
            if block is not None:
                body[name] = block
        return body

    def sub_resource(self, movie_id: int, name: str, country: str | None = None) -> dict[str, Any] | None:
        """`/movie/{id}/<name>` for a name in SUB_RESOURCES: the appended block with the movie's `id` first;
        `country` (ISO 3166-1) keeps only that country's alternative titles. None when the id is unknown."""
        movie = self._by_id.get(movie_id)
        if movie is None or movie.get("_deleted") or name not in SUB_RESOURCES:
            return None
        block = dict(_appended(movie, name))
        if name == "alternative_titles" and country:
            block["titles"] = [t for t in block["titles"] if t.get("iso_3166_1") == country.upper()]
        return {"id": movie_id, **block}

    def changed(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """`{id, adult}` for every movie changed in [start, end], deleted ones included, by ascending id."""
        low = bisect_left(self._change_times, start)
        high = bisect_right(self._change_times, end)
        return [
            {"id": movie_id, "adult": adult}
            for _, movie_id, adult in sorted(self._changes[low:high], key=_by_id)
        ]


def _by_id(change: tuple[datetime, int, Any]) -> int:
    return change[1]


def _appended(movie: dict[str, Any], name: str) -> Any:
    # Unknown namespaces are silently omitted, as TMDb does (None here means "leave the key out").
    if name == "credits":
        return movie.get("credits") or {"cast": [], "crew": []}
    if name == "keywords":
        return movie.get("keywords") or {"keywords": []}
    if name == "release_dates":
        return movie.get("release_dates") or {"results": []}
    if name == "alternative_titles":  # a catalogue without them (a dump import) answers as TMDb does: none
        return movie.get("alternative_titles") or {"titles": []}
    if name == "translations":
        return movie.get("translations") or {"translations": []}
    if name == "external_ids":
        stored = movie.get("external_ids")
        if stored is not None:
            return stored
        keys = ("wikidata_id", "facebook_id", "instagram_id", "twitter_id")
        return {"imdb_id": movie.get("imdb_id"), **dict.fromkeys(keys)}
    return None
