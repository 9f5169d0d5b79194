"""Seed films over HTTP: `like`/`unlike` as repeated query parameters and as lists in a POST body; what
cannot be used is a note in the answer, not an error; an empty query needs a liked film."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from movie_assets.api import LiveSearcher, create_app
from movie_assets.search import Searcher
from movie_assets_tests.catalogues import SEED_MOVIES, build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_search_artifacts(tmp_path_factory.mktemp("api-like") / "artifacts", SEED_MOVIES)


@pytest.fixture(scope="module")
def client(artifacts: Path) -> httpx.Client:
    live = LiveSearcher(artifacts, opener=lambda path, _: Searcher.open(path, embedder=FakeEmbedder()))
    live.refresh()
    return TestClient(create_app(live, watch=False), raise_server_exceptions=False)


def _ids(body: dict) -> list[int]:
    return [hit["movie_id"] for hit in body["hits"]]


def test_get_takes_repeated_like_and_unlike(client: httpx.Client, artifacts: Path) -> None:
    params = [("q", ""), ("like", "Drishyam (2013)"), ("like", "107"), ("unlike", "Mind Thieves"), ("k", "5")]
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    seeds = [(s["movie_id"], s["liked"]) for s in body["query"]["seeds"]]
    assert seeds == [(101, True), (107, True), (110, False)]
    library = Searcher.open(artifacts, embedder=FakeEmbedder()).search(
        "", like=["Drishyam (2013)", "107"], unlike=["Mind Thieves"], k=5
    )
    assert _ids(body) == [hit.movie_id for hit in library.hits]
    assert not {101, 107, 110} & set(_ids(body))
    seed_reasons = [r["text"] for hit in body["hits"] for r in hit["why"] if r["kind"] == "seed"]
    assert any(text.startswith("like Drishyam (2013): directed by Jeethu Joseph") for text in seed_reasons)


def test_post_takes_lists_of_titles_and_ids(client: httpx.Client) -> None:
    response = client.post("/search", json={"q": "like Drishyam", "like": [107], "unlike": [], "k": 4})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(s["movie_id"], s["liked"]) for s in body["query"]["seeds"]] == [(102, True), (107, True)]
    assert any("the most voted of 2 films" in note for note in body["query"]["notes"])


def test_unknown_and_contradicting_seeds_are_notes_not_errors(client: httpx.Client) -> None:
    response = client.get(
        "/search", params=[("q", "family"), ("like", "No Such Film"), ("like", "101"), ("unlike", "101"),
                           ("unlike", "999999")],
    )  # fmt: skip
    assert response.status_code == 200, response.text
    notes = response.json()["query"]["notes"]
    assert "'No Such Film' is not a title in this catalogue; like 'No Such Film' is not used" in notes
    assert "no movie with id 999999 here; unlike 999999 is not used" in notes
    assert any("is both liked and unliked" in note for note in notes)
    assert response.json()["hits"] and 101 not in _ids(response.json())


@pytest.mark.parametrize(
    ("request_args", "parameter", "says"),
    [
        ({"params": {"q": ""}}, "q", "the query is empty"),
        ({"params": [("q", ""), ("unlike", "101")]}, "q", "the query is empty"),
        ({"json": {"q": "heat", "like": "Drishyam"}}, "like", "like takes film titles or ids"),
        ({"json": {"q": "heat", "like": [1.5]}}, "like", "like takes film titles or ids"),
        ({"json": {"q": "heat", "like": ["x"] * 51}}, "like", "at most 50"),
        ({"params": [("q", "heat"), ("like", "  ")]}, "like", "film titles"),
    ],
)
def test_bad_seed_lists_and_empty_queries_are_422(
    client: httpx.Client, request_args: dict, parameter: str, says: str
) -> None:
    method = client.post if "json" in request_args else client.get
    response = method("/search", **request_args)
    assert response.status_code == 422, response.text
    assert response.json()["parameter"] == parameter and says in response.json()["detail"]
