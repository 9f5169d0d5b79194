"""Genres in a query: genre phrases ("neo noir"; "rom com" asks for two), unless the word is another
word there ("cold war", "crime family"), and what the query excludes ("not horror", "without zombies")."""

from __future__ import annotations

from movie_assets.search.parsed import HARD_CONFIDENCE, Constraint
from movie_assets.search.readers.wordlists import FUNCTION_WORDS, GENRE_PHRASES
from movie_assets.search.readers.words import Reading, Words, lookup_longest

# A rom-com is both a romance and a comedy: two constraints from one phrase.
_BOTH = {
    "rom com": ("Romance", "Comedy"), "rom coms": ("Romance", "Comedy"), "romcom": ("Romance", "Comedy"),
    "romcoms": ("Romance", "Comedy"), "romantic comedy": ("Romance", "Comedy"),
    "romantic comedies": ("Romance", "Comedy"), "action comedy": ("Action", "Comedy"),
    "horror comedy": ("Horror", "Comedy"), "crime thriller": ("Crime", "Thriller"),
    "crime drama": ("Crime", "Drama"), "animated comedy": ("Animation", "Comedy"),
}  # fmt: skip
# "war" names an event, not the genre, after these words ("cold war spy thriller", "star wars").
_NOT_WAR = frozenset(
    "cold civil class drug gang trade price turf star culture holy tug korean vietnam gulf iraq boer trojan "
    "napoleonic opium falklands crimean spanish".split()
)
# Genre words that are other words after these ("family" in "crime family", "royal family").
_NOT_GENRE_AFTER = {"family": frozenset("crime royal my his her their the a".split())}
_NEGATORS = ("not", "no", "non", "without", "except", "excluding", "minus", "nothing", "avoid", "never")
_NEGATION_FILLERS = frozenset("a an any the too much more overly so very really".split())


def _genre_at(w: Words, i: int) -> tuple[int, tuple[str, ...], float]:
    """The genre phrase at word `i`: its end, its genre groups (one per constraint) and confidence."""
    end = lookup_longest(w, i, _BOTH, 2)
    if end > i:
        return end, _BOTH[w.phrase(i, end)], 0.9
    end = lookup_longest(w, i, GENRE_PHRASES, 3)
    if end == i:
        return i, (), 0.0
    key = w.phrase(i, end)
    if key in ("war", "wars") and i > 0 and w.keys[i - 1] in _NOT_WAR:
        return i, (), 0.0
    if key == "action" and i > 0 and w.keys[i - 1] == "live":
        return i, (), 0.0  # "live action": filmed, not animated
    if i > 0 and w.keys[i - 1] in _NOT_GENRE_AFTER.get(key, ()):
        return i, (), 0.0
    if key in ("doc", "docs", "sf", "mob", "comic", "kids") and len(w) > 3:
        return i, (), 0.0  # short words that are other words in a longer query
    genres, confidence = GENRE_PHRASES[key]
    return end, (genres,), confidence


def _excluded_words(w: Words, negator: int, at: int) -> int:
    """The end of the words a negator excludes when they are not a genre ("without zombies", "with no
    subtitles"): up to three free words that are not function words. Only "without", "except",
    "excluding", "minus" anywhere, or "no"/"not" after "with", "but" or "and": "No Country for Old Men"
    and "Not Another Teen Movie" stay titles."""
    key = w.keys[negator]
    plain = key in ("without", "except", "excluding", "minus")
    after_link = key in ("no", "not") and negator > 0 and w.keys[negator - 1] in ("with", "but", "and")
    if not (plain or after_link):
        return at
    end = at
    while end < len(w) and end - at < 3 and w.free(end, end + 1) and w.keys[end] not in FUNCTION_WORDS:
        end += 1
    return end


def read_genres(r: Reading) -> None:
    w = r.words
    i = 0
    while i < len(w):
        negator = w.keys[i] in _NEGATORS and w.free(i, i + 1)
        if negator:
            at = i + 1
            while at < len(w) and w.keys[at] in _NEGATION_FILLERS and at - i <= 2:
                at += 1
            end, groups, confidence = _genre_at(w, at) if at < len(w) else (at, (), 0.0)
            if groups:
                words = w.take(i, end, "not_genre")
                for genres in groups:
                    label = f"not {genres.replace('|', ' or ')}"
                    r.add(
                        i,
                        Constraint(
                            "not_genre", genres, words, confidence, confidence >= HARD_CONFIDENCE, label
                        ),
                    )
                i = end
                continue
            end = _excluded_words(w, i, at)
            if end > at:
                words = w.take(i, end, "not_words")
                label = f"not about {' '.join(w.surface[at:end])}"
                r.add(i, Constraint("not_words", w.phrase(at, end), words, 0.6, False, label))
                i = end
                continue
        end, groups, confidence = _genre_at(w, i) if w.free(i, i + 1) else (i, (), 0.0)
        if groups:
            words = w.take(i, end, "genre")
            for genres in groups:
                label = genres.replace("|", " or ")
                r.add(i, Constraint("genre", genres, words, confidence, confidence >= HARD_CONFIDENCE, label))
            i = end
            continue
        i += 1
