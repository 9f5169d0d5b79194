"""Parsed JSON checked against a TypedDict: each problem named by its path, the first one reported."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import pytest

from movie_assets.index.manifest import Manifest
from movie_assets.index.schema import check_json


class Inner(TypedDict):
    name: str
    weight: float


class Outer(TypedDict):
    version: Literal[1]
    count: int
    inner: Inner
    tags: list[str]
    sizes: dict[str, int]
    note: str | None


GOOD: dict[str, Any] = {
    "version": 1, "count": 3, "inner": {"name": "a", "weight": 2}, "tags": ["x"], "sizes": {"a": 1},
    "note": None, "unknown": "a newer writer's field",
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({}, None),
        ({"count": "lots"}, "count: expected a whole number, got 'lots'"),
        ({"count": True}, "count: expected a whole number, got True"),
        ({"count": 2.0}, "count: expected a whole number, got 2.0"),
        ({"version": True}, "version: expected one of [1], got True"),
        ({"inner": {"name": "a"}}, "inner.weight: missing"),
        ({"inner": {"name": "a", "weight": float("inf")}}, "inner.weight: expected a number, got inf"),
        ({"inner": []}, "inner: expected an object, got []"),
        ({"tags": ["x", 3]}, "tags[1]: expected text, got 3"),
        ({"sizes": {"a": "1"}}, "sizes['a']: expected a whole number, got '1'"),
        ({"note": 5}, "note: expected text, got 5"),
    ],
)
def test_check_json_names_the_first_problem(change: dict[str, Any], problem: str | None) -> None:
    assert check_json({**GOOD, **change}, Outer) == problem


def test_a_missing_key_and_a_document_that_is_not_an_object() -> None:
    assert check_json({k: v for k, v in GOOD.items() if k != "count"}, Outer) == "count: missing"
    assert check_json([1], Outer) == "the file: expected an object, got [1]"


def test_optional_manifest_fields_may_be_absent_but_not_wrong() -> None:
    """Sets written before set ids and extras still open; a wrong type in them is still refused."""
    manifest = {
        "format_version": 1, "count": 1, "embedding_model": "m", "dim": 2, "dense": {"type": "flat"},
        "bm25": {"tokenizer": "t"}, "files": {},
    }  # fmt: skip
    assert check_json(manifest, Manifest) is None
    assert check_json({**manifest, "extras": {"ranker": 1}}, Manifest) == (
        "extras['ranker']: expected an object, got 1"
    )
