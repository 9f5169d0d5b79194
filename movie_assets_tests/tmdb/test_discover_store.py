"""DiscoverStore: a whole harvest behind a marker written last, reused only for the same server and scope."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from movie_assets.tmdb.discover import DiscoverResult, discover_year
from movie_assets.tmdb.discover_store import MARKER, MOVIES_FILE, DiscoverStore
from movie_assets.tmdb.provenance import SOURCE_FILE
from movie_assets_tests.tmdb.fake_discover import FakeDiscover, make_movies

IDENTITY = {"base_url": "http://127.0.0.1:1/3", "source": "tmdb", "scope": [{}]}


def _results() -> list[DiscoverResult]:
    movies = make_movies(120, 2021)
    return [asyncio.run(discover_year(FakeDiscover(movies), 2021, cap=50))]


def _write(store: DiscoverStore, results: list[DiscoverResult], run: str) -> dict:
    return store.write(
        results, identity=IDENTITY, base_url=IDENTITY["base_url"], source="tmdb", started_by=run
    )


def test_a_written_harvest_reads_back_with_its_marker(tmp_path: Path) -> None:
    store = DiscoverStore(tmp_path)
    assert store.marker() is None and store.finished(IDENTITY) is None
    results = _results()
    marker = _write(store, results, "run-1")
    assert marker == store.finished(IDENTITY)
    assert marker["started_by"] == "run-1" and marker["requests"] == results[0].requests
    ids = [m["id"] for m in results[0].movies]
    assert store.movie_ids() == ids and marker["movies"] == len(ids)
    assert store.results()[0]["requests"] == results[0].requests
    assert store.incomplete_windows() == []
    assert (tmp_path / SOURCE_FILE).is_file()


def test_another_server_or_scope_is_not_the_same_harvest(tmp_path: Path) -> None:
    store = DiscoverStore(tmp_path)
    _write(store, _results(), "run-1")
    assert store.finished({**IDENTITY, "scope": [{"with_original_language": "ml"}]}) is None
    assert store.finished({**IDENTITY, "base_url": "https://api.themoviedb.org/3"}) is None


def test_a_rewrite_cut_short_leaves_no_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DiscoverStore(tmp_path)
    _write(store, _results(), "run-1")

    def killed(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies while the new movies file is written

    monkeypatch.setattr("movie_assets.tmdb.discover_store.write_catalogue", killed)
    with pytest.raises(KeyboardInterrupt):
        _write(store, _results(), "run-2")
    # The old files are still there, but no longer vouched for: the next run harvests the year again.
    assert (tmp_path / MOVIES_FILE).is_file() and not (tmp_path / MARKER).exists()
    assert store.finished(IDENTITY) is None


def test_a_damaged_marker_counts_as_no_harvest(tmp_path: Path) -> None:
    store = DiscoverStore(tmp_path)
    _write(store, _results(), "run-1")
    (tmp_path / MARKER).write_text("{not json")
    assert store.marker() is None
