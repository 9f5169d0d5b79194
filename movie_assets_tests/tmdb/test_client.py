from __future__ import annotations

import asyncio
import logging
import pickle
import time
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

import httpx
import pytest

from movie_assets.tmdb.client import (
    TMDbAuthError,
    TMDbClient,
    TMDbCredentialError,
    TMDbNotFound,
    TMDbRequestError,
    TMDbUnavailable,
)
from movie_assets.tmdb.ratelimit import TokenBucket, default_burst

BASE = "http://tmdb.test/3"
KEY = "abcd1234secret"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhYmNkIn0.c2lnbmF0dXJl"
MOVIE = {"id": 11, "title": "Star Wars", "credits": {"cast": [], "crew": []}, "keywords": {"keywords": []}}
PAGE = {"page": 1, "results": [{"id": 11}, {"id": 12}], "total_pages": 1, "total_results": 2}
INVALID_KEY = {
    "success": False,
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
}
NOT_FOUND = {
    "success": False,
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
}
HTML_503 = b"<html><head><title>503 Service Unavailable</title></head><body>busy</body></html>"

Reply = httpx.Response | Exception


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


class Server:
    """A MockTransport handler that answers with the scripted replies in order, repeating the last one."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply


def client_for(server: Server, key: str = KEY, **options: Any) -> tuple[TMDbClient, list[float]]:
    """A client over `server` with pacing off and a sleep that records back-off delays instead of waiting."""
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    options.setdefault("rate_limit", None)
    client = TMDbClient(BASE, key, transport=httpx.MockTransport(server), sleep=record, **options)
    return client, delays


def call(client: TMDbClient, method: Callable[[TMDbClient], Coroutine[Any, Any, Any]]) -> Any:
    async def go() -> Any:
        async with client:
            return await method(client)

    return run(go())


# --- credentials ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "header", "api_key_param"),
    [(KEY, None, KEY), (JWT, f"Bearer {JWT}", None)],
)
def test_credential_travels_as_bearer_header_or_api_key_param(
    key: str, header: str | None, api_key_param: str | None
) -> None:
    server = Server(httpx.Response(200, json=MOVIE))
    client, _ = client_for(server, key=key)
    assert call(client, lambda c: c.movie(11)) == MOVIE
    request = server.requests[0]
    assert request.url.path == "/3/movie/11"
    assert request.headers.get("Authorization") == header
    assert request.url.params.get("api_key") == api_key_param
    assert request.url.params["append_to_response"] == "credits,keywords,alternative_titles,translations"


@pytest.mark.parametrize("key", [KEY, JWT])
def test_401_raises_auth_error_that_names_the_variable_and_never_the_key(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = Server(httpx.Response(401, json=INVALID_KEY))
    client, delays = client_for(server, key=key)
    with pytest.raises(TMDbAuthError) as caught:
        call(client, lambda c: c.discover_page({"sort_by": "primary_release_date.asc"}, 1))
    message = str(caught.value)
    assert "TMDB_API_KEY" in message
    assert "code 7: Invalid API key: You must be granted a valid key." in message
    assert (caught.value.status, caught.value.code) == (401, 7)
    assert key not in message and key not in repr(caught.value)
    assert key not in caplog.text
    assert len(server.requests) == 1 and delays == []


def test_httpx_request_log_lines_never_carry_the_key(caplog: pytest.LogCaptureFixture) -> None:
    server = Server(httpx.Response(200, json=MOVIE))
    client, _ = client_for(server)
    # Someone turning httpx's own logging back on still sees the URL with the key redacted.
    caplog.set_level(logging.INFO, logger="httpx")
    call(client, lambda c: c.movie(11))
    assert "HTTP Request" in caplog.text
    assert KEY not in caplog.text
    assert "api_key=***" in caplog.text


# --- answers that are final -----------------------------------------------------------------------


def test_404_on_details_is_a_tombstone_fetched_once() -> None:
    server = Server(httpx.Response(404, json=NOT_FOUND))
    client, delays = client_for(server)
    assert call(client, lambda c: c.movie(999)) is None
    assert len(server.requests) == 1 and delays == []
    assert client.stats.responses == {404: 1}


def test_404_elsewhere_raises_not_found_with_the_path() -> None:
    client, _ = client_for(Server(httpx.Response(404, json=NOT_FOUND)))
    with pytest.raises(TMDbNotFound) as caught:
        call(client, lambda c: c.get_json("/collection/5"))
    assert caught.value.path == "/collection/5"
    assert caught.value.code == 34


@pytest.mark.parametrize(
    ("status", "body", "code", "status_message"),
    [
        (400, {"success": False, "status_code": 22, "status_message": "Invalid page."}, 22, "Invalid page."),
        (
            422,
            {"errors": ["page must be less than or equal to 500"]},
            None,
            "page must be less than or equal to 500",
        ),
        (
            422,
            {"success": False, "status_code": 20, "status_message": "Invalid date range"},
            20,
            "Invalid date range",
        ),
        (403, b"<html><body>Forbidden</body></html>", None, None),
    ],
)
def test_other_4xx_are_not_retried_and_carry_tmdb_details(
    status: int, body: Any, code: int | None, status_message: str | None
) -> None:
    reply = (
        httpx.Response(status, json=body) if isinstance(body, dict) else httpx.Response(status, content=body)
    )
    server = Server(reply)
    client, delays = client_for(server)
    with pytest.raises(TMDbRequestError) as caught:
        call(client, lambda c: c.discover_page({"primary_release_date.gte": date(2021, 1, 1)}, 501))
    error = caught.value
    assert (error.status, error.code, error.status_message) == (status, code, status_message)
    assert error.path == "/discover/movie"
    assert error.params == {"primary_release_date.gte": "2021-01-01", "page": "501"}
    assert KEY not in str(error) and f"HTTP {status}" in str(error)
    assert len(server.requests) == 1 and delays == []


# --- retries --------------------------------------------------------------------------------------


def test_429_honours_retry_after() -> None:
    busy = httpx.Response(
        429, headers={"Retry-After": "2"}, json={"status_code": 25, "status_message": "over"}
    )
    client, delays = client_for(Server(busy, httpx.Response(200, json=MOVIE)))
    assert call(client, lambda c: c.movie(11)) == MOVIE
    assert delays == [2.0]
    assert client.stats.retry_after_waits == 1
    assert (client.stats.requests, client.stats.retries) == (2, 1)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json={"success": False, "status_code": 11, "status_message": "Internal error"}),
        httpx.Response(502, json={"success": False, "status_code": 43, "status_message": "Couldn't connect"}),
        httpx.Response(503, content=HTML_503, headers={"Content-Type": "text/html"}),
        httpx.Response(504, json={"success": False, "status_code": 24, "status_message": "timed out"}),
        httpx.Response(429, json={"status_code": 25}),  # no Retry-After: back-off
        httpx.Response(200, content=b'{"id": 11, "title": "Star W'),  # truncated body
        httpx.Response(200, content=b"<html>maintenance</html>"),
        httpx.Response(200, json={"title": "no id"}),  # malformed shape
        httpx.Response(200, json=[MOVIE]),
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
    ],
    ids=lambda f: f"HTTP {f.status_code}" if isinstance(f, httpx.Response) else type(f).__name__,
)
def test_transient_failures_are_retried_with_backoff_then_succeed(
    failure: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="movie_assets.tmdb")
    server = Server(failure, failure, httpx.Response(200, json=MOVIE))
    client, delays = client_for(server, backoff_base=0.5, backoff_cap=30.0)
    assert call(client, lambda c: c.movie(11)) == MOVIE
    assert len(server.requests) == 3
    assert len(delays) == 2 and 0 <= delays[0] <= 0.5 and 0 <= delays[1] <= 1.0
    assert (client.stats.requests, client.stats.retries, client.stats.retry_after_waits) == (3, 2, 0)
    retries = [r for r in caplog.records if r.name == "movie_assets.tmdb" and r.levelno == logging.WARNING]
    assert len(retries) == 2
    assert "/movie/11" in retries[0].getMessage() and KEY not in caplog.text


def test_exhausted_attempts_raise_unavailable_with_count_and_last_status(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = Server(httpx.Response(503, content=HTML_503))
    client, delays = client_for(server, max_attempts=3)
    with pytest.raises(TMDbUnavailable) as caught:
        call(client, lambda c: c.changes(date(2024, 3, 1), date(2024, 3, 2), 1))
    error = caught.value
    assert (error.attempts, error.status, error.path) == (3, 503, "/movie/changes")
    assert "after 3 attempts" in str(error) and "HTTP 503" in str(error)
    assert "start_date=2024-03-01" in str(error)
    assert len(server.requests) == 3 and len(delays) == 2
    assert client.stats.responses == {503: 3}
    assert KEY not in str(error) and KEY not in caplog.text


def test_unavailable_after_connection_errors_names_the_error() -> None:
    client, _ = client_for(Server(httpx.ConnectError("refused")), max_attempts=2)
    with pytest.raises(TMDbUnavailable, match="ConnectError: refused") as caught:
        call(client, lambda c: c.genres())
    assert caught.value.attempts == 2 and caught.value.status is None


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    client, delays = client_for(
        Server(httpx.Response(500)), max_attempts=8, backoff_base=1.0, backoff_cap=4.0
    )
    with pytest.raises(TMDbUnavailable):
        call(client, lambda c: c.configuration())
    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert len(delays) == len(ceilings)
    assert all(0 <= delay <= ceiling for delay, ceiling in zip(delays, ceilings, strict=True))
    assert sum(delays) > 0  # jittered, not all zero


def test_retry_after_is_capped() -> None:
    busy = httpx.Response(503, headers={"Retry-After": "86400"})
    client, delays = client_for(Server(busy, httpx.Response(200, json={})))
    call(client, lambda c: c.configuration())
    assert delays == [120.0]


# --- endpoints and their shapes -------------------------------------------------------------------


def test_discover_page_sends_params_and_page_and_returns_the_page() -> None:
    server = Server(httpx.Response(200, json=PAGE))
    client, _ = client_for(server)
    params = {
        "sort_by": "primary_release_date.asc",
        "include_adult": False,
        "primary_release_date.gte": date(2021, 1, 1),
    }
    assert call(client, lambda c: c.discover_page(params, 3)) == PAGE
    sent = server.requests[0].url
    assert sent.path == "/3/discover/movie"
    assert dict(sent.params) == {
        "sort_by": "primary_release_date.asc",
        "include_adult": "false",
        "primary_release_date.gte": "2021-01-01",
        "page": "3",
        "api_key": KEY,
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        (
            lambda c: c.genres(),
            "/3/genre/movie/list",
            {"genres": [{"id": 28, "name": "Action"}]},
            [{"id": 28, "name": "Action"}],
        ),
        (
            lambda c: c.languages(),
            "/3/configuration/languages",
            [{"iso_639_1": "cs", "english_name": "Czech", "name": ""}],
            [{"iso_639_1": "cs", "english_name": "Czech", "name": ""}],
        ),
        (
            lambda c: c.configuration(),
            "/3/configuration",
            {"images": {}, "change_keys": []},
            {"images": {}, "change_keys": []},
        ),
        (lambda c: c.changes(date(2024, 3, 1), date(2024, 3, 14), 2), "/3/movie/changes", PAGE, PAGE),
        (lambda c: c.movie(11, append=""), "/3/movie/11", MOVIE, MOVIE),
    ],
    ids=["genres", "languages", "configuration", "changes", "movie"],
)
def test_endpoints_hit_their_paths_and_unwrap(method: Any, path: str, body: Any, expected: Any) -> None:
    server = Server(httpx.Response(200, json=body))
    client, _ = client_for(server)
    assert call(client, method) == expected
    assert server.requests[0].url.path == path


def test_changes_sends_iso_dates_and_rejects_a_backwards_window() -> None:
    server = Server(httpx.Response(200, json=PAGE))
    client, _ = client_for(server)
    call(client, lambda c: c.changes(date(2024, 3, 1), date(2024, 3, 2), 4))
    assert dict(server.requests[0].url.params) == {
        "start_date": "2024-03-01",
        "end_date": "2024-03-02",
        "page": "4",
        "api_key": KEY,
    }
    client, _ = client_for(server)
    with pytest.raises(ValueError, match="before it starts"):
        call(client, lambda c: c.changes(date(2024, 3, 2), date(2024, 3, 1), 1))


@pytest.mark.parametrize(
    ("method", "malformed"),
    [
        (lambda c: c.discover_page({}, 1), {"results": "nope", "total_pages": 1, "total_results": 0}),
        (lambda c: c.discover_page({}, 1), {"results": [], "total_pages": "1", "total_results": 0}),
        (
            lambda c: c.discover_page({}, 1),
            {"results": [{"title": "no id"}], "total_pages": 1, "total_results": 1},
        ),
        (lambda c: c.genres(), {"genres": {"28": "Action"}}),
        (lambda c: c.languages(), {"languages": []}),
        (lambda c: c.configuration(), ["not", "an", "object"]),
        (lambda c: c.movie(11), {"id": "11"}),
    ],
)
def test_malformed_shapes_are_retried_then_reported(method: Any, malformed: Any) -> None:
    server = Server(httpx.Response(200, json=malformed))
    client, delays = client_for(server, max_attempts=2)
    with pytest.raises(TMDbUnavailable, match="malformed JSON body") as caught:
        call(client, method)
    assert caught.value.attempts == 2 and len(server.requests) == 2 and len(delays) == 1


@pytest.mark.parametrize(
    "options",
    [
        {"max_attempts": 0},
        {"max_connections": 0},
        {"backoff_base": 5.0, "backoff_cap": 1.0},
        {"rate_limit": -1.0},
    ],
)
def test_bad_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        TMDbClient(BASE, KEY, **options)


def test_a_key_shorter_than_8_is_refused_before_any_request() -> None:
    server = Server(httpx.Response(200, json=MOVIE))
    with pytest.raises(TMDbCredentialError, match="TMDB_API_KEY is 1 character long") as caught:
        client_for(server, key="e")
    # reported like any TMDb credential failure, and refused like any other bad argument
    assert isinstance(caught.value, TMDbAuthError) and isinstance(caught.value, ValueError)
    assert "'e'" not in str(caught.value)
    assert server.requests == []


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="TMDB_BASE_URL"):
        TMDbClient("api.themoviedb.org/3", KEY)


def test_errors_survive_pickling_with_their_details() -> None:
    error = TMDbUnavailable("down", path="/configuration", status=503, attempts=8, last_error="HTTP 503")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.path, copy.status, copy.attempts) == ("down", "/configuration", 503, 8)


# --- rate limiting --------------------------------------------------------------------------------


class FakeClock:
    """Time that passes only when the bucket sleeps, so grant times are exact."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(("rate", "max_per_second"), [(8.0, 9), (35.0, 39), (100.0, 113)])
