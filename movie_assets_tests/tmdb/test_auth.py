from __future__ import annotations

import logging

import pytest

from movie_assets.tmdb.auth import (
    MIN_KEY_LENGTH,
    RedactingFilter,
    auth_for,
    looks_like_jwt,
    quiet_httpx_logging,
    redact,
)

KEY = "abcd1234secret"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhYmNkIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("credential", "headers", "params"),
    [
        (KEY, {}, {"api_key": KEY}),
        (f"  {KEY}\n", {}, {"api_key": KEY}),
        (JWT, {"Authorization": f"Bearer {JWT}"}, {}),
        (f"{JWT}\n", {"Authorization": f"Bearer {JWT}"}, {}),
        ("eyJabc.def", {}, {"api_key": "eyJabc.def"}),  # one dot: not a JWT
        ("eyJa.b.c.d", {}, {"api_key": "eyJa.b.c.d"}),  # three dots: not a JWT
        ("abc.def.ghi", {}, {"api_key": "abc.def.ghi"}),  # no JSON header prefix
    ],
)
def test_auth_for_sends_jwt_as_bearer_and_anything_else_as_api_key(
    credential: str, headers: dict[str, str], params: dict[str, str]
) -> None:
    assert auth_for(credential) == (headers, params)


@pytest.mark.parametrize(
    ("credential", "expected"), [(JWT, True), (KEY, False), ("eyJ..", True), ("", False)]
)
def test_looks_like_jwt(credential: str, expected: bool) -> None:
    assert looks_like_jwt(credential) is expected


@pytest.mark.parametrize("credential", ["", "   ", "\n"])
def test_auth_for_rejects_an_empty_credential_naming_the_variable(credential: str) -> None:
    with pytest.raises(ValueError, match="TMDB_API_KEY is empty"):
        auth_for(credential)


@pytest.mark.parametrize("credential", ["k", "e", "seven77", " seven77 \n"])
def test_auth_for_refuses_a_key_shorter_than_8_without_showing_it(credential: str) -> None:
    with pytest.raises(ValueError) as caught:
        auth_for(credential)
    message = str(caught.value)
    length = len(credential.strip())
    assert f"TMDB_API_KEY is {length} character{'s' if length > 1 else ''} long" in message
    assert f"at least {MIN_KEY_LENGTH}" in message and "themoviedb.org/settings/api" in message
    assert repr(credential.strip()) not in message


def test_auth_for_accepts_a_key_of_8() -> None:
    assert auth_for("eight888") == ({}, {"api_key": "eight888"})


def test_a_one_letter_secret_is_redacted_as_a_token_not_out_of_every_word() -> None:
    # Regression: redacting the key "e" turned "the key e" into "th*** k***y ***".
    text = "the key e was sent as api_key=e&page=1 and Bearer e; then e."
    assert redact(text, ["e"]) == "the key *** was sent as api_key=***&page=1 and Bearer ***; then ***."


def test_redacting_filter_redacts_given_secrets_as_tokens(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("movie_assets.test_auth")
    logger.addFilter(RedactingFilter([KEY]))
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("tried %s against the %s", KEY, "service")
        assert caplog.messages == ["tried *** against the service"]
    finally:
        logger.filters.clear()


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        (f"key {KEY} and again {KEY}", [KEY], "key *** and again ***"),
        ("/3/movie/1?api_key=deadbeef&page=2", [], "/3/movie/1?api_key=***&page=2"),
        ("/3/movie/1?page=2&api_key=deadbeef", [], "/3/movie/1?page=2&api_key=***"),
        (
            'GET http://h/3/x?api_key=deadbeef "HTTP/1.1 200 OK"',
            [],
            'GET http://h/3/x?api_key=*** "HTTP/1.1 200 OK"',
        ),
        (f"Authorization: Bearer {JWT}", [], "Authorization: Bearer ***"),
        (f"token={JWT}", [JWT], "token=***"),
        ("ab+cd/ef in url: ab%2Bcd%2Fef", ["ab+cd/ef"], "*** in url: ***"),
        ("abcd1234ef and abcd1234", ["abcd1234", "abcd1234ef"], "*** and ***"),
        ("nothing secret here", [None, "", "zzzzzzzz"], "nothing secret here"),
        # whole tokens: next to punctuation, quotes, an escape or the end of a sentence
        (f"key={KEY}. '{KEY}' ({KEY}),{KEY}", [KEY], "key=***. '***' (***),***"),
        (
            f"next=http%3A%2F%2Fh%2Fx%3Fapi_key%3D{KEY}%26page%3D2",
            [KEY],
            "next=http%3A%2F%2Fh%2Fx%3Fapi_key%3D***%26page%3D2",
        ),
        (f"{KEY}x and x{KEY} are other tokens", [KEY], f"{KEY}x and x{KEY} are other tokens"),
        (f"padded {KEY}", [f" {KEY} "], "padded ***"),
    ],
)
def test_redact(text: str, secrets: list[str | None], expected: str) -> None:
    assert redact(text, secrets) == expected


def test_quiet_httpx_logging_silences_info_and_redacts_urls_if_turned_back_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("httpx")
    saved_level, saved_filters = logger.level, list(logger.filters)
    try:
        logger.setLevel(logging.INFO)
        quiet_httpx_logging()
        quiet_httpx_logging()  # idempotent: one filter, not two
        assert logger.level == logging.WARNING
        assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1
        with caplog.at_level(logging.INFO, logger="httpx"):
            logger.info('HTTP Request: %s %s "%s"', "GET", f"http://h/3/x?api_key={KEY}&page=1", "200 OK")
        assert KEY not in caplog.text
        assert "api_key=***&page=1" in caplog.text
    finally:
        logger.setLevel(saved_level)
        logger.filters[:] = saved_filters
