"""The query parser's readers, one module per kind of cue, which `parse_query` runs in its order:
`titles` (seeds, a whole title), `years`, `runtime`, `genres` (and what a query excludes), `people`
and `languages` (and industry words); and what they share: `words` (a query's words, one reading in
progress) and `wordlists` (the words several readers know)."""

from __future__ import annotations

from movie_assets.search.readers.genres import read_genres
from movie_assets.search.readers.languages import read_industry_genres, read_languages
from movie_assets.search.readers.people import read_people
from movie_assets.search.readers.runtime import read_runtime
from movie_assets.search.readers.titles import read_seeds, read_whole_title
from movie_assets.search.readers.wordlists import FILM_WORDS, FUNCTION_WORDS, STOPWORDS
from movie_assets.search.readers.words import Reading, Words
from movie_assets.search.readers.years import CLASSIC_BEFORE, RECENT_YEARS, read_years

__all__ = [
    "CLASSIC_BEFORE",
    "FILM_WORDS",
    "FUNCTION_WORDS",
    "RECENT_YEARS",
    "STOPWORDS",
    "Reading",
    "Words",
    "read_genres",
    "read_industry_genres",
    "read_languages",
    "read_people",
    "read_runtime",
    "read_seeds",
    "read_whole_title",
    "read_years",
]
