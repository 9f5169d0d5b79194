"""The API's behaviour, driven with httpx through the ASGI app over a small artifact set (fake embedder)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from movie_assets.api import SET_HEADER, LiveSearcher, create_app
from movie_assets.search import MAX_QUERY_CHARS, Searcher, SearchParams
from movie_assets_tests.catalogues import build_search_artifacts, drop_last_payload_row
from movie_assets_tests.fakes import FakeEmbedder

HIT_FIELDS = {
    "movie_id", "title", "year", "original_language", "genres", "score", "rank", "components", "overview",
    "poster_path", "cast", "directors", "runtime", "vote_count", "original_title", "alt_titles",
}  # fmt: skip


def fake_opener(path: Path, embedder: Any) -> Searcher:
    return Searcher.open(path, embedder=embedder or FakeEmbedder())


def _client(live: LiveSearcher, **options: Any) -> httpx.Client:
    """An httpx client that calls the ASGI app in process (no lifespan: the test opened the set)."""
    return TestClient(create_app(live, watch=False, **options), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_search_artifacts(tmp_path_factory.mktemp("api") / "artifacts")


@pytest.fixture(scope="module")
def client(artifacts: Path) -> httpx.Client:
    live = LiveSearcher(artifacts, opener=fake_opener)
    live.refresh()
    return _client(live)


def test_get_search_answers_how_the_query_was_read_and_the_hits_as_search_json_prints_them(
    client: httpx.Client, artifacts: Path
) -> None:
    response = client.get("/search", params={"q": "malayalam thriller after 2015", "k": 3, "method": "bm25"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"]["method"] == "bm25" and body["query"]["detected_language"] == "ml"
    assert body["query"]["year_min"] == 2016 and body["query"]["policy"] == "auto-soft"
    searcher = Searcher.open(artifacts, embedder=FakeEmbedder())
    library = searcher.search("malayalam thriller after 2015", k=3, method="bm25")
    # The hits are exactly the library's, serialised through Hit.to_dict (the `search --json` path).
    assert body["hits"] == json.loads(json.dumps([hit.to_dict() for hit in library.hits]))
    assert all(hit["year"] >= 2016 for hit in body["hits"]) and body["hits"][0]["original_language"] == "ml"
    assert set(body["hits"][0]) >= HIT_FIELDS
    assert response.headers[SET_HEADER] == searcher.set_id


def test_post_search_takes_the_same_fields_as_a_body_and_accepts_the_longest_query(
    client: httpx.Client,
) -> None:
    short = client.post("/search", json={"q": "space station mars", "k": 2, "method": "mmr"})
    assert short.status_code == 200 and len(short.json()["hits"]) == 2
    assert short.json()["query"]["method"] == "mmr"
    longest = ("astronauts repair a space station " * MAX_QUERY_CHARS)[: MAX_QUERY_CHARS - 1]
    answer = client.post("/search", json={"q": longest, "k": 3})
    assert answer.status_code == 200 and answer.json()["hits"][0]["title"].startswith("Space Station")


def test_every_knob_is_a_parameter_with_the_library_default(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    names = {p["name"]: p for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert set(names) == {"q"} | {knob.name for knob in SearchParams.knobs()}
    for knob in SearchParams.knobs():
        # A list of films is a repeated parameter: its default is the empty list.
        default = list(knob.default) if knob.kind is tuple else knob.default
        assert names[knob.name]["schema"].get("default", default) == default, knob.name
    assert names["q"]["required"] is True
    body = schema["components"]["schemas"]["SearchRequest"]
    assert set(body["properties"]["method"]["enum"]) == set(SearchParams.knobs()[1].choices or ())


@pytest.mark.parametrize(
    ("params", "parameter", "says"),
    [
        ({"q": "heat", "k": 0}, "k", "k must be a whole number from 1 to 1000, got 0"),
        ({"q": "heat", "k": "many"}, "k", "k must be a whole number"),
        ({"q": "heat", "method": "magic"}, "method", "unknown method 'magic'"),
        ({"q": "heat", "lang_policy": "loud"}, "lang_policy", "unknown language policy 'loud'"),
        ({"q": "heat", "mmr_lambda": 2}, "mmr_lambda", "mmr_lambda must be in [0, 1], got 2"),
        ({"q": "heat", "w_dense": "nan"}, "w_dense", "w_dense must be a finite number"),
        ({"q": "heat", "w_dense": 0, "w_sparse": 0}, "w_dense", "not both 0"),
        ({"q": "heat", "year_min": 2020, "year_max": 2000}, "year_min", "year_min 2020 is after year_max"),
        ({"q": "   "}, "q", "the query is empty"),
        ({"q": "x" * (MAX_QUERY_CHARS + 1)}, "q", "more than the 20,000 allowed"),
        ({"k": 3}, "q", "q is required"),
        ({"q": "heat", "methd": "bm25"}, "methd", "unknown parameter 'methd'"),
    ],
)
def test_bad_input_is_a_422_that_names_the_parameter(
    client: httpx.Client, params: dict[str, Any], parameter: str, says: str
) -> None:
    for response in (
        client.post("/search", json=params),
        *([client.get("/search", params=params)] if len(str(params)) < 4000 else []),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["parameter"] == parameter and says in response.json()["detail"]


def test_a_body_that_is_not_a_json_object_is_a_422(client: httpx.Client) -> None:
    for content in (b"{not json", b"[1, 2]", b'"heat"'):
        response = client.post("/search", content=content, headers={"content-type": "application/json"})
        assert response.status_code == 422 and "JSON" in response.json()["detail"]
    assert client.post("/search", json={"q": "heat", "k": True}).status_code == 422


def test_an_unavailable_cross_encoder_is_a_422_saying_why(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch, artifacts: Path
) -> None:
    monkeypatch.setenv("CROSS_ENCODER_NAME", str(artifacts / "no-such-model"))
    live = LiveSearcher(artifacts, opener=fake_opener)
    live.refresh()
    response = _client(live).get("/search", params={"q": "heat", "method": "ce"})
    assert response.status_code == 422 and response.json()["parameter"] == "method"
    assert (
        "ce is unavailable here" in response.json()["detail"] and "no-such-model" in response.json()["detail"]
    )


def test_one_movie_and_its_neighbours(client: httpx.Client) -> None:
    movie = client.get("/movies/8")
    assert movie.status_code == 200 and movie.json()["title"] == "Space Station Alpha"
    similar = client.get("/movies/8/similar", params={"k": 2})
    assert similar.status_code == 200
    hits = similar.json()["hits"]
    # The two other films with the same overview are its nearest neighbours; the movie itself is left out.
    assert {hit["movie_id"] for hit in hits} == {9, 10} and [hit["rank"] for hit in hits] == [1, 2]
    assert hits[0]["components"]["dense_rank"] == 1 and set(hits[0]) >= HIT_FIELDS
    filtered = client.get("/movies/8/similar", params={"k": 5, "year_min": 2012}).json()["hits"]
    assert filtered and all(hit["year"] >= 2012 for hit in filtered)


@pytest.mark.parametrize("path", ["/movies/99999", "/movies/-1", "/movies/99999/similar"])
def test_an_unknown_movie_is_a_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and path.split("/")[2] in response.json()["detail"]
    assert response.json()["parameter"] == "movie_id"


def test_a_movie_id_that_is_not_a_number_is_a_422(client: httpx.Client) -> None:
    response = client.get("/movies/heat")
    assert response.status_code == 422 and response.json()["parameter"] == "movie_id"
    assert client.get("/movies/8/similar", params={"k": 0}).json()["parameter"] == "k"


def test_health_reports_the_manifest(client: httpx.Client, artifacts: Path) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["count"] == 14 and body["encoder"] == FakeEmbedder().name
    assert body["built_at"] and body["set_id"] == Searcher.open(artifacts, embedder=FakeEmbedder()).set_id


def test_without_artifacts_health_and_search_are_503_with_the_rebuild_hint(tmp_path: Path) -> None:
    live = LiveSearcher(tmp_path / "artifacts", opener=fake_opener)
    live.refresh()
    client = _client(live)
    for response in (client.get("/health"), client.get("/search", params={"q": "heat"})):
        assert response.status_code == 503 and "movie-assets build" in response.json()["detail"]
    # A bad query is still reported as such first.
    assert client.get("/search", params={"q": ""}).status_code == 422


def test_damaged_artifacts_are_a_503_with_the_rebuild_hint(tmp_path: Path) -> None:
    folder = build_search_artifacts(tmp_path / "artifacts")
    drop_last_payload_row(folder)
    live = LiveSearcher(folder, opener=fake_opener)
    live.refresh()
    response = _client(live).get("/movies/1")
    assert response.status_code == 503 and "movie-assets build" in response.json()["detail"]


def test_a_request_over_the_time_limit_is_a_504(artifacts: Path) -> None:
    class Slow(Searcher):
        def search(self, *args: Any, **kwargs: Any) -> Any:
            import time

            time.sleep(0.5)
            return super().search(*args, **kwargs)

    live = LiveSearcher(artifacts, opener=lambda path, _: Slow.open(path, embedder=FakeEmbedder()))
    live.refresh()
    response = _client(live, time_limit_s=0.1).get("/search", params={"q": "heat"})
    assert response.status_code == 504 and "0.1 s limit" in response.json()["detail"]


def test_metrics_count_requests_by_endpoint_and_search_method(artifacts: Path) -> None:
    live = LiveSearcher(artifacts, opener=fake_opener)
    live.refresh()
    client = _client(live)
    for method in ("bm25", "bm25", "hybrid"):
        assert client.get("/search", params={"q": "heat", "method": method}).status_code == 200
    client.get("/movies/5")
    client.get("/movies/123456")
    text = client.get("/metrics").text
    assert 'movie_assets_api_requests_total{endpoint="/search",method="bm25",status="200"} 2.0' in text
    assert 'movie_assets_api_requests_total{endpoint="/search",method="hybrid",status="200"} 1.0' in text
    assert 'endpoint="/movies/{movie_id}",method="",status="404"} 1.0' in text
    assert 'movie_assets_api_request_seconds_count{endpoint="/search",method="bm25"} 2.0' in text


def test_no_docs_page_that_would_fetch_from_another_host(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_fields_added_to_the_result_reach_the_answer_as_json() -> None:
    from dataclasses import dataclass

    from movie_assets.api.schemas import answer
    from movie_assets.search import SearchResult

    @dataclass(frozen=True)
    class Reading:
        terms: tuple[str, ...]

    @dataclass(frozen=True)
    class Later(SearchResult):
        parsed: Reading | None = None

    result = Later(hits=(), method="bm25", detected_language=None, language_name=None, policy="off",
                   query_used="heat", notes=("a note",), parsed=Reading(("heat",)))  # fmt: skip
    body = json.loads(json.dumps(answer(result)))
    assert body["query"]["parsed"] == {"terms": ["heat"]} and body["query"]["notes"] == ["a note"]
