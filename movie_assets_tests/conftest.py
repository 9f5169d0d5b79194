"""Fixtures every test package shares: a data root, the fake embedder, and a year of stored details."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from movie_assets.demo import generate_demo_catalogue
from movie_assets.paths import DataPaths
from movie_assets.resources import DataHome
from movie_assets.tmdb.details_store import HARVESTED_AT, DetailsStore
from movie_assets_tests.fakes import FakeEmbedder

# A test run started in the background of a non-interactive shell ignores SIGINT, and every process it
# starts would inherit that: the Ctrl-C tests would test nothing. Ctrl-C is handled as in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture()
def data_home(tmp_path: Path) -> DataHome:
    """The `data` resource over an empty data root of the test's own."""
    return DataHome(home=str(tmp_path / "home"))


@pytest.fixture()
def paths(data_home: DataHome) -> DataPaths:
    return data_home.paths()


@pytest.fixture()
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture()
def stored_details(paths: DataPaths) -> Callable[..., list[dict[str, Any]]]:
    """Write a completed details backfill for a year, as `movie_details` leaves it; returns the records.

    The records are demo movies of that year (TMDb's details shape), minus the ones a harvest never keeps.
    """

    def store(
        year: int, n: int = 40, seed: int = 3, edit: Callable[[list[dict]], None] | None = None
    ) -> list:
        records = [
            {**m, HARVESTED_AT: "2025-01-01T00:00:00+00:00"}
            for m in generate_demo_catalogue(n=n, years=(year,), seed=seed)
            if not (m.get("adult") or m.get("video") or m.get("_deleted"))
        ]
        if edit:
            edit(records)
        details = DetailsStore(paths.details_dir(year))
        checkpoint = {"batches": [], "state": "complete", "done_ids_count": len(records)}
        details.append_batch(checkpoint, records)
        details.write_checkpoint(checkpoint)
        return records

    return store
