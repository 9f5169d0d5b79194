"""Retrieval evaluation of the search library: proxy metrics on title queries, relevance on labelled ones.

tot = load_tot_queries(path, searcher_ids, links=read_links(links_csv))
results = evaluate(Searcher.open(artifacts_dir), sample_size=200, k=10, tot=tot)
write_results(results, reports_dir / "eval")
"""

from __future__ import annotations

from movie_assets.evaluation.metrics import (
    chance_language_match,
    chance_year_gap,
    genre_similarity,
    jaccard,
    language_matches,
    mean_year_gap,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    year_gaps,
)
from movie_assets.evaluation.per_request import REQUESTS_FILE, gold_rank, requests_table
from movie_assets.evaluation.runner import (
    DEFAULT_METHODS,
    evaluate,
    method_runs,
    sample_title_queries,
    write_results,
)
from movie_assets.evaluation.tables import markdown_table, results_markdown
from movie_assets.evaluation.tomt import (
    QUERIES_ENV,
    TRAIN_LINKS_ENV,
    TRAIN_QUERIES_ENV,
    ToTQueries,
    ToTQuery,
    catalogue_imdb_map,
    default_links_path,
    default_queries_path,
    default_train_queries_path,
    load_tot_queries,
    read_links,
    strip_reveals,
    truncate_words,
)

__all__ = [
    "DEFAULT_METHODS",
    "QUERIES_ENV",
    "REQUESTS_FILE",
    "TRAIN_LINKS_ENV",
    "TRAIN_QUERIES_ENV",
    "ToTQueries",
    "ToTQuery",
    "catalogue_imdb_map",
    "chance_language_match",
    "chance_year_gap",
    "default_links_path",
    "default_queries_path",
    "default_train_queries_path",
    "evaluate",
    "genre_similarity",
    "gold_rank",
    "jaccard",
    "language_matches",
    "load_tot_queries",
    "markdown_table",
    "method_runs",
    "mean_year_gap",
    "mrr_at_k",
    "ndcg_at_k",
    "read_links",
    "recall_at_k",
    "requests_table",
    "results_markdown",
    "sample_title_queries",
    "strip_reveals",
    "truncate_words",
    "write_results",
    "year_gaps",
]
