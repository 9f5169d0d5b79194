"""Retrieval metrics, all pure: relevance against a gold set, and proxy metrics for unlabelled queries.

Relevance is binary (a movie is the answer or it is not), so nDCG uses gain 1 and the ideal list puts
every gold movie first. The proxy metrics compare the hits of a title query with the movie the title
belongs to: similar genres, nearby years and the same original language suggest a sensible neighbourhood.
Their chance levels (`chance_year_gap`, `chance_language_match`) are what hits drawn at random from the
catalogue would score: a method is only as good as its distance from them.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Sequence


def _top(ranked: Sequence[int], k: int) -> Sequence[int]:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    top = ranked[:k]
    if len(set(top)) != len(top):
        # A repeated id would be counted twice and could push recall or nDCG above 1.
        raise ValueError(f"the ranked list repeats ids in its first {k}: {list(top)}")
    return top


def recall_at_k(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Share of the relevant ids found in the first k of `ranked` (0.0 when nothing is relevant)."""
    top = _top(ranked, k)
    if not relevant:
        return 0.0
    return sum(1 for item in top if item in relevant) / len(relevant)


def mrr_at_k(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    """1 / the rank of the first relevant id within the first k, else 0.0."""
    for rank, item in enumerate(_top(ranked, k), start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Normalised discounted cumulative gain at k with binary gains (gain 1 / log2(rank + 1))."""
    top = _top(ranked, k)
    dcg = sum(1.0 / math.log2(rank + 1) for rank, item in enumerate(top, start=1) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal > 0 else 0.0


def jaccard(a: Collection[str], b: Collection[str]) -> float:
    """|a & b| / |a | b| of two sets of names; 0.0 when both are empty."""
    left, right = set(a), set(b)
    union = left | right
    return len(left & right) / len(union) if union else 0.0


def genre_similarity(query_genres: Collection[str], hit_genres: Iterable[Collection[str]]) -> float | None:
    """Mean Jaccard of the query movie's genres with each hit's; None when there is nothing to compare
    (the query movie has no genres, or there are no hits)."""
    scores = [jaccard(query_genres, genres) for genres in hit_genres]
    if not query_genres or not scores:
        return None
    return sum(scores) / len(scores)


def year_gaps(query_year: int | None, hit_years: Iterable[int | None]) -> list[int]:
    """|query year - hit year| for each hit whose year is known ([] when the query's year is unknown)."""
    if query_year is None:
        return []
    return [abs(query_year - year) for year in hit_years if year is not None]


def mean_year_gap(query_year: int | None, hit_years: Iterable[int | None]) -> float | None:
    """The mean |query year - hit year| over the hits whose year is known; None when there is none.

    Averaged per query, then over queries (as genre similarity is), so every query weighs the same and
    the score moves continuously: a median of whole-year gaps pooled over all hits only takes whole and
    half values and reads the same for methods whose neighbourhoods differ.
    """
    gaps = year_gaps(query_year, hit_years)
    return sum(gaps) / len(gaps) if gaps else None


def chance_year_gap(query_years: Iterable[int | None], catalogue_years: Iterable[int | None]) -> float | None:
    """The mean year gap between each query movie and every other catalogue movie with a year, averaged
    over the queries: what `mean_year_gap` gives for hits drawn at random (None without data).

    Each query movie must be one of the catalogue's movies (it is left out of its own average).
    """
    counts = Counter(year for year in catalogue_years if year is not None)
    others = sum(counts.values()) - 1
    means = [
        sum(n * abs(year - query) for year, n in counts.items()) / others
        for query in query_years
        if query is not None and others > 0
    ]
    return sum(means) / len(means) if means else None


def chance_language_match(
    query_languages: Iterable[str | None], catalogue_languages: Iterable[str | None]
) -> float | None:
    """The share of the other catalogue movies in each query movie's original language, averaged over the
    queries whose language is known: the `language_matches` rate of hits drawn at random."""
    languages = list(catalogue_languages)
    counts, others = Counter(languages), len(languages) - 1
    shares = [(counts[lang] - 1) / others for lang in query_languages if lang and others > 0]
    return sum(shares) / len(shares) if shares else None


def language_matches(query_language: str | None, hit_languages: Iterable[str | None]) -> list[bool]:
    """For each hit, whether it shares the query movie's original language ([] when that is unknown);
    a hit without a language counts as a mismatch."""
    if not query_language:
        return []
    return [language == query_language for language in hit_languages]


def mean_or_none(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None, or None when there are none."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def median_or_none(values: Iterable[float]) -> float | None:
    """The median, or None for no values."""
    known = list(values)
    return float(statistics.median(known)) if known else None
