"""The catalogue file: JSON lines, gzipped by a .gz name, written in one step."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from movie_assets.tmdb import read_catalogue, write_catalogue

MOVIES = [{"id": 1, "title": "Nayattu"}, {"id": 2, "title": "Drishyam", "_deleted": True}]


@pytest.mark.parametrize("name", ["catalog.jsonl", "catalog.jsonl.gz"])
def test_a_catalogue_reads_back_as_written(tmp_path: Path, name: str) -> None:
    path = tmp_path / "out" / name
    assert write_catalogue(MOVIES, path) == 2
    assert read_catalogue(path) == MOVIES
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")  # gzip's magic number
    assert [p.name for p in path.parent.iterdir()] == [name]


def test_a_writer_that_fails_midway_leaves_the_previous_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "catalog.jsonl.gz"
    write_catalogue(MOVIES, path)

    def failing() -> Iterator[dict]:
        yield {"id": 3}
        raise RuntimeError("source went away")

    with pytest.raises(RuntimeError, match="source went away"):
        write_catalogue(failing(), path)
    assert read_catalogue(path) == MOVIES
    assert gzip.decompress(path.read_bytes()).count(b"\n") == 2
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.jsonl.gz"]


def test_a_line_without_an_integer_id_is_named(tmp_path: Path) -> None:
    path = tmp_path / "catalog.jsonl"
    path.write_text('{"id": 1}\n{"id": "2"}\n')
    with pytest.raises(ValueError, match=r"catalog\.jsonl line 2 has no integer 'id'; fix or regenerate"):
        read_catalogue(path)
