"""What a described memory says about a movie beyond its plot words: genres, languages, years.

These are soft cues for the learned ranker, not filters: "I watched it in the 90s" is as often when it was
seen as when it was made, and "it might have been French" is a guess. The ranker learns how far to trust
each one from the labelled requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from movie_assets.reference import GENRE_IDS, GENRES, languages

# Words a request uses for a TMDb genre; genre names themselves are added below.
GENRE_WORDS: dict[str, str] = {
    "scary": "Horror", "horror": "Horror", "slasher": "Horror", "creepy": "Horror", "haunted": "Horror",
    "funny": "Comedy", "comedy": "Comedy", "comedic": "Comedy", "hilarious": "Comedy",
    "animated": "Animation", "animation": "Animation", "cartoon": "Animation", "anime": "Animation",
    "pixar": "Animation", "disney": "Animation", "claymation": "Animation", "cgi": "Animation",
    "scifi": "Science Fiction", "sci": "Science Fiction", "futuristic": "Science Fiction",
    "dystopian": "Science Fiction", "spaceship": "Science Fiction",
    "thriller": "Thriller", "suspense": "Thriller", "romance": "Romance", "romantic": "Romance",
    "romcom": "Romance", "war": "War", "soldiers": "War", "western": "Western", "cowboy": "Western",
    "cowboys": "Western", "documentary": "Documentary", "musical": "Music", "singing": "Music",
    "band": "Music", "family": "Family", "kids": "Family", "children": "Family", "fantasy": "Fantasy",
    "magic": "Fantasy", "wizard": "Fantasy", "dragon": "Fantasy", "mystery": "Mystery",
    "detective": "Mystery", "crime": "Crime", "heist": "Crime", "gangster": "Crime", "mafia": "Crime",
    "action": "Action", "adventure": "Adventure", "historical": "History", "drama": "Drama",
}  # fmt: skip
# Demonyms and country words a request uses for an original language (language names are added below).
LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {
    "french": ("fr",), "france": ("fr",), "japanese": ("ja",), "japan": ("ja",), "korean": ("ko",),
    "korea": ("ko",), "chinese": ("zh", "cn"), "china": ("zh", "cn"), "hong": ("cn", "zh"),
    "mandarin": ("zh",), "cantonese": ("cn",), "spanish": ("es",), "spain": ("es",), "mexican": ("es",),
    "german": ("de",), "germany": ("de",), "italian": ("it",), "italy": ("it",), "russian": ("ru",),
    "soviet": ("ru",), "indian": ("hi", "ta", "te", "ml"), "bollywood": ("hi",), "hindi": ("hi",),
    "swedish": ("sv",), "danish": ("da",), "norwegian": ("no",), "finnish": ("fi",), "dutch": ("nl",),
    "thai": ("th",), "turkish": ("tr",), "iranian": ("fa",), "persian": ("fa",), "brazilian": ("pt",),
    "portuguese": ("pt",), "polish": ("pl",), "greek": ("el",), "czech": ("cs",), "hungarian": ("hu",),
    "british": ("en",), "american": ("en",), "english": ("en",), "australian": ("en",),
}  # fmt: skip
# Words that say the movie was not in the asker's (nearly always English) language.
FOREIGN_WORDS = frozenset("foreign subtitles subtitled subs dubbed dub".split())
_YEAR = re.compile(r"(?<!\d)(19\d\d|20[0-2]\d)(?!\d|'?s\b)")  # "1980s" is a decade, not a year
_DECADE = re.compile(r"(?<![\w'])'?(19[0-9]0|20[0-2]0|[2-9]0|[01]0)'?s\b", re.I)
_WORDED_DECADES = {
    "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
    "seventies": 1970, "eighties": 1980, "nineties": 1990,
}  # fmt: skip


@cache
def genre_index() -> dict[str, int]:
    """Genre name -> bit position (TMDb's genre list order)."""
    return {name: bit for bit, (_, name) in enumerate(GENRES)}


@cache
def _genre_words() -> dict[str, int]:
    words = {w: genre_index()[g] for w, g in GENRE_WORDS.items()}
    for name in GENRE_IDS:
        if " " not in name:
            words.setdefault(name.casefold(), genre_index()[name])
    return words


@cache
def _language_words() -> dict[str, tuple[str, ...]]:
    words = dict(LANGUAGE_WORDS)
    for row in languages():
        name = str(row.get("english_name") or "").casefold()
        if name.isalpha() and len(name) > 3:
            words.setdefault(name, (row["iso_639_1"],))
    return words


@dataclass(frozen=True)
class Cues:
    """The soft cues of one request.

    :param genres: bit mask of the TMDb genres its words name (bit = `genre_index()`).
    :param languages: original-language codes its words name ("french" -> fr).
    :param foreign: it says the movie was foreign, subtitled or dubbed.
    :param years: four-digit years it mentions.
    :param decades: decades it mentions ("80s", "1980s", "eighties" -> 1980).
    """

    genres: int
    languages: frozenset[str]
    foreign: bool
    years: tuple[int, ...]
    decades: tuple[int, ...]

    @property
    def genre_count(self) -> int:
        return int(self.genres).bit_count()


def _decade(text: str) -> int:
    digits = text.strip("'").rstrip("sS").strip("'")
    if len(digits) == 4:
        return int(digits)
    return (1900 if digits[0] in "23456789" else 2000) + int(digits)


def read_cues(words: list[str], text: str) -> Cues:
    """The cues of a request from its lower-case words and its raw text (for years and decades)."""
    genre_words, language_words = _genre_words(), _language_words()
    genres = 0
    codes: set[str] = set()
    for word in set(words):
        if word in genre_words:
            genres |= 1 << genre_words[word]
        codes.update(language_words.get(word, ()))
    decades = {_decade(m.group(1)) for m in _DECADE.finditer(text)}
    decades |= {_WORDED_DECADES[w] for w in set(words) if w in _WORDED_DECADES}
    years = sorted({int(y) for y in _YEAR.findall(text)})
    return Cues(
        genres=genres,
        languages=frozenset(codes),
        foreign=bool(FOREIGN_WORDS.intersection(words)),
        years=tuple(years),
        decades=tuple(sorted(decades)),
    )


def genre_masks(genre_lists: list[list[str] | None]) -> np.ndarray:
    """One int64 bit mask of TMDb genres per movie (unknown genre names are ignored)."""
    index = genre_index()
    return np.array(
        [sum(1 << index[g] for g in set(names or ()) if g in index) for names in genre_lists], dtype=np.int64
    )


def popcount(values: np.ndarray) -> np.ndarray:
    """Set bits per int64 (genre masks have at most 19 bits)."""
    values = np.asarray(values, dtype=np.int64)
    count = np.zeros(values.shape, dtype=np.int64)
    for bit in range(len(GENRES)):
        count += (values >> bit) & 1
    return count
