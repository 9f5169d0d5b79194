"""What a harvest covers beyond the year: original languages, a vote floor, adult titles.

Set with `movie-assets build --languages ml,ta --min-votes 5 --include-adult` (run config), or with the
variables `TMDB_SCOPE_LANGUAGES`, `TMDB_SCOPE_MIN_VOTES` and `TMDB_SCOPE_INCLUDE_ADULT`, the defaults of
the TMDb resource; this module only holds the scope and what it asks TMDb.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

_LANGUAGE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class HarvestScope:
    languages: tuple[str, ...] = ()
    min_votes: int | None = None
    include_adult: bool = False

    def __post_init__(self) -> None:
        bad = [code for code in self.languages if not _LANGUAGE.match(code)]
        if bad:
            raise ValueError(f"languages must be ISO 639-1 codes such as 'ml' or 'ta'; got {bad}")
        if self.min_votes is not None and self.min_votes < 0:
            raise ValueError(f"min_votes must be 0 or more; got {self.min_votes}")

    def discover_params(self) -> list[dict[str, str]]:
        """Extra discover parameters, one set per query: TMDb filters one original language per query."""
        base: dict[str, str] = {}
        if self.min_votes:
            base["vote_count.gte"] = str(self.min_votes)
        if self.include_adult:
            base["include_adult"] = "true"
        if not self.languages:
            return [base]
        return [{**base, "with_original_language": code} for code in self.languages]

    def describe(self) -> str:
        parts = [f"languages={','.join(self.languages)}"] if self.languages else []
        if self.min_votes:
            parts.append(f"min_votes={self.min_votes}")
        if self.include_adult:
            parts.append("include_adult")
        return " ".join(parts) or "everything"


class _HasMovies(Protocol):
    movies: list[dict[str, Any]]


def merge_discovered(results: Iterable[_HasMovies]) -> list[dict[str, Any]]:
    """The union by id of several scoped discover runs, sorted by id."""
    by_id = {movie["id"]: movie for result in results for movie in result.movies}
    return [by_id[movie_id] for movie_id in sorted(by_id)]
