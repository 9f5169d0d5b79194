"""The emulator's alternative_titles and translations over loopback HTTP: appended only when asked for,
the standalone routes (with `country`), and a harvest through the client that brings both blocks along."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from movie_assets.catalog.transform import build_movies
from movie_assets.tmdb.client import TMDbClient
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig

KEY = "other-titles-key"
ALTERNATIVE = {
    "titles": [
        {"iso_3166_1": "IN", "title": "Drishyam", "type": "romanized"},
        {"iso_3166_1": "US", "title": "Visual", "type": ""},
        {"iso_3166_1": "IN", "title": "Kazhcha", "type": "working title"},
    ]
}
TRANSLATIONS = {
    "translations": [
        {"iso_3166_1": "IN", "iso_639_1": "ml", "name": "മലയാളം", "english_name": "Malayalam",
         "data": {"homepage": "", "overview": "", "runtime": 0, "tagline": "", "title": ""}},
        {"iso_3166_1": "IN", "iso_639_1": "hi", "name": "हिन्दी", "english_name": "Hindi",
         "data": {"homepage": "", "overview": "", "runtime": 0, "tagline": "", "title": "दृश्यम"}},
    ]
}  # fmt: skip
WITH = {
    "id": 7,
    "title": "Drishyam",
    "original_title": "ദൃശ്യം",
    "release_date": "2013-12-19",
    "alternative_titles": ALTERNATIVE,
    "translations": TRANSLATIONS,
}
WITHOUT = {"id": 8, "title": "Plain", "original_title": "Plain", "release_date": "2013-05-01"}  # a dump's


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator([WITH, WITHOUT], EmulatorConfig(api_key=KEY)) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def client(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, params={"api_key": KEY}) as http:
        yield http


def test_blocks_come_only_when_appended(client: httpx.Client) -> None:
    plain = client.get("/movie/7").json()
    asked = client.get("/movie/7", params={"append_to_response": "alternative_titles,translations"}).json()
    assert "alternative_titles" not in plain and "translations" not in plain
    assert (asked["alternative_titles"], asked["translations"]) == (ALTERNATIVE, TRANSLATIONS)
    only = client.get("/movie/7", params={"append_to_response": "translations"}).json()
    assert "translations" in only and "alternative_titles" not in only


def test_a_movie_without_other_titles_answers_empty_blocks(client: httpx.Client) -> None:
    body = client.get("/movie/8", params={"append_to_response": "alternative_titles,translations"}).json()
    assert (body["alternative_titles"], body["translations"]) == ({"titles": []}, {"translations": []})


@pytest.mark.parametrize(
    ("country", "titles"),
    [(None, ALTERNATIVE["titles"]), ("IN", [ALTERNATIVE["titles"][0], ALTERNATIVE["titles"][2]]), ("FR", [])],
)
def test_standalone_alternative_titles_carry_the_id_and_filter_by_country(
    client: httpx.Client, country: str | None, titles: list[dict[str, Any]]
) -> None:
    response = client.get("/movie/7/alternative_titles", params={"country": country} if country else {})
    assert response.status_code == 200
    assert response.json() == {"id": 7, "titles": titles}


def test_standalone_translations_and_unknown_sub_resources(client: httpx.Client) -> None:
    assert client.get("/movie/7/translations").json() == {"id": 7, **TRANSLATIONS}
    for path in ("/movie/999/alternative_titles", "/movie/7/images", "/movie/7/alternative_titles/x"):
        response = client.get(path)
        assert (response.status_code, response.json()["status_code"]) == (404, 34), path


def test_harvest_asks_for_both_blocks_and_the_movies_table_keeps_the_other_titles(emu: Emulator) -> None:
    async def fetch() -> list[dict[str, Any] | None]:
        async with TMDbClient(emu.url, KEY, rate_limit=None) as tmdb:
            return [await tmdb.movie(7), await tmdb.movie(8)]

    records = asyncio.run(fetch())
    assert records[0] is not None and records[0]["translations"] == TRANSLATIONS
    frame, report = build_movies([r for r in records if r], year=2013)
    assert frame["alt_titles"].to_list() == [["Visual", "Kazhcha", "दृश्यम"], []]
    assert report.adjusted == []
