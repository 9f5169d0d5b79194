"""Seed films and whole-title queries by other titles: a film is liked, or asked for, by its original-script
or romanised title, a spelling several films bear names them all, and a year picks among them; hits carry
their other titles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from movie_assets.cli.search import format_table
from movie_assets.index import fold
from movie_assets.index.artifacts import write_artifacts
from movie_assets.index.documents import movie_documents
from movie_assets.search import Searcher, SearchResult
from movie_assets.search.seeds import fold_expr
from movie_assets_tests.catalogues import build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder, make_movies

_RAIN = "A boatman waits out the monsoon on a backwater island."
_DREAM = "Two friends travel the coast in search of a dream."
# "മഴ" is the original title of three films; "Mazha" the title of two and another title of a third, the
# most voted; "Yeohaengui Kkum" another title of two films titled otherwise.
MOVIES: list[dict[str, Any]] = [
    dict(movie_id=201, title="Rain in Idukki", original_title="മഴ", original_language="ml", year=2012,
         alt_titles=["Mazha", "मऴ"], genres=["Romance", "Drama"], overview=_RAIN, vote_count=788,
         directors=["Jomon Chacko"], collection="Rain in Idukki Collection"),
    dict(movie_id=202, title="Mazha", original_title="മഴ", original_language="ml", year=2012,
         genres=["Drama"], overview="A village waits for rain.", vote_count=8),
    dict(movie_id=203, title="Mazha", original_title="മഴ", original_language="ml", year=2023,
         genres=["Comedy"], overview="A wedding in the rain.", vote_count=50),
    dict(movie_id=204, title="Rain in Idukki 2", original_title="മഴ 2", original_language="ml", year=2013,
         alt_titles=["Mazha 2"], genres=["Romance", "Drama"], overview=_RAIN, vote_count=300,
         directors=["Jomon Chacko"], collection="Rain in Idukki Collection"),
    dict(movie_id=205, title="Ji-min", original_title="여행의 꿈", original_language="ko", year=2012,
         alt_titles=["Yeohaengui Kkum"], genres=["Drama"], overview=_DREAM, vote_count=31),
    dict(movie_id=206, title="The Happy Plan", original_title="여행의 꿈", original_language="ko", year=2023,
         alt_titles=["Yeohaengui Kkum"], genres=["Comedy"], overview=_DREAM, vote_count=20),
    dict(movie_id=207, title="Tokyo Story", original_title="東京物語", original_language="ja", year=1953,
         alt_titles=["Tokyo Monogatari"], genres=["Drama"], overview="Aged parents visit their children.",
         vote_count=900),
    dict(movie_id=208, title="Heat", original_language="en", year=1995, genres=["Crime"],
         overview="A detective hunts a crew of bank robbers.", vote_count=7000),
    dict(movie_id=209, title="Kochi Summer", original_language="ml", year=2013, genres=["Romance"],
         overview="Monsoon love on a backwater island.", vote_count=40),
]  # fmt: skip


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    folder = build_search_artifacts(tmp_path_factory.mktemp("seed_titles") / "artifacts", MOVIES)
    return Searcher.open(folder, embedder=FakeEmbedder())


def _seed(result: SearchResult) -> tuple[int, tuple[str, ...]]:
    (seed,) = result.seeds
    return seed.movie_id, seed.others


def _note(result: SearchResult, start: str) -> str:
    return next(n for n in result.notes if n.startswith(start))


def test_like_a_script_title_takes_its_most_voted_film_and_names_the_others_with_ids(
    searcher: Searcher,
) -> None:
    result = searcher.search("like മഴ", k=5)
    assert _seed(result) == (201, ("Mazha (2023, Malayalam)", "Mazha (2012, Malayalam)"))
    note = _note(result, "like 'മഴ'")
    assert "took Rain in Idukki (2012, Malayalam), the most voted of 3 films of that title" in note
    assert "Mazha (2023, Malayalam, id 203); Mazha (2012, Malayalam, id 202)" in note
    assert "e.g. 'മഴ (2023)', or give its id" in note
    assert 201 not in [h.movie_id for h in result.hits]  # the seed taken; the other two may be hits
    assert searcher.search("like മഴ 2023", k=3).seeds[0].movie_id == 203


@pytest.mark.parametrize("query", ["like Mazha", "movies like mazha"])
def test_like_a_romanised_title_names_every_film_that_bears_it(searcher: Searcher, query: str) -> None:
    """ "Mazha" is another title of the most voted film and the title of two others: all three are named
    (the parser shows the spelling as typed, and the seed is looked up by it)."""
    result = searcher.search(query, k=5)
    assert _seed(result) == (201, ("Mazha (2023, Malayalam)", "Mazha (2012, Malayalam)"))
    assert (
        result.parsed is not None and [c.label for c in result.parsed.of("seed")][0].lower() == "like mazha"
    )
    assert searcher.search("like Mazha (2023)", k=3).seeds[0].movie_id == 203


def test_a_year_shared_by_several_films_takes_the_most_voted_of_it_and_says_an_id_tells_them_apart(
    searcher: Searcher,
) -> None:
    result = searcher.search("", like=["Mazha (2012)"], k=3)
    assert result.seeds[0].movie_id == 201
    note = _note(result, "like 'Mazha'")
    assert "the most voted from 2012 of 3 films" in note and "Mazha (2012, Malayalam, id 202)" in note
    alone = searcher.search("", like=["Yeohaengui Kkum (2012)"], k=3)
    assert alone.seeds[0].movie_id == 205 and "the one from 2012" in _note(alone, "like 'Yeohaengui Kkum'")


def test_the_like_list_takes_another_title_and_an_id_alike(searcher: Searcher) -> None:
    by_title = searcher.search("", like=["Yeohaengui Kkum"], unlike=["東京物語"], k=3)
    assert [(s.movie_id, s.liked) for s in by_title.seeds] == [(205, True), (207, False)]
    assert by_title.seeds[0].others == ("The Happy Plan (2023, Korean)",)
    assert by_title.seeds[0].asked == "Yeohaengui Kkum"
    by_id = searcher.search("", like=[205], unlike=["Tokyo Monogatari"], k=3)
    assert [(s.movie_id, s.liked) for s in by_id.seeds] == [(205, True), (207, False)]


@pytest.mark.parametrize(
    ("query", "title", "films"),
    [
        ("東京物語", "東京物語", {207}),  # one word of another script: the title it is
        ("മഴ", "മഴ", {201, 202, 203}),
        ("മഴ movie", "മഴ", {201, 202, 203}),
        ("Tokyo Monogatari", "Tokyo Story", {207}),  # another title of one film: shown by its title
        ("Yeohaengui Kkum", "Yeohaengui Kkum", {205, 206}),  # of two films titled otherwise: as typed
    ],
)
def test_a_query_that_is_another_title_is_read_as_that_title(
    searcher: Searcher, query: str, title: str, films: set[int]
) -> None:
    result = searcher.search(query, k=len(films))
    assert result.parsed is not None and result.parsed.title == title
    assert {h.movie_id for h in result.hits} == films
    assert all(f"titled {title}" in [r.text for r in h.why] for h in result.hits)


def test_one_latin_word_is_read_as_words_even_when_it_is_a_title(searcher: Searcher) -> None:
    assert searcher.search("Heat", k=3).parsed.title == ""  # type: ignore[union-attr]
    assert searcher.search("mazha", k=3).parsed.title == ""  # type: ignore[union-attr]


def test_hits_carry_their_other_titles_and_the_table_shows_them(searcher: Searcher) -> None:
    result = searcher.search("Rain in Idukki", method="bm25", k=2)
    hit = next(h for h in result.hits if h.movie_id == 201)
    assert (hit.original_title, hit.alt_titles) == ("മഴ", ("Mazha", "मऴ"))
    assert hit.other_titles == ("മഴ", "Mazha", "मऴ")
    assert hit.to_dict()["alt_titles"] == ["Mazha", "मऴ"]
    assert f"{'':>16}also: മഴ · Mazha · मऴ" in format_table(result).splitlines()
    heat = searcher.search("bank robbers", method="bm25", k=1).hits[0]
    assert (heat.movie_id, heat.other_titles) == (208, ())
    assert "also:" not in format_table(searcher.search("bank robbers", method="bm25", k=1))


def test_a_hit_s_why_names_the_other_title_its_words_are_in(searcher: Searcher) -> None:
    hit = searcher.search("monogatari", method="bm25", k=1).hits[0]
    assert hit.movie_id == 207 and ("words", "other title: monogatari") in [(r.kind, r.text) for r in hit.why]


def test_a_set_built_before_other_titles_opens_and_its_hits_have_none(tmp_path: Path) -> None:
    movies = make_movies(MOVIES).drop("alt_titles")
    documents = movie_documents(movies)
    write_artifacts(movies, documents, FakeEmbedder().encode(documents["document"].to_list()),
                    tmp_path / "artifacts", model_name=FakeEmbedder().name)  # fmt: skip
    searcher = Searcher.open(tmp_path / "artifacts", embedder=FakeEmbedder())
    assert "alt_titles" not in searcher.payload.columns
    hit = searcher.search("Rain in Idukki", method="bm25", k=1).hits[0]
    assert (hit.movie_id, hit.alt_titles, hit.other_titles) == (201, (), ("മഴ",))
    # Without the column a spelling is a title or an original title: "like മഴ" still names all three.
    assert _seed(searcher.search("like മഴ", k=3))[1] == ("Mazha (2023, Malayalam)", "Mazha (2012, Malayalam)")


SPELLINGS = [
    "Amélie", "Spider-Man: No Way Home", "ദൃശ്യം", "Penélope  Cruz", "ÆON Flux", "İstanbul", "ﬁne", "Ça va?",
    "東京物語", "Крёстный отец", "दृश्यम", "Señor  Ñoño", "Ⅻ Monkeys", "", "  ", "L'Été d'après", "Ỳ̈ Test",
]  # fmt: skip


def test_the_polars_fold_keys_titles_as_the_gazetteer_does() -> None:
    spellings = SPELLINGS + [t for m in MOVIES for t in (m["title"], m.get("original_title") or "")]
    folded = pl.DataFrame({"s": spellings}).select(fold_expr(pl.col("s")))["s"].to_list()
    assert folded == [fold(s) for s in spellings]
