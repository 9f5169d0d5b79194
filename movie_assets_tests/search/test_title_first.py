"""A query that is a catalogue title puts the films bearing that title first, in every method and over the
learned ranker: the films of that spelling only (not others of the title it is shown by), most voted first,
among those the filters keep. A title of generic words, a long description and a seed are not lifted."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from movie_assets.search import METHODS, Searcher, SearchResult
from movie_assets_tests.catalogues import SEARCH_MOVIES, build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder, install_votes_ranker

SECRET = "Rahasyam vetta: the rahasyam of the vetta, a secret hunt, rahasyam and vetta in a forest."
SUSPECT = "A silent suspect: the silent suspect of a silent town, the suspect who stays silent."
# The title typed ("Rahasyam Vetta") is another title of film 31 only: film 32, its words reversed and
# repeated, is what both retrievers and the most-votes ranker put first. Films 31, 33 and 34 share the title
# "The Silent Suspect"; 34, the least voted, says it most often.
TITLED: list[dict[str, Any]] = [
    dict(movie_id=31, title="The Silent Suspect", alt_titles=["Rahasyam Vetta"], original_language="ml",
         year=2012, vote_count=50, overview="A quiet clerk is accused of a theft in a small town."),
    dict(movie_id=32, title="Vetta Rahasyam", original_language="ml", year=2025, vote_count=5000,
         overview=SECRET),
    dict(movie_id=33, title="The Silent Suspect", year=2019, vote_count=900,
         overview="A detective questions a mute witness."),
    dict(movie_id=34, title="The Silent Suspect", year=2017, vote_count=10, overview=SUSPECT),
    dict(movie_id=35, title="Scary Movie", year=2000, vote_count=200, genres=["Comedy"],
         overview="Teenagers spoof slasher films."),
    dict(movie_id=36, title="Campfire Night", year=2010, vote_count=3000, genres=["Horror"],
         overview="A scary movie night: a scary movie, scary stories, a scary movie marathon in the woods."),
]  # fmt: skip
MOVIES = SEARCH_MOVIES + TITLED


class _WordOverlapCrossEncoder:
    """Scores a passage by the query words it holds (so the film that repeats them wins)."""

    def predict(self, pairs: list[tuple[str, str]], **_: object) -> np.ndarray:
        return np.array([sum(p.lower().count(w) for w in q.lower().split()) for q, p in pairs], dtype=float)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_search_artifacts(tmp_path_factory.mktemp("title_first") / "artifacts", MOVIES)


@pytest.fixture(scope="module")
def searcher(plain: Path) -> Searcher:
    return Searcher.open(plain, embedder=FakeEmbedder(), cross_encoder=_WordOverlapCrossEncoder())


@pytest.fixture(scope="module")
def ranked(plain: Path, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    folder = tmp_path_factory.mktemp("title_first_ranked") / "artifacts"
    shutil.copytree(plain, folder)
    install_votes_ranker(folder)
    return Searcher.open(folder, embedder=FakeEmbedder())


def _ids(result: SearchResult) -> list[int]:
    return [hit.movie_id for hit in result.hits]


def _lifted(searcher: Searcher, query: str, first: list[int], **knobs: Any) -> list[int]:
    """The method's own order (the query's constraints off) with `first` put before the rest."""
    own = _ids(searcher.search(query, constraints="off", **knobs))
    return (first + [i for i in own if i not in first])[: knobs.get("k", 10)]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("query", ["Rahasyam Vetta", "rahasyam vetta"])
def test_another_title_typed_puts_its_film_first_in_every_method(
    searcher: Searcher, method: str, query: str
) -> None:
    """Only film 31 bears "Rahasyam Vetta": it comes first, the rest keep the method's order, and the films
    it shares its shown title with are not lifted."""
    result = searcher.search(query, k=5, method=method)
    assert result.parsed is not None and result.parsed.title == "The Silent Suspect"
    assert _ids(result) == _lifted(searcher, query, [31], k=5, method=method)
    assert "titled The Silent Suspect" in [r.text for r in result.hits[0].why]
    assert not any(r.text.startswith("titled") for h in result.hits[1:] for r in h.why)
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("method", METHODS)
def test_films_sharing_the_title_come_first_most_voted_first(searcher: Searcher, method: str) -> None:
    result = searcher.search("The Silent Suspect", k=6, method=method)
    assert _ids(result)[:3] == [33, 31, 34]
    assert _ids(result) == _lifted(searcher, "The Silent Suspect", [33, 31, 34], k=6, method=method)


def test_the_learned_ranker_orders_the_rest(ranked: Searcher) -> None:
    """The most-votes ranker puts the most voted films first on its own (film 31 has few votes); the
    title's film still comes before them."""
    own = ranked.search("Rahasyam Vetta", k=5, constraints="off")
    assert own.learned == ("ranker",) and 31 not in _ids(own)
    result = ranked.search("Rahasyam Vetta", k=5)
    assert _ids(result) == [31] + [i for i in _ids(own) if i != 31][:4]
    assert result.hits[0].score >= result.hits[1].score


def test_the_filters_still_decide(searcher: Searcher) -> None:
    """A year knob that leaves the film out is obeyed; its namesakes inside the years still come first."""
    assert 31 not in _ids(searcher.search("Rahasyam Vetta", k=5, year_min=2015))
    assert _ids(searcher.search("The Silent Suspect", k=4, year_min=2015))[:2] == [33, 34]


def test_a_title_of_generic_words_is_read_softly(searcher: Searcher) -> None:
    """ "Scary Movie" is no title constraint: the film that says it most often may still outrank it."""
    result = searcher.search("Scary Movie", k=5, method="bm25")
    assert result.parsed is not None and result.parsed.title == ""
    assert _ids(result)[0] == 36 and 35 in _ids(result)


def test_a_long_description_and_a_seed_are_not_lifted(searcher: Searcher) -> None:
    story = "Rahasyam Vetta " + "a clerk in a small town is accused of a theft he did not commit " * 3
    long = searcher.search(story, k=5, method="bm25")
    assert long.parsed is not None and long.parsed.title == ""
    assert _ids(long) == _ids(searcher.search(story, k=5, method="bm25", constraints="off"))
    seeded = searcher.search("like Rahasyam Vetta", k=5)
    assert [s.movie_id for s in seeded.seeds] == [31] and 31 not in _ids(seeded)
