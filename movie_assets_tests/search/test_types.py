"""The knobs and the query are checked before any search runs; hits serialise to plain JSON values."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest

from movie_assets.search.types import (
    LANGUAGE_POLICIES,
    MAX_K,
    MAX_QUERY_CHARS,
    METHODS,
    Components,
    Hit,
    QueryError,
    Reason,
    SearchParams,
    clean_query,
)


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"k": 0}, "k must be a whole number from 1 to 1000"),
        ({"k": -3}, "k must be"),
        ({"k": 10_001}, "k must be"),
        ({"k": 2.5}, "k must be"),
        ({"method": "semantic"}, "unknown method 'semantic'; choose one of hybrid, retrieval, bm25"),
        ({"lang_policy": "strict"}, "unknown language policy 'strict'"),
        ({"hybrid_dense_k": 0}, "hybrid_dense_k must be"),
        ({"hybrid_sparse_k": 50_000}, "hybrid_sparse_k must be"),
        ({"rrf_k": -1}, "rrf_k must be a whole number >= 0, got -1"),
        ({"rrf_k": 2.5}, "rrf_k must be a whole number >= 0, got 2.5"),
        ({"w_dense": -1.0}, "w_dense must be >= 0, got -1.0"),
        ({"w_dense": 0.0, "w_sparse": 0.0}, "w_dense and w_sparse must be >= 0 and not both 0, got 0.0, 0.0"),
        ({"w_sparse": float("nan")}, "w_sparse must be a finite number, got nan"),
        ({"w_sparse": "1"}, "w_sparse must be a finite number, got '1'"),
        ({"mmr_lambda": 1.5}, r"mmr_lambda must be in \[0, 1\], got 1.5"),
        ({"mmr_lambda": -0.1}, "mmr_lambda must be in"),
        ({"min_votes": -1}, "min_votes must be a whole number >= 0, got -1"),
        ({"year_min": "2000"}, "year_min must be a whole number, got '2000'"),
        ({"year_min": 2020, "year_max": 2010}, "year_min 2020 is after year_max 2010"),
    ],
)
def test_bad_knobs_raise_query_error(knobs: dict[str, Any], message: str) -> None:
    """Every bad knob is a QueryError (a ValueError) that names the knob and the value."""
    with pytest.raises(QueryError, match=message):
        SearchParams(**knobs)
    assert issubclass(QueryError, ValueError)


# Values of the wrong type for every knob: text for numbers, numbers for text, containers, bytes, booleans
# (a bool is an int to Python, never a knob value), None where the default is not None, and numbers that
# are not finite or not whole.
WRONG_FOR_NUMBERS: tuple[Any, ...] = (
    "1",
    b"1",
    True,
    False,
    [1],
    {"k": 1},
    (1,),
    complex(1, 0),
    float("nan"),
    float("inf"),
    object(),
)
WRONG_FOR_TEXT: tuple[Any, ...] = (1, 0.5, True, None, b"hybrid", ["hybrid"], {"hybrid": 1}, object())


@pytest.mark.parametrize("knob", SearchParams.knobs(), ids=lambda knob: knob.name)
def test_every_knob_refuses_values_of_the_wrong_type(knob: Any) -> None:
    """Each knob, not only the ones with a hand-written case above: a QueryError naming it, never a
    TypeError or a value silently used."""
    wrong = list(WRONG_FOR_TEXT if knob.choices else WRONG_FOR_NUMBERS)
    if knob.kind is tuple:  # a list of films: titles or ids, never a bare title or other values
        wrong = ["Drishyam", b"x", 1, None, {"Drishyam": 1}, ["  "], [""], [1.5], [True], [b"x"], [None],
                 [2**63], ["x" * 1_000], ["Heat"] * 1_000]  # fmt: skip
    if knob.kind is int:
        wrong += [1.5, 2.0]  # a float is not a whole number, even when it has no fraction
    if knob.default is not None and not knob.choices:
        wrong.append(None)
    for value in wrong:
        with pytest.raises(QueryError, match=knob.label or knob.name):
            SearchParams(**{knob.name: value})


def test_default_knobs() -> None:
    p = SearchParams()
    assert (p.k, p.method, p.lang_policy, p.hybrid_dense_k, p.hybrid_sparse_k, p.rrf_k) == (
        20, "hybrid", "auto-soft", 500, 500, 60,
    )  # fmt: skip
    assert (p.w_dense, p.w_sparse, p.mmr_lambda, p.min_votes, p.year_min, p.year_max) == (
        1.0,
        1.0,
        0.3,
        0,
        None,
        None,
    )


def test_each_knob_is_described_once_on_its_field() -> None:
    """Every field has its Knob: the same name and default, a type, help text and what is allowed."""
    knobs = {knob.name: knob for knob in SearchParams.knobs()}
    defaults = SearchParams()
    assert list(knobs) == [f.name for f in fields(SearchParams)]
    for name, knob in knobs.items():
        assert knob.default == getattr(defaults, name) and knob.help and knob.kind in (int, float, str, tuple)
    assert (knobs["method"].choices, knobs["lang_policy"].choices) == (METHODS, LANGUAGE_POLICIES)
    assert (knobs["k"].low, knobs["k"].high, knobs["mmr_lambda"].low, knobs["mmr_lambda"].high) == (
        1,
        MAX_K,
        0,
        1,
    )
    assert knobs["year_min"].kind is int and knobs["year_min"].problem(None) is None
    assert knobs["k"].problem(None) == "k must be a whole number from 1 to 1000, got None"


@pytest.mark.parametrize(
    ("query", "cleaned"),
    [
        ("  heist\tthriller \n", "heist thriller"),
        ("🎬🍿 popcorn", "🎬🍿 popcorn"),
        ("'; DROP TABLE movies; --", "'; DROP TABLE movies; --"),
        ("Tamil திரைப்படம் 映画", "Tamil திரைப்படம் 映画"),
        ("null\x00byte", "null byte"),
        ("x" * MAX_QUERY_CHARS, "x" * MAX_QUERY_CHARS),
    ],
    ids=["whitespace", "emoji", "sql", "mixed-scripts", "control", "at-limit"],
)
def test_clean_query_keeps_text(query: str, cleaned: str) -> None:
    """Odd but meaningful text passes through; only control characters and extra spaces go."""
    assert clean_query(query) == cleaned


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "the query is empty"),
        ("   \n\t ", "the query is empty"),
        ("\x00\x01", "the query is empty"),
        ("y" * 20_001, "the query has 20,001 characters, more than the 20,000 allowed"),
        (None, "the query must be text, got NoneType"),
    ],
    ids=["empty", "whitespace", "controls-only", "too-long", "not-text"],
)
def test_clean_query_rejects(query: Any, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        clean_query(query)


def test_hit_to_dict_is_json_ready() -> None:
    """A hit becomes the §8 fields with lists and a nested components object."""
    hit = Hit(
        movie_id=7, title="Heat", year=1995, original_language="en", genres=("Crime",), score=0.5, rank=1,
        components=Components(dense_rank=2, bm25_rank=None, fused=0.03, boosts={"language": 1.2}),
        overview=None, poster_path="/p.jpg", cast=("A", "B"), directors=("M",), runtime=170, vote_count=9,
        why=(Reason("constraint", "Crime"),), original_title="Heat", alt_titles=("ഹീറ്റ്", "Heat Wave"),
    )  # fmt: skip
    data = json.loads(json.dumps(hit.to_dict()))
    assert data == {
        "movie_id": 7, "title": "Heat", "year": 1995, "original_language": "en", "genres": ["Crime"],
        "score": 0.5, "rank": 1,
        "components": {"dense_rank": 2, "bm25_rank": None, "fused": 0.03, "boosts": {"language": 1.2}},
        "why": [{"kind": "constraint", "text": "Crime"}],
        "overview": None, "poster_path": "/p.jpg", "cast": ["A", "B"], "directors": ["M"], "runtime": 170,
        "vote_count": 9, "original_title": "Heat", "alt_titles": ["ഹീറ്റ്", "Heat Wave"],
    }  # fmt: skip
    # The dict's containers are its own: a caller editing the answer leaves the hit as it was.
    out = hit.to_dict()
    out["components"]["boosts"]["recency"] = 2.0
    out["why"][0]["text"] = "changed"
    assert hit.components.boosts == {"language": 1.2} and hit.why == (Reason("constraint", "Crime"),)
