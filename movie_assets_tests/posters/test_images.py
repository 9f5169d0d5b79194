"""What counts as a whole poster image, and which paths the cache will fetch."""

from __future__ import annotations

import pytest

from movie_assets.posters import image_type, is_poster_path
from movie_assets.tmdb.emulator import poster_image

PNG = poster_image("w92", "/a.jpg")
JPEG = b"\xff\xd8\xff\xe0" + b"\x10JFIF" + bytes(40) + b"\xff\xd9"
WEBP = b"RIFF" + (4 + 10).to_bytes(4, "little") + b"WEBP" + bytes(10)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, "image/png"),
        (PNG[: len(PNG) // 2], None),  # cut short: the right magic, no IEND
        (PNG[:-1], None),
        (JPEG, "image/jpeg"),
        (JPEG + b"\x00\x00", "image/jpeg"),  # padding after the end marker
        (JPEG[:-2], None),
        (WEBP, "image/webp"),
        (WEBP[:-3], None),
        (b"<html>sign in</html>", None),
        (b"", None),
        (b"GIF89a" + bytes(20), None),
    ],
)
def test_image_type_knows_whole_images_only(data: bytes, kind: str | None) -> None:
    assert image_type(data) == kind


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("/kqjL17yufvn9OVLyXYpvtyrFfak.jpg", True),
        ("/a_b-c.png", True),
        ("/x.webp", True),
        (None, False),
        ("", False),
        ("a.jpg", False),
        ("/../../etc/passwd.jpg", False),
        ("/a/b.jpg", False),
        ("/a.gif", False),
        ('/a.jpg" onerror="x', False),
        ("https://example.org/a.jpg", False),
    ],
)
def test_only_tmdb_shaped_paths_are_fetched(path: str | None, ok: bool) -> None:
    assert is_poster_path(path) is ok
