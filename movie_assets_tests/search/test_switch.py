"""Searchers while new artifact sets are published: never a moment without a set, never a mixed one, and
an old set kept while a Searcher still reads it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from movie_assets.index import KEEP_SETS, PAYLOAD_FILE, sets_dir
from movie_assets.search import Searcher
from movie_assets_tests.catalogues import SEARCH_MOVIES as MOVIES
from movie_assets_tests.catalogues import build_search_artifacts as build_artifacts
from movie_assets_tests.fakes import FakeEmbedder

SWITCHES = 24
# Two catalogues a reader can tell apart from any one of its files: 14 movies, or the first 9.
BIG, SMALL = MOVIES, MOVIES[:9]


def _sets(artifacts: Path) -> list[str]:
    return sorted(p.name for p in sets_dir(artifacts).iterdir() if not p.name.startswith("."))


def _check_one_set(searcher: Searcher) -> None:
    """Everything the Searcher reads, and a file read from its set later, is the same catalogue."""
    expected: Sequence[Mapping[str, Any]] = BIG if searcher.manifest["count"] == len(BIG) else SMALL
    ids = [int(m["movie_id"]) for m in expected]
    assert searcher.count == len(expected) and searcher.payload["movie_id"].to_list() == ids
    assert searcher.manifest["years"] == sorted({int(m["year"]) for m in expected})
    hits = searcher.search("police gangster crime", k=20, lang_policy="off").hits
    assert {hit.movie_id for hit in hits} <= set(ids) and len(hits) == len(expected)
    later = pl.read_parquet(searcher.folder / PAYLOAD_FILE, columns=["movie_id"])["movie_id"].to_list()
    assert later == ids


def test_a_reader_never_fails_or_sees_a_mixed_set_while_sets_are_switched(tmp_path: Path) -> None:
    artifacts = build_artifacts(tmp_path / "artifacts", BIG)
    errors: list[BaseException] = []
    seen: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                searcher = Searcher.open(artifacts, embedder=FakeEmbedder())
                _check_one_set(searcher)
                seen.add(searcher.set_id)
            except BaseException as exc:  # collected: an assertion in a thread does not fail the test
                errors.append(exc)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(SWITCHES):
            build_artifacts(artifacts, SMALL if i % 2 == 0 else BIG)
    finally:
        stop.set()
        reader.join(timeout=120)
    assert not errors, repr(errors[0])
    assert len(seen) >= 2  # the reader really read across switches
    gc.collect()
    build_artifacts(artifacts, BIG)  # with no reader left, only the newest sets stay
    assert len(_sets(artifacts)) == KEEP_SETS


def test_a_set_a_searcher_holds_outlives_the_sets_kept_after_it(tmp_path: Path) -> None:
    artifacts = build_artifacts(tmp_path / "artifacts", BIG)
    held = Searcher.open(artifacts, embedder=FakeEmbedder())
    first = held.folder
    assert held.set_id == first.name == _sets(artifacts)[0] and not held.outdated()
    for _ in range(KEEP_SETS + 2):
        build_artifacts(artifacts, SMALL)
    assert held.outdated()
    assert first.is_dir() and _sets(artifacts)[0] == first.name
    assert len(_sets(artifacts)) == KEEP_SETS + 1  # the newest ones, and the one still held
    _check_one_set(held)
    newer = Searcher.open(artifacts, embedder=FakeEmbedder())
    assert newer.set_id == _sets(artifacts)[-1] != held.set_id and not newer.outdated()
    del held
    gc.collect()
    build_artifacts(artifacts, SMALL)
    assert not first.exists() and len(_sets(artifacts)) == KEEP_SETS
    _check_one_set(newer)  # the newest set before this build is still kept


def test_a_concrete_set_folder_opens_like_the_pointer(tmp_path: Path) -> None:
    artifacts = build_artifacts(tmp_path / "artifacts", BIG)
    through_pointer = Searcher.open(artifacts, embedder=FakeEmbedder())
    direct = Searcher.open(through_pointer.folder, embedder=FakeEmbedder())
    assert direct.set_id == through_pointer.set_id and direct.folder == through_pointer.folder
    build_artifacts(artifacts, SMALL)
    assert through_pointer.outdated() and not direct.outdated()  # a set folder never changes
