"""What a dump import did: rows read and used per source, movies written, rows skipped and why, coverage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The fields whose coverage the report gives: what search and the typed table lean on most.
COVERAGE_FIELDS: tuple[str, ...] = (
    "title", "overview", "release_date", "original_language", "genres", "keywords", "cast", "directors",
    "runtime", "imdb_id", "poster_path", "vote_count",
)  # fmt: skip


@dataclass
class SourceStats:
    name: str
    kind: str
    rows_read: int = 0
    rows_used: int = 0


@dataclass
class ImportReport:
    out: Path
    sources: list[SourceStats]
    movies_written: int
    skipped: list[tuple[str, str, str]]  # (source, row id, reason)
    coverage_counts: dict[str, int]
    unknown_genres: dict[str, int] = field(default_factory=dict)  # genre name -> rows naming it
    repaired_cells: int = 0  # mis-decoded text cells restored
    lossy_cells: int = 0  # ... of which some characters could not be restored (now U+FFFD)

    @property
    def coverage(self) -> dict[str, float]:
        """Share of written movies with a non-empty value, per field of `COVERAGE_FIELDS`."""
        total = self.movies_written
        return {name: (count / total if total else 0.0) for name, count in self.coverage_counts.items()}

    def to_text(self, max_skipped: int = 50) -> str:
        """A printable summary; the skipped list is cut at `max_skipped` lines (the count is always full)."""
        lines = [f"catalogue: {self.out} ({self.movies_written:,} movies)", "sources:"]
        for src in self.sources:
            lines.append(f"  {src.name} [{src.kind}]: {src.rows_read:,} rows read, {src.rows_used:,} used")
        if self.repaired_cells:
            lines.append(
                f"text repaired: {self.repaired_cells:,} mis-decoded cells "
                f"({self.lossy_cells:,} with characters lost in the source, shown as U+FFFD)"
            )
        lines.append("coverage:")
        shares = self.coverage
        for name, count in self.coverage_counts.items():
            lines.append(f"  {name:<18} {count:>8,}  {shares[name]:7.1%}")
        if self.unknown_genres:
            listed = ", ".join(f"{name} ({n:,})" for name, n in sorted(self.unknown_genres.items()))
            lines.append(f"genres not in TMDb's genre list, left out: {listed}")
        lines.append(f"skipped: {len(self.skipped):,}")
        for source, row_id, reason in self.skipped[:max_skipped]:
            lines.append(f"  {source} id={row_id}: {reason}")
        if len(self.skipped) > max_skipped:
            lines.append(f"  ... and {len(self.skipped) - max_skipped:,} more")
        return "\n".join(lines)


def _non_empty(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def coverage_counts(movies: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Count movies with a value per coverage field; cast/directors/keywords live in nested blocks."""
    counts = dict.fromkeys(COVERAGE_FIELDS, 0)
    for movie in movies:
        values = {
            **{name: movie.get(name) for name in COVERAGE_FIELDS},
            "keywords": movie["keywords"]["keywords"],
            "cast": movie["credits"]["cast"],
            "directors": [c for c in movie["credits"]["crew"] if c["job"] == "Director"],
        }
        for name in COVERAGE_FIELDS:
            counts[name] += _non_empty(values[name])
    return counts
