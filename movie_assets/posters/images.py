"""What counts as a whole poster image: JPEG, PNG or WebP, recognised by its bytes, complete to its end.

A body cut short (a dropped connection, a killed writer, a full disk) still starts with the right magic
bytes, so each format is also checked at its end: JPEG's end-of-image marker, PNG's IEND chunk, the
length WebP's RIFF header promises.
"""

from __future__ import annotations

import re

POSTER_PATH = re.compile(r"^/[A-Za-z0-9_-]+\.(?:jpe?g|png|webp)$")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_JPEG_MAGIC = b"\xff\xd8\xff"
_JPEG_END = b"\xff\xd9"


def is_poster_path(poster_path: str | None) -> bool:
    """True for a path shaped like TMDb's (`/abc123.jpg`): one file name, nothing that leaves a folder."""
    return bool(poster_path) and bool(POSTER_PATH.match(poster_path or ""))


def image_type(data: bytes) -> str | None:
    """The MIME type of a complete JPEG, PNG or WebP image; None for anything else, or one cut short."""
    if data.startswith(_PNG_MAGIC):
        return "image/png" if data.endswith(_PNG_END) else None
    if data.startswith(_JPEG_MAGIC):
        # Some encoders pad after the end marker; padding is not image data, so it is not counted.
        return "image/jpeg" if data.rstrip(b"\x00\r\n").endswith(_JPEG_END) else None
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        promised = int.from_bytes(data[4:8], "little") + 8
        return "image/webp" if len(data) in (promised, promised + 1) else None
    return None
