"""The one Dagster instance that `movie-assets build`, `movie-assets ui` and `dagster dev` share."""

from __future__ import annotations

import os
from pathlib import Path

from movie_assets.config import REPO_ROOT, data_home, load_dotenv_once


def prepare_instance_env() -> Path:
    """Point Dagster at the repo's `dagster.yaml` (unless `DAGSTER_HOME` says otherwise) and its storage
    at `$MOVIE_ASSETS_HOME/dagster/`; returns the storage folder."""
    load_dotenv_once()
    os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT))
    storage = Path(os.environ.setdefault("MOVIE_ASSETS_DAGSTER_DIR", str(data_home() / "dagster")))
    os.environ.setdefault("MOVIE_ASSETS_DAGSTER_LOGS", str(storage / "compute_logs"))
    storage.mkdir(parents=True, exist_ok=True)
    return storage
