"""The per-request table: each request's gold rank per method, written as CSV with empty misses."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from movie_assets.evaluation.per_request import gold_rank, requests_table, write_requests_table
from movie_assets.evaluation.tomt import ToTQuery


@pytest.mark.parametrize(
    ("ranked", "gold", "expected"),
    [
        ([5, 7, 9], frozenset({9}), 3),
        ([5, 7, 9], frozenset({7, 9}), 2),  # the first gold id counts
        ([5, 7, 9], frozenset({1}), None),
        ([], frozenset({1}), None),
    ],
)
def test_gold_rank(ranked: list[int], gold: frozenset[int], expected: int | None) -> None:
    assert gold_rank(ranked, gold) == expected


def test_the_table_has_a_row_per_request_and_a_column_per_method(tmp_path: Path) -> None:
    queries = [
        ToTQuery("a", "A  toy\ncowboy", "tt0114709", frozenset({862, 7})),
        ToTQuery("b", "x", "", frozenset({1})),
    ]
    rows = requests_table(queries, {"bm25": [3, None], "hybrid": [1, 40]})
    assert rows[0] == {
        "request_id": "a", "gold_movie_ids": "7 862", "imdb_id": "tt0114709", "request": "A toy cowboy",
        "bm25": 3, "hybrid": 1,
    }  # fmt: skip
    path = write_requests_table(rows, tmp_path)
    read = list(csv.DictReader(path.open()))
    assert [(r["request_id"], r["bm25"], r["hybrid"]) for r in read] == [("a", "3", "1"), ("b", "", "40")]
