"""Soft cues of a request: genre words, language words, foreign-film words, years and decades."""

from __future__ import annotations

import numpy as np
import pytest

from movie_assets.ranking.cues import genre_index, genre_masks, popcount, read_cues
from movie_assets.ranking.movies import text_words


def _cues(text: str):  # noqa: ANN202 (a test helper)
    return read_cues(text_words(text), text)


def test_genre_words_set_their_genre_bits() -> None:
    cues = _cues("A scary cartoon, kind of funny")
    expected = {"Horror", "Animation", "Comedy"}
    assert cues.genres == sum(1 << genre_index()[g] for g in expected)
    assert cues.genre_count == 3


def test_language_words_and_foreign_words() -> None:
    cues = _cues("I think it was a French or maybe Korean film, with subtitles")
    assert cues.languages == frozenset({"fr", "ko"})
    assert cues.foreign
    assert not _cues("An American comedy").foreign


@pytest.mark.parametrize(
    ("text", "years", "decades"),
    [
        ("I watched it in 2005 on TV, probably from the late 90s", (2005,), (1990,)),
        ("Saw it in the 1980s, maybe 1987 or 1989", (1987, 1989), (1980,)),
        ("an eighties movie about the '70s", (), (1970, 1980)),
        ("a 2000s film, 12345 people", (), (2000,)),
        ("nothing here", (), ()),
    ],
)
def test_years_and_decades(text: str, years: tuple[int, ...], decades: tuple[int, ...]) -> None:
    cues = _cues(text)
    assert (cues.years, cues.decades) == (years, decades)


def test_genre_masks_count_known_genres_only() -> None:
    masks = genre_masks([["Horror", "Comedy"], None, ["Nope"], ["Horror", "Horror"]])
    assert popcount(masks).tolist() == [2, 0, 0, 1]
    assert popcount(masks & np.int64(1 << genre_index()["Horror"])).tolist() == [1, 0, 0, 1]