def test_token_bucket_paces_to_the_rate_with_a_small_burst(rate: float, max_per_second: int) -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate, clock=clock, sleep=clock.sleep)
    burst = default_burst(rate)

    async def grants(n: int) -> list[float]:
        times = []
        for _ in range(n):
            await bucket.acquire()
            times.append(clock.now)
        return times

    times = run(grants(300))
    assert times[-1] == pytest.approx((300 - burst) / rate)  # long-run throughput is the rate itself
    # No 1 s window holds more than the rate plus a small burst; at 35/s that stays under TMDb's ~40/s.
    assert max(sum(start <= t < start + 1.0 for t in times) for start in times) <= max_per_second
    clock.now += 60.0  # idle: the bucket refills only up to its capacity

    async def waits(n: int) -> list[float]:
        return [await bucket.acquire() for _ in range(n)]

    after_idle = run(waits(int(burst) + 1))
    assert after_idle[:-1] == [0.0] * int(burst)
    assert after_idle[-1] > 0


def test_token_bucket_returns_a_cancelled_reservation() -> None:
    clock = FakeClock()

    async def forever(seconds: float) -> None:
        await asyncio.Event().wait()

    bucket = TokenBucket(10.0, capacity=1.0, clock=clock, sleep=forever)

    async def scenario() -> float:
        await bucket.acquire()  # the one burst token
        waiter = asyncio.ensure_future(bucket.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        clock.now += 0.1  # one token's worth of time: the next caller owes nothing
        # Without the refund this caller would owe a token and sleep forever; fail fast instead.
        return await asyncio.wait_for(bucket.acquire(), timeout=1.0)

    assert run(scenario()) == 0.0


def test_client_paces_concurrent_requests_in_real_time() -> None:
    rate, n = 40.0, 30
    server = Server(httpx.Response(200, json=MOVIE))
    client, _ = client_for(server, rate_limit=rate)
    burst = 5  # at most an eighth of a second's worth may go out at once

    async def many(c: TMDbClient) -> float:
        started = time.monotonic()
        await asyncio.gather(*(c.movie(i) for i in range(1, n + 1)))
        return time.monotonic() - started

    elapsed = call(client, many)
    assert len(server.requests) == n
    assert elapsed >= (n - burst) / rate * 0.9
    assert elapsed < (n - burst) / rate + 1.0


def test_every_attempt_including_retries_takes_a_token() -> None:
    class CountingLimiter:
        taken = 0

        async def acquire(self) -> float:
            self.taken += 1
            return 0.0

    server = Server(httpx.Response(500), httpx.Response(429), httpx.Response(200, json=MOVIE))
    client, _ = client_for(server)
    limiter = CountingLimiter()
    client.limiter = limiter  # type: ignore[assignment]
    call(client, lambda c: c.movie(11))
    assert limiter.taken == 3 == client.stats.requests
