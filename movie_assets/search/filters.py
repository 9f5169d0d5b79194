"""Per-movie facts the filters and priors read: year, vote count and original language, one array each.

Built once from the payload, so no query walks the payload in Python; a filter is a boolean mask over
payload rows (~0.2 ms per 100k movies), applied inside both retrievers.
"""

from __future__ import annotations

import numpy as np
import polars as pl


class MovieFacts:
    """Year, vote count and original language of every payload row, as numpy arrays."""

    def __init__(self, payload: pl.DataFrame) -> None:
        self.count = payload.height
        self.years = payload["year"].fill_null(0).cast(pl.Int32).to_numpy()
        self.votes = payload["vote_count"].fill_null(0).cast(pl.Int64).to_numpy()
        langs = payload["original_language"].fill_null("").to_numpy().astype(str)
        self._lang_values, self._lang_index = np.unique(langs, return_inverse=True)
        known = self.years[self.years > 0]
        self.year_span = (int(known.min()), int(known.max())) if known.size else (0, 0)
        self.max_votes = int(self.votes.max(initial=0))

    def mask(
        self, low: int | None = None, high: int | None = None, min_votes: int = 0, language: str | None = None
    ) -> np.ndarray | None:
        """Which rows pass every filter given (None: no filter given, all pass).

        Args:
            low, high: inclusive year bounds; a movie without a year fails an upper bound.
            min_votes: the least vote count (0: no filter).
            language: an original-language code.
        """
        tests = []
        if low is not None:
            tests.append(self.years >= low)
        if high is not None:
            tests.append((self.years <= high) & (self.years > 0))
        if min_votes > 0:
            tests.append(self.votes >= min_votes)
        if language is not None:
            code = int(np.searchsorted(self._lang_values, language))
            known = code < self._lang_values.size and self._lang_values[code] == language
            tests.append(self._lang_index == code if known else np.zeros(self.count, dtype=bool))
        return np.logical_and.reduce(tests) if tests else None

    def in_language(self, rows: np.ndarray, language: str) -> np.ndarray:
        """Whether each of `rows` has `language` as its original language."""
        return self._lang_values[self._lang_index[rows]] == language
