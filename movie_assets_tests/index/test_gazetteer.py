"""The gazetteer: folded keys, people with their directed and acted rows, titles, written as an extra."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from movie_assets.index import Gazetteer, fold, gazetteer_writer


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Penélope Cruz", "penelope cruz"),
        ("Alejandro González Iñárritu", "alejandro gonzalez inarritu"),
        ("Bong Joon-ho", "bong joon ho"),
        ("Samuel L. Jackson", "samuel l jackson"),
        ("  ZOË   KRAVITZ ", "zoe kravitz"),
        ("தமிழ்", "தமிழ்"),  # Tamil vowel signs are part of the letters: kept
        ("हिन्दी", "हिन्दी"),
        ("ദൃശ്യം", "ദൃശ്യം"),  # Malayalam virama and anusvara kept
        ("千と千尋の神隠し", "千と千尋の神隠し"),  # kana and kanji: one run, no spaces added
        ("ガメラ", "ガメラ"),  # voiced kana decompose in NFKD: recomposed
        ("기생충", "기생충"),  # Hangul syllables decompose to jamo in NFKD: recomposed
        ("Зимняя Тень", "зимняя тень"),  # Cyrillic lowered, й-style marks kept
        ("องค์บาก", "องค์บาก"),
        ("Ζορμπάς", "ζορμπάς"),  # Greek accents are not Latin ones: kept
        ("Spider-Man: No Way Home", "spider man no way home"),
        ("🎬", ""),
    ],
)
def test_fold(text: str, key: str) -> None:
    assert fold(text) == key


@given(st.text(st.characters(max_codepoint=127)))
def test_ascii_text_folds_as_it_would_within_unicode_text(text: str) -> None:
    # ASCII takes a shorter path; a symbol after it (a space to the fold) sends it down the general one.
    assert fold(text) == fold(text + " 🎬")


PAYLOAD = pl.DataFrame(
    {
        "title": ["Volver", "Big", "That Thing You Do!", "Volver"],
        "original_title": ["Volver", "Big", "That Thing You Do!", "Volver"],
        "directors": [["Pedro Almodóvar"], ["Penny Marshall"], ["Tom Hanks"], ["Someone Else"]],
        "cast": [["Penélope Cruz"], ["Tom Hanks"], ["Tom Hanks", "Liv Tyler"], ["Penelope Cruz"]],
        "vote_count": [2500, 3000, 700, 5],
    }
)


def test_people_and_titles_from_a_payload(tmp_path: Path) -> None:
    built = Gazetteer.from_payload(PAYLOAD)
    facts = gazetteer_writer(PAYLOAD)(tmp_path / "gazetteer")
    read = Gazetteer.read(tmp_path / "gazetteer")
    assert facts == {"version": 1, "people": built.people_count, "titles": 3}
    for gazetteer in (built, read):
        hanks = gazetteer.person("tom hanks")
        assert hanks is not None and hanks.name == "Tom Hanks"
        assert hanks.directed.tolist() == [2] and hanks.acted.tolist() == [1, 2] and hanks.credits == 2
        # Two spellings that fold alike are one person, shown as the most credited (a tie: sorted).
        cruz = gazetteer.person("penelope cruz")
        assert cruz is not None and cruz.acted.tolist() == [0, 3]
        assert gazetteer.person("tom") is None and gazetteer.person("") is None
        # Many phrases at once: exactly those `person` finds.
        asked = ["tom", "tom hanks", "liv tyler", "penelope cruz", "", "volver", "zz top", "liv"]
        assert gazetteer.people_among(asked) == {a for a in asked if gazetteer.person(a) is not None}
        assert gazetteer.people_among(asked) == {"tom hanks", "liv tyler", "penelope cruz"}
        assert gazetteer.people_among([]) == set()
        # A title shared by two movies points at the most voted of them.
        volver = gazetteer.title("volver")
        assert volver is not None and (volver.row, volver.count) == (0, 2)
        assert gazetteer.title("that thing you do") is not None and gazetteer.title("thing") is None
