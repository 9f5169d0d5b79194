"""Which query words a hit's fields contain: each word once, in the first field that has it, in the
order the query gives them, stop words and single letters left out."""

from __future__ import annotations

from movie_assets.search.explain import matched_words

ROW = {
    "title": "The Duel",
    "original_title": "The Duel",
    "directors": ["Ridley Scott"],
    "cast": ["Keith Carradine"],
    "genres": ["Drama", "History"],
    "overview": "Two officers fight a duel again and again across the Napoleonic wars, in Strasbourg.",
}


def test_each_query_word_is_credited_once_to_the_first_field_in_query_order() -> None:
    query = "napoleonic officers duel drama by ridley scott a the wars duel x strasbourg".split()
    assert matched_words(query, ROW) == [
        ("title", ["duel"]),
        ("directors", ["ridley", "scott"]),
        ("genres", ["drama"]),
        ("overview", ["napoleonic", "officers", "wars", "strasbourg"]),
    ]


def test_a_long_description_matches_as_a_short_query_does() -> None:
    words = "officers fight over honour for years across the napoleonic wars".split()
    long = [*words, *(f"filler{i}" for i in range(300))]
    assert (
        matched_words(long, ROW)
        == matched_words(words, ROW)
        == [("overview", ["officers", "fight", "napoleonic", "wars"])]
    )
    assert matched_words([], ROW) == [] and matched_words(["duel"], {}) == []
