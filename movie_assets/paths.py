"""The data layout under `MOVIE_ASSETS_HOME` (DESIGN §3): one place that names every path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from movie_assets.config import data_home

_YEAR_DIR = re.compile(r"^year=(\d{4})$")


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @classmethod
    def from_env(cls) -> DataPaths:
        return cls(data_home())

    def discover_dir(self, year: int) -> Path:
        return self.root / "raw" / "discover" / f"year={year}"

    def details_dir(self, year: int) -> Path:
        return self.root / "raw" / "details" / f"year={year}"

    @property
    def movies_root(self) -> Path:
        return self.root / "processed" / "movies_parquet"

    def movies_file(self, year: int) -> Path:
        return self.movies_root / f"year={year}" / "movies.parquet"

    @property
    def documents_root(self) -> Path:
        return self.root / "processed" / "documents"

    def documents_file(self, year: int) -> Path:
        return self.documents_root / f"year={year}" / "documents.parquet"

    @property
    def embeddings_root(self) -> Path:
        return self.root / "processed" / "embeddings"

    def embeddings_file(self, year: int) -> Path:
        return self.embeddings_root / f"year={year}" / "embeddings.parquet"

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "processed" / "artifacts"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.root / "cache" / "embeddings"

    @property
    def encoder_cache_dir(self) -> Path:
        """ONNX exports of the embedding model, one folder per model, precision and export version."""
        return self.root / "cache" / "encoders"

    @property
    def poster_cache_dir(self) -> Path:
        """Poster images fetched on first use, and the index that keeps them under their size limit."""
        return self.root / "cache" / "posters"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def dagster_dir(self) -> Path:
        return self.root / "dagster"

    @property
    def tmdb_lock(self) -> Path:
        """The lock a step holds while it calls TMDb: one such step at a time per data home."""
        return self.dagster_dir / "tmdb.lock"

    def built_years(self, root: Path | None = None) -> list[int]:
        """Years that have a partition on disk under `root` (default: the movies table)."""
        base = root or self.movies_root
        if not base.is_dir():
            return []
        years = []
        for child in base.iterdir():
            match = _YEAR_DIR.match(child.name)
            if match and any(child.iterdir()):
                years.append(int(match.group(1)))
        return sorted(years)
