"""The TMDb HTTP client: rate-limited, retrying, credential-safe JSON GETs over one `httpx.AsyncClient`.

Errors (none of their messages ever contains the credential)::

    TMDbError
    ├── TMDbAuthError      HTTP 401: the credential in TMDB_API_KEY was rejected
    │   └── TMDbCredentialError   no request made: the credential is empty or too short to be one
    ├── TMDbNotFound       HTTP 404: unknown, deleted or merged id (a tombstone for movie details)
    ├── TMDbRequestError   any other 4xx: the request itself is wrong, so retrying cannot help
    └── TMDbUnavailable    still 429/5xx, timeouts, connection errors or malformed bodies after every attempt
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

import httpx

from movie_assets.tmdb.auth import auth_for, quiet_httpx_logging, redact
from movie_assets.tmdb.ratelimit import TokenBucket

LOG = logging.getLogger("movie_assets.tmdb")
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Retry-After is honoured up to this many seconds: a server asking for longer is better reported as
# unavailable after the remaining attempts than waited on for hours.
MAX_RETRY_AFTER = 120.0
# The sub-resources one details call brings along (TMDB_API.md §4.2): the credits and keywords the catalogue
# keeps, and the other titles a movie is known by (alternative titles, translated titles).
DETAILS_APPEND = "credits,keywords,alternative_titles,translations"


@dataclass(eq=False)
class TMDbError(Exception):
    """Base of the client's errors. `path` and `params` are redacted; `code` is TMDb's `status_code`."""

    message: str
    _: KW_ONLY
    path: str | None = None
    params: dict[str, str] | None = None
    status: int | None = None
    code: int | None = None
    status_message: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)


class TMDbAuthError(TMDbError):
    """TMDb answered 401: the credential is missing, invalid or suspended."""


class TMDbCredentialError(TMDbAuthError, ValueError):
    """The credential cannot be a TMDb one (empty, or shorter than 8 characters); raised by the constructor.

    A TMDbError, so a caller that reports TMDb failures reports this one the same way instead of a
    traceback; a ValueError, as every other refused constructor argument is.
    """


class TMDbNotFound(TMDbError):
    """TMDb answered 404: the resource does not exist (for a movie id: deleted or merged, never reused)."""


class TMDbRequestError(TMDbError):
    """TMDb refused the request with a 4xx other than 401/404 (bad page, date range, parameters ...)."""


@dataclass(eq=False)
class TMDbUnavailable(TMDbError):
    """Every attempt failed with a retryable error; `attempts` and `last_error` say how."""

    attempts: int = 0
    last_error: str = ""


@dataclass
class ClientStats:
    """Counters over the client's life: attempts sent, retries, responses by status, Retry-After waits."""

    requests: int = 0
    retries: int = 0
    responses: Counter[int] = field(default_factory=Counter)
    retry_after_waits: int = 0

    def as_metadata(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "responses": {str(status): n for status, n in sorted(self.responses.items())},
            "retry_after_waits": self.retry_after_waits,
        }


