"""One movie by id, and the movies nearest to it by its stored vector."""

from __future__ import annotations

import pytest

from movie_assets.search import QueryError, Searcher
from movie_assets_tests.catalogues import build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    folder = build_search_artifacts(tmp_path_factory.mktemp("one") / "artifacts")
    return Searcher.open(folder, embedder=FakeEmbedder())


def test_a_movie_is_its_payload_row_and_an_unknown_id_is_none(searcher: Searcher) -> None:
    movie = searcher.movie(5)
    assert movie is not None and movie["title"] == "Heat" and movie["year"] == 1995
    assert movie["genres"] == ["Crime", "Action"]
    assert searcher.movie(404) is None and searcher.movie(2**80) is None and searcher.movie(-1) is None


def test_similar_movies_are_the_nearest_by_stored_vector_without_the_movie_itself(searcher: Searcher) -> None:
    model = searcher.encoder.model()
    calls = model.calls  # type: ignore[attr-defined]
    result = searcher.similar(9, k=3)
    assert [hit.rank for hit in result.hits] == [1, 2, 3] and 9 not in {hit.movie_id for hit in result.hits}
    assert {hit.movie_id for hit in result.hits[:2]} == {8, 10}  # the same overview
    assert result.hits[0].components.dense_rank == 1 and result.hits[0].components.bm25_rank is None
    assert result.method == "similar" and model.calls == calls  # type: ignore[attr-defined]  # nothing embedded
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_similar_applies_the_filters_and_checks_its_knobs(searcher: Searcher) -> None:
    hits = searcher.similar(8, k=20, year_min=2011, min_votes=0).hits
    assert hits and all(hit.year >= 2011 for hit in hits) and 8 not in {hit.movie_id for hit in hits}
    with pytest.raises(LookupError, match="no movie with id 404"):
        searcher.similar(404)
    with pytest.raises(QueryError, match="k must be"):
        searcher.similar(8, k=0)
