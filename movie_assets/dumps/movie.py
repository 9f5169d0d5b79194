"""Shape merged dump fields into a `/movie/{id}?append_to_response=credits,keywords` object.

The dumps hold no alternative titles or translations, so their movies have no other titles: the emulator
answers those appended blocks empty and the `movies` table's `alt_titles` stay empty lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from movie_assets.dumps.sources import Partial
from movie_assets.dumps.values import normalise_name, synthetic_credit_id, synthetic_id


def real_ids(partials: Iterable[Partial]) -> tuple[dict[str, int], dict[str, int]]:
    """Name → real TMDb id for keywords and companies that some source lists with an id (lowest id wins)."""
    found: dict[str, dict[str, int]] = {"keywords": {}, "production_companies": {}}
    for partial in partials:
        for field, ids in found.items():
            for item_id, name in partial.get(field, []):
                key = normalise_name(name)
                if item_id is not None and item_id < ids.get(key, item_id + 1):
                    ids[key] = item_id
    return found["keywords"], found["production_companies"]


def _resolve(pairs: list[tuple[int | None, str]], kind: str, known: dict[str, int]) -> list[tuple[int, str]]:
    resolved: list[tuple[int, str]] = []
    for item_id, name in pairs:
        if item_id is None:
            item_id = known.get(normalise_name(name)) or synthetic_id(kind, name)
        resolved.append((item_id, name))
    return resolved


def _person(person_id: int, name: str) -> dict[str, Any]:
    # Only the name is known; gender 0 is TMDb's own "not specified".
    return {
        "adult": False,
        "gender": 0,
        "id": person_id,
        "known_for_department": None,
        "name": name,
        "original_name": name,
        "popularity": None,
        "profile_path": None,
    }


def _credits(movie_id: int, cast: list[str], directors: list[str]) -> dict[str, list[dict[str, Any]]]:
    cast_items = []
    for order, name in enumerate(cast):
        pid = synthetic_id("person", name)
        cast_items.append(
            {
                **_person(pid, name),
                "cast_id": None,
                "character": None,
                "credit_id": synthetic_credit_id(movie_id, pid, "Cast"),
                "order": order,
            }
        )
    crew_items = []
    for name in directors:
        pid = synthetic_id("person", name)
        crew_items.append(
            {
                **_person(pid, name),
                "credit_id": synthetic_credit_id(movie_id, pid, "Director"),
                "department": "Directing",
                "job": "Director",
            }
        )
    return {"cast": cast_items, "crew": crew_items}


def build_movie(
    movie_id: int, fields: dict[str, Any], keyword_ids: dict[str, int], company_ids: dict[str, int]
) -> dict[str, Any]:
    """A details object; fields no source had are null or empty (budget/revenue 0, as TMDb writes them)."""
    keywords = _resolve(fields.get("keywords", []), "keyword", keyword_ids)
    companies = _resolve(fields.get("production_companies", []), "company", company_ids)
    return {
        "adult": False,
        "backdrop_path": None,
        "belongs_to_collection": None,
        "budget": fields.get("budget", 0),
        "genres": [{"id": gid, "name": name} for gid, name in fields.get("genres", [])],
        "homepage": fields.get("homepage"),
        "id": movie_id,
        "imdb_id": fields.get("imdb_id"),
        "origin_country": [],
        "original_language": fields.get("original_language"),
        "original_title": fields.get("original_title", fields["title"]),
        "overview": fields.get("overview"),
        "popularity": fields.get("popularity"),
        "poster_path": None,
        "production_companies": [
            {"id": cid, "logo_path": None, "name": name, "origin_country": None} for cid, name in companies
        ],
        "production_countries": fields.get("production_countries", []),
        "release_date": fields["release_date"].isoformat(),
        "revenue": fields.get("revenue", 0),
        "runtime": fields.get("runtime"),
        "spoken_languages": fields.get("spoken_languages", []),
        "status": fields.get("status"),
        "tagline": fields.get("tagline"),
        "title": fields["title"],
        "video": False,
        "vote_average": fields.get("vote_average"),
        "vote_count": fields.get("vote_count"),
        "credits": _credits(movie_id, fields.get("cast", []), fields.get("directors", [])),
        "keywords": {"keywords": [{"id": kid, "name": name} for kid, name in keywords]},
    }
