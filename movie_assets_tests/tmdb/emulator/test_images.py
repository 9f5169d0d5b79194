"""The emulator's poster images over real HTTP: TMDb's image path, deterministic bytes, and the faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from movie_assets.posters import image_type
from movie_assets.tmdb.emulator import IMAGE_FAULT_KINDS, Emulator, EmulatorConfig, poster_image


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    config = EmulatorConfig(
        image_fault_files=tuple((f"/{k}.jpg", k) for k in IMAGE_FAULT_KINDS), slow_seconds=0
    )
    with Emulator([], config) as emu:
        yield emu


def test_the_image_url_has_tmdbs_shape(emulator: Emulator) -> None:
    assert emulator.image_url == emulator.url.removesuffix("/3") + "/t/p"


@pytest.mark.parametrize(("size", "width"), [("w92", 92), ("w342", 342), ("original", 500)])
def test_each_path_gets_its_own_whole_png_with_no_key(emulator: Emulator, size: str, width: int) -> None:
    response = httpx.get(f"{emulator.image_url}/{size}/kqjL17yufvn9OVLyXYpvtyrFfak.jpg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert response.content == poster_image(size, "/kqjL17yufvn9OVLyXYpvtyrFfak.jpg")
    assert image_type(response.content) == "image/png"
    assert int.from_bytes(response.content[16:20], "big") == width  # IHDR's width
    assert int(response.headers["content-length"]) == len(response.content)


def test_images_are_deterministic_and_differ_by_path() -> None:
    assert poster_image("w342", "/a.jpg") == poster_image("w342", "/a.jpg")
    sizes = {len(poster_image("w342", f"/p{i}.jpg")) for i in range(20)}
    assert len(sizes) > 10 and min(sizes) > 1_000 and max(sizes) < 100_000
    assert poster_image("w342", "/a.jpg") != poster_image("w342", "/b.jpg") != poster_image("w185", "/b.jpg")


@pytest.mark.parametrize("path", ["/t/p/w342/a.gif", "/t/p/x1/a.jpg", "/t/p/w342/", "/t/p/w342/a/b.jpg"])
def test_a_path_that_is_not_a_poster_is_404(emulator: Emulator, path: str) -> None:
    response = httpx.get(emulator.url.removesuffix("/3") + path)
    assert response.status_code == 404 and response.headers["content-type"] == "text/html"


@pytest.mark.parametrize(
    ("kind", "status", "content_type"),
    [("404", 404, "text/html"), ("500", 500, "text/html"), ("wrong_type", 200, "text/html"),
     ("corrupt", 200, "image/jpeg"), ("slow", 200, "image/png")],
)  # fmt: skip
def test_image_faults(emulator: Emulator, kind: str, status: int, content_type: str) -> None:
    before = emulator.stats.faults.get(kind, 0)
    response = httpx.get(f"{emulator.image_url}/w342/{kind}.jpg")
    assert (response.status_code, response.headers["content-type"]) == (status, content_type)
    assert (image_type(response.content) is not None) is (kind == "slow")
    assert emulator.stats.faults[kind] == before + 1


def test_a_truncated_image_stops_halfway(emulator: Emulator) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{emulator.image_url}/w342/truncated.jpg")


def test_a_fault_rate_applies_to_images_only() -> None:
    config = EmulatorConfig(image_fault_rate=1.0, image_faults=("500",))
    with Emulator([{"id": 1, "title": "A", "release_date": "2020-01-01"}], config) as emu:
        assert httpx.get(f"{emu.image_url}/w342/a.jpg").status_code == 500
        assert httpx.get(f"{emu.url}/movie/1", params={"api_key": "demo-key"}).status_code == 200
        assert emu.stats.by_kind == {"image": 1, "movie": 1}


@pytest.mark.parametrize(
    "options",
    [
        {"image_fault_rate": 1.5},
        {"image_faults": ("teapot",)},
        {"image_fault_files": (("/a.jpg", "teapot"),)},
    ],
)
def test_bad_image_fault_settings_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="image[ _]fault"):
        EmulatorConfig(**options)  # type: ignore[arg-type]  # wrong on purpose
