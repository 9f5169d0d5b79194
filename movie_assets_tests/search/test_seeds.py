"""Seed films: "like X" in the text and the like/unlike lists, resolved, acted on, explained and reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from movie_assets.index import install_learned, read_manifest
from movie_assets.ranking import FEATURE_NAMES, FEATURE_SCHEMA, RANKER_FILE
from movie_assets.search import QueryError, Searcher, SearchParams, SearchResult, parse_query
from movie_assets.search.kinship import UNLIKE_PENALTY, mixed, unlike_factor, user_vector
from movie_assets.training import Group, train_ranker
from movie_assets_tests.catalogues import SEED_MOVIES, build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_search_artifacts(tmp_path_factory.mktemp("seeds") / "artifacts", SEED_MOVIES)


@pytest.fixture(scope="module")
def searcher(folder: Path) -> Searcher:
    return Searcher.open(folder, embedder=FakeEmbedder())


def _ids(result: SearchResult) -> list[int]:
    return [hit.movie_id for hit in result.hits]


def _seeds(result: SearchResult) -> list[tuple[int, bool]]:
    return [(seed.movie_id, seed.liked) for seed in result.seeds]


@pytest.mark.parametrize(
    ("query", "title", "year", "rest"),
    [
        ("like Drishyam (2013)", "Drishyam", 2013, ""),
        ("movies like Drishyam 2013 but funnier", "Drishyam", 2013, "but funnier"),
        ("similar to Drishyam", "Drishyam", None, ""),
        ("like Drishyam 2", "Drishyam 2", None, ""),  # a title with a number is the title, not a year
    ],
)
def test_the_parser_reads_a_year_after_a_seed_title(
    searcher: Searcher, query: str, title: str, year: int | None, rest: str
) -> None:
    parsed = parse_query(query, searcher.knowledge.vocabulary())
    assert (parsed.seeds, parsed.seed_years, parsed.unseeded_text) == ((title,), (year,), rest)
    assert not parsed.of("years")  # the seed's year is not a year filter


def test_a_shared_title_takes_the_most_voted_and_names_the_others(searcher: Searcher) -> None:
    result = searcher.search("like Drishyam", k=5)
    assert _seeds(result) == [(102, True)]  # the 2015 Hindi film has more votes than the 2013 one
    assert result.seeds[0].others == ("Drishyam (2013, Malayalam)",)
    note = next(n for n in result.notes if n.startswith("like 'Drishyam'"))
    assert "took Drishyam (2015, Hindi), the most voted of 2 films" in note and "Drishyam (2013)" in note
    assert 102 not in _ids(result) and len(result) == 5


@pytest.mark.parametrize("asked", ["like Drishyam (2013)", "like Drishyam 2013"])
def test_a_year_picks_one_film_of_a_title(searcher: Searcher, asked: str) -> None:
    result = searcher.search(asked, k=5)
    assert _seeds(result) == [(101, True)]
    assert any("took Drishyam (2013, Malayalam), the one from 2013" in n for n in result.notes)
    # What it shares with the seed is said on each hit: its sequel has its director, lead and collection.
    sequel = next(h for h in result.hits if h.movie_id == 103)
    said = [r.text for r in sequel.why if r.kind == "seed"]
    assert said == [
        "like Drishyam (2013): directed by Jeethu Joseph; with Mohanlal, Meena; of Drishyam Collection; "
        "Crime, Thriller; keywords: family, police; in Malayalam"
    ]


def test_the_like_list_takes_titles_with_years_and_ids(searcher: Searcher) -> None:
    by_title = searcher.search("", like=["Drishyam (2013)"], k=4)
    by_id = searcher.search("", like=[101], k=4)
    by_text_id = searcher.search("", like=["101"], k=4)
    assert _seeds(by_title) == _seeds(by_id) == _seeds(by_text_id) == [(101, True)]
    assert _ids(by_title) == _ids(by_id) == _ids(by_text_id)
    assert 101 not in _ids(by_id)
    # The films that share people and a collection with it come first.
    assert set(_ids(by_id)[:2]) == {103, 104}


def test_seeds_in_the_text_act_as_likes(searcher: Searcher) -> None:
    from_text = searcher.search("like Drishyam (2013)", k=6)
    assert _ids(from_text) == _ids(searcher.search("", like=[101], k=6))
    assert from_text.query_used == ""  # the seed's vector stands for its title: no text is embedded


def test_text_beyond_the_seeds_still_ranks(searcher: Searcher) -> None:
    """ "like X but funny": the text's own ranking is fused with the seeds' lists."""
    plain = searcher.search("", like=[101], k=6)
    funnier = searcher.search("like Drishyam (2013) funny wedding comedy", k=6)
    assert _ids(funnier) != _ids(plain)
    assert {111, 112, 106} & set(_ids(funnier)[:3])
    assert 101 not in _ids(funnier)


def test_dislikes_push_down_films_close_to_them(searcher: Searcher) -> None:
    liked = searcher.search("", like=["Dream Heist"], k=11)
    both = searcher.search("", like=["Dream Heist"], unlike=["Mind Thieves"], k=11)
    assert 110 in _ids(liked)[:2] and 110 not in _ids(both)  # an unliked film is never a hit
    assert _seeds(both) == [(107, True), (110, False)]
    pushed = {h.movie_id: h.components.boosts.get("unlike", 1.0) for h in both.hits}
    assert min(pushed.values()) < 1.0


def test_unknown_titles_and_ids_are_notes_and_the_text_still_runs(searcher: Searcher) -> None:
    result = searcher.search("funny wedding", like=["No Such Film", 424242], unlike=[777], k=3)
    assert result.seeds == () and len(result) == 3
    assert "'No Such Film' is not a title in this catalogue; like 'No Such Film' is not used" in result.notes
    assert "no movie with id 424242 here; like 424242 is not used" in result.notes
    assert "no movie with id 777 here; unlike 777 is not used" in result.notes
    assert _ids(result) == _ids(searcher.search("funny wedding", k=3))


def test_a_film_both_liked_and_unliked_is_reported_and_used_as_neither(searcher: Searcher) -> None:
    result = searcher.search("family crime", like=[101, "Dream Heist"], unlike=[101], k=12)
    assert _seeds(result) == [(107, True)]
    assert (
        "Drishyam (2013, Malayalam) is both liked and unliked; it is left out of both (and of the hits)"
        in (result.notes)
    )
    assert 101 not in _ids(result) and 107 not in _ids(result)
    alone = searcher.search("", like=[101], unlike=[101])
    assert alone.hits == () and any("no liked film is left" in n for n in alone.notes)


def test_a_seed_outside_the_filters_still_steers(searcher: Searcher) -> None:
    result = searcher.search("", like=[101], year_min=2016, k=3)
    assert (
        "Drishyam (2013) itself is outside the filters; films like it are still looked for inside them"
        in (result.notes)
    )
    assert _ids(result)[0] == 103 and all((h.year or 0) >= 2016 for h in result.hits)


def test_an_empty_query_needs_a_liked_film(searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="the query is empty"):
        searcher.search("   ")
    with pytest.raises(QueryError, match="the query is empty"):
        searcher.search("", unlike=[101])  # dislikes alone say nothing to look for


def test_seedless_queries_are_unchanged_by_empty_lists(searcher: Searcher) -> None:
    assert searcher.search("police family", k=5) == searcher.search("police family", like=[], unlike=(), k=5)


@pytest.mark.parametrize("method", ["hybrid", "retrieval", "bm25", "blend", "mmr"])
def test_every_method_takes_seeds(searcher: Searcher, method: str) -> None:
    result = searcher.search("police", like=[107], unlike=[101], method=method, k=5)
    assert len(result) == 5 and not {101, 107} & set(_ids(result))


def test_the_learned_ranker_still_runs_with_seeds(folder: Path, tmp_path: Path) -> None:
    """With a ranker installed, a text with seeds is ranked by it before the fusion; seeds alone need none."""
    rng = np.random.default_rng(0)
    groups = [
        Group(
            rng.normal(size=(8, len(FEATURE_NAMES))).astype(np.float32), (np.arange(8) == 0).astype(np.int32)
        )
        for _ in range(40)
    ]
    ranked = tmp_path / "artifacts"
    shutil.copytree(folder, ranked)
    manifest = read_manifest(folder)
    entry = {"encoder": manifest["embedding_model"], "dim": manifest["dim"], "feature_schema": FEATURE_SCHEMA,
             "fingerprint": "test"}  # fmt: skip
    model = train_ranker(groups[:30], groups[30:], threads=1).model
    install_learned(ranked, {RANKER_FILE: model.encode()}, entry)
    learned = Searcher.open(ranked, embedder=FakeEmbedder())
    text = learned.search("police family crime", like=[101], k=5)
    assert text.learned == ("ranker",) and len(text) == 5 and 101 not in _ids(text)
    only = learned.search("", like=[101], k=5)
    assert only.learned == ()  # no text: nothing for the ranker to read
    assert _ids(only) == _ids(Searcher.open(folder, embedder=FakeEmbedder()).search("", like=[101], k=5))


def test_the_user_vector_and_the_dislike_factor() -> None:
    a, b = np.eye(4, dtype=np.float32)[:2]
    assert user_vector(np.zeros((0, 4)), np.stack([a])) is None
    np.testing.assert_allclose(user_vector(np.stack([a, b]), np.zeros((0, 4))), [[2**-0.5, 2**-0.5, 0, 0]])
    v = user_vector(np.stack([a]), np.stack([b]))
    assert v is not None
    np.testing.assert_allclose(v, [[1 / np.sqrt(1.25), -0.5 / np.sqrt(1.25), 0, 0]], rtol=1e-6)
    np.testing.assert_allclose(mixed(a[None, :], None), a[None, :])
    assert np.linalg.norm(mixed(a[None, :], b[None, :])) == pytest.approx(1.0)
    factors = unlike_factor(np.stack([a, b]), np.stack([a]))
    np.testing.assert_allclose(factors, [1 - UNLIKE_PENALTY, 1.0])


def test_the_knobs_keep_lists_of_films() -> None:
    p = SearchParams(like=[" Drishyam (2013) ", 12345], unlike=("Heat",))
    assert (p.like, p.unlike) == (("Drishyam (2013)", 12345), ("Heat",))
    assert hash(p) == hash(SearchParams(like=("Drishyam (2013)", 12345), unlike=["Heat"]))


def test_a_described_memory_reads_its_seed_titles_but_does_not_act_on_them(searcher: Searcher) -> None:
    """In a long recalled description "like X" is often the answer's neighbour, or the answer itself:
    reported as read, as its other constraints are, and the search runs as it did before seeds."""
    query = "I watched a film like Drishyam years ago, " + "a man hides something from the police " * 4
    result = searcher.search(query, k=5)
    assert result.parsed is not None and result.parsed.seeds == ("Drishyam",)
    assert result.seeds == () and not any(n.startswith("like 'Drishyam'") for n in result.notes)


def test_an_unknown_seed_title_in_the_text_stays_text(searcher: Searcher) -> None:
    result = searcher.search("like Knight Rider with family police", k=3)
    assert result.seeds == () and result.query_used == "Knight Rider with family police"
    assert "'Knight Rider' is not a title in this catalogue; read as a film to resemble" in result.notes
