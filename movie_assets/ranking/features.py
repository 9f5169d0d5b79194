"""The learned ranker's features: one row per candidate of a hybrid pool, vectorised over the pool.

Three families: how the retrievers saw the candidate (scores and ranks of dense, BM25 and their fusion),
how the request's words meet the movie's fields (title and original-title words, people named in the
credits, genre words, language and year cues), and what the movie is regardless of the request (votes,
popularity, year, length of its overview). None depends on which other movies exist, so a ranker stays
valid when the catalogue is refreshed. A missing value is NaN (LightGBM's missing), never a made-up 0.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from movie_assets.ranking.cues import Cues, popcount, read_cues
from movie_assets.ranking.movies import MovieTable, bigrams, text_words

# Bump when a feature's meaning changes (not only its name): a ranker trained on the old meaning is stale.
FEATURE_VERSION = 3
FEATURE_NAMES: tuple[str, ...] = (
    "dense_score", "dense_gap", "dense_z", "dense_raw", "dense_raw_z", "dense_rank",
    "bm25_score", "bm25_rel", "bm25_z", "bm25_rank", "fused", "fused_rank", "in_both", "neighbour_score",
    "title_hits", "title_frac", "title_bigram_frac", "original_frac", "keyword_frac",
    "people_hits", "people_full", "director_full",
    "genre_hits", "genre_frac", "query_genres",
    "language_cue", "language_named", "foreign",
    "year_gap", "decade_match",
    "year", "log_votes", "log_popularity", "vote_average", "log_overview", "has_people",
    "query_words",
)  # fmt: skip
FEATURE_SCHEMA = (
    f"movie_assets.ranking.features/v{FEATURE_VERSION}:"
    + hashlib.sha256(",".join(FEATURE_NAMES).encode()).hexdigest()[:16]
)
_NAN = np.float32("nan")


@dataclass(frozen=True)
class QueryFacts:
    """A request read once for every candidate: its words, adjacent word pairs, cues and language cue."""

    words: list[str]
    pairs: list[str]
    cues: Cues
    language: str | None  # the searcher's strong language cue (ISO 639-1), if any

    @classmethod
    def read(cls, text: str, language: str | None = None) -> QueryFacts:
        words = text_words(text)
        return cls(words, bigrams(words), read_cues(words, text), language)


@dataclass(frozen=True)
class PoolSignals:
    """What the retrievers said about each pool row (all arrays aligned with `rows`).

    :param rows: payload rows of the pool, in fused (RRF) order.
    :param dense_score: cosine of each row's vector with the query vector (every row, not only dense hits).
    :param bm25_score: BM25 score of each row for the query (0 when it shares no term).
    :param dense_rank: 1-based rank in the dense list, 0 when the dense retriever did not return it.
    :param bm25_rank: 1-based rank in the BM25 list, 0 when BM25 did not return it.
    :param fused: the RRF score.
    :param raw_score: cosine with the query vector before the query adapter (`dense_score` when there is
        none): the adapter's view and the model's own, side by side.
    :param neighbour: cosine of each row's vector with the mean vector of the pool's RRF top
        (`NEIGHBOURS`): how much it resembles what both retrievers agree on (pseudo-relevance feedback).
    """

    rows: np.ndarray
    dense_score: np.ndarray
    bm25_score: np.ndarray
    dense_rank: np.ndarray
    bm25_rank: np.ndarray
    fused: np.ndarray
    neighbour: np.ndarray
    raw_score: np.ndarray


NEIGHBOURS = 10  # the RRF top whose mean vector `neighbour` compares each candidate with


def neighbour_scores(vectors: np.ndarray) -> np.ndarray:
    """Cosine of each of the pool's vectors (RRF order) with the normalised mean of the first NEIGHBOURS."""
    if len(vectors) == 0:
        return np.zeros(0, dtype=np.float32)
    centre = vectors[:NEIGHBOURS].mean(axis=0)
    norm = float(np.linalg.norm(centre))
    return (vectors @ (centre / norm)).astype(np.float32) if norm > 0 else np.zeros(len(vectors), np.float32)


def _z(values: np.ndarray) -> np.ndarray:
    spread = float(values.std())
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def _log_rank(rank: np.ndarray) -> np.ndarray:
    rank = np.asarray(rank, dtype=np.float32)
    return np.where(rank > 0, np.log(np.maximum(rank, 1.0)), _NAN)


def _ratio(hits: np.ndarray, total: np.ndarray) -> np.ndarray:
    return np.where(total > 0, hits / np.maximum(total, 1.0), _NAN)


