"""Pool features: each column computed by hand on a three-movie payload."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from movie_assets.ranking import (
    FEATURE_NAMES,
    MovieTable,
    PoolSignals,
    QueryFacts,
    neighbour_scores,
    pool_features,
)

PAYLOAD = pl.DataFrame(
    {
        "title": ["The Iron Giant", "Amélie", "Heat"],
        "original_title": ["The Iron Giant", "Le Fabuleux Destin d'Amélie Poulain", "Heat"],
        "cast": [["Vin Diesel", "Jennifer Aniston"], ["Audrey Tautou"], ["Al Pacino", "Robert De Niro"]],
        "directors": [["Brad Bird"], ["Jean-Pierre Jeunet"], ["Michael Mann"]],
        "genres": [["Animation", "Family"], ["Comedy", "Romance"], ["Crime", "Thriller"]],
        "original_language": ["en", "fr", "en"],
        "year": [1999, 2001, None],
        "vote_count": [3000, 9000, 0],
        "popularity": [10.0, 20.0, None],
        "vote_average": [7.9, 7.9, None],
        "overview": ["A boy befriends a giant robot.", "A shy waitress in Paris.", None],
    }
)


def _features(text: str, language: str | None = None) -> dict[str, np.ndarray]:
    table = MovieTable.from_payload(PAYLOAD)
    signals = PoolSignals(
        rows=np.array([2, 0, 1]),
        dense_score=np.array([0.5, 0.4, 0.1]),
        bm25_score=np.array([0.0, 8.0, 2.0]),
        dense_rank=np.array([1, 2, 0]),
        bm25_rank=np.array([0, 1, 2]),
        fused=np.array([0.03, 0.02, 0.01]),
        neighbour=np.array([0.9, 0.5, 0.2]),
        raw_score=np.array([0.3, 0.2, 0.0]),
    )
    matrix = pool_features(table, QueryFacts.read(text, language), signals)
    assert matrix.shape == (3, len(FEATURE_NAMES)) and matrix.dtype == np.float32
    return dict(zip(FEATURE_NAMES, matrix.T, strict=True))


def _same(actual: np.ndarray, expected: list[float]) -> bool:
    return np.allclose(actual, np.array(expected, dtype=np.float32), equal_nan=True)


def test_retrieval_columns() -> None:
    f = _features("a giant robot cartoon")
    nan = math.nan
    assert _same(f["dense_gap"], [0.0, -0.1, -0.4])
    assert _same(f["dense_rank"], [0.0, math.log(2), nan])
    assert _same(f["bm25_rel"], [0.0, 1.0, 0.25])
    assert _same(f["bm25_rank"], [nan, 0.0, math.log(2)])
    assert _same(f["fused_rank"], [0.0, math.log(2), math.log(3)])
    assert _same(f["in_both"], [0, 1, 0])
    assert _same(f["neighbour_score"], [0.9, 0.5, 0.2])
    assert _same(f["dense_raw"], [0.3, 0.2, 0.0])
    assert _same(f["bm25_z"], (np.array([0.0, 8.0, 2.0]) - 10 / 3) / np.std([0.0, 8.0, 2.0]))
    assert _same(f["dense_z"], (np.array([0.5, 0.4, 0.1]) - 1 / 3) / np.std([0.5, 0.4, 0.1]))


def test_title_people_and_genre_overlap() -> None:
    f = _features("Cartoon with a giant robot, voiced by Vin Diesel I think. Directed by Brad Bird? Paris")
    # rows in pool order: Heat, The Iron Giant, Amélie
    assert _same(f["title_hits"], [0, 1, 0])
    assert _same(f["title_frac"], [0, 0.5, 0])  # "iron giant": "the" is a stop word
    # "the iron" and "iron giant" are not said; one-word titles have no pairs
    assert _same(f["title_bigram_frac"], [math.nan, 0, math.nan])
    assert _same(f["people_hits"], [0, 4, 0])  # vin, diesel, brad, bird (name words of 3+ letters)
    assert _same(f["people_full"], [0, 2, 0])  # "vin diesel" and "brad bird"
    assert _same(f["director_full"], [0, 1, 0])
    assert _same(f["genre_hits"], [0, 1, 0])  # cartoon -> Animation
    assert _same(f["genre_frac"], [0, 1, 0])


def test_cues_are_missing_when_the_request_says_nothing() -> None:
    f = _features("a movie I saw once")
    for name in ("language_cue", "language_named", "foreign", "year_gap", "decade_match", "genre_frac"):
        assert np.isnan(f[name]).all(), name


def test_language_and_year_cues() -> None:
    f = _features("a french film with subtitles, I saw it in 2003, probably from the 90s", language="fr")
    assert _same(f["language_cue"], [0, 0, 1])
    assert _same(f["language_named"], [0, 0, 1])
    assert _same(f["foreign"], [0, 0, 1])
    assert _same(f["year_gap"], [math.nan, -4, -2])  # Heat has no year in this payload
    assert _same(f["decade_match"], [0, 1, 0])


def test_movie_facts() -> None:
    f = _features("anything")
    assert _same(f["log_votes"], [0, math.log1p(3000), math.log1p(9000)])
    assert _same(f["year"], [math.nan, 1999, 2001])
    assert _same(f["has_people"], [1, 1, 1])


def test_neighbour_scores_compare_with_the_mean_of_the_rrf_top() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [-1.0, 0.0]], dtype=np.float32)
    # the mean of all four (fewer than NEIGHBOURS) is (0.25, 0.25): unit (0.707, 0.707)
    assert np.allclose(neighbour_scores(vectors), [0.7071068, 0.7071068, 0.7071068, -0.7071068])
    assert neighbour_scores(np.zeros((0, 2), np.float32)).shape == (0,)


def test_keywords_count_their_words() -> None:
    payload = PAYLOAD.with_columns(pl.Series("keywords", [["giant robot", "friendship"], [], None]))
    table = MovieTable.from_payload(payload)
    words = QueryFacts.read("a robot and a boy, a story of friendship").words
    assert table.words.field_matches("keywords", np.array([0, 1, 2]), words).tolist() == [2, 0, 0]
    assert table.words.row_terms["keywords"].tolist() == [3, 0, 0]


def test_original_title_counts_only_when_it_differs() -> None:
    f = _features("Le fabuleux destin, something about Amélie")
    assert _same(f["original_frac"], [math.nan, math.nan, 3 / 4])  # fabuleux destin amélie / +poulain
