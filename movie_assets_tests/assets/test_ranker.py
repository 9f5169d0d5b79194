"""The search_ranker asset on a small data home: trains and installs from labelled requests, keeps what is
unchanged, leaves the demo (and a home without labels) without a ranker, and names bad label files."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from movie_assets.assets.ranker import SearchRankerConfig, search_ranker
from movie_assets.catalog.store import write_movies
from movie_assets.index import learned_facts, read_manifest, write_artifacts
from movie_assets.index.documents import movie_documents
from movie_assets.paths import DataPaths
from movie_assets.resources import DataHome
from movie_assets.search import Searcher
from movie_assets_tests.fakes import FakeEmbedder, FakeEmbedderResource, make_movies

WORDS = [f"w{i}" for i in range(400)]


def _catalogue(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {"movie_id": 100 + i, "title": f"Film {i}", "year": 1990 + i % 30, "imdb_id": f"tt{1000 + i:07d}",
         "overview": " ".join(rng.sample(WORDS, 12)), "vote_count": rng.randint(0, 5000)}
        for i in range(80)
    ]  # fmt: skip


def _requests(movies: list[dict[str, Any]], rng: random.Random, n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        movie = rng.choice(movies)
        words = rng.sample(movie["overview"].split(), 4) + rng.sample(WORDS, 4)
        answer = {"movie_id": movie["movie_id"]} if i % 2 else {"imdb_id": movie["imdb_id"]}
        rows.append({"id": f"r{i}", "query": " ".join(words), **answer})
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _home(root: Path, source: str = "tmdb") -> tuple[Path, list[dict[str, Any]]]:
    rng = random.Random(3)
    records = _catalogue(rng)
    paths = DataPaths(root)
    movies = make_movies(records)
    for (year,), frame in movies.partition_by("year", as_dict=True).items():
        write_movies(frame, paths.movies_file(int(year)))
    documents = movie_documents(movies)
    vectors = FakeEmbedder().encode(documents["document"].to_list())
    write_artifacts(
        movies, documents, vectors, paths.artifacts_dir, model_name=FakeEmbedder().name, source=source
    )
    return root, records


@pytest.fixture()
def context() -> Iterator[dg.AssetExecutionContext]:
    with dg.build_asset_context() as built:
        yield built


def _run(context: dg.AssetExecutionContext, home: Path, **config: Any) -> dict[str, Any]:
    result = search_ranker(
        context, SearchRankerConfig(**config), data=DataHome(home=str(home)),
        embedder=FakeEmbedderResource(model_name="fake"),
    )  # fmt: skip
    return {k: getattr(v, "value", v) for k, v in (result.metadata or {}).items()}


@pytest.mark.integration  # a whole training run: adapter, pools and LambdaRank (~30 s on a busy machine)
def test_trains_installs_and_keeps_an_unchanged_ranker(
    context: dg.AssetExecutionContext, tmp_path: Path
) -> None:
    home, records = _home(tmp_path / "home")
    labels = _write(tmp_path / "train.jsonl", _requests(records, random.Random(5), 160))
    first = _run(context, home, queries_path=str(labels), min_requests=100)
    assert first["trained"] is True and first["reused"] is False
    artifacts = DataPaths(home).artifacts_dir
    entry = learned_facts(read_manifest(artifacts))
    assert entry["encoder"] == FakeEmbedder().name and entry["requests"]["matched"] == 160
    assert "ranker.txt" in entry["files"]
    assert {"pool order (RRF)", "learned"} == set(entry["held_apart_scores"])
    searcher = Searcher.open(artifacts, embedder=FakeEmbedderResource(model_name="fake").load())
    assert "ranker" in searcher.search(records[0]["overview"], k=5).learned
    again = _run(context, home, queries_path=str(labels), min_requests=100)
    assert again["trained"] is True and again["reused"] is True
    assert learned_facts(read_manifest(artifacts))["trained_at"] == entry["trained_at"]


def test_too_few_matched_requests_train_nothing(context: dg.AssetExecutionContext, tmp_path: Path) -> None:
    home, records = _home(tmp_path / "home")
    rows = _requests(records, random.Random(5), 30) + [{"query": "gone", "movie_id": 1}] * 5
    out = _run(context, home, queries_path=str(_write(tmp_path / "t.jsonl", rows)))
    assert out["trained"] is False and "only 30 of 35 labelled requests" in out["reason"]
    assert learned_facts(read_manifest(DataPaths(home).artifacts_dir)) is None


@pytest.mark.integration
def test_without_labels_there_is_no_ranker_not_even_an_old_one(
    context: dg.AssetExecutionContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, records = _home(tmp_path / "home")
    labels = _write(tmp_path / "train.jsonl", _requests(records, random.Random(5), 160))
    _run(context, home, queries_path=str(labels), min_requests=100)
    monkeypatch.setenv("MOVIE_ASSETS_TRAIN_QUERIES", "none")
    out = _run(context, home)
    assert out["trained"] is False and out["removed_previous"] is True
    assert "MOVIE_ASSETS_TRAIN_QUERIES" in out["reason"]
    assert learned_facts(read_manifest(DataPaths(home).artifacts_dir)) is None
    assert not (DataPaths(home).artifacts_dir / "learned").exists()


def test_the_demo_gets_no_ranker(context: dg.AssetExecutionContext, tmp_path: Path) -> None:
    home, records = _home(tmp_path / "demo", source="demo")
    labels = _write(tmp_path / "train.jsonl", _requests(records, random.Random(5), 160))
    out = _run(context, home, queries_path=str(labels), min_requests=100)
    assert out["trained"] is False and "demo" in out["reason"]
    assert learned_facts(read_manifest(DataPaths(home).artifacts_dir)) is None


def test_a_missing_label_file_fails_naming_it(context: dg.AssetExecutionContext, tmp_path: Path) -> None:
    home, _ = _home(tmp_path / "home")
    with pytest.raises(
        dg.Failure, match="no labelled queries at .*missing.jsonl.*MOVIE_ASSETS_TRAIN_QUERIES"
    ):
        _run(context, home, queries_path=str(tmp_path / "missing.jsonl"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "holds no labelled requests"),
        ('{"query": "a"}\n', "line 1 is not a labelled request"),
        ('{"query": "a", "movie_id": 100}\n{oops\n', "line 2 is not JSON"),
        ('{"query": "a", "movie_id": "100"}\n', "'movie_id' must be int"),
    ],
)
def test_a_bad_label_file_fails_naming_the_file_and_line(
    context: dg.AssetExecutionContext, tmp_path: Path, content: str, message: str
) -> None:
    home, _ = _home(tmp_path / "home")
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(dg.Failure, match=message) as caught:
        _run(context, home, queries_path=str(path))
    assert str(path) in str(caught.value)
