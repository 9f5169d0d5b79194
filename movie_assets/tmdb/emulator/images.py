"""Poster images as TMDb's image host serves them (`/t/p/{size}/{file}`), generated for tests.

Each path gets its own small PNG, the same bytes every time (seeded by the path), so a test can check a
served image against `poster_image` byte for byte. A band of noise rows of seeded height makes the sizes
vary like real posters (a w342 one is ~2-65 KB). Faults model a failing CDN: 404, 500, a body cut short,
an HTML page with status 200, bytes that are not an image, a slow answer.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import struct
import zlib

from movie_assets.tmdb.emulator.replies import HTML_TYPE, Reply

IMAGE_PREFIX = "/t/p/"
IMAGE_FAULT_KINDS = ("404", "500", "truncated", "wrong_type", "corrupt", "slow")
_IMAGE_PATH = re.compile(r"^/t/p/(w\d{2,4}|h\d{2,4}|original)(/[A-Za-z0-9_-]+\.(?:jpe?g|png|webp))$")
_MAX_WIDTH = 500  # "original" and the large sizes are drawn at this width: enough for a test
_CACHE = (("Cache-Control", "public, max-age=31536000"),)


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


@functools.lru_cache(maxsize=512)
def poster_image(size: str, file: str) -> bytes:
    """The PNG the emulator serves for `/t/p/{size}{file}` (e.g. "w342", "/abc.jpg")."""
    seed = hashlib.sha256(f"{size}{file}".encode()).digest()
    number = int(size[1:]) if size[1:].isdigit() else _MAX_WIDTH
    width = min(number if size[0] == "w" or size == "original" else number * 2 // 3, _MAX_WIDTH)
    height = width * 3 // 2
    rng = random.Random(seed)
    noise_rows = 2 + seed[3] % max(1, height // 8)
    plain = b"\x00" + bytes(seed[:3]) * width
    rows = [b"\x00" + rng.randbytes(width * 3) if y < noise_rows else plain for y in range(height)]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + _chunk(b"IEND", b"")
    )


def _page(status: str) -> bytes:
    return f"<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>".encode()


def image_reply(path: str, fault: str | None = None) -> Reply:
    """The answer to GET `path` (under `/t/p/`), with `fault` (one of IMAGE_FAULT_KINDS) applied; the
    server cuts a "truncated" body short and waits before a "slow" one."""
    match = _IMAGE_PATH.match(path)
    if match is None or fault == "404":
        return Reply(status=404, body=_page("404 Not Found"), content_type=HTML_TYPE)
    if fault == "500":
        return Reply(status=500, body=_page("500 Internal Server Error"), content_type=HTML_TYPE)
    if fault == "wrong_type":  # a proxy's or portal's page where the image should be
        return Reply(status=200, body=_page("Sign in to continue"), content_type=HTML_TYPE)
    size, file = match.groups()
    if fault == "corrupt":
        noise = random.Random(path).randbytes(len(poster_image(size, file)))
        return Reply(status=200, body=noise, content_type="image/jpeg", headers=_CACHE)
    return Reply(status=200, body=poster_image(size, file), content_type="image/png", headers=_CACHE)
