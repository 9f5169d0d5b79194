from __future__ import annotations

from pathlib import Path

import pytest

from movie_assets.config import (
    DEFAULT_EMBED_MODEL,
    DEFAULT_RATE_LIMIT,
    REPO_ROOT,
    PosterSettings,
    Settings,
    TMDbSettings,
    parse_languages,
)


def test_an_empty_environment_gives_the_documented_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.home == (REPO_ROOT / "data").resolve()
    assert settings.embed_model == DEFAULT_EMBED_MODEL
    assert settings.tmdb == TMDbSettings()
    assert settings.tmdb.url == "https://api.themoviedb.org/3"
    assert settings.tmdb.rate_limit == DEFAULT_RATE_LIMIT == 35.0


def test_every_variable_is_read_and_typed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MOVIE_ASSETS_HOME": str(tmp_path),
            "EMBED_MODEL_NAME": "some/model",
            "TMDB_BASE_URL": " http://127.0.0.1:8765/3/ ",
            "TMDB_API_KEY": "k",
            "TMDB_RATE_LIMIT": " 12.5 ",
            "TMDB_SCOPE_LANGUAGES": "ml, TA,,",
            "TMDB_SCOPE_MIN_VOTES": "5",
            "TMDB_SCOPE_INCLUDE_ADULT": "Yes",
        }
    )
    assert (settings.home, settings.embed_model) == (tmp_path.resolve(), "some/model")
    assert settings.tmdb == TMDbSettings(
        base_url="http://127.0.0.1:8765/3/",
        api_key="k",
        rate_limit=12.5,
        languages=("ml", "ta"),
        min_votes=5,
        include_adult=True,
    )
    assert settings.tmdb.url == "http://127.0.0.1:8765/3"


@pytest.mark.parametrize(
    ("text", "languages"), [("", ()), ("ml", ("ml",)), (" ml ,TA, ", ("ml", "ta")), (",,", ())]
)
def test_parse_languages(text: str, languages: tuple[str, ...]) -> None:
    assert parse_languages(text) == languages


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TMDB_RATE_LIMIT": "fast"}, "TMDB_RATE_LIMIT must be a number of requests per second, got 'fast'"),
        ({"TMDB_RATE_LIMIT": "-1"}, "TMDB_RATE_LIMIT must be positive"),
        ({"TMDB_SCOPE_MIN_VOTES": "5.5"}, "TMDB_SCOPE_MIN_VOTES must be a whole number"),
    ],
)
def test_malformed_variables_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TMDbSettings.from_env(environ)


@pytest.mark.parametrize(
    ("raw", "include"), [("", False), ("0", False), ("no", False), ("1", True), ("true", True)]
)
def test_include_adult_reads_a_yes(raw: str, include: bool) -> None:
    assert TMDbSettings.from_env({"TMDB_SCOPE_INCLUDE_ADULT": raw}).include_adult is include


def test_poster_settings_default_to_tmdbs_image_host() -> None:
    settings = PosterSettings.from_env({})
    assert settings == PosterSettings()
    assert (settings.base_url, settings.size, settings.limit_bytes) == (
        "https://image.tmdb.org/t/p", "w342", 256 * 2**20
    )  # fmt: skip


def test_poster_settings_are_read_and_typed() -> None:
    env = {"POSTER_BASE_URL": "http://127.0.0.1:9/t/p/", "POSTER_SIZE": "w185", "POSTER_CACHE_MB": "0.5"}
    assert PosterSettings.from_env(env) == PosterSettings("http://127.0.0.1:9/t/p", "w185", 2**19)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("POSTER_BASE_URL", "image.tmdb.org/t/p", "POSTER_BASE_URL must be an http"),
        ("POSTER_SIZE", "huge", "POSTER_SIZE must be one of TMDb's sizes"),
        ("POSTER_SIZE", "/w342", "POSTER_SIZE must be one of TMDb's sizes"),
        ("POSTER_CACHE_MB", "lots", "POSTER_CACHE_MB must be a number"),
        ("POSTER_CACHE_MB", "0", "POSTER_CACHE_MB must be positive"),
    ],
)
def test_bad_poster_settings_say_which_and_why(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PosterSettings.from_env({name: value})
