"""Titles in a query: seeds ("like Drishyam", "similar to Drishyam (2013)", "like Knight Rider") and
a query that is a whole catalogue title ("The English Patient", "ദൃശ്യം")."""

from __future__ import annotations

import re
import unicodedata

from movie_assets.index import Title, fold
from movie_assets.search.parsed import Constraint
from movie_assets.search.readers.wordlists import FILM_WORDS, GENRE_PHRASES, STOPWORDS
from movie_assets.search.readers.words import Reading, Words

_SEED_TRIGGERS = (
    "similar to",
    "movies like",
    "films like",
    "something like",
    "in the vein of",
    "in the style of",
    "reminds me of",
    "same as",
    "along the lines of",
    "comparable to",
    "like",
)
_SEED_FIRST_WORDS = frozenset(t.split()[0] for t in _SEED_TRIGGERS)
# After these, "like" is a verb ("I like horror"), not a comparison.
_LIKE_VERB_BEFORE = frozenset("i you we they he she people who would really do don t didn kids".split())
_SEED_STOP = frozenset(
    "but with and or from in set except only that which though without not although yet where".split()
)

_SEED_YEAR = re.compile(r"1[89]\d\d|20\d\d")


def _shown_title(found: Title, w: Words, i: int, j: int) -> str:
    """How a title read from words i..j is shown: as the catalogue titles its film ("Yuya no Kamigami" is
    "The Bathhouse Spirits"), unless that spelling is another title of several films, each titled its own
    way: then as typed, and the films it names are found by it."""
    if found.count > 1 and fold(found.title) != w.phrase(i, j):
        return " ".join(w.surface[i:j])
    return found.title


def read_seeds(r: Reading) -> None:
    w, gazetteer = r.words, r.vocabulary.gazetteer
    triggers = {t: len(t.split()) for t in _SEED_TRIGGERS}
    i = 0
    while i < len(w):
        if w.keys[i] not in _SEED_FIRST_WORDS:  # most words: a long description has hundreds
            i += 1
            continue
        size = next((n for t, n in triggers.items() if w.free(i, i + n) and w.phrase(i, i + n) == t), 0)
        if not size or i + size >= len(w):
            i += 1
            continue
        if w.keys[i] == "like" and i > 0 and w.keys[i - 1] in _LIKE_VERB_BEFORE and size == 1:
            i += 1
            continue
        begin = i + size
        end, title = begin, ""
        if gazetteer is not None:
            for stop in range(min(len(w), begin + 10), begin, -1):
                found = gazetteer.title(w.phrase(begin, stop))
                # One short common word ("it", "up", "her") is a title only when nothing else follows.
                if found and (stop - begin > 1 or w.keys[begin] not in STOPWORDS or stop == len(w)):
                    end, title = stop, _shown_title(found, w, begin, stop)
                    break
        if not title:
            if r.long:
                i += 1
                continue
            # A title the catalogue lacks is read only as typed with capitals ("like Knight Rider"), up
            # to a connecting word; "like a foggy town" is a description, not a seed.
            end = begin
            while end < len(w) and w.keys[end] not in _SEED_STOP and end - begin < 6:
                capital = w.surface[end][:1].isupper() or w.surface[end][:1].isdigit()
                if not capital and not (w.keys[end] in ("of", "the", "a", "an") and end > begin):
                    break
                end += 1
            while end > begin and w.keys[end - 1] in ("of", "the", "a", "an"):
                end -= 1
            if end == begin or all(k in STOPWORDS for k in w.keys[begin:end]):
                i += 1
                continue
            title = " ".join(w.surface[begin:end])
        known = gazetteer is not None and gazetteer.title(w.phrase(begin, end)) is not None
        if gazetteer is not None and not known:
            r.notes.append(f"{title!r} is not a title in this catalogue; read as a film to resemble")
        # A year right after a known title picks one film of that title ("like Drishyam (2013)").
        year = None
        if known and w.free(end, end + 1) and _SEED_YEAR.fullmatch(w.keys[end]):
            year, end = int(w.keys[end]), end + 1
        w.take(i, begin, "role")
        words = w.take(begin, end, "seed")
        label = f"like {title}" + (f" ({year})" if year else "")
        r.add(i, Constraint("seed", title, words, 0.9 if known else 0.5, False, label, year, year))
        i = end


def _non_latin(word: str) -> bool:
    """Whether a word is written in another script than Latin ("ദൃശ്യം", "東京物語", "Брат")."""
    return any(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN") for ch in word)


def read_whole_title(r: Reading) -> None:
    """A query that is a catalogue title of two words or more ("The English Patient", "Love Actually")
    asks for that film: its words name no language or genre. So does one word of another script than
    Latin ("ദൃശ്യം", "東京物語": one word, as such scripts write whole titles without spaces); one Latin
    word ("Heat", "Crash") may as well be a description, and is read as one. A title of generic words only
    ("Scary Movie") is read as asked, softly, so the title still ranks on its words."""
    gazetteer, w = r.vocabulary.gazetteer, r.words
    if gazetteer is None or r.long or not len(w) or any(w.taken):
        return
    end = len(w)
    while end > 1 and w.keys[end - 1] in FILM_WORDS:
        end -= 1
    found = gazetteer.title(w.phrase(0, end))
    plain_words = all(k in STOPWORDS or k in GENRE_PHRASES or k in FILM_WORDS for k in w.keys[:end])
    if found is not None and (end >= 2 or _non_latin(w.surface[0])) and not plain_words:
        r.title = _shown_title(found, w, 0, end)
        words = w.take(0, end, "title")
        r.add(0, Constraint("title", r.title, words, 0.9, False, f"titled {r.title}"))
