"""Language intent and year cues read from query text (rules in movie_assets/search/query.py)."""

from __future__ import annotations

import pytest

from movie_assets.search import SearchParams
from movie_assets.search.parse import parse_query
from movie_assets.search.query import detect_language, language_name, parse_year_cues
from movie_assets.search.reading import read_query

LANGUAGE_CASES = [
    # Traps: titles, places and two-letter codes inside words are not language requests.
    ("Tamil neo-noir crime in Chennai", "ta"),
    ("it follows", None),
    ("French Kiss", None),
    ("no country for old men", None),
    ("english patient", None),
    ("The English Patient", None),
    ("the french connection", None),
    ("a film set in Chennai", None),
    ("movies set in tamil nadu", None),
    ("a film set in hong kong", None),
    ("Irish drama", None),  # a nationality: Irish films are mostly in English
    ("Latin romance", None),
    ("english", None),
    ("komi can't communicate", None),
    ("greek tragedy", None),
    ("korean war veterans", None),  # an event, not a language
    ("en", None),
    ("un film français", None),  # only English word order is read
    # Industry names stand on their own.
    ("anime coming-of-age", "ja"),  # documented choice: anime means Japanese animation
    ("Mollywood family drama", "ml"),
    ("bollywood romance", "hi"),
    ("Kollywood", "ta"),
    ("tollywood action", "te"),
    ("sandalwood", "kn"),
    ("K-drama about a chef", "ko"),
    ("j-horror with a cursed tape", "ja"),
    # A language name or demonym before a film or genre word.
    ("Hong Kong action", "cn"),
    ("Cantonese gangster", "cn"),
    ("mandarin wuxia", "zh"),
    ("Chinese ghost story", "zh"),
    ("malayalam investigative thriller after 2020", "ml"),
    ("korean revenge thriller", "ko"),
    ("Spanish black comedy", "es"),
    ("Mexican horror", "es"),
    ("french new wave", "fr"),
    ("Telugu action", "te"),
    ("german silent film", "de"),
    ("english-language films", "en"),
    ("an english film about cricket", "en"),
    # "in <language>" at the end of a phrase, or the language as the whole query.
    ("movies in korean", "ko"),
    ("thrillers in hindi with subtitles", "hi"),
    ("in english", "en"),
    ("kannada", "kn"),
    ("Marathi", "mr"),
    ("korean movies", "ko"),
    ("french", "fr"),
    # Native names in their own scripts.
    ("日本語の映画", "ja"),
    ("हिन्दी फ़िल्म", "hi"),
    ("தமிழ் திரைப்படம்", "ta"),
    ("Русский фильм", "ru"),
    ("Français", "fr"),
]


@pytest.mark.parametrize(("query", "code"), LANGUAGE_CASES, ids=[q for q, _ in LANGUAGE_CASES])
def test_detect_language(query: str, code: str | None) -> None:
    """Only strong cues name a language; titles, places and codes inside words do not."""
    intent = detect_language(query)
    assert (intent.code if intent else None) == code


def test_there_are_at_least_forty_cases() -> None:
    assert len(LANGUAGE_CASES) >= 40


def test_intent_reports_name_and_cue() -> None:
    """The intent carries TMDb's English name (as the documents spell it) and the words that signalled it."""
    intent = detect_language("Hong Kong action")
    assert intent is not None and (intent.code, intent.name, intent.cue) == ("cn", "Cantonese", "hong kong")
    assert language_name("zh") == "Mandarin"
    assert language_name("qq") is None


YEAR_CASES = [
    ("malayalam investigative thriller after 2020", 2021, None, "malayalam investigative thriller"),
    ("comedies since 2015", 2015, None, "comedies"),
    ("westerns before 1990", None, 1989, "westerns"),
    ("90s action", 1990, 1999, "action"),
    ("'80s slasher", 1980, 1989, "slasher"),
    ("1970s paranoia thriller", 1970, 1979, "paranoia thriller"),
    ("teen movies of the 2000s", 2000, 2009, "teen movies of the"),
    ("heist after 2000 before 2010", 2001, 2009, "heist"),
    ("a war movie set in the 40s", None, None, "a war movie set in the 40s"),  # a setting, not a release date
    ("a thriller set in 1994", None, None, "a thriller set in 1994"),
    ("Blade Runner 2049", None, None, "Blade Runner 2049"),
    ("20s flapper comedy", None, None, "20s flapper comedy"),  # 1920s or 2020s: ambiguous, ignored
    ("2001 a space odyssey", None, None, "2001 a space odyssey"),
]


@pytest.mark.parametrize(("query", "low", "high", "text"), YEAR_CASES, ids=[q for q, *_ in YEAR_CASES])
def test_parse_year_cues(query: str, low: int | None, high: int | None, text: str) -> None:
    """Release-year phrases become bounds and leave the query; settings and titles are left alone."""
    cue = parse_year_cues(query)
    assert (cue.year_min, cue.year_max, cue.text) == (low, high, text)
    assert bool(cue.phrases) == (low is not None or high is not None)


MEMORY = (
    "I watched this as a kid in the 90s, it was like a war movie: a German soldier hides in a farmhouse "
    "and an English teacher helps him escape across the border before the end of the war"
)


def test_a_described_memory_reads_only_sure_language_cues() -> None:
    # Short, a language name before any word is the film's language; in a memory it is a character.
    assert detect_language("german soldier drama")
    assert detect_language(MEMORY) is None
    assert not parse_query(MEMORY, None).of("language")
    assert detect_language(MEMORY + ", and I think it was a German film").code == "de"


def test_a_described_memory_reaches_the_retrievers_whole() -> None:
    reading = read_query(MEMORY, SearchParams())
    assert reading.plain == reading.dense == reading.sparse == MEMORY
    # A short request loses its steering words, as before.
    assert read_query("movies like Inception", SearchParams()).plain == "Inception"
    assert read_query("thrillers after 2010", SearchParams()).plain == "thrillers"
