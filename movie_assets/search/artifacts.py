"""The artifact set as a front end sees it: where it is by default, when it last changed, what it holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from movie_assets.index import current_set_id
from movie_assets.paths import DataPaths


def default_artifacts_dir() -> Path:
    """Where `movie-assets build` writes the artifacts: $MOVIE_ASSETS_HOME/processed/artifacts."""
    return DataPaths.from_env().artifacts_dir


def default_catalogue_dir() -> Path:
    """The `movies` table the default artifacts are built from (year=YYYY/movies.parquet below it)."""
    return DataPaths.from_env().movies_root


def artifacts_version(folder: Path | str) -> str:
    """A key that changes whenever a new set is published at `folder` ("" while there is none): for caches.

    Read without opening the set: the id of the set the pointer names (and its manifest's time stamp).
    """
    return current_set_id(folder)


@dataclass(frozen=True)
class ArtifactsSummary:
    """What an artifact set holds, read from its manifest.

    :param count: movies in the set.
    :param years: the release years present, oldest first.
    :param source: "tmdb", or "demo" for the synthetic demo catalogue; None when not recorded.
    :param embedding_model: the model of the dense index.
    :param built_at: when the set was written (ISO 8601, UTC).
    """

    count: int
    years: tuple[int, ...]
    source: str | None
    embedding_model: str | None
    built_at: str | None

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> ArtifactsSummary:
        return cls(
            count=int(manifest.get("count") or 0),
            years=tuple(sorted(int(y) for y in manifest.get("years") or ())),
            source=manifest.get("source"),
            embedding_model=manifest.get("embedding_model"),
            built_at=manifest.get("built_at"),
        )

    @property
    def synthetic(self) -> bool:
        """Whether the movies are the synthetic demo catalogue (front ends must label them)."""
        return self.source == "demo"

    @property
    def year_span(self) -> tuple[int, int] | None:
        """The first and last release year, or None when no movie has one."""
        return (self.years[0], self.years[-1]) if self.years else None
