"""Parsed constraints at work in the Searcher: people, genres, runtimes, negations and years filter the
pool (topped up when thin), every hit says why, and odd queries still answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from movie_assets.index import GAZETTEER_EXTRA, extend_artifacts
from movie_assets.search import ArtifactsError, Searcher, SearchResult
from movie_assets_tests.catalogues import build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder

NOLAN, HANKS = ["Christopher Nolan"], "Tom Hanks"


def _movie(movie_id: int, title: str, year: int, genres: list[str], **more: Any) -> dict[str, Any]:
    base = dict(movie_id=movie_id, title=title, year=year, genres=genres, original_language="en",
                overview=f"{title}, a film.", vote_count=1000)  # fmt: skip
    return {**base, **more}


MOVIES = [
    _movie(1, "Inception", 2010, ["Science Fiction", "Action"], directors=NOLAN, cast=["Leonardo DiCaprio"],
           runtime=148, overview="A thief enters dreams to plant an idea."),
    _movie(2, "Interstellar", 2014, ["Science Fiction", "Drama"], directors=NOLAN, runtime=169,
           cast=["Matthew McConaughey"], overview="Astronauts cross a wormhole to find a new home."),
    _movie(3, "The Prestige", 2006, ["Drama", "Mystery"], directors=NOLAN, cast=["Hugh Jackman"],
           runtime=130, overview="Two rival magicians duel with tricks."),
    _movie(4, "Dunkirk", 2017, ["War", "Drama"], directors=NOLAN, cast=["Fionn Whitehead"], runtime=106,
           overview="Soldiers wait on a beach to be rescued."),
    _movie(5, "Big", 1988, ["Comedy", "Fantasy"], directors=["Penny Marshall"], cast=[HANKS], runtime=104,
           overview="A boy wakes up in a grown man's body."),
    _movie(6, "Forrest Gump", 1994, ["Comedy", "Drama", "Romance"], directors=["Robert Zemeckis"],
           cast=[HANKS, "Robin Wright"], runtime=142, overview="A kind man lives through history."),
    _movie(7, "Cast Away", 2000, ["Drama", "Adventure"], directors=["Robert Zemeckis"], cast=[HANKS],
           runtime=143, overview="A courier is stranded on an island."),
    _movie(8, "Sleepless in Seattle", 1993, ["Comedy", "Romance"], directors=["Nora Ephron"],
           cast=[HANKS, "Meg Ryan"], runtime=105, overview="A widower's son calls a radio show."),
    _movie(9, "Volver", 2006, ["Comedy", "Drama"], directors=["Pedro Almodóvar"], original_language="es",
           cast=["Penélope Cruz"], runtime=121, overview="A mother hides a secret in a freezer."),
    _movie(10, "Parasite", 2019, ["Comedy", "Thriller", "Drama"], directors=["Bong Joon-ho"],
           original_language="ko", cast=["Song Kang-ho"], runtime=132,
           overview="A poor family schemes into a rich household."),
    _movie(11, "Memories of Murder", 2003, ["Crime", "Thriller"], directors=["Bong Joon-ho"],
           original_language="ko", cast=["Song Kang-ho"], runtime=131,
           overview="Two detectives hunt a serial killer in the countryside."),
    _movie(12, "The Chaser", 2008, ["Thriller", "Crime"], directors=["Na Hong-jin"], original_language="ko",
           cast=["Kim Yoon-seok"], runtime=125, overview="An ex-detective pimp hunts a killer."),
    _movie(13, "Train to Busan", 2016, ["Horror", "Action", "Thriller"], directors=["Yeon Sang-ho"],
           original_language="ko", cast=["Gong Yoo"], runtime=118, overview="Zombies overrun a train."),
    _movie(14, "Drishyam", 2013, ["Thriller", "Drama"], directors=["Jeethu Joseph"], original_language="ml",
           cast=["Mohanlal"], runtime=160, overview="A family man hides a crime from the police."),
    _movie(15, "The Conjuring", 2013, ["Horror"], directors=["James Wan"], cast=["Vera Farmiga"],
           runtime=112, overview="Paranormal investigators help a family in a haunted farmhouse."),
    _movie(16, "La La Land", 2016, ["Comedy", "Drama", "Romance", "Music"], directors=["Damien Chazelle"],
           cast=["Ryan Gosling"], runtime=128, overview="A jazz pianist and an actress fall in love."),
]  # fmt: skip
BY_ID = {m["movie_id"]: m for m in MOVIES}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_search_artifacts(tmp_path_factory.mktemp("constraints") / "artifacts", MOVIES)


@pytest.fixture(scope="module")
def searcher(artifacts: Path) -> Searcher:
    return Searcher.open(artifacts, embedder=FakeEmbedder())


def _matched(result: SearchResult) -> list[dict[str, Any]]:
    assert result.matched is not None
    return [BY_ID[hit.movie_id] for hit in result.hits[: result.matched]]


def test_a_director_filters_and_the_rest_tops_up(searcher: Searcher) -> None:
    result = searcher.search("films directed by Christopher Nolan", k=6)
    assert result.matched == 4 and {m["title"] for m in _matched(result)} == {
        "Inception", "Interstellar", "The Prestige", "Dunkirk"
    }  # fmt: skip
    assert all("directed by Christopher Nolan" in [r.text for r in hit.why] for hit in result.hits[:4])
    # The two that top up the list say what they miss.
    assert [r.text for h in result.hits[4:] for r in h.why if r.kind == "unmet"] == [
        "not directed by Christopher Nolan"
    ] * 2
    assert "only 4 movies satisfy person directed by Christopher Nolan" in result.notes[-1]


def test_an_actor_and_a_genre(searcher: Searcher) -> None:
    result = searcher.search("Tom Hanks comedies", k=5)
    matched = _matched(result)
    assert {m["title"] for m in matched} == {"Big", "Forrest Gump", "Sleepless in Seattle"}
    assert all(HANKS in m["cast"] and "Comedy" in m["genres"] for m in matched)


def test_names_match_without_accents_or_case(searcher: Searcher) -> None:
    assert searcher.search("PENELOPE CRUZ", k=3).hits[0].title == "Volver"
    hit = searcher.search("bong joon ho thriller", k=3).hits[0]
    assert hit.title in ("Parasite", "Memories of Murder") and "directed by Bong Joon-ho" in [
        r.text for r in hit.why
    ]


def test_language_genre_and_time_together(searcher: Searcher) -> None:
    result = searcher.search("korean thriller after 2005", k=5, lang_policy="auto-hard")
    matched = _matched(result)
    assert {m["title"] for m in matched} >= {"Parasite", "The Chaser", "Train to Busan"}
    assert all(m["year"] >= 2006 and "Thriller" in m["genres"] for m in matched)
    assert all(m["original_language"] == "ko" for m in matched[:3])
    why = [r.text for r in result.hits[0].why]
    assert "in Korean" in why and "Thriller" in why and any(t.endswith("(asked 2006–)") for t in why)


def test_negation_and_runtime(searcher: Searcher) -> None:
    result = searcher.search("comedy not romance", k=4)
    assert all("Comedy" in m["genres"] and "Romance" not in m["genres"] for m in _matched(result))
    assert {m["title"] for m in _matched(result)} == {"Big", "Volver", "Parasite"}
    short = searcher.search("sci-fi under 150 minutes", k=3)
    assert [m["title"] for m in _matched(short)] == ["Inception"]
    assert "148 min (asked under 150 min)" in [r.text for r in short.hits[0].why]


def test_a_malayalam_word_before_any_word_reads_the_language(searcher: Searcher) -> None:
    result = searcher.search("malayalam family secret", k=3)
    assert result.detected_language == "ml" and result.hits[0].title == "Drishyam"


def test_excluded_words_push_films_down(searcher: Searcher) -> None:
    """ "without zombies" is not a genre: films that mention zombies drop below the others."""
    result = searcher.search("horror without zombies", k=2, method="bm25")
    assert [h.title for h in result.hits] == ["The Conjuring", "Train to Busan"]
    assert result.hits[1].components.boosts == {"constraints": 0.5}  # "Zombies overrun a train."
    assert "zombies" not in result.query_used


def test_contradicting_years_are_said_once(searcher: Searcher) -> None:
    result = searcher.search("drama before 1990 after 2010", k=3)
    assert "'before 1990' read as years ...-1989" in result.notes
    assert "'after 2010' read as years 2011-..." in result.notes
    assert "no year is both >= 2011 and <= 1989" in result.notes
    assert not any("this catalogue covers" in note for note in result.notes)
    assert result.matched == 0 and len(result.hits) == 3


def test_an_empty_combination_explains_itself(searcher: Searcher) -> None:
    result = searcher.search("war films from the 1950s", k=3)
    assert result.matched == 0 and len(result.hits) == 3  # the relaxed list is still shown
    assert "no movies from 1950–1959 here: this catalogue covers 1988–2019" in result.notes
    assert any("showing the closest without them" in note for note in result.notes)
    assert "War" in [r.text for r in result.hits[0].why]  # the genre still holds for the best of them


def test_why_names_the_words_and_the_retrievers(searcher: Searcher) -> None:
    hit = searcher.search("magicians duel", k=1, constraints="off").hits[0]
    kinds = {r.kind: r.text for r in hit.why}
    assert hit.title == "The Prestige" and kinds["words"] == "overview: magicians, duel"
    # The fake embedder's ranks mean nothing; BM25's do: both retrievers found it, BM25 first.
    assert kinds["retrievers"].startswith("found by meaning (#") and kinds["retrievers"].endswith(
        "and by words (#1)"
    )
    data = json.loads(json.dumps(hit.to_dict()))
    assert {"kind": "words", "text": "overview: magicians, duel"} in data["why"]


def test_constraints_off_reads_but_does_not_filter(searcher: Searcher) -> None:
    result = searcher.search("Tom Hanks comedies", k=16, constraints="off")
    assert result.matched is None and len(result.hits) == 16
    assert [c.kind for c in result.parsed.constraints] == ["person", "genre"]  # still reported


@pytest.mark.parametrize(
    "query",
    [
        "before 1990 after 2010",
        "korean french hindi comedy horror thriller not drama after 2000 before 2020 under 2 hours "
        "directed by Christopher Nolan starring Tom Hanks",
        "Unknown Person drama",
        "movies with rain",
        "😀🎬🍿",
        "korean 映画 スリラー थ्रिलर",
        "directed by",
        "like",
        "not",
        "horror but not horror",
    ],
)
def test_odd_queries_still_answer(searcher: Searcher, query: str) -> None:
    result = searcher.search(query, k=5)
    assert len(result.hits) == 5 and result.parsed is not None


def test_a_set_without_a_gazetteer_builds_one_from_its_payload(artifacts: Path, tmp_path: Path) -> None:
    """Sets written before gazetteers read the same names from their payload."""
    import shutil

    copy = tmp_path / "artifacts"
    shutil.copytree(artifacts, copy)
    manifest = extend_artifacts(copy, {}, remove=[GAZETTEER_EXTRA])
    assert GAZETTEER_EXTRA not in manifest["extras"]
    old = Searcher.open(copy, embedder=FakeEmbedder())
    result = old.search("films directed by Christopher Nolan", k=4)
    assert result.matched == 4


def test_a_damaged_gazetteer_is_an_artifacts_error(artifacts: Path, tmp_path: Path) -> None:
    """The file is listed and present (open succeeds) but unreadable: the first query says what to do."""
    import shutil

    copy = tmp_path / "artifacts"
    shutil.copytree(artifacts, copy)
    searcher = Searcher.open(copy, embedder=FakeEmbedder())
    (searcher.folder / GAZETTEER_EXTRA / "people.parquet").write_bytes(b"not parquet")
    with pytest.raises(ArtifactsError, match="the gazetteer in .* is unreadable"):
        searcher.search("Tom Hanks comedies", k=3)


def test_a_title_query_puts_that_film_first(searcher: Searcher) -> None:
    """A query that is a catalogue title names no genre or language ("Memories of Murder" is no
    Mystery filter); the films of that title are put first, not boosted."""
    result = searcher.search("memories of murder", k=3)
    assert [c.kind for c in result.parsed.constraints] == ["title"]
    top = result.hits[0]
    assert top.title == "Memories of Murder" and top.components.boosts == {}
    assert "titled Memories of Murder" in [r.text for r in top.why]


def test_several_decades_are_alternatives(searcher: Searcher) -> None:
    """ "80s/90s comedy": a film of either decade, not of both (which none is)."""
    result = searcher.search("80s/90s comedy", k=3)
    assert (result.year_min, result.year_max) == (1980, 1999)
    assert {m["title"] for m in _matched(result)} == {"Big", "Forrest Gump", "Sleepless in Seattle"}
