"""Atomic file writes, JSON reads and checksums: a killed run leaves the previous file or the new one.

Every writer in the package goes through `atomic_path`: the data is written to a hidden temporary file
beside the target (same folder, so the rename cannot cross file systems), flushed to disk, and renamed
over the target in one step. A failure removes the temporary file and leaves the target as it was.
Text files whose name ends in ".gz" are read and written through gzip (`open_text`).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

_CHUNK = 1 << 20


def _fsync(path: Path) -> None:
    # Durable before the rename makes it visible: a crash cannot leave a complete name over partial data.
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def atomic_path(path: Path, *, suffix: str = "") -> Iterator[Path]:
    """A temporary path to write `path`'s new content to; renamed over `path` when the block ends cleanly.

    `suffix` is kept at the end of the temporary name for writers that choose a format by extension
    (".gz"). Unique per call, so two writers of one file never write into each other's temporary file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp{suffix}")
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(data: bytes, path: Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(text: str, path: Path) -> Path:
    return write_bytes(text.encode("utf-8"), path)


def write_json(obj: Any, path: Path) -> Path:
    return write_text(json.dumps(obj, ensure_ascii=False, indent=1, default=str), path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}); rebuild it") from None


def open_text(path: Path, mode: str = "r") -> TextIO:
    """`path` opened as UTF-8 text (mode "r" or "w"), through gzip when its name ends in ".gz"."""
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8")


def iter_json_lines(path: Path, *, fix: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSON-lines file (gzipped when named .gz).

    Raises:
        ValueError: a line is not JSON or not a JSON object; the message names the file and the line and
            ends with `fix`, what to do about it.
    """
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} line {number} is not JSON ({exc.msg}); {fix}") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path} line {number} is not a JSON object; {fix}")
            yield number, row


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
