"""People in a query: names in the catalogue's credits, with a role word before them ("directed by",
"starring") or the role the person mostly has."""

from __future__ import annotations

from movie_assets.search.parsed import HARD_CONFIDENCE, Constraint
from movie_assets.search.readers.wordlists import (
    FILM_WORDS,
    FUNCTION_WORDS,
    GENRE_PHRASES,
    NUMBER_WORDS,
    STOPWORDS,
)
from movie_assets.search.readers.words import Reading, Words

_ROLE_BEFORE: dict[str, str] = {
    "directed by": "director", "director": "director", "dir": "director", "by director": "director",
    "from director": "director", "filmmaker": "director", "a film by": "director", "by": "director",
    "starring": "cast", "stars": "cast", "featuring": "cast", "feat": "cast", "with": "cast",
    "actor": "cast", "actress": "cast", "acted by": "cast", "cast": "cast", "played by": "cast",
}  # fmt: skip


def _role_before(w: Words, i: int) -> tuple[int, str]:
    """The start and role of a free role phrase that ends just before word `i` ((i, "") when none)."""
    for size in (3, 2, 1):
        start = i - size
        if start >= 0 and w.free(start, i) and w.phrase(start, i) in _ROLE_BEFORE:
            return start, _ROLE_BEFORE[w.phrase(start, i)]
    return i, ""


def _common(word: str) -> bool:
    return word in STOPWORDS or word in GENRE_PHRASES or word in FILM_WORDS or word in NUMBER_WORDS


def read_people(r: Reading) -> None:
    w, gazetteer, frequency = r.words, r.vocabulary.gazetteer, r.vocabulary.document_frequency
    if gazetteer is None:
        return
    # Every phrase of up to four words looked up at once; only the names found are read one by one.
    names = gazetteer.people_among(
        list({w.phrase(i, i + size) for i in range(len(w)) for size in range(1, min(4, len(w) - i) + 1)})
    )
    i = 0
    while i < len(w):
        match = None
        for size in range(min(4, len(w) - i), 0, -1):
            if not w.free(i, i + size) or w.keys[i + size - 1].isdigit():
                continue
            phrase = w.phrase(i, i + size)
            person = gazetteer.person(phrase) if phrase in names else None
            if person is not None:
                match = (size, person)
                break
        if match is None:
            i += 1
            continue
        size, person = match
        after = i + size
        going_on = after < len(w) and w.surface[after][:1].isupper()
        plain = going_on and w.keys[after] in FUNCTION_WORDS | FILM_WORDS | GENRE_PHRASES.keys()
        if going_on and not plain:
            # "Martin Luther King Jr.": the name typed goes on past the one in the credits.
            i += 1
            continue
        role_start, role = _role_before(w, i)
        if size == 1:
            word = w.keys[i]
            # A one-word name is read only when the role says so or the word is about as rare in the
            # documents as the person's credits ("Mohanlal"), never a common word ("Rain", "Will").
            rare = frequency is not None and frequency(word) <= 3 * person.credits + 3
            named = role_start < i and w.phrase(role_start, i) not in ("with", "by")
            usable = word not in FUNCTION_WORDS and word not in GENRE_PHRASES and word not in FILM_WORDS
            if len(word) < 3 or not usable or not (named or (rare and not _common(word))):
                i += 1
                continue
            confidence = 0.85 if named else 0.8
        else:
            if all(_common(k) for k in w.keys[i : i + size]):
                i += 1
                continue
            confidence = 0.95 if role_start < i else (0.9 if person.credits >= 2 else 0.8)
        directed, acted = person.directed.size > 0, person.acted.size > 0
        if role == "director" and not directed and acted:
            role = "cast"  # "by Tom Hanks": he acted, so read as an actor
        elif role == "cast" and not acted and directed:
            role = "director"
        if not role:
            # No role word: the role the person mostly has ("John Carpenter" directs, "Tom Hanks" acts);
            # either when neither dominates ("Woody Allen", "Clint Eastwood").
            made, played = person.directed.size, person.acted.size
            role = "director" if made >= 3 * played else ("cast" if played >= 3 * made else "")
        if role_start < i:
            w.take(role_start, i, "role")
        words = w.take(i, i + size, "person")
        label = {"director": f"directed by {person.name}", "cast": f"starring {person.name}"}.get(
            role, f"with {person.name}"
        )
        # A trailing possessive ("Nolan's") is part of the name.
        if i + size < len(w) and w.keys[i + size] == "s" and w.free(i + size, i + size + 1):
            w.take(i + size, i + size + 1, "person")
        r.add(
            role_start,
            Constraint(
                "person", person.name, words, confidence, confidence >= HARD_CONFIDENCE, label, role=role
            ),
        )
        i += size
