"""Other titles in search: BM25 finds a film by an original-script or romanised title it was not released
under, the gazetteer knows those titles as spellings of the film, and the parser reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from movie_assets.index import GAZETTEER_EXTRA, Gazetteer, fold, open_artifacts
from movie_assets.index.documents import bm25_document, movie_documents
from movie_assets.search import Searcher, Vocabulary, parse_query
from movie_assets_tests.catalogues import SEARCH_MOVIES, build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder, make_movies

# Invented films whose other titles are the only place these words appear.
OTHER_TITLES: list[dict[str, Any]] = [
    dict(movie_id=21, title="The Silent Rain", original_title="മഴ", original_language="ml", year=2016,
         alt_titles=["Mazha", "मऴ"], overview="A boatman waits out the monsoon on a backwater island."),
    dict(movie_id=22, title="The Bathhouse Spirits", original_title="湯屋の神々", original_language="ja",
         year=2004, alt_titles=["Yuya no Kamigami"], overview="A girl works in a bathhouse for spirits."),
    dict(movie_id=23, title="Winter Shadow", original_title="Winter Shadow", original_language="ru",
         year=2019, alt_titles=["Зимняя тень"], overview="A border guard follows a stranger across the ice."),
]  # fmt: skip
# Drishyam's Devanagari dub title; its Malayalam original is its original_title.
DRISHYAM = dict(next(m for m in SEARCH_MOVIES if m["movie_id"] == 2), original_title="ദൃശ്യം")
DRISHYAM["alt_titles"] = ["दृश्यम", "Drishyam"]  # its own title again: left to the table to drop
MOVIES = [m for m in SEARCH_MOVIES if m["movie_id"] != 2] + [DRISHYAM, *OTHER_TITLES]
ID_OF = {"Mazha": 21, "मऴ": 21, "Yuya no Kamigami": 22, "Зимняя тень": 23, "दृश्यम": 2, "ദൃശ്യം": 2}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_search_artifacts(tmp_path_factory.mktemp("alt_titles") / "artifacts", MOVIES)


@pytest.fixture(scope="module")
def searcher(artifacts: Path) -> Searcher:
    return Searcher.open(artifacts, embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def gazetteer(artifacts: Path) -> Gazetteer:
    opened = open_artifacts(artifacts)
    folder = opened.extra(GAZETTEER_EXTRA)
    assert folder is not None
    return Gazetteer.read(folder)


def test_bm25_text_adds_the_other_titles_and_the_embedded_document_is_unchanged() -> None:
    movies = make_movies(OTHER_TITLES[:1])
    document = movie_documents(movies)["document"][0]
    assert "Mazha" not in document  # the dense side reads what it read before: cached vectors stay valid
    assert bm25_document(document, ["Mazha", "मऴ"]) == f"{document}\nAlso known as: Mazha, मऴ"
    assert (
        bm25_document(document, []) == document == movie_documents(movies.drop("alt_titles"))["document"][0]
    )


@pytest.mark.parametrize("query", sorted(ID_OF))
def test_bm25_finds_a_film_by_its_other_title(searcher: Searcher, query: str) -> None:
    hits = searcher.search(query, method="bm25", k=3).hits
    assert hits and hits[0].movie_id == ID_OF[query], [h.title for h in hits]


def test_without_its_other_titles_the_film_is_not_found_by_them(tmp_path: Path) -> None:
    plain = [{k: v for k, v in m.items() if k != "alt_titles"} for m in MOVIES]
    searcher = Searcher.open(build_search_artifacts(tmp_path / "artifacts", plain), embedder=FakeEmbedder())
    assert searcher.search("Mazha", method="bm25", k=3).hits == ()


@pytest.mark.parametrize("spelling", sorted(ID_OF))
def test_gazetteer_knows_other_titles_as_spellings_of_the_film(
    searcher: Searcher, gazetteer: Gazetteer, spelling: str
) -> None:
    found = gazetteer.title(fold(spelling))
    assert found is not None
    assert int(searcher.payload["movie_id"][found.row]) == ID_OF[spelling]
    # Found through another title, it is shown by the film's title; its own original keeps its spelling.
    shown = {2: "ദൃശ്യം" if spelling == "ദൃശ്യം" else "Drishyam"}.get(ID_OF[spelling])
    assert found.title == (shown or next(m["title"] for m in MOVIES if m["movie_id"] == ID_OF[spelling]))


def test_parser_reads_a_seed_and_a_whole_title_in_another_script(gazetteer: Gazetteer) -> None:
    vocabulary = Vocabulary(gazetteer)
    seeds = [c for c in parse_query("like ദൃശ്യം", vocabulary).constraints if c.kind == "seed"]
    assert [(c.value, c.confidence) for c in seeds] == [("ദൃശ്യം", 0.9)]  # a catalogue title: sure
    romanised = [c for c in parse_query("movies like Mazha", vocabulary).constraints if c.kind == "seed"]
    assert [c.value for c in romanised] == ["The Silent Rain"]
    assert parse_query("Yuya no Kamigami", vocabulary).title == "The Bathhouse Spirits"
    assert parse_query("Зимняя тень", vocabulary).title == "Winter Shadow"


def test_a_whole_title_query_in_another_script_ranks_the_film_first(searcher: Searcher) -> None:
    result = searcher.search("Зимняя тень", k=3)
    assert result.hits[0].movie_id == 23
    assert result.parsed is not None and result.parsed.title == "Winter Shadow"
