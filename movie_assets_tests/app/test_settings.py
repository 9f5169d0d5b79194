"""The sidebar's settings and the URL: every knob comes from SearchParams, only changes reach the URL."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from movie_assets.app.settings import (
    APP_PARAMS,
    LIMITS,
    Settings,
    films_of,
    films_text,
    more_like_this,
    settings_from_params,
    settings_to_params,
)
from movie_assets.search import SearchParams


@pytest.mark.parametrize(
    ("params", "expected", "problems"),
    [
        ({}, Settings(), ()),
        ({"q": "  heist  ", "method": "bm25", "k": "25"}, Settings.of(q="heist", method="bm25", k=25), ()),
        ({"k": ["5", "7"]}, Settings.of(k=7), ()),
        ({"mmr_lambda": "0.5", "w_sparse": "2"}, Settings.of(mmr_lambda=0.5, w_sparse=2.0), ()),
        ({"year_min": "1990", "year_max": "1999"}, Settings.of(year_min=1990, year_max=1999), ()),
        ({"images": "1", "lang_policy": "off"}, Settings.of(images=True, lang_policy="off"), ()),
        ({"method": "magic"}, Settings(),
         ("ignored method='magic' in the URL (choose one of hybrid, retrieval, bm25, blend, ce, mmr)",)),
        ({"k": "0"}, Settings(), ("ignored k='0' in the URL (outside 1-100)",)),
        ({"k": "ten", "q": "x"}, Settings(q="x"), ("ignored k='ten' in the URL (not a whole number)",)),
        ({"w_dense": "much"}, Settings(), ("ignored w_dense='much' in the URL (not a number)",)),
        ({"images": "maybe"}, Settings(), ("ignored images='maybe' in the URL (use 1 or 0)",)),
        ({"year_min": "2020", "year_max": "2010"}, Settings(),
         ("ignored the year range 2020-2010 in the URL (it is reversed)",)),
        ({"w_dense": "0", "w_sparse": "0", "k": "5"}, Settings(),
         ("ignored the search settings in the URL "
          "(w_dense and w_sparse must be >= 0 and not both 0, got 0.0, 0.0)",)),
        ({"unknown": "1"}, Settings(), ()),
    ],
)  # fmt: skip
def test_settings_from_params(params: dict[str, Any], expected: Settings, problems: tuple[str, ...]) -> None:
    assert settings_from_params(params) == (expected, problems)


def test_settings_from_params_starts_from_the_given_defaults() -> None:
    settings, _ = settings_from_params({"q": "x"}, Settings(images=True))
    assert settings == Settings(q="x", images=True)


@pytest.mark.parametrize(
    ("settings", "defaults", "params"),
    [
        (Settings(), None, {}),
        (Settings.of(q="noir", method="mmr", mmr_lambda=0.55), None,
         {"q": "noir", "method": "mmr", "mmr_lambda": "0.55"}),
        (Settings.of(year_min=2001, w_dense=1.5, images=True), None,
         {"year_min": "2001", "w_dense": "1.5", "images": "1"}),
        (Settings(images=False), Settings(images=True), {"images": "0"}),
        (Settings(images=True), Settings(images=True), {}),
    ],
)  # fmt: skip
def test_settings_to_params(settings: Settings, defaults: Settings | None, params: dict[str, str]) -> None:
    assert settings_to_params(settings, defaults) == params
    assert settings_from_params(params, defaults) == (settings, ())


def test_the_knobs_are_the_library_ones_with_a_shorter_list() -> None:
    """The URL and session keys are q, every SearchParams field, images; only k differs from the library."""
    names = [f.name for f in fields(SearchParams)]
    assert list(Settings().values()) == ["q", *names, "images"]
    assert Settings().params == APP_PARAMS == SearchParams(k=10)
    assert Settings.of(k=7, method="bm25").params == SearchParams(k=7, method="bm25")


def test_every_number_knob_has_sidebar_limits_inside_the_library_ones() -> None:
    numbers = {k.name: k for k in SearchParams.knobs() if k.choices is None and k.kind is not tuple}
    assert set(LIMITS) == set(numbers)
    for name, (low, high) in LIMITS.items():
        knob = numbers[name]
        assert knob.low is None or low >= knob.low, name
        assert knob.high is None or high <= knob.high, name


def test_film_lists_travel_as_repeated_url_parameters() -> None:
    """like/unlike: every repeated value is a film (not only the last), and they go back out as lists."""
    settings, problems = settings_from_params(
        {"q": "", "like": ["Drishyam (2013)", " 12345 "], "unlike": "Heat"}
    )
    assert problems == ()
    assert (settings.params.like, settings.params.unlike) == (("Drishyam (2013)", "12345"), ("Heat",))
    assert settings_to_params(settings) == {"like": ["Drishyam (2013)", "12345"], "unlike": ["Heat"]}
    assert settings_from_params({"like": ["x" * 400]})[1] == (
        "ignored like=['" + "x" * 400 + "'] in the URL (like takes film titles (1 to 300 characters) or ids, "
        "got '" + "x" * 400 + "')",
    )


def test_more_like_this_is_that_film_alone_with_no_text() -> None:
    before = Settings.of(q="heist", k=5, unlike=("Heat",), like=("Drishyam",), images=True)
    after = more_like_this(before, 42)
    assert (after.q, after.params.like, after.params.unlike, after.params.k, after.images) == (
        "", ("42",), ("Heat",), 5, True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "films"),
    [("", ()), ("Drishyam (2013); 12345", ("Drishyam (2013)", "12345")), (" ; Heat ;; ", ("Heat",))],
)
def test_the_film_boxes_split_on_semicolons(text: str, films: tuple[str, ...]) -> None:
    assert films_of(text) == films
    assert films_of(films_text(films)) == films
