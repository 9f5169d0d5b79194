"""The evaluation runner over small artifacts built with the fake embedder."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from movie_assets.evaluation.runner import evaluate, sample_title_queries, write_results
from movie_assets.evaluation.tables import markdown_table, results_markdown
from movie_assets.evaluation.tomt import ToTQueries, ToTQuery
from movie_assets.index.artifacts import write_artifacts
from movie_assets.index.documents import movie_documents
from movie_assets.search import ModelUnavailableError, QueryError, Searcher
from movie_assets_tests.catalogues import EVAL_MOVIES as MOVIES
from movie_assets_tests.fakes import FakeEmbedder, make_movies


def build(folder: Path, records: Sequence[Mapping[str, Any]] = MOVIES) -> Path:
    movies = make_movies(records)
    documents = movie_documents(movies)
    vectors = FakeEmbedder().encode(documents["document"].to_list())
    write_artifacts(movies, documents, vectors, folder, model_name=FakeEmbedder().name)
    return folder


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("eval") / "artifacts")


@pytest.fixture()
def searcher(artifacts: Path) -> Searcher:
    return Searcher.open(artifacts, embedder=FakeEmbedder())


def test_the_title_sample_is_reproducible_and_skips_untitled_movies() -> None:
    payload = make_movies([*MOVIES, dict(movie_id=7, title="  ")]).select(
        "movie_id", "title", "year", "original_language", "genres"
    )
    first = sample_title_queries(payload, 3, seed=4)
    assert first.height == 3
    assert first.equals(sample_title_queries(payload.reverse(), 3, seed=4))
    assert first["movie_id"].to_list() != sample_title_queries(payload, 3, seed=5)["movie_id"].to_list()
    assert sorted(sample_title_queries(payload, 100, seed=0)["movie_id"]) == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match="sample size"):
        sample_title_queries(payload, 0, seed=0)


def test_bm25_proxy_metrics_match_the_hand_computed_neighbourhoods(searcher: Searcher) -> None:
    results = evaluate(searcher, ["bm25"], sample_size=50, k=2, lang_policy="off")
    scores = results["proxy"]["bm25"]
    # Alpha: Beta (J 1, 2y, en) + Gamma (J 1/2, 6y, fr); Beta: Alpha (1, 2y, en) + Gamma (1/2, 4y, fr);
    # Gamma: Alpha, Beta (J 1/2 each; 6y, 4y; both en vs fr); Cafe <-> Lights (1, 2y, fr); Keeper: no hits.
    assert scores["genre@2"] == pytest.approx((0.75 + 0.75 + 0.5 + 1 + 1) / 5)
    assert scores["year_gap@2"] == pytest.approx((4 + 3 + 5 + 2 + 2) / 5)  # per-query means, see below
    assert scores["lang_match@2"] == pytest.approx(4 / 8)
    assert scores["self@1"] == 1.0
    assert scores["ms_per_query"] > 0
    assert results["proxy_queries"] == 6
    assert results["config"] == {
        "k": 2,
        "sample_size": 50,
        "seed": 0,
        "lang_policy": "off",
        "methods": ["bm25"],
    }
    assert results["relevance"] is None and results["labelled"] is None


def test_year_gap_is_a_mean_per_query_beside_its_chance_level(searcher: Searcher) -> None:
    """A median of whole-year gaps pooled over every hit read exactly 4.0 for every method on the demo
    catalogue (its titles say nothing of the year, so every method sits at chance, where the median gap
    is 4). The gap is now averaged per query, then over queries, and printed beside the chance level."""
    results = evaluate(searcher, ["bm25"], sample_size=50, k=2, lang_policy="off")
    # Alpha: 2y, 6y -> 4; Beta: 2, 4 -> 3; Gamma: 6, 4 -> 5; Cafe: 2; Lights: 2; Keeper: no hits.
    assert results["proxy"]["bm25"]["year_gap@2"] == pytest.approx(16 / 5)
    # Random hits: each movie's mean gap to the five others (18, 18.8, 22, 18.8, 18, 57.2), and the share
    # of the others in its language (two of five for each movie).
    assert results["proxy_chance"] == {
        "year_gap@2": pytest.approx(152.8 / 6),
        "lang_match@2": pytest.approx(0.4),
    }
    assert "| (random hits) | – | 25.467 | 0.400 | – | – |" in results_markdown(results)


def test_each_method_embeds_its_own_queries(artifacts: Path) -> None:
    """ms_per_query times each method's own queries: the vectors a previous method embedded for the same
    titles are forgotten first, so a later method cannot look faster by reusing them."""
    embedder = FakeEmbedder()
    searcher = Searcher.open(artifacts, embedder=embedder)
    evaluate(searcher, ["retrieval", "hybrid"], sample_size=50, k=2, lang_policy="off")
    titles = [str(m["title"]) for m in MOVIES]
    assert sorted(embedder.seen) == sorted(["warm up", *titles] * 2)


def test_every_requested_method_is_scored_in_order(searcher: Searcher) -> None:
    results = evaluate(searcher, ["hybrid", "retrieval", "blend", "mmr", "bm25"], sample_size=4, k=3)
    assert list(results["proxy"]) == ["hybrid", "retrieval", "blend", "mmr", "bm25"]
    for scores in results["proxy"].values():
        assert set(scores) == {"genre@3", "year_gap@3", "lang_match@3", "self@1", "ms_per_query"}
        assert 0.0 <= scores["genre@3"] <= 1.0 and 0.0 <= scores["lang_match@3"] <= 1.0


def _tot() -> ToTQueries:
    queries = (
        ToTQuery("hit-first", "astronauts orbit mars", "tt0000001", frozenset({1})),
        # Cafe matches three words, Lights one: the answer comes second.
        ToTQuery("hit-second", "strangers share table fisherman", "tt0000005", frozenset({5})),
        ToTQuery("miss", "zebra", "tt0000006", frozenset({6})),
    )
    return ToTQueries(queries, total=5, dropped={"unmapped": 2}, stripped_lines=1)


def test_relevance_metrics_over_labelled_queries(searcher: Searcher) -> None:
    results = evaluate(searcher, ["bm25"], sample_size=2, tot=_tot(), lang_policy="off")
    scores = results["relevance"]["bm25"]
    assert scores["recall@10"] == pytest.approx(2 / 3)
    assert scores["recall@100"] == pytest.approx(2 / 3)
    assert scores["mrr@10"] == pytest.approx((1 + 0.5) / 3)
    assert scores["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 3)
    assert results["labelled"] == {
        "total": 5, "used": 3, "dropped": {"unmapped": 2}, "stripped_lines": 1, "truncated_to_max_chars": 0,
    }  # fmt: skip


def test_long_labelled_queries_are_cut_to_the_library_limit(searcher: Searcher) -> None:
    # 15,000 characters are read whole; beyond the library's 20,000 a request is cut at a word boundary.
    long = ToTQuery("long", "astronauts orbit mars " + "word " * 3_000, "tt0000001", frozenset({1}))
    longer = ToTQuery("longer", "astronauts orbit mars " + "word " * 5_000, "tt0000001", frozenset({1}))
    results = evaluate(searcher, ["bm25"], sample_size=1, tot=ToTQueries((long, longer), total=2))
    assert results["labelled"]["truncated_to_max_chars"] == 1
    assert results["relevance"]["bm25"]["mrr@10"] == 1.0


class _UnloadableCrossEncoder:
    def predict(self, sentences: list[tuple[str, str]], **kwargs: object) -> np.ndarray:
        raise ModelUnavailableError("cross-encoder 'x' cannot be loaded offline")


def test_a_method_whose_model_is_unavailable_is_skipped_with_the_reason(artifacts: Path) -> None:
    searcher = Searcher.open(artifacts, embedder=FakeEmbedder(), cross_encoder=_UnloadableCrossEncoder())
    results = evaluate(searcher, ["bm25", "ce"], sample_size=2, tot=_tot())
    assert list(results["proxy"]) == ["bm25"] and list(results["relevance"]) == ["bm25"]
    assert results["skipped"] == {"ce": "cross-encoder 'x' cannot be loaded offline"}
    assert "- skipped `ce`: cross-encoder 'x'" in results_markdown(results)


def test_markdown_table_has_a_row_per_method_and_a_dash_for_unknowns() -> None:
    table = markdown_table({"bm25": {"genre@10": 0.5, "year_gap@10": None}, "hybrid": {"genre@10": 0.25}})
    assert table.splitlines() == [
        "| method | genre@10 | year_gap@10 |",
        "| --- | --- | --- |",
        "| bm25 | 0.500 | – |",
        "| hybrid | 0.250 | – |",
    ]


def test_write_results_writes_the_json_and_the_markdown(searcher: Searcher, tmp_path: Path) -> None:
    results = evaluate(searcher, ["bm25"], sample_size=3, tot=_tot(), notes=["from a test"])
    written = write_results(results, tmp_path / "eval")
    assert json.loads(written["search_eval.json"].read_text()) == {
        k: v for k, v in results.items() if k != "requests"
    }
    text = written["search_eval.md"].read_text()
    assert "### Proxy metrics: 3 title queries, k=10" in text
    assert "### Relevance: 3 labelled queries" in text
    assert "| bm25 |" in text and "- from a test" in text
    assert sorted(p.name for p in (tmp_path / "eval").iterdir()) == [
        "search_eval.json",
        "search_eval.md",
        "search_eval_requests.csv",
    ]
    rows = list(csv.DictReader(written["search_eval_requests.csv"].open()))
    assert [r["request_id"] for r in rows] == [q.query_id for q in _tot().queries]
    ranks = [r["bm25"] for r in rows]
    assert ranks == ["" if r is None else str(r) for r in (row["bm25"] for row in results["requests"])]


def test_bad_knobs_fail_before_any_query(searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="k must be"):
        evaluate(searcher, ["bm25"], k=0)
    with pytest.raises(QueryError, match="unknown method 'magic'"):
        evaluate(searcher, ["bm25", "magic"])
    with pytest.raises(QueryError, match="unknown language policy 'loud'"):
        evaluate(searcher, ["bm25"], lang_policy="loud")


def test_payload_columns_come_from_the_artifacts(artifacts: Path) -> None:
    payload = pl.read_parquet(artifacts / "search_payload.parquet")
    assert payload["movie_id"].to_list() == [1, 2, 3, 4, 5, 6]
