"""Fetching one poster from the image host over HTTP, and refusing anything that is not a whole image."""

from __future__ import annotations

import httpx

from movie_assets.posters.images import image_type

DEFAULT_MAX_BYTES = 8 * 2**20  # TMDb's largest "original" posters are a few MiB; w342 ones are ~30 KiB
_CHUNK = 64 * 1024


class PosterFetchError(Exception):
    """A poster could not be fetched; `offline` when the host could not be reached at all."""

    def __init__(self, message: str, *, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


class PosterFetcher:
    """GETs `{base_url}/{size}{poster_path}` with one shared `httpx.Client` (safe across threads)."""

    def __init__(
        self,
        base_url: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_bytes = max_bytes
        # Short connect timeout: an offline machine should fall back to drawn posters quickly.
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            transport=transport,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
            follow_redirects=True,
        )

    def url(self, size: str, poster_path: str) -> str:
        return f"{self.base_url}/{size}{poster_path}"

    def fetch(self, size: str, poster_path: str) -> bytes:
        """The image's bytes. Raises PosterFetchError for a non-200 answer, a type that is not an image,
        a body over `max_bytes` or cut short, or bytes that are not a whole JPEG, PNG or WebP."""
        url = self.url(size, poster_path)
        try:
            with self._client.stream("GET", url) as response:
                return self._read(response)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise PosterFetchError(f"{url}: cannot reach the image host ({exc})", offline=True) from None
        except httpx.HTTPError as exc:  # a read timeout, a connection dropped or a body cut short
            raise PosterFetchError(f"{url}: {type(exc).__name__}: {exc}") from None

    def _read(self, response: httpx.Response) -> bytes:
        url = str(response.url)
        if response.status_code != 200:
            raise PosterFetchError(f"{url}: HTTP {response.status_code}")
        kind = response.headers.get("content-type", "")
        if not kind.lower().startswith("image/"):
            raise PosterFetchError(f"{url}: the answer is {kind or 'untyped'}, not an image")
        length = response.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise PosterFetchError(f"{url}: {length} bytes, over the {self.max_bytes} a poster may have")
        body = bytearray()
        for chunk in response.iter_bytes(_CHUNK):
            body += chunk
            if len(body) > self.max_bytes:
                raise PosterFetchError(f"{url}: over the {self.max_bytes} bytes a poster may have")
        data = bytes(body)
        if length and length.isdigit() and len(data) != int(length):
            raise PosterFetchError(f"{url}: {len(data)} of {length} bytes arrived")
        if image_type(data) is None:
            raise PosterFetchError(f"{url}: not a whole JPEG, PNG or WebP image")
        return data

    def close(self) -> None:
        self._client.close()
