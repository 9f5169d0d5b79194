"""files: the one atomic writer (a failed write leaves the old file and no temporary one) and sha256_file."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from movie_assets.files import atomic_path, iter_json_lines, read_json, sha256_file, write_json, write_text


def test_atomic_path_writes_beside_the_target_and_renames_over_it(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "data.json.gz"
    with atomic_path(target, suffix=".gz") as tmp:
        assert tmp.parent == target.parent and not target.exists()
        assert tmp.name.startswith(".data.json.gz.") and tmp.name.endswith(".tmp.gz")
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["data.json.gz"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path: Path) -> None:
    target = write_text("old", tmp_path / "report.md")
    with pytest.raises(RuntimeError, match="disk full"), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_two_writes_of_one_file_get_different_temporary_names(tmp_path: Path) -> None:
    target = tmp_path / "x"
    with atomic_path(target) as first, atomic_path(target) as second:
        assert first != second
        first.write_bytes(b"1")
        second.write_bytes(b"2")
    assert target.read_bytes() == b"1"  # the outer block ends last, so its content wins


def test_json_round_trips_and_a_broken_file_says_to_rebuild(tmp_path: Path) -> None:
    path = write_json({"title": "Nayattu", "year": 2021}, tmp_path / "movie.json")
    assert read_json(path) == {"title": "Nayattu", "year": 2021}
    path.write_text("{not json")
    with pytest.raises(ValueError, match="movie.json is not valid JSON.*rebuild it"):
        read_json(path)
    with pytest.raises(FileNotFoundError, match="absent.json is missing"):
        read_json(tmp_path / "absent.json")


def test_sha256_file_matches_hashlib_across_read_blocks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000  # > 1 MiB: more than one read
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_json_lines_are_read_through_gzip_by_name_and_a_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": 1}\n\n[2]\n'))
    rows = iter_json_lines(path, fix="drop it")
    assert next(rows) == (1, {"id": 1})  # the blank line 2 is skipped
    with pytest.raises(ValueError, match=r"rows\.jsonl\.gz line 3 is not a JSON object; drop it"):
        next(rows)
    plain = tmp_path / "rows.jsonl"
    plain.write_text('{"id": 1}\n{"id": 2\n')
    with pytest.raises(ValueError, match=r"rows\.jsonl line 2 is not JSON \(Expecting .*\); drop it"):
        list(iter_json_lines(plain, fix="drop it"))
