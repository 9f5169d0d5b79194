"""The refresh bookkeeping and year writes: pending years, the first cursor, partitions and vectors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from movie_assets.catalog.transform import build_movies
from movie_assets.paths import DataPaths
from movie_assets.refresh.patch import YearPatch
from movie_assets.refresh.years import (
    PendingYears,
    RefreshError,
    first_cursor,
    refresh_vectors,
    write_partition,
)
from movie_assets_tests.fakes import FakeEmbedder, make_movies

BLOCKING = ("schema", "unique_movie_ids", "year_matches_partition")


def test_pending_years_keep_a_sorted_union_until_discarded(tmp_path: Path) -> None:
    pending = PendingYears(tmp_path / "changes" / "pending_years.json")
    assert pending.read() == []
    assert pending.add([2021, 2019]) == [2019, 2021]
    assert pending.add([2020, 2021]) == [2019, 2020, 2021]
    assert pending.discard(2020) == [2019, 2021]
    assert PendingYears(pending.path).read() == [2019, 2021]


@pytest.mark.parametrize("content", ["{not json", '{"years": [2020]}', '["2020"]'])
def test_a_damaged_pending_file_is_an_error_that_says_what_to_do(tmp_path: Path, content: str) -> None:
    path = tmp_path / "pending_years.json"
    path.write_text(content)
    with pytest.raises(RefreshError, match="delete it"):
        PendingYears(path).read()


def test_first_cursor_is_the_day_of_the_oldest_fetch(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path)
    assert first_cursor(paths, [2020]) is None
    stamps = {2020: datetime(2025, 3, 9, 23, 0, tzinfo=UTC), 2021: datetime(2025, 3, 4, 1, 0, tzinfo=UTC)}
    for year, stamp in stamps.items():
        paths.movies_file(year).parent.mkdir(parents=True)
        make_movies([{"movie_id": year, "year": year, "harvested_at": stamp}]).write_parquet(
            paths.movies_file(year)
        )
    assert first_cursor(paths, [2020, 2021]) == date(2025, 3, 4)
    assert first_cursor(paths, [2020]) == date(2025, 3, 9)


def _movie(movie_id: int, overview: str, **extra: Any) -> dict[str, Any]:
    base = {"id": movie_id, "title": f"Film {movie_id}", "release_date": "2021-02-03", "overview": overview}
    return {**base, **extra}


def _patch(records: list[dict[str, Any]], year: int = 2021) -> YearPatch:
    frame, _ = build_movies(records, year=year)
    return YearPatch(year, frame, frame["movie_id"].to_list(), [], [])


def test_vectors_are_reused_for_known_documents_and_embedded_for_new_ones(tmp_path: Path) -> None:
    paths, embedder = DataPaths(tmp_path), FakeEmbedder()
    write_partition(
        paths, _patch([_movie(1, "a quiet harbour"), _movie(2, "a loud city")]), blocking=BLOCKING
    )
    (first,), _ = refresh_vectors(paths, [2021], embedder, model_name="fake")
    write_partition(
        paths, _patch([_movie(1, "a quiet harbour"), _movie(2, "a loud city at night")]), blocking=BLOCKING
    )

    (second,), stats = refresh_vectors(paths, [2021], embedder, model_name="fake")

    assert (first.documents, first.new_documents, second.documents, second.new_documents) == (2, 2, 2, 1)
    assert (stats.embedded, stats.cached) == (1, 0)
    assert "a loud city at night" in embedder.seen[-1] and len(embedder.seen) == 3
    documents = pl.read_parquet(paths.documents_file(2021))
    vectors = pl.read_parquet(paths.embeddings_file(2021))
    assert documents["movie_id"].to_list() == vectors["movie_id"].to_list() == [1, 2]
    expected = np.stack([embedder._vector(text) for text in documents["document"]])
    np.testing.assert_allclose(vectors["vector"].to_numpy(), expected, rtol=1e-6)


def test_vectors_of_another_model_are_not_reused(tmp_path: Path) -> None:
    paths, embedder = DataPaths(tmp_path), FakeEmbedder()
    write_partition(paths, _patch([_movie(1, "a quiet harbour")]), blocking=BLOCKING)
    refresh_vectors(paths, [2021], embedder, model_name="fake")

    (again,), stats = refresh_vectors(paths, [2021], FakeEmbedder(dim=16, name="other"), model_name="other")

    assert again.new_documents == 1 and stats.embedded == 1


def test_a_blocking_check_failure_keeps_the_previous_partition(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path)
    write_partition(paths, _patch([_movie(1, "fine")]), blocking=BLOCKING)
    before = paths.movies_file(2021).read_bytes()

    with pytest.raises(RefreshError, match="value_ranges"):
        write_partition(
            paths, _patch([_movie(1, "fine", vote_average=11.5)]), blocking=(*BLOCKING, "value_ranges")
        )
    assert paths.movies_file(2021).read_bytes() == before
    sha256, warnings = write_partition(
        paths, _patch([_movie(1, "fine", vote_average=11.5)]), blocking=BLOCKING
    )
    assert warnings == ["value_ranges"] and paths.movies_file(2021).read_bytes() != before
    assert len(sha256) == 64


def test_new_documents_of_several_years_share_one_embedding_call(tmp_path: Path) -> None:
    paths, embedder = DataPaths(tmp_path), FakeEmbedder()
    for year in (2020, 2021):
        movie = {**_movie(year, f"story of {year}"), "release_date": f"{year}-05-05"}
        write_partition(paths, _patch([movie], year), blocking=BLOCKING)

    done, stats = refresh_vectors(paths, [2020, 2021], embedder, model_name="fake")

    assert [(d.year, d.new_documents) for d in done] == [(2020, 1), (2021, 1)]
    assert embedder.calls == 1 and stats.embedded == 2
    for year in (2020, 2021):
        (text,) = pl.read_parquet(paths.documents_file(year))["document"]
        (vector,) = pl.read_parquet(paths.embeddings_file(year))["vector"].to_numpy()
        np.testing.assert_allclose(vector, embedder._vector(text), rtol=1e-6)


def _tamper(paths: DataPaths, year: int, movie_id: int) -> None:
    docs = pl.read_parquet(paths.documents_file(year))
    stale = pl.when(pl.col("movie_id") == movie_id).then(pl.lit("stale")).otherwise(pl.col("document"))
    docs.with_columns(stale.alias("document")).write_parquet(paths.documents_file(year))


@pytest.mark.parametrize(("tampered", "rebuilt_all"), [(3, False), (1, True)])
def test_documents_of_unchanged_rows_are_kept_unless_the_kept_ones_are_stale(
    tmp_path: Path, tampered: int, rebuilt_all: bool
) -> None:
    paths, embedder = DataPaths(tmp_path), FakeEmbedder()
    movies = [_movie(1, "one"), _movie(2, "two"), _movie(3, "three")]
    write_partition(paths, _patch(movies), blocking=BLOCKING)
    refresh_vectors(paths, [2021], embedder, model_name="fake")
    _tamper(paths, 2021, tampered)  # a document the refresh must either keep or notice
    movies[1] = _movie(2, "two, revised")
    write_partition(paths, _patch(movies), blocking=BLOCKING)

    refresh_vectors(paths, [2021], embedder, model_name="fake", changed={2021: [2]})

    documents = pl.read_parquet(paths.documents_file(2021))["document"].to_list()
    assert documents[1].endswith("Overview: two, revised")
    assert (documents[tampered - 1] == "stale") is not rebuilt_all
