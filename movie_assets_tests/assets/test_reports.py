"""The report assets on a tiny data home: search_eval on fake-embedded artifacts, catalog_report on movies."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from movie_assets.assets.reports import SearchEvalConfig, catalog_report, search_eval
from movie_assets.catalog.store import write_movies
from movie_assets.index.artifacts import write_artifacts
from movie_assets.index.documents import movie_documents
from movie_assets.paths import DataPaths
from movie_assets.resources import DataHome
from movie_assets_tests.catalogues import EVAL_MOVIES as MOVIES
from movie_assets_tests.fakes import FakeEmbedder, FakeEmbedderResource, make_movies

IMDB = {1: "tt0000101", 4: "tt0000104"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("home")
    paths = DataPaths(root)
    movies = make_movies([{**m, "imdb_id": IMDB.get(m["movie_id"])} for m in MOVIES])
    for (year,), frame in movies.partition_by("year", as_dict=True).items():
        write_movies(frame, paths.movies_file(int(year)))
    documents = movie_documents(movies)
    vectors = FakeEmbedder().encode(documents["document"].to_list())
    write_artifacts(movies, documents, vectors, paths.artifacts_dir, model_name=FakeEmbedder().name)
    return root


def _queries(folder: Path) -> tuple[Path, Path]:
    rows = [
        {"id": "a", "title": "[TOMT] astronauts", "text": "They orbit mars.\nEdit: solved", "imdb_url": "https://www.imdb.com/title/tt0000101"},
        {"id": "b", "title": "[TOMT] strangers", "text": "They share a table.", "imdb_url": "https://www.imdb.com/title/tt0000104"},
        {"id": "c", "title": "[TOMT] whale", "text": "A whale.", "imdb_url": "https://www.imdb.com/title/tt0000106"},
        {"id": "d", "title": "[TOMT] absent", "text": "Not here.", "imdb_url": "https://www.imdb.com/title/tt0000999"},
    ]  # fmt: skip
    queries = folder / "queries.jsonl.gz"
    queries.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    links = folder / "links.csv"
    links.write_text("movieId,imdbId,tmdbId\n1,0000106,6\n2,0000999,999\n")
    return queries, links


@pytest.fixture()
def context() -> Iterator[dg.AssetExecutionContext]:
    # Used as a context manager so the context's temporary instance is closed with the test.
    with dg.build_asset_context() as built:
        yield built


def _resources(home: Path) -> dict[str, Any]:
    return {"data": DataHome(home=str(home)), "embedder": FakeEmbedderResource(model_name="fake")}


@pytest.mark.integration
def test_both_assets_materialize_and_write_their_reports(home: Path, tmp_path: Path) -> None:
    queries, links = _queries(tmp_path)
    config = {"sample_size": 6, "k": 2, "methods": ["bm25", "hybrid"], "queries_path": str(queries),
              "links_path": str(links)}  # fmt: skip
    result = dg.materialize(
        [search_eval, catalog_report],
        resources=_resources(home),
        run_config={"ops": {"search_eval": {"config": config}}},
    )
    assert result.success
    reports = home / "reports"
    saved = json.loads((reports / "eval" / "search_eval.json").read_text())
    assert list(saved["proxy"]) == ["bm25", "hybrid"] and list(saved["relevance"]) == ["bm25", "hybrid"]
    # a and b map through the catalogue's imdb_id, c through links.csv; d's answer is not indexed.
    assert saved["labelled"]["used"] == 3
    assert saved["labelled"]["dropped"]["not_in_catalogue"] == 1
    assert saved["relevance"]["bm25"]["mrr@10"] == pytest.approx(1.0)
    assert (
        (reports / "eval" / "search_eval.md")
        .read_text()
        .startswith("### Proxy metrics: 6 title queries, k=2")
    )
    eval_meta = result.asset_materializations_for_node("search_eval")[0].metadata
    assert eval_meta["bm25 genre@2"].value == pytest.approx(saved["proxy"]["bm25"]["genre@2"])
    assert "| hybrid |" in eval_meta["relevance"].value
    report_meta = result.asset_materializations_for_node("catalog_report")[0].metadata
    assert report_meta["row_count"].value == 6
    assert report_meta["top_language"].value == "en"
    assert "**en (English)**" in (reports / "catalog" / "summary.md").read_text()
    assert (reports / "catalog" / "missingness.png").read_bytes()[:4] == b"\x89PNG"


def test_relevance_is_skipped_with_a_note_when_no_answer_is_indexed(
    home: Path, tmp_path: Path, context: dg.AssetExecutionContext
) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"id": "x", "title": "t", "text": "x", "imdb_url": "https://www.imdb.com/title/tt7"})
    )
    links = tmp_path / "links.csv"
    links.write_text("movieId,imdbId,tmdbId\n")
    config = SearchEvalConfig(
        sample_size=2, methods=["bm25"], queries_path=str(queries), links_path=str(links)
    )
    result = search_eval(context, config, **_resources(home))
    assert "relevance" not in result.metadata
    assert "none of the 1 queries" in result.metadata["notes"].value
    assert result.metadata["labelled"].value["dropped"]["unmapped"] == 1


def test_relevance_is_skipped_on_the_synthetic_demo_catalogue(
    home: Path, tmp_path: Path, context: dg.AssetExecutionContext
) -> None:
    demo = tmp_path / "home"
    shutil.copytree(home / "processed", demo / "processed")
    manifest_path = DataPaths(demo).artifacts_dir / "manifest.json"
    manifest_path.write_text(json.dumps({**json.loads(manifest_path.read_text()), "source": "demo"}))
    queries, links = _queries(tmp_path)
    config = SearchEvalConfig(
        sample_size=2, methods=["bm25"], queries_path=str(queries), links_path=str(links)
    )
    result = search_eval(context, config, **_resources(demo))
    assert "relevance" not in result.metadata and "labelled" not in result.metadata
    assert "synthetic demo catalogue" in result.metadata["notes"].value


def test_unknown_methods_and_missing_artifacts_fail_with_a_reason(
    home: Path, tmp_path: Path, context: dg.AssetExecutionContext
) -> None:
    with pytest.raises(dg.Failure, match=r"unknown search methods \['magic'\]"):
        search_eval(context, SearchEvalConfig(methods=["magic"]), **_resources(home))
    with pytest.raises(dg.Failure, match="no search artifacts"):
        search_eval(context, SearchEvalConfig(), **_resources(tmp_path))


def test_catalog_report_called_directly_reports_the_catalogue(home: Path) -> None:
    result = catalog_report(data=DataHome(home=str(home)))
    assert result.metadata["row_count"] == 6
    assert (result.metadata["top_language"], result.metadata["top_language_share"]) == ("en", 0.5)
    assert result.metadata["share_under_10_votes"] == 0.0  # make_movies gives every movie 10 votes
    assert "Top language: **en (English)** with 50.0% of movies" in result.metadata["summary"].value
    for name in ("year_trend", "runtime", "languages", "genres", "popularity", "missingness"):
        assert Path(result.metadata[f"plot {name}"].path).read_bytes()[:4] == b"\x89PNG"


def test_catalog_report_needs_built_movies(tmp_path: Path) -> None:
    with pytest.raises(dg.Failure, match="materialize the movies partitions first"):
        catalog_report(data=DataHome(home=str(tmp_path)))