class TMDbClient:
    """Async TMDb v3 client; use as `async with TMDbClient(base_url, api_key) as tmdb: ...`.

    Args:
        base_url: e.g. "https://api.themoviedb.org/3" or an emulator's "http://127.0.0.1:8123/3".
        api_key: a v3 API key (sent as `api_key`) or a JWT read-access token (sent as a Bearer header).
        rate_limit: requests per second for every attempt, retries included; None or 0 turns pacing off.
        max_connections: the connection pool size (TMDb's CDN allows about 20 per IP).
        max_attempts: attempts per request before TMDbUnavailable.
        timeout: httpx timeouts per attempt.
        backoff_base, backoff_cap: full-jitter exponential back-off, `uniform(0, min(cap, base * 2**n))`.
        transport: an httpx transport, e.g. `httpx.MockTransport(handler)` in tests.
        sleep: awaited for back-off delays (tests pass a recorder instead of really sleeping).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        rate_limit: float | None = 35.0,
        max_connections: int = 16,
        max_attempts: int = 8,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"TMDB_BASE_URL must be an http(s) URL like https://api.themoviedb.org/3, got {base_url!r}"
            )
        if max_attempts < 1 or max_connections < 1:
            raise ValueError(
                f"need max_attempts, max_connections >= 1, got {max_attempts}, {max_connections}"
            )
        if not (0 <= backoff_base <= backoff_cap):
            raise ValueError(f"need 0 <= backoff_base <= backoff_cap, got {backoff_base} and {backoff_cap}")
        try:
            headers, self._auth_params = auth_for(api_key)
        except ValueError as exc:
            raise TMDbCredentialError(str(exc)) from None
        self._secrets = (api_key,)
        quiet_httpx_logging()
        self.base_url = redact(base_url.rstrip("/"), self._secrets)
        self.limiter: TokenBucket | None = TokenBucket(rate_limit) if rate_limit else None
        self.max_attempts = max_attempts
        self.stats = ClientStats()
        self._backoff_base, self._backoff_cap, self._sleep = backoff_base, backoff_cap, sleep
        self._random = random.Random()
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Accept": "application/json", **headers},
            timeout=timeout,
            limits=limits,
            transport=transport,
        )

    async def __aenter__(self) -> TMDbClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_json(
        self,
        path: str,
        params: Mapping[str, object] | None = None,
        *,
        validate: Callable[[Any], None] | None = None,
    ) -> Any:
        """GET `path` and return its JSON, retrying transient failures.

        `validate` raises ValueError for a body of the wrong shape, which is retried like a truncated one.
        """
        query = {
            k: v.isoformat() if isinstance(v, date) else v for k, v in (params or {}).items() if v is not None
        }
        shown = {k: redact(str(v), self._secrets) for k, v in query.items()}
        about: dict[str, Any] = {"path": redact(path, self._secrets), "params": shown}
        where = about["path"] + (f"?{urlencode(shown)}" if shown else "")
        last_error, last_status = "", None
        for attempt in range(1, self.max_attempts + 1):
            if self.limiter is not None:
                await self.limiter.acquire()
            self.stats.requests += 1
            retry_after = None
            try:
                response = await self._http.get(path, params={**query, **self._auth_params})
            except httpx.TimeoutException as exc:
                last_error = f"timed out ({type(exc).__name__})"
            except (httpx.TransportError, httpx.DecodingError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                status = last_status = response.status_code
                self.stats.responses[status] += 1
                if 200 <= status < 300:
                    try:
                        data = response.json()
                        if validate is not None:
                            validate(data)
                        return data
                    except ValueError as exc:
                        last_error = f"HTTP {status} with a malformed JSON body ({exc})"
                elif status == 429 or status >= 500:
                    last_error = _describe_status(response)
                    retry_after = _retry_after(response)
                else:
                    raise self._refused(response, where, about)
            last_error = redact(last_error, self._secrets)[:500]
            if attempt == self.max_attempts:
                break
            delay = self._delay(attempt, retry_after)
            self.stats.retries += 1
            LOG.warning(
                "TMDb GET %s: attempt %d failed (%s); retrying in %.2f s", where, attempt, last_error, delay
            )
            await self._sleep(delay)
        raise TMDbUnavailable(
            f"TMDb GET {where} still failing after {self.max_attempts} attempts (last: {last_error}); "
            "TMDb may be down or throttling this client: try again later or lower TMDB_RATE_LIMIT",
            **about,
            status=last_status,
            attempts=self.max_attempts,
            last_error=last_error,
        )

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            self.stats.retry_after_waits += 1
            return min(retry_after, MAX_RETRY_AFTER)
        ceiling = min(self._backoff_cap, self._backoff_base * 2.0 ** min(attempt - 1, 60))
        return self._random.uniform(0.0, ceiling)

    def _refused(self, response: httpx.Response, where: str, about: dict[str, Any]) -> TMDbError:
        code, message = _error_envelope(response)
        detail = redact(_describe_status(response), self._secrets)
        about = {**about, "status": response.status_code, "code": code}
        about["status_message"] = redact(message, self._secrets) if message else None
        if response.status_code == 401:
            return TMDbAuthError(
                f"TMDb rejected the credential in TMDB_API_KEY ({detail}). Check that TMDB_API_KEY holds a "
                f"valid TMDb API key or API Read Access Token for {self.base_url}.",
                **about,
            )
        if response.status_code == 404:
            return TMDbNotFound(f"TMDb has nothing at {where} ({detail})", **about)
        return TMDbRequestError(f"TMDb refused GET {where} ({detail}); not retried: fix the request", **about)

    async def discover_page(self, params: Mapping[str, object], page: int) -> dict[str, Any]:
        """One `/discover/movie` page for `params` (filters, sort) at `page`."""
        return await self.get_json("/discover/movie", {**params, "page": page}, validate=_check_list_page)

    async def movie(self, movie_id: int, append: str = DETAILS_APPEND) -> dict[str, Any] | None:
        """`/movie/{id}` with `append_to_response`; None when TMDb answers 404 (a tombstone, not retried)."""
        params = {"append_to_response": append} if append else None
        try:
            return await self.get_json(f"/movie/{int(movie_id)}", params, validate=_check_movie)
        except TMDbNotFound:
            return None

    async def genres(self) -> list[dict[str, Any]]:
        data = await self.get_json("/genre/movie/list", validate=_check_genres)
        return data["genres"]

    async def languages(self) -> list[dict[str, Any]]:
        return await self.get_json("/configuration/languages", validate=_check_languages)

    async def configuration(self) -> dict[str, Any]:
        return await self.get_json("/configuration", validate=_check_object)

    async def changes(self, start_date: date, end_date: date, page: int) -> dict[str, Any]:
        """One `/movie/changes` page: ids changed between the two dates (inclusive; TMDb allows 14 days)."""
        if end_date < start_date:
            raise ValueError(f"changes window ends ({end_date}) before it starts ({start_date})")
        params = {"start_date": start_date, "end_date": end_date, "page": page}
        return await self.get_json("/movie/changes", params, validate=_check_list_page)


def _error_envelope(response: httpx.Response) -> tuple[int | None, str | None]:
    """TMDb's (status_code, status_message) from either error shape; (None, None) for HTML or other bodies."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    code = body.get("status_code")
    message = body.get("status_message")
    errors = body.get("errors")
    if not isinstance(message, str) and isinstance(errors, list) and errors:
        message = "; ".join(str(error) for error in errors)
    return (code if type(code) is int else None), (message[:300] if isinstance(message, str) else None)


