"""Test doubles shared by every test package: a deterministic embedder (and the Dagster resource that
serves it) and a `movies` frame builder."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.catalog.schema import MOVIES_SCHEMA
from movie_assets.resources import EmbedderResource

_WORD = re.compile(r"\w+")

# The typed `movies` columns (DESIGN §7), from the one place that defines them.
MOVIES_TEST_SCHEMA: dict[str, pl.DataType] = dict(MOVIES_SCHEMA)


class FakeEmbedder:
    """A bag-of-words embedder: each word is hashed (sha256) to a signed bucket, the sum is normalised.

    Texts that share words get a positive cosine, the same text always gets the same vector, and the
    counters let tests assert what was (not) embedded.
    """

    def __init__(self, dim: int = 32, name: str = "fake-bag-of-words") -> None:
        self.name = name
        self.dim = dim
        self.calls = 0
        self.texts_encoded = 0
        self.seen: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.casefold()) or ["<empty>"]:
            digest = hashlib.sha256(word.encode()).digest()
            vec[int.from_bytes(digest[:4], "little") % self.dim] += 1.0 if digest[4] & 1 else -1.0
        norm = np.linalg.norm(vec)
        # A text whose words cancel out still needs a unit vector.
        return vec / norm if norm > 0 else np.eye(self.dim, dtype=np.float32)[0]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        self.seen.extend(texts)
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)


# The one instance every FakeEmbedderResource serves, so a test can read what its runs embedded.
FAKE_EMBEDDER = FakeEmbedder()


class FakeEmbedderResource(EmbedderResource):
    """The `embedder` resource with FAKE_EMBEDDER in place of the model; `fail` makes loading it fail."""

    fail: bool = False

    def load(self, export_root: Path | None = None) -> Any:
        if self.fail:
            raise RuntimeError("embedder unavailable (injected)")
        return FAKE_EMBEDDER


def _default(column: str, record: Mapping[str, Any]) -> Any:
    if isinstance(MOVIES_TEST_SCHEMA[column], pl.List):
        return []
    title = record.get("title", f"Movie {record['movie_id']}")
    defaults: dict[str, Any] = {
        "title": title,
        "original_title": title,
        "original_language": "en",
        "release_date": date(int(record.get("year") or 2021), 1, 1),
        "year": record["release_date"].year if record.get("release_date") else 2021,
        "popularity": 1.0,
        "vote_average": 6.0,
        "vote_count": 10,
        "status": "Released",
        "harvested_at": datetime(2025, 1, 1, tzinfo=UTC),
    }
    return defaults.get(column)


def make_movies(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """A `movies` frame with the §7 dtypes; each record needs movie_id, other fields get plain defaults
    (original_title = title, release_date = 1 January of the year)."""
    rows = [{c: r[c] if c in r else _default(c, r) for c in MOVIES_TEST_SCHEMA} for r in records]
    return pl.DataFrame(rows, schema=MOVIES_TEST_SCHEMA)
