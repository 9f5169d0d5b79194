"""The one Definitions object: every asset, check, job and resource of movie_assets.

Importing it reads no setting: the resources are left unset here. `movie-assets build` sets them through
run config; a run from the UI or the schedule leaves them unset, and each takes its environment default
(`.env` included) when the run starts.
"""

from __future__ import annotations

import dagster as dg

from movie_assets.assets import catalog, embeddings, harvest, indexes, ranker, reference, refresh, reports
from movie_assets.jobs import JOBS
from movie_assets.resources import DataHome, EmbedderResource, TMDbResource

defs = dg.Definitions(
    # in_refresh_order: the profile and the search artifacts read what catalog_changes patched.
    assets=refresh.in_refresh_order(
        dg.load_assets_from_modules(
            [reference, harvest, catalog, embeddings, indexes, ranker, reports, refresh]
        )
    ),
    jobs=[*JOBS, refresh.refresh_job],
    schedules=[refresh.refresh_schedule],
    resources={
        # Where every asset reads and writes files (default MOVIE_ASSETS_HOME).
        "data": DataHome(),
        # TMDb or an emulator, and the harvest scope (defaults TMDB_BASE_URL, TMDB_API_KEY, TMDB_RATE_LIMIT,
        # TMDB_SCOPE_*).
        "tmdb": TMDbResource(),
        # The sentence-transformers model for documents and queries (default EMBED_MODEL_NAME).
        "embedder": EmbedderResource(),
    },
)
