"""Property-based: no request, however malformed, gets a 500; every refusal is a 4xx naming what was wrong."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movie_assets.api import LiveSearcher, create_app
from movie_assets.search import Searcher, SearchParams
from movie_assets_tests.catalogues import build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder

KNOBS = {knob.name: knob for knob in SearchParams.knobs()}
NAMES = st.sampled_from(["q", *KNOBS, "artifacts", "K", ""])
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
# Values near every edge a knob has: its choices, its bounds and past them, numbers as text, junk.
SCALARS = st.one_of(
    TEXT,
    st.sampled_from([c for k in KNOBS.values() for c in (k.choices or ())]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=2_100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3)
)
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
ANSWERED = {200, 404, 422}


def _as_param(value: Any) -> str:
    return value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    artifacts = build_search_artifacts(tmp_path_factory.mktemp("props") / "artifacts")
    live = LiveSearcher(artifacts, opener=lambda path, _: Searcher.open(path, embedder=FakeEmbedder()))
    live.refresh()
    return TestClient(create_app(live, watch=False), raise_server_exceptions=False)


def _checked(response: Any) -> None:
    assert response.status_code in ANSWERED, (response.status_code, response.text)
    if response.status_code != 200:
        assert response.json()["detail"]


@SETTINGS
@given(st.dictionaries(NAMES, SCALARS, max_size=6), st.booleans())
def test_search_never_fails_on_any_query_parameters(client: TestClient, params: dict, with_q: bool) -> None:
    if with_q:
        params.setdefault("q", "police crime")
    _checked(client.get("/search", params={name: _as_param(value) for name, value in params.items()}))


@SETTINGS
@given(st.one_of(JSON, st.dictionaries(NAMES, JSON, max_size=6)))
def test_search_never_fails_on_any_json_body(client: TestClient, body: Any) -> None:
    # Python's encoder writes NaN and Infinity, which JSON does not have: junk a client may well send.
    content = json.dumps(body).encode()
    _checked(client.post("/search", content=content, headers={"content-type": "application/json"}))


@SETTINGS
@given(st.one_of(TEXT.filter(lambda t: t not in ("", ".", "..")), st.integers(-(2**70), 2**70)))
def test_movies_never_fail_on_any_id(client: TestClient, movie_id: Any) -> None:
    path = quote(str(movie_id), safe="")
    for url in (f"/movies/{path}", f"/movies/{path}/similar"):
        response = client.get(url)
        _checked(response)


@SETTINGS
@given(st.integers(1, 14), st.dictionaries(NAMES, SCALARS, max_size=4))
def test_similar_never_fails_on_any_parameters(client: TestClient, movie_id: int, params: dict) -> None:
    query = {name: _as_param(value) for name, value in params.items()}
    _checked(client.get(f"/movies/{movie_id}/similar", params=query))
