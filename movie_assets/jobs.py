"""Jobs as asset selections: reference lists, the per-year pipeline, and the catalogue-wide artifacts."""

from __future__ import annotations

import dagster as dg

from movie_assets.partitions import year_partitions

reference_job = dg.define_asset_job(
    "reference_job",
    selection=dg.AssetSelection.assets("tmdb_languages", "tmdb_genres"),
    description="TMDb's language and genre lists.",
)

yearly_job = dg.define_asset_job(
    "yearly_job",
    selection=dg.AssetSelection.assets(
        "discovered_movies", "movie_details", "movies", "movie_documents", "movie_embeddings"
    ),
    partitions_def=year_partitions,
    description="Harvest, type and embed the movies of one release year.",
)

catalog_job = dg.define_asset_job(
    "catalog_job",
    selection=dg.AssetSelection.assets("movies_profile", "dense_index", "bm25_index", "search_payload"),
    description="The catalogue profile and the search artifacts over every built year.",
)

ranker_job = dg.define_asset_job(
    "ranker_job",
    selection=dg.AssetSelection.assets("search_ranker"),
    description="The learned ranker and query adapter from labelled requests, added to the search artifacts "
    "(none without labels; kept as is while the labels, encoder and features are unchanged).",
)

reports_job = dg.define_asset_job(
    "reports_job",
    selection=dg.AssetSelection.assets("search_eval", "catalog_report"),
    description="Retrieval quality over the built artifacts and the catalogue report (EDA).",
)

JOBS = [reference_job, yearly_job, catalog_job, ranker_job, reports_job]
