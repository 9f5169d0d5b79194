"""The learned stage inside hybrid: applied when the set has it, off means today's hybrid exactly, stale parts
are refused at open, and long descriptions pass through every method."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from movie_assets.index import install_learned, read_manifest
from movie_assets.ranking import ADAPTER_FILE, FEATURE_SCHEMA, RANKER_FILE
from movie_assets.search import METHODS, ArtifactsError, Searcher, SearchResult
from movie_assets_tests.catalogues import SEARCH_MOVIES as MOVIES
from movie_assets_tests.catalogues import build_search_artifacts as build_artifacts
from movie_assets_tests.fakes import FakeEmbedder, votes_ranker

QUERY = "a police officer hunts a gangster crime"


def _npy(matrix: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, matrix.astype(np.float32))
    return buffer.getvalue()


def _install(folder: Path, files: dict[str, bytes], **changes: object) -> None:
    manifest = read_manifest(folder)
    entry = {"encoder": manifest["embedding_model"], "dim": manifest["dim"], "feature_schema": FEATURE_SCHEMA,
             "fingerprint": "test"} | changes  # fmt: skip
    install_learned(folder, files, entry)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_artifacts(tmp_path_factory.mktemp("learned") / "artifacts")


@pytest.fixture(scope="module")
def ranked(plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ranked") / "artifacts"
    shutil.copytree(plain, folder)
    _install(folder, {RANKER_FILE: votes_ranker().encode()})
    return folder


def _ids(result: SearchResult) -> list[int]:
    return [hit.movie_id for hit in result.hits]


def test_the_ranker_reorders_hybrid_by_what_it_learned(ranked: Path) -> None:
    searcher = Searcher.open(ranked, embedder=FakeEmbedder())
    result = searcher.search(QUERY, k=14, constraints="off")  # the ranker's own order, no genre filter
    assert result.learned == ("ranker",)
    votes = {int(m["movie_id"]): int(m.get("vote_count") or 0) for m in MOVIES}
    found = [votes[i] for i in _ids(result)]
    assert found[0] == max(found)  # Heat's 7,000 votes win, whatever the text match
    plain_order = [votes[i] for i in _ids(searcher.search(QUERY, k=14, learned="off", constraints="off"))]
    assert found[:3] != plain_order[:3]
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))
    assert all(h.components.fused is not None for h in result.hits)


def test_learned_off_is_todays_hybrid_exactly(plain: Path, ranked: Path) -> None:
    today = Searcher.open(plain, embedder=FakeEmbedder())
    learned = Searcher.open(ranked, embedder=FakeEmbedder())
    for query in (QUERY, "malayalam police thriller", "astronauts mars station 2010s"):
        off, before = learned.search(query, k=10, learned="off"), today.search(query, k=10)
        assert off.learned == () and before.learned == ()
        assert [(h.movie_id, h.score, h.components) for h in off.hits] == [
            (h.movie_id, h.score, h.components) for h in before.hits
        ]


def test_other_methods_ignore_the_learned_parts(plain: Path, ranked: Path) -> None:
    today = Searcher.open(plain, embedder=FakeEmbedder())
    learned = Searcher.open(ranked, embedder=FakeEmbedder())
    for method in ("retrieval", "bm25", "blend", "mmr"):
        assert _ids(learned.search(QUERY, method=method)) == _ids(today.search(QUERY, method=method))


def test_the_adapter_moves_the_dense_query(plain: Path, tmp_path: Path) -> None:
    folder = tmp_path / "artifacts"
    shutil.copytree(plain, folder)
    dim = read_manifest(folder)["dim"]
    _install(folder, {ADAPTER_FILE: _npy(-np.eye(dim))})  # the opposite direction: the least similar first
    searcher = Searcher.open(folder, embedder=FakeEmbedder())
    adapted = searcher.search(QUERY, k=5, method="hybrid", w_sparse=0.0)
    assert adapted.learned == ("adapter",)
    assert _ids(adapted) != _ids(searcher.search(QUERY, k=5, w_sparse=0.0, learned="off"))


def test_a_stale_ranker_is_refused_at_open(plain: Path, tmp_path: Path) -> None:
    folder = tmp_path / "artifacts"
    shutil.copytree(plain, folder)
    _install(
        folder, {RANKER_FILE: votes_ranker().encode()}, feature_schema="movie_assets.ranking.features/v0:x"
    )
    with pytest.raises(ArtifactsError, match="feature schema") as caught:
        Searcher.open(folder, embedder=FakeEmbedder())
    assert "search_ranker" in str(caught.value)
    assert Searcher.open(folder, embedder=FakeEmbedder(), learned=False).learned is None


class _WordCountCrossEncoder:
    def predict(self, pairs: list[tuple[str, str]], **_: object) -> np.ndarray:
        return np.array([len(set(q.split()) & set(p.split())) for q, p in pairs], dtype=float)


def test_long_descriptions_pass_through_every_method(ranked: Path) -> None:
    searcher = Searcher.open(ranked, embedder=FakeEmbedder(), cross_encoder=_WordCountCrossEncoder())
    story = "I remember a police officer who hunts a gangster through a big city at night. " * 250
    assert 19_000 < len(story.strip()) <= 20_000
    for method in METHODS:
        for learned in ("on", "off"):
            result = searcher.search(story, k=5, method=method, learned=learned)
            assert 0 < len(result.hits) <= 5, (method, learned)


def test_evaluation_scores_hybrid_with_and_without_the_learned_parts(ranked: Path, plain: Path) -> None:
    from movie_assets.evaluation import ToTQueries, ToTQuery, evaluate

    tot = ToTQueries(
        (ToTQuery("a", QUERY, "", frozenset({5})), ToTQuery("b", "mars station", "", frozenset({8}))), 2
    )
    learned = evaluate(
        Searcher.open(ranked, embedder=FakeEmbedder()), ["bm25", "hybrid"], sample_size=2, tot=tot
    )
    assert list(learned["relevance"]) == ["bm25", "hybrid", "hybrid (learned off)"]
    assert learned["learned"]["parts"] == ["ranker"]
    assert set(learned["requests"][0]) >= {"request_id", "bm25", "hybrid", "hybrid (learned off)"}
    today = evaluate(Searcher.open(plain, embedder=FakeEmbedder()), ["hybrid"], sample_size=2, tot=tot)
    assert list(today["relevance"]) == ["hybrid"] and today["learned"] is None
    assert (
        today["relevance"]["hybrid"]["recall@10"] == learned["relevance"]["hybrid (learned off)"]["recall@10"]
    )
