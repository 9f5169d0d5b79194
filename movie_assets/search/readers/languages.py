"""Languages in a query: industry words that name a language and a genre ("K-drama"), places that
imply a language ("movies from Kerala"), and the strong language cues of `movie_assets.search.query`
("malayalam thriller", "in korean"), unless they are part of a catalogue title ("The English Patient")."""

from __future__ import annotations

from movie_assets.index import Gazetteer
from movie_assets.search.parsed import Constraint
from movie_assets.search.query import (
    LONG_QUERY_MIN_CONFIDENCE,
    language_name,
    spaceless_language,
    strong_language_at,
)
from movie_assets.search.readers.wordlists import FILM_WORDS, GENRE_PHRASES, STOPWORDS
from movie_assets.search.readers.words import Reading, Words, lookup_longest

# Industry words that name a language and a genre at once.
_INDUSTRY_GENRES = {
    "k drama": ("ko", "Drama"), "k dramas": ("ko", "Drama"), "kdrama": ("ko", "Drama"),
    "kdramas": ("ko", "Drama"), "j horror": ("ja", "Horror"),
}  # fmt: skip

# Places that imply the language their films are in, read only after "from" or before a film word.
_PLACES: dict[str, str] = {
    "kerala": "ml", "tamil nadu": "ta", "chennai": "ta", "madras": "ta", "andhra": "te",
    "andhra pradesh": "te", "telangana": "te", "hyderabad": "te", "karnataka": "kn", "bangalore": "kn",
    "bengaluru": "kn", "west bengal": "bn", "bengal": "bn", "kolkata": "bn", "calcutta": "bn",
    "maharashtra": "mr", "punjab": "pa", "gujarat": "gu", "mumbai": "hi", "bombay": "hi",
    "korea": "ko", "south korea": "ko", "seoul": "ko", "japan": "ja", "tokyo": "ja", "china": "zh",
    "beijing": "zh", "shanghai": "zh", "taiwan": "zh", "hong kong": "cn", "france": "fr", "paris": "fr",
    "germany": "de", "berlin": "de", "austria": "de", "italy": "it", "rome": "it", "spain": "es",
    "madrid": "es", "mexico": "es", "argentina": "es", "colombia": "es", "chile": "es", "brazil": "pt",
    "portugal": "pt", "russia": "ru", "moscow": "ru", "iran": "fa", "turkey": "tr", "thailand": "th",
    "denmark": "da", "sweden": "sv", "norway": "no", "finland": "fi", "poland": "pl", "netherlands": "nl",
    "holland": "nl", "greece": "el", "israel": "he", "egypt": "ar", "indonesia": "id",
    "philippines": "tl", "vietnam": "vi",
}  # fmt: skip


def read_industry_genres(r: Reading) -> None:
    w = r.words
    for i in range(len(w)):
        end = lookup_longest(w, i, _INDUSTRY_GENRES, 2)
        if end > i:
            code, genre = _INDUSTRY_GENRES[w.phrase(i, end)]
            words = w.take(i, end, "language")
            r.add(i, Constraint("language", code, words, 0.95, True, language_name(code) or code))
            r.add(i, Constraint("genre", genre, words, 0.9, True, genre))


def read_languages(r: Reading) -> None:
    w, gazetteer = r.words, r.vocabulary.gazetteer
    free = [not t for t in w.taken]  # kept in step with w.taken below (one list, not one per word)
    for i in range(len(w)):
        if not w.free(i, i + 1):
            continue
        # Places: "movies from Kerala", "Kerala movies"; never "set in Chennai".
        end = lookup_longest(w, i, _PLACES, 2) if not r.long else i  # a memory's places are settings
        if end > i:
            after = w.keys[end] if end < len(w) else ""
            if (i > 0 and w.keys[i - 1] == "from") or after in FILM_WORDS:
                code = _PLACES[w.phrase(i, end)]
                free[i:end] = [False] * (end - i)
                words = w.take(i, end, "language")
                r.add(i, Constraint("language", code, words, 0.8, True, language_name(code) or code))
                continue
        found = strong_language_at(w.keys, i, free=free)
        if found is None:
            continue
        code, size, confidence = found
        if r.long and confidence < LONG_QUERY_MIN_CONFIDENCE:
            continue
        if gazetteer is not None and _inside_title(w, i, size, gazetteer):
            continue
        free[i : i + size] = [False] * size
        words = w.take(i, i + size, "language")
        r.add(i, Constraint("language", code, words, confidence, True, language_name(code) or code))
    if not any(c.kind == "language" for _, c in r.found):
        intent = spaceless_language([k for k, t in zip(w.keys, w.taken, strict=True) if not t])
        if intent is not None:
            r.add(0, Constraint("language", intent.code, intent.cue, 0.9, True, intent.name))


def _inside_title(w: Words, i: int, size: int, gazetteer: Gazetteer) -> bool:
    """Whether words i..i+size are part of a catalogue title of two words or more that goes beyond film
    and genre words ("The English Patient" is a title; "French Film" reads as a language first)."""
    for start in range(max(0, i - 3), i + 1):
        for end in range(i + size, min(len(w), start + 6) + 1):
            if end - start < 2 or not w.free(start, end):
                continue
            others = [k for at, k in enumerate(w.keys[start:end], start) if not i <= at < i + size]
            if all(k in FILM_WORDS or k in GENRE_PHRASES or k in STOPWORDS for k in others):
                continue
            if gazetteer.title(w.phrase(start, end)) is not None:
                return True
    return False
