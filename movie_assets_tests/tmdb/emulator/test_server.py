"""The TMDb emulator's routes over loopback HTTP: discover, details, changes, auth and reference lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from movie_assets import reference
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig

KEY = "demo-key"
DAYS = ("2021-03-01", "2021-03-02", "2021-03-03", "2021-03-04", "2021-03-05")
WINDOW = {"primary_release_date.gte": DAYS[0], "primary_release_date.lte": DAYS[-1]}
STABLE = {**WINDOW, "sort_by": "primary_release_date.asc"}
ADULT, VIDEO, DELETED, UNDATED, BEFORE, AFTER = 100, 101, 102, (103, 104), 105, 106
DISCOVER_KEYS = {
    "adult", "backdrop_path", "genre_ids", "id", "original_language", "original_title", "overview",
    "popularity", "poster_path", "release_date", "title", "video", "vote_average", "vote_count",
}  # fmt: skip
PAGE_ERROR = {
    "success": False,
    "status_code": 22,
    "status_message": "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.",
}
NOT_FOUND = {
    "success": False,
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
}


def movie(movie_id: int, release_date: str, **extra: Any) -> dict[str, Any]:
    genres = [{"id": 28, "name": "Action"}] * (movie_id % 2 == 0) + [{"id": 18, "name": "Drama"}] * (
        movie_id % 3 == 0
    )
    record = {
        "id": movie_id,
        "title": f"Title {(movie_id * 7) % 45:02d}",
        "original_title": ("Été " if movie_id % 4 == 0 else "Eté ") + str(movie_id % 9),
        "original_language": ("en", "ko", "fr")[movie_id % 3],
        "overview": f"Overview of {movie_id}",
        "release_date": release_date,
        "popularity": float((movie_id * 37) % 11),  # many ties, to exercise the id tie-break
        "vote_average": (movie_id % 7) / 2,
        "vote_count": movie_id % 4,
        "revenue": (movie_id % 3) * 1000,
        "runtime": None if movie_id % 6 == 0 else (movie_id * 13) % 150,
        "adult": False,
        "video": False,
        "genres": genres,
        "poster_path": f"/p{movie_id}.jpg",
        "backdrop_path": None,
        "imdb_id": f"tt{movie_id:07d}",
        "credits": {"cast": [{"id": movie_id * 10, "name": f"Actor {movie_id}", "order": 0}], "crew": []},
        "keywords": {"keywords": [{"id": 818, "name": "based on novel or book"}]},
    }
    return record | extra


def catalogue() -> list[dict[str, Any]]:
    movies = [movie(i, DAYS[i % 5]) for i in range(1, 46)]
    movies += [
        movie(ADULT, DAYS[1], adult=True),
        movie(VIDEO, DAYS[1], video=True),
        movie(DELETED, DAYS[1], _deleted=True, _changed_at="2024-01-10T08:00:00Z"),
        *(movie(i, "") for i in UNDATED),
        movie(BEFORE, "2021-02-28"),
        movie(AFTER, "2021-03-06"),
    ]
    return movies


MOVIES = {m["id"]: m for m in catalogue()}
IN_WINDOW = set(range(1, 46))


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(catalogue()) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def client(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, params={"api_key": KEY}) as http:
        yield http


def all_ids(client: httpx.Client, params: dict[str, str]) -> list[int]:
    first = client.get("/discover/movie", params=params).json()
    pages = [first] + [
        client.get("/discover/movie", params={**params, "page": str(p)}).json()
        for p in range(2, first["total_pages"] + 1)
    ]
    return [item["id"] for page in pages for item in page["results"]]


def test_discover_pages_hold_20_cover_the_window_and_run_out_empty(client: httpx.Client) -> None:
    pages = [client.get("/discover/movie", params={**STABLE, "page": str(p)}) for p in (1, 2, 3, 4)]
    bodies = [r.json() for r in pages]
    assert all(r.status_code == 200 for r in pages)
    assert pages[0].headers["content-type"] == "application/json;charset=utf-8"
    assert [len(b["results"]) for b in bodies] == [20, 20, 5, 0]
    assert {(b["total_pages"], b["total_results"]) for b in bodies} == {(3, 45)}
    ids = [item["id"] for b in bodies for item in b["results"]]
    assert sorted(ids) == sorted(IN_WINDOW)
    assert set(bodies[0]["results"][0]) == DISCOVER_KEYS and "success" not in bodies[0]


def test_discover_item_is_the_catalogue_record_in_discover_shape(client: httpx.Client) -> None:
    item = client.get("/discover/movie", params={**STABLE}).json()["results"][0]
    record = MOVIES[item["id"]]
    assert item["genre_ids"] == [g["id"] for g in record["genres"]]
    assert {k: item[k] for k in DISCOVER_KEYS - {"genre_ids"}} == {
        k: record[k] for k in DISCOVER_KEYS - {"genre_ids"}
    }


def test_totals_are_not_capped_by_the_page_cap() -> None:
    movies = [
        {"id": i, "title": str(i), "release_date": "2020-01-01", "popularity": 1.0} for i in range(1, 10_022)
    ]
    with Emulator(movies) as emu, httpx.Client(base_url=emu.url, params={"api_key": KEY}) as http:
        last = http.get("/discover/movie", params={"page": "500"}).json()
        over = http.get("/discover/movie", params={"page": "501"})
    assert (last["total_pages"], last["total_results"], len(last["results"])) == (502, 10_021, 20)
    assert (over.status_code, over.json()) == (400, PAGE_ERROR)


@pytest.mark.parametrize("page", ["0", "-1", "501", "abc", "1.5", ""])
def test_bad_pages_are_400_code_22(client: httpx.Client, page: str) -> None:
    response = client.get("/discover/movie", params={"page": page})
    assert (response.status_code, response.json()) == (400, PAGE_ERROR)


def test_page_cap_and_legacy_page_errors_are_switchable() -> None:
    config = EmulatorConfig(max_page=2, legacy_page_errors=True)
    with (
        Emulator(catalogue(), config) as emu,
        httpx.Client(base_url=emu.url, params={"api_key": KEY}) as http,
    ):
        first = http.get("/discover/movie", params=STABLE).json()
        over = http.get("/discover/movie", params={**STABLE, "page": "3"})
    assert first["total_pages"] == 3  # still the real count, above the cap
    assert (over.status_code, over.json()) == (422, {"errors": ["page must be less than or equal to 2"]})


@pytest.mark.parametrize("prefix", ["primary_release_date", "release_date"])
@pytest.mark.parametrize("day", DAYS)
def test_date_bounds_are_inclusive(client: httpx.Client, prefix: str, day: str) -> None:
    ids = all_ids(client, {f"{prefix}.gte": day, f"{prefix}.lte": day})
    assert sorted(ids) == sorted(i for i in IN_WINDOW if MOVIES[i]["release_date"] == day)


def test_undated_movies_match_no_date_filter_but_appear_unfiltered(client: httpx.Client) -> None:
    wide = all_ids(
        client, {"primary_release_date.gte": "1800-01-01", "primary_release_date.lte": "2999-12-31"}
    )
    unfiltered = all_ids(client, {})
    assert set(wide) == IN_WINDOW | {BEFORE, AFTER}
    assert set(unfiltered) == IN_WINDOW | {BEFORE, AFTER, *UNDATED}


@pytest.mark.parametrize(
    ("flags", "extra"),
    [({}, set()), ({"include_adult": "true"}, {ADULT}), ({"include_video": "true"}, {VIDEO}),
     ({"include_adult": "true", "include_video": "true"}, {ADULT, VIDEO}),
     ({"include_adult": "false"}, set())],
)  # fmt: skip
def test_adult_and_video_are_excluded_unless_asked(
    client: httpx.Client, flags: dict[str, str], extra: set[int]
) -> None:
    ids = set(
        all_ids(client, {"primary_release_date.gte": DAYS[1], "primary_release_date.lte": DAYS[1], **flags})
    )
    assert ids == {i for i in IN_WINDOW if MOVIES[i]["release_date"] == DAYS[1]} | extra


@pytest.mark.parametrize("field", ["original_title", "popularity", "revenue", "primary_release_date", "title",
                                   "vote_average", "vote_count"])  # fmt: skip
@pytest.mark.parametrize("way", ["asc", "desc"])
def test_sorts_order_by_field_then_ascending_id(client: httpx.Client, field: str, way: str) -> None:
    ids = all_ids(client, {**WINDOW, "sort_by": f"{field}.{way}"})
    key = "release_date" if field == "primary_release_date" else field
    values = [MOVIES[i][key] for i in ids]
    assert sorted(ids) == sorted(IN_WINDOW)
    for a, va, b, vb in zip(ids, values, ids[1:], values[1:], strict=False):
        assert (va < vb if way == "asc" else va > vb) or (va == vb and a < b), (a, va, b, vb)


def test_unknown_sort_is_silently_popularity_desc(client: httpx.Client) -> None:
    bogus = client.get("/discover/movie", params={**WINDOW, "sort_by": "bogus.desc"})
    assert bogus.status_code == 200
    expected = all_ids(client, {**WINDOW, "sort_by": "popularity.desc"})
    assert all_ids(client, {**WINDOW, "sort_by": "bogus.desc"}) == expected == all_ids(client, WINDOW)


@pytest.mark.parametrize(
    "bands",
    [[{"vote_count.lte": "0"}, {"vote_count.gte": "1"}],
     [{"vote_count.lte": "1.5"}, {"vote_count.gte": "2", "vote_count.lte": "2"}, {"vote_count.gte": "3"}],
     [{"with_runtime.lte": "0"}, {"with_runtime.gte": "1"}],
     [{"with_runtime.lte": "60"}, {"with_runtime.gte": "61", "with_runtime.lte": "120"},
      {"with_runtime.gte": "121"}]],
)  # fmt: skip
@pytest.mark.parametrize("day", DAYS[:2])
def test_vote_count_and_runtime_bands_partition_a_day(
    client: httpx.Client, bands: list[dict[str, str]], day: str
) -> None:
    day_filter = {"primary_release_date.gte": day, "primary_release_date.lte": day}
    parts = [set(all_ids(client, {**day_filter, **band})) for band in bands]
    assert sum(len(p) for p in parts) == len(set().union(*parts))  # disjoint
    assert set().union(*parts) == set(all_ids(client, day_filter))
    assert all(parts[:1])  # the lowest band is not empty: 0 votes and null/0 runtimes exist


def test_null_runtime_counts_as_zero(client: httpx.Client) -> None:
    ids = set(all_ids(client, {**WINDOW, "with_runtime.lte": "0"}))
    assert ids == {i for i in IN_WINDOW if not MOVIES[i]["runtime"]} and any(i % 6 == 0 for i in ids)


@pytest.mark.parametrize(
    ("params", "wanted"),
    [({"with_original_language": "ko"}, lambda m: m["original_language"] == "ko"),
     ({"with_genres": "28,18"}, lambda m: m["id"] % 6 == 0),
     ({"with_genres": "28|18"}, lambda m: m["id"] % 2 == 0 or m["id"] % 3 == 0),
     ({"vote_average.gte": "2.5"}, lambda m: m["vote_average"] >= 2.5)],
)  # fmt: skip
def test_language_genre_and_vote_average_filters(
    client: httpx.Client, params: dict[str, str], wanted: Any
) -> None:
    assert sorted(all_ids(client, {**STABLE, **params})) == sorted(i for i in IN_WINDOW if wanted(MOVIES[i]))


def test_malformed_date_is_400_code_23(client: httpx.Client) -> None:
    response = client.get("/discover/movie", params={"primary_release_date.gte": "2021-02-30"})
    assert (response.status_code, response.json()["status_code"]) == (400, 23)


def test_details_carry_sub_resources_only_when_appended(client: httpx.Client) -> None:
    plain = client.get("/movie/7").json()
    full = client.get(
        "/movie/7", params={"append_to_response": "credits,keywords,external_ids,content_ratings"}
    )
    body = full.json()
    record = MOVIES[7]
    assert plain == {k: v for k, v in record.items() if k not in ("credits", "keywords")}
    assert (body["credits"], body["keywords"]) == (record["credits"], record["keywords"])
    assert body["external_ids"]["imdb_id"] == record["imdb_id"]
    assert "content_ratings" not in body and "release_dates" not in body


@pytest.mark.parametrize("movie_id", [str(DELETED), "999999", "abc", "7.0", "-7"])
def test_deleted_unknown_and_malformed_ids_are_404_code_34(client: httpx.Client, movie_id: str) -> None:
    response = client.get(f"/movie/{movie_id}")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_more_than_20_appends_is_400_code_27(client: httpx.Client) -> None:
    names = ["credits", "keywords"] + [f"unknown{i}" for i in range(19)]
    ok = client.get("/movie/7", params={"append_to_response": ",".join(names[:20])})
    over = client.get("/movie/7", params={"append_to_response": ",".join(names)})
    assert ok.status_code == 200 and "credits" in ok.json()
    assert (over.status_code, over.json()["status_code"]) == (400, 27)


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"api_key": "wrong"}, {}), ({}, {}), ({}, {"Authorization": "Bearer wrong"}), ({"api_key": ""}, {})],
)
def test_bad_or_missing_credentials_are_401_code_7(emu: Emulator, params: dict, headers: dict) -> None:
    response = httpx.get(f"{emu.url}/genre/movie/list", params=params, headers=headers)
    assert response.status_code == 401 and response.headers["cache-control"] == "public, max-age=300"
    assert response.json() == {
        "success": False,
        "status_code": 7,
        "status_message": "Invalid API key: You must be granted a valid key.",
    }


def test_bearer_token_is_accepted(emu: Emulator) -> None:
    response = httpx.get(f"{emu.url}/movie/7", headers={"Authorization": f"Bearer {KEY}"})
    assert (response.status_code, response.json()["id"]) == (200, 7)


def test_any_credential_is_accepted_when_no_key_is_configured() -> None:
    with Emulator(catalogue(), EmulatorConfig(api_key=None)) as emu:
        anything = httpx.get(f"{emu.url}/movie/7", params={"api_key": "whatever"})
        nothing = httpx.get(f"{emu.url}/movie/7")
    assert (anything.status_code, nothing.status_code) == (200, 401)


def changes_catalogue(now: datetime) -> list[dict[str, Any]]:
    movies = [movie(i, DAYS[0], _changed_at=f"2024-01-10T{i % 24:02d}:30:00Z") for i in range(1, 231)]
    movies[0] |= {"_deleted": True, "adult": None}
    movies += [
        movie(300, DAYS[0], _changed_at="2024-01-11T00:00:00Z"),  # just after a window ending 2024-01-10
        movie(301, DAYS[0], _changed_at="2023-12-27T00:00:00+00:00"),  # 14 days before 2024-01-10
        movie(302, DAYS[0], _changed_at=(now - timedelta(hours=1)).isoformat()),
        movie(303, DAYS[0], _changed_at=(now - timedelta(days=3)).isoformat()),
    ]
    return movies


def test_changes_pages_of_100_inclusive_days_and_14_day_limit() -> None:
    now = datetime.now(UTC)
    with (
        Emulator(changes_catalogue(now)) as emu,
        httpx.Client(base_url=emu.url, params={"api_key": KEY}) as http,
    ):
        day = {"start_date": "2024-01-10", "end_date": "2024-01-10"}
        pages = [http.get("/movie/changes", params={**day, "page": str(p)}).json() for p in (1, 2, 3)]
        fourteen = http.get("/movie/changes", params={"start_date": "2023-12-27", "end_date": "2024-01-10"})
        fifteen = http.get("/movie/changes", params={"start_date": "2023-12-26", "end_date": "2024-01-10"})
        default = http.get("/movie/changes").json()
    assert [len(p["results"]) for p in pages] == [100, 100, 30]
    assert {(p["total_pages"], p["total_results"]) for p in pages} == {(3, 230)}
    items = [item for p in pages for item in p["results"]]
    assert sorted(item["id"] for item in items) == list(range(1, 231))
    assert items[0] == {"id": 1, "adult": None}  # the deleted movie is reported too
    assert fourteen.status_code == 200 and fourteen.json()["total_results"] == 231
    assert (fifteen.status_code, fifteen.json()["status_code"]) == (422, 20)
    assert [item["id"] for item in default["results"]] == [302]


@pytest.mark.parametrize(
    ("path", "check"),
    [("/genre/movie/list", lambda b: b == {"genres": [{"id": i, "name": n} for i, n in reference.GENRES]}),
     ("/configuration", lambda b: b["images"]["secure_base_url"] == "https://image.tmdb.org/t/p/"
      and "original" in b["images"]["poster_sizes"] and "overview" in b["change_keys"])],
)  # fmt: skip
def test_reference_routes(client: httpx.Client, path: str, check: Any) -> None:
    response = client.get(path)
    assert response.status_code == 200 and check(response.json())


def test_languages_is_a_bare_array(client: httpx.Client) -> None:
    try:
        expected = reference.languages()
    except FileNotFoundError:
        pytest.skip("movie_assets/reference/data/languages.json is not there yet")
    response = client.get("/configuration/languages")
    assert response.status_code == 200 and response.json() == expected and isinstance(expected, list)


@pytest.mark.parametrize("path", ["/tv/7", "/discover/tv", "/movie/7/credits", "/", "/movie/"])
def test_unknown_paths_are_404_code_34(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_replace_movies_swaps_the_catalogue() -> None:
    with Emulator(catalogue()) as fresh, httpx.Client(base_url=fresh.url, params={"api_key": KEY}) as http:
        fresh.replace_movies([movie(500, DAYS[0])])
        assert http.get("/movie/500").status_code == 200
        assert http.get("/movie/7").status_code == 404
        assert http.get("/discover/movie").json()["total_results"] == 1