def _describe_status(response: httpx.Response) -> str:
    code, message = _error_envelope(response)
    text = f"HTTP {response.status_code}" + (f", code {code}" if code is not None else "")
    return text + (f": {message}" if message else "")


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None  # absent, or an HTTP date (TMDb sends seconds): fall back to the back-off
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _expect(data: Any, kind: type, what: str) -> Any:
    if not isinstance(data, kind):
        raise ValueError(
            f"{what} is a {type(data).__name__}, not a JSON {'object' if kind is dict else 'list'}"
        )
    return data


def _check_records(items: Any, key: str, key_type: type, what: str) -> None:
    for item in _expect(items, list, what):
        if not (isinstance(item, dict) and type(item.get(key)) is key_type):
            raise ValueError(f"an entry of {what} has no {key_type.__name__} {key!r}")


def _check_object(data: Any) -> None:
    _expect(data, dict, "the body")


def _check_list_page(data: Any) -> None:
    _check_records(_expect(data, dict, "the page").get("results"), "id", int, "'results'")
    for key in ("total_results", "total_pages"):
        if type(data.get(key)) is not int:
            raise ValueError(f"{key!r} is not an integer")


def _check_movie(data: Any) -> None:
    if type(_expect(data, dict, "the movie").get("id")) is not int:
        raise ValueError("the movie has no int 'id'")


def _check_genres(data: Any) -> None:
    _check_records(_expect(data, dict, "the body").get("genres"), "id", int, "'genres'")


def _check_languages(data: Any) -> None:
    _check_records(data, "iso_639_1", str, "the language list")
