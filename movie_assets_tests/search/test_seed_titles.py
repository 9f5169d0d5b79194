"""Seed films and whole-title queries by other titles: a film is liked, or asked for, by its original-script
or romanised title, a spelling several films bear names them all, and a year picks among them; a film whose
own title (or original title) the spelling is comes before one that bears it only as another title; hits
carry their other titles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from movie_assets.cli.search import format_table
from movie_assets.index import Gazetteer, fold
from movie_assets.index.artifacts import write_artifacts
from movie_assets.index.documents import movie_documents
from movie_assets.search import Searcher, SearchResult
from movie_assets.search.seeds import Bearers, SeedBook, fold_expr
from movie_assets_tests.catalogues import build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder, make_movies

_RAIN = "A boatman waits out the monsoon on a backwater island."
_DREAM = "Two friends travel the coast in search of a dream."
# "മഴ" is the original title of three films; "Mazha" the title of two and another title of a third, the
# most voted; "Yeohaengui Kkum" another title of two films titled otherwise; "Backwater Days" the title of
# a little voted film and another title of a much voted one, the only one of 2016.
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
    dict(movie_id=210, title="Backwater Days", original_title="കായൽ ദിനങ്ങൾ", original_language="ml",
         year=2015, genres=["Drama"], overview="A ferry pilot's last season on the lake.", vote_count=12),
    dict(movie_id=211, title="Island Monsoon", original_title="ദ്വീപ്", original_language="ml", year=2016,
         alt_titles=["Backwater Days", "Island Monsoon"], genres=["Romance"], vote_count=600,
         overview="Backwater days and backwater nights: backwater days on a monsoon island."),
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


@pytest.mark.parametrize(
    ("spelling", "own", "other"),
    [
        ("Mazha", (203, 202), (201,)),  # the title of two films, another title of a more voted third
        ("മഴ", (201, 203, 202), ()),  # the original title of three: most voted first
        ("Backwater Days", (210,), (211,)),
        ("Island Monsoon", (211,), ()),  # its own title, listed again among its other titles
        ("Yeohaengui Kkum", (), (205, 206)),  # another title only
        ("Tokyo Monogatari", (), (207,)),  # one film, by another title
        ("Tokyo Story", (207,), ()),
        ("No Such Film", (), ()),
    ],
)
def test_the_films_of_a_spelling_are_those_titled_so_then_those_bearing_it_as_another_title(
    searcher: Searcher, spelling: str, own: tuple[int, ...], other: tuple[int, ...]
) -> None:
    payload = searcher.payload
    book = SeedBook(payload, lambda: Gazetteer.from_payload(payload))
    ids = payload["movie_id"].to_list()
    bearers = book.bearers(spelling)
    assert (tuple(ids[r] for r in bearers.own), tuple(ids[r] for r in bearers.other)) == (own, other)
    assert book.titled(spelling.lower()) == bearers.rows == [*bearers.own, *bearers.other]
    assert bearers.mixed == bool(own and other) and Bearers().rows == []


@pytest.mark.parametrize("query", ["like Mazha", "movies like mazha"])
def test_like_a_title_takes_a_film_titled_so_before_a_more_voted_one_known_so_by_another_title(
    searcher: Searcher, query: str
) -> None:
    """ "Mazha" is the title of two films and another title of a third, the most voted: the user means a
    film called Mazha, the most voted of the two; all three are named, the third marked."""
    result = searcher.search(query, k=5)
    assert _seed(result) == (203, ("Mazha (2012, Malayalam)", "Rain in Idukki (2012, Malayalam)"))
    assert (
        result.parsed is not None and [c.label for c in result.parsed.of("seed")][0].lower() == "like mazha"
    )
    typed = query.split()[-1]  # the note names the title as it was typed
    assert _note(result, f"like '{typed}'") == (
        f"like '{typed}': took Mazha (2023, Malayalam), the most voted film titled so, of 3 films of that "
        "title (also Mazha (2012, Malayalam, id 202); Rain in Idukki (2012, Malayalam, id 201) by another "
        f"title); add a year to take another, e.g. '{typed} (2012)', or give its id"
    )
    assert searcher.search("like Mazha (2023)", k=3).seeds[0].movie_id == 203


def test_a_year_picks_among_every_film_of_the_title_those_titled_so_first(searcher: Searcher) -> None:
    """Two films of 2012 bear "Mazha": the one titled so is taken; a year only a film known by another
    title has takes that film; a year none has falls back to the films titled so."""
    result = searcher.search("", like=["Mazha (2012)"], k=3)
    assert result.seeds[0].movie_id == 202
    note = _note(result, "like 'Mazha'")
    assert "took Mazha (2012, Malayalam), the one from 2012 titled so, of 3 films of that title" in note
    assert "Rain in Idukki (2012, Malayalam, id 201) by another title" in note
    alt = searcher.search("", like=["Backwater Days (2016)"], k=3)
    assert alt.seeds[0].movie_id == 211
    assert "the one from 2016 by another title, of 2 films" in _note(alt, "like 'Backwater Days'")
    missing = searcher.search("", like=["Mazha (1999)"], k=3)
    assert missing.seeds[0].movie_id == 203
    assert "no 'Mazha' from 1999 here; took the most voted one titled so" in missing.notes


def test_a_year_shared_by_several_films_takes_the_most_voted_of_it_and_says_an_id_tells_them_apart(
    searcher: Searcher,
) -> None:
    result = searcher.search("", like=["മഴ (2012)"], k=3)
    assert result.seeds[0].movie_id == 201
    note = _note(result, "like 'മഴ'")
    assert "the most voted from 2012 of 3 films" in note and "Mazha (2012, Malayalam, id 202)" in note
    assert "by another title" not in note  # every one is titled so
    alone = searcher.search("", like=["Yeohaengui Kkum (2012)"], k=3)
    assert alone.seeds[0].movie_id == 205 and "the one from 2012" in _note(alone, "like 'Yeohaengui Kkum'")
    assert "by another title" not in _note(alone, "like 'Yeohaengui Kkum'")  # both are known so only


def test_like_a_title_one_film_bears_and_a_more_voted_one_has_as_another_title(searcher: Searcher) -> None:
    result = searcher.search("like Backwater Days", k=5)
    assert _seed(result) == (210, ("Island Monsoon (2016, Malayalam)",))
    note = _note(result, "like 'Backwater Days'")
    assert "took Backwater Days (2015, Malayalam), the one film titled so, of 2 films of that title" in note
    assert "(also Island Monsoon (2016, Malayalam, id 211) by another title)" in note
    assert note.endswith("e.g. 'Backwater Days (2016)', or give its id")


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
        ("Backwater Days", "Backwater Days", {210, 211}),
    ],
)
def test_a_query_that_is_another_title_is_read_as_that_title(
    searcher: Searcher, query: str, title: str, films: set[int]
) -> None:
    result = searcher.search(query, k=len(films))
    assert result.parsed is not None and result.parsed.title == title
    assert {h.movie_id for h in result.hits} == films
    assert all(f"titled {title}" in [r.text for r in h.why] for h in result.hits)


@pytest.mark.parametrize("method", ["hybrid", "retrieval", "bm25", "blend", "mmr"])
def test_a_title_query_lifts_the_film_titled_so_before_a_more_voted_one_known_so_by_another_title(
    searcher: Searcher, method: str
) -> None:
    """ "Backwater Days" is film 210's title and another title of film 211, more voted and the one whose
    words say it most: 210 comes first, then 211, then the method's own order."""
    result = searcher.search("Backwater Days", method=method, k=4)
    assert [h.movie_id for h in result.hits][:2] == [210, 211]
    assert searcher.search("Backwater Days", method=method, constraints="off", k=1).hits[0].movie_id != 210


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
    assert _seed(searcher.search("", like=["Mazha"], k=3)) == (203, ("Mazha (2012, Malayalam)",))


SPELLINGS = [
    "Amélie", "Spider-Man: No Way Home", "ദൃശ്യം", "Penélope  Cruz", "ÆON Flux", "İstanbul", "ﬁne", "Ça va?",
    "東京物語", "Крёстный отец", "दृश्यम", "Señor  Ñoño", "Ⅻ Monkeys", "", "  ", "L'Été d'après", "Ỳ̈ Test",
]  # fmt: skip


def test_the_polars_fold_keys_titles_as_the_gazetteer_does() -> None:
    spellings = SPELLINGS + [t for m in MOVIES for t in (m["title"], m.get("original_title") or "")]
    folded = pl.DataFrame({"s": spellings}).select(fold_expr(pl.col("s")))["s"].to_list()
    assert folded == [fold(s) for s in spellings]
