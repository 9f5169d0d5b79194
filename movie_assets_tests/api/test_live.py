"""The live searcher across rebuilds: new requests get the new set, a request in flight keeps its own,
a damaged build never replaces a working set, and a server started before the first build picks it up."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from movie_assets.api import LiveSearcher
from movie_assets.search import ArtifactsError, Searcher
from movie_assets_tests.catalogues import SEARCH_MOVIES, build_search_artifacts, edit_manifest
from movie_assets_tests.fakes import FakeEmbedder

SMALL = SEARCH_MOVIES[:9]


def _opener(path: Path, embedder: Any) -> Searcher:
    return Searcher.open(path, embedder=embedder or FakeEmbedder())


def test_a_new_set_is_served_to_new_requests_while_a_request_in_flight_finishes_on_its_own(
    tmp_path: Path,
) -> None:
    artifacts = build_search_artifacts(tmp_path / "artifacts")
    live = LiveSearcher(artifacts, opener=_opener)
    assert live.refresh() and not live.refresh()  # the second look finds nothing new
    in_flight = live.current()
    embedder = in_flight.encoder.model()
    build_search_artifacts(artifacts, SMALL)
    assert live.refresh() and live.switches == 1
    assert live.current().count == len(SMALL) and live.current().set_id != in_flight.set_id
    # The request that took the old Searcher still reads the whole old set (pinned, not removed).
    assert in_flight.count == 14 and len(in_flight.search("police", k=20, lang_policy="off").hits) == 14
    assert in_flight.folder.is_dir()
    assert live.current().encoder.model() is embedder  # the model is handed over, not loaded again


def test_a_damaged_build_leaves_the_served_set_in_place_and_says_so(tmp_path: Path) -> None:
    artifacts = build_search_artifacts(tmp_path / "artifacts")
    live = LiveSearcher(artifacts, opener=_opener)
    live.refresh()
    served = live.current().set_id
    build_search_artifacts(artifacts, SMALL)
    edit_manifest(artifacts, lambda m: m.update(count="lots"))
    assert not live.refresh()
    assert live.current().set_id == served and "movie-assets build" in (live.problem or "")
    build_search_artifacts(artifacts, SMALL)  # the next good build is taken
    assert live.refresh() and live.current().count == len(SMALL) and live.problem is None


def test_a_server_started_before_the_first_build_serves_it_once_published(tmp_path: Path) -> None:
    live = LiveSearcher(tmp_path / "artifacts", opener=_opener, poll_s=0.05)
    live.start()
    try:
        with pytest.raises(ArtifactsError, match="movie-assets build"):
            live.current()
        build_search_artifacts(tmp_path / "artifacts")
        deadline = time.monotonic() + 10
        while live.problem is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live.current().count == 14 and live.switches == 0
    finally:
        live.stop()