def _flag(known: bool, values: np.ndarray) -> np.ndarray:
    return values.astype(np.float32) if known else np.full(values.shape, _NAN, dtype=np.float32)


def _year_features(years: np.ndarray, cues: Cues) -> tuple[np.ndarray, np.ndarray]:
    """(movie year minus the nearest year the request mentions, whether its decade is one mentioned)."""
    gap = np.full(years.shape, _NAN, dtype=np.float32)
    if cues.years:
        diff = years[:, None] - np.asarray(cues.years, dtype=np.float32)[None, :]
        nearest = np.argmin(np.abs(np.nan_to_num(diff, nan=1e9)), axis=1)
        gap = diff[np.arange(years.size), nearest]
    decade = np.floor(years / 10.0) * 10.0
    in_decade = np.isin(decade, np.asarray(cues.decades, dtype=np.float32)) & ~np.isnan(years)
    return gap, _flag(bool(cues.decades), in_decade)


def pool_features(table: MovieTable, query: QueryFacts, pool: PoolSignals) -> np.ndarray:
    """The (len(pool.rows), len(FEATURE_NAMES)) float32 feature matrix, columns in FEATURE_NAMES order."""
    rows = np.asarray(pool.rows, dtype=np.int64)
    n = rows.size
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    dense = np.asarray(pool.dense_score, dtype=np.float32)
    bm25 = np.asarray(pool.bm25_score, dtype=np.float32)
    top_bm25 = float(bm25.max(initial=0.0))
    words, pairs, cues = query.words, query.pairs, query.cues
    # One gather per block serves every field (see TermBlocks): title, original, people, keywords words
    # and title, people, director word pairs.
    title_hits, original_hits, people_hits, keyword_hits = table.words.matches(rows, words).T
    title_pairs, people_pairs, director_pairs = table.pairs.matches(rows, pairs).T
    genre_hits = popcount(table.genres[rows] & cues.genres).astype(np.float32)
    languages = table.languages[rows]
    years = table.year[rows]
    year_gap, decade_match = _year_features(years, cues)
    columns = {
        "dense_score": dense,
        "dense_gap": dense - dense.max(),
        "dense_z": _z(dense),
        "dense_raw": np.asarray(pool.raw_score, dtype=np.float32),
        "dense_raw_z": _z(np.asarray(pool.raw_score, dtype=np.float32)),
        "dense_rank": _log_rank(pool.dense_rank),
        "bm25_score": bm25,
        "bm25_rel": bm25 / top_bm25 if top_bm25 > 0 else np.zeros(n, dtype=np.float32),
        "bm25_z": _z(bm25),
        "bm25_rank": _log_rank(pool.bm25_rank),
        "fused": np.asarray(pool.fused, dtype=np.float32),
        "fused_rank": np.log(np.arange(1, n + 1, dtype=np.float32)),
        "in_both": ((np.asarray(pool.dense_rank) > 0) & (np.asarray(pool.bm25_rank) > 0)).astype(np.float32),
        "neighbour_score": np.asarray(pool.neighbour, dtype=np.float32),
        "title_hits": title_hits,
        "title_frac": _ratio(title_hits, table.words.row_terms["title"][rows]),
        "title_bigram_frac": _ratio(title_pairs, table.pairs.row_terms["title_bigrams"][rows]),
        "original_frac": _ratio(original_hits, table.words.row_terms["original"][rows]),
        "keyword_frac": _ratio(keyword_hits, table.words.row_terms["keywords"][rows]),
        "people_hits": people_hits,
        "people_full": people_pairs,
        "director_full": director_pairs,
        "genre_hits": genre_hits,
        "genre_frac": _ratio(genre_hits, np.full(n, cues.genre_count, dtype=np.float32)),
        "query_genres": np.full(n, cues.genre_count, dtype=np.float32),
        "language_cue": _flag(query.language is not None, languages == (query.language or "")),
        "language_named": _flag(bool(cues.languages), np.isin(languages, list(cues.languages))),
        "foreign": _flag(cues.foreign, (languages != "en") & (languages != "")),
        "year_gap": year_gap,
        "decade_match": decade_match,
        "year": years,
        "log_votes": table.log_votes[rows],
        "log_popularity": table.log_popularity[rows],
        "vote_average": table.vote_average[rows],
        "log_overview": table.log_overview[rows],
        "has_people": table.has_people[rows],
        "query_words": np.full(n, np.log1p(len(set(words))), dtype=np.float32),
    }
    return np.column_stack([np.asarray(columns[name], dtype=np.float32) for name in FEATURE_NAMES])
