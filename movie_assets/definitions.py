"""The one Definitions object: every asset, check, job and resource of movie_assets."""

from __future__ import annotations

import dagster as dg

from movie_assets.assets import catalog, embeddings, harvest, indexes, reference, refresh, reports
from movie_assets.jobs import JOBS
from movie_assets.resources import DataHome, EmbedderResource, TMDbResource

defs = dg.Definitions(
    # in_refresh_order: the profile and the search artifacts read what catalog_changes patched.
    assets=refresh.in_refresh_order(
        dg.load_assets_from_modules([reference, harvest, catalog, embeddings, indexes, reports, refresh])
    ),
    jobs=[*JOBS, refresh.refresh_job],
    schedules=[refresh.refresh_schedule],
    resources={
        # Where every asset reads and writes files (MOVIE_ASSETS_HOME).
        "data": DataHome(),
        # TMDb or an emulator, from TMDB_BASE_URL / TMDB_API_KEY / TMDB_RATE_LIMIT at run time.
        "tmdb": TMDbResource(),
        # The sentence-transformers model for documents and queries (EMBED_MODEL_NAME).
        "embedder": EmbedderResource(),
    },
)
