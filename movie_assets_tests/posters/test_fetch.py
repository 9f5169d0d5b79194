"""Fetching one poster from the emulator's image host: what is refused, and why it says so."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from movie_assets.posters import PosterFetcher, PosterFetchError
from movie_assets.tmdb.emulator import Emulator, EmulatorConfig, poster_image

FAULTY = {"/e404.jpg": "404", "/e500.jpg": "500", "/cut.jpg": "truncated", "/html.jpg": "wrong_type",
          "/noise.jpg": "corrupt"}  # fmt: skip


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator([], EmulatorConfig(image_fault_files=tuple(FAULTY.items()))) as emu:
        yield emu


def test_a_whole_image_comes_back_as_served(emulator: Emulator) -> None:
    fetcher = PosterFetcher(emulator.image_url + "/")
    assert fetcher.url("w185", "/a.jpg") == f"{emulator.image_url}/w185/a.jpg"
    assert fetcher.fetch("w185", "/a.jpg") == poster_image("w185", "/a.jpg")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("/e404.jpg", "HTTP 404"),
        ("/e500.jpg", "HTTP 500"),
        ("/cut.jpg", "RemoteProtocolError"),
        ("/html.jpg", "text/html, not an image"),
        ("/noise.jpg", "not a whole JPEG, PNG or WebP image"),
    ],
)
def test_what_is_not_a_whole_image_is_refused(emulator: Emulator, name: str, message: str) -> None:
    with pytest.raises(PosterFetchError, match=message) as caught:
        PosterFetcher(emulator.image_url).fetch("w342", name)
    assert not caught.value.offline


def test_an_image_over_the_size_cap_is_refused(emulator: Emulator) -> None:
    size = len(poster_image("w342", "/big.jpg"))
    with pytest.raises(PosterFetchError, match=f"{size} bytes, over the 1000"):
        PosterFetcher(emulator.image_url, max_bytes=1000).fetch("w342", "/big.jpg")


def test_a_body_longer_than_the_cap_without_a_length_is_cut_off() -> None:
    def chunked(request: httpx.Request) -> httpx.Response:  # no Content-Length: streamed in pieces
        return httpx.Response(
            200, headers={"Content-Type": "image/png"}, content=iter([b"\x89PNG" * 300] * 4)
        )

    fetcher = PosterFetcher("http://images.test/t/p", max_bytes=2000, transport=httpx.MockTransport(chunked))
    with pytest.raises(PosterFetchError, match="over the 2000 bytes"):
        fetcher.fetch("w342", "/a.jpg")


def test_an_unreachable_host_is_reported_offline() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(PosterFetchError, match="cannot reach the image host") as caught:
        PosterFetcher(f"http://127.0.0.1:{port}/t/p").fetch("w342", "/a.jpg")
    assert caught.value.offline
