"""The learned stage of search, as applied: pool features, the LambdaRank booster and the query adapter.

    table = MovieTable.from_payload(payload)
    features = pool_features(table, QueryFacts.read(text, language), signals)
    scores = LearnedRanker.load(path).score(features)

Pure core: imports no dagster and nothing above `index`; training lives in `movie_assets.training`.
"""

from __future__ import annotations

from movie_assets.ranking.cues import Cues, read_cues
from movie_assets.ranking.features import (
    FEATURE_NAMES,
    FEATURE_SCHEMA,
    PoolSignals,
    QueryFacts,
    neighbour_scores,
    pool_features,
)
from movie_assets.ranking.model import LearnedRanker, QueryAdapter
from movie_assets.ranking.movies import MovieTable, text_words
from movie_assets.ranking.parts import ADAPTER_FILE, RANKER_FILE, LearnedParts, check_learned, open_learned

__all__ = [
    "ADAPTER_FILE",
    "FEATURE_NAMES",
    "FEATURE_SCHEMA",
    "RANKER_FILE",
    "Cues",
    "LearnedParts",
    "LearnedRanker",
    "MovieTable",
    "PoolSignals",
    "QueryAdapter",
    "QueryFacts",
    "check_learned",
    "neighbour_scores",
    "open_learned",
    "pool_features",
    "read_cues",
    "text_words",
]
