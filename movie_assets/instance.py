"""The one Dagster instance that `movie-assets build`, `movie-assets ui` and `dagster dev` share."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg

from movie_assets.config import REPO_ROOT


def prepare_instance_env(home: Path) -> Path:
    """Point Dagster at the repo's `dagster.yaml` (unless `DAGSTER_HOME` says otherwise) and its storage
    at `home/dagster/`; returns the storage folder.

    These are environment variables because Dagster reads them itself, from `dagster.yaml`, when
    `DagsterInstance.get()` (or `dagster dev`) opens the instance: they must be set before that.
    """
    os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT))
    storage = Path(os.environ.setdefault("MOVIE_ASSETS_DAGSTER_DIR", str(home / "dagster")))
    os.environ.setdefault("MOVIE_ASSETS_DAGSTER_LOGS", str(storage / "compute_logs"))
    storage.mkdir(parents=True, exist_ok=True)
    return storage


_IN_PROGRESS = (
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)
# `movie-assets build` runs jobs in its own process; these tags say which process, so a later build can
# tell a run that is still going from one whose process was killed.
BUILD_HOST_TAG = "movie_assets/build_host"
BUILD_PID_TAG = "movie_assets/build_pid"


def build_tags() -> dict[str, str]:
    """Tags for a run executed in this process."""
    return {BUILD_HOST_TAG: socket.gethostname(), BUILD_PID_TAG: str(os.getpid())}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def fail_dead_builds(instance: dg.DagsterInstance) -> list[str]:
    """Mark as failed the in-progress runs of builds on this host whose process is gone, and free the
    pool slots they held (a killed build would otherwise keep the `tmdb` slot and stall every later
    harvest). Returns their run ids."""
    host = socket.gethostname()
    dead = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(_IN_PROGRESS))):
        pid = run.tags.get(BUILD_PID_TAG)
        if run.tags.get(BUILD_HOST_TAG) != host or not (pid or "").isdigit() or _alive(int(pid)):
            continue
        instance.report_run_failed(run, f"the build process (pid {pid}) that ran it is gone")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        dead.append(run.run_id)
    return dead
