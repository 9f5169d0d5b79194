"""Reading a query into constraints, without a language model: `parse_query(text, vocabulary)`, which runs
the readers (`movie_assets.search.readers`, one module per kind of cue) in their order, then merges what
they found, reads "or" as alternatives and notes contradictions; and `year_window`. The types a reading
yields (`Constraint`, `ParsedQuery`) and the `Vocabulary` it reads with are in `movie_assets.search.parsed`.

A constraint is what the query asks of a film beyond its plot words: an original language, a genre (or
not a genre, or not some words: "without zombies"), a year window, a runtime, a person (directed by,
starring), a seed title ("like Drishyam"), or the catalogue title the whole query is.
Each carries the words that signalled it, a confidence, and whether it is *hard* (a filter, topped up
with the rest when too few films pass) or *soft* (a boost). The words no constraint took go to the
retrievers, which still order the films that satisfy the constraints.

Readers run in a fixed order over the query's words, each taking the words it reads so that later ones
do not read them again: seed titles first (so "like The English Patient" names no language), then a
query that is a catalogue title whole, words that name a language and a genre ("k-drama", "j-horror"),
years, runtime, genres and negations ("not horror"), people, and languages last.

Decisions worth knowing:

- "movies from Kerala" is Malayalam, "set in Chennai" is a setting: a place names a language only after
  "from" or before a film word ("Kerala movies"); after "set in" it is left to the retrievers.
- A language word counts whatever follows it ("malayalam space adventure", "german cold war spy
  thriller"), unless the phrase is a known non-language use ("Korean War", "French Kiss", "Spanish flu"),
  part of a catalogue title of two words or more, or a nationality that mostly names English films
  ("Irish drama"; those count only with film words or "in", as `movie_assets.search.query` says).
- In a long recalled description (more than LONG_QUERY words) every constraint is soft: the decade is as
  often when the film was seen as when it was made.
- "classic" and "recent" are soft; a bare year ("2019 horror") is soft (it may be when a story is set).
- "or" offers alternatives: genres joined by it are one any-of constraint, people joined by it boost;
  several closed year spans ("80s/90s") are their union, open bounds ("after 2000") narrow it.
- A one-word name counts as a person only after a role word ("starring Rain") or when the word is about
  as rare in the documents as the person's credits ("Mohanlal"); a surname alone ("Nolan") is not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from movie_assets.search.parsed import HARD_CONFIDENCE, KINDS, Constraint, ParsedQuery, Vocabulary
from movie_assets.search.query import (
    LONG_QUERY,  # more words than this is a described memory: every constraint soft (see reading.py)
)
from movie_assets.search.readers import (
    CLASSIC_BEFORE,
    FILM_WORDS,
    FUNCTION_WORDS,
    RECENT_YEARS,
    STOPWORDS,
    Reading,
    Words,
    read_genres,
    read_industry_genres,
    read_languages,
    read_people,
    read_runtime,
    read_seeds,
    read_whole_title,
    read_years,
)

# The parser's face: what the rest of the search library imports from here.
__all__ = [
    "CLASSIC_BEFORE",
    "FILM_WORDS",
    "FUNCTION_WORDS",
    "HARD_CONFIDENCE",
    "KINDS",
    "PARSE_MAX_WORDS",
    "RECENT_YEARS",
    "STOPWORDS",
    "Constraint",
    "ParsedQuery",
    "Vocabulary",
    "parse_query",
    "year_window",
]

PARSE_MAX_WORDS = 250  # words of a query the readers look at (see parse_query)


def year_window(years: Iterable[Constraint]) -> tuple[int | None, int | None]:
    """The years several year constraints allow together: closed spans ("80s/90s", "1990s or 2000s")
    are alternatives, so their union; open bounds ("after 2000", "before 2010") narrow it. A low above
    the high is a contradiction, left for the caller to say."""
    years = list(years)
    closed = [c for c in years if c.low is not None and c.high is not None]
    low = min(c.low for c in closed) if closed else None  # type: ignore[type-var]
    high = max(c.high for c in closed) if closed else None  # type: ignore[type-var]
    for c in years:
        if c in closed:
            continue
        if c.low is not None:
            low = c.low if low is None else max(low, c.low)
        if c.high is not None:
            high = c.high if high is None else min(high, c.high)
    return low, high


def _notes(constraints: list[Constraint]) -> list[str]:
    notes = []
    low, high = year_window(c for c in constraints if c.kind == "years" and c.hard)
    if low is not None and high is not None and low > high:
        notes.append(f"the years contradict each other: no year is both >= {low} and <= {high}")
    included = {g for c in constraints if c.kind == "genre" for g in c.genres}
    excluded = {g for c in constraints if c.kind == "not_genre" for g in c.genres}
    for genre in sorted(included & excluded):
        notes.append(f"{genre} is both asked for and excluded")
    languages = {c.value for c in constraints if c.kind == "language"}
    if len(languages) > 1:
        notes.append(f"several languages named ({', '.join(sorted(languages))}); the first is used")
    return notes


def _alternatives(constraints: list[Constraint]) -> list[Constraint]:
    """A query with "or" offers alternatives ("comedy or drama", "Helen Hunt or Jodie Foster"): its
    genres become one constraint any of which satisfies, its people boosts rather than filters."""
    genres = [c for c in constraints if c.kind == "genre"]
    people = [c for c in constraints if c.kind == "person"]
    out = [c for c in constraints if c.kind != "person" and (c.kind != "genre" or len(genres) < 2)]
    if len(genres) >= 2:
        names = "|".join(dict.fromkeys(g for c in genres for g in c.genres))
        sure = min(c.confidence for c in genres)
        words = ", ".join(c.words for c in genres)
        hard = all(c.hard for c in genres)
        out.append(Constraint("genre", names, words, sure, hard, names.replace("|", " or ")))
    out += people if len(people) < 2 else [replace(c, hard=False) for c in people]
    return out


def _merged(constraints: list[Constraint]) -> list[Constraint]:
    """One constraint per genre (or excluded genre): "gangster crime" asks for Crime once, as surely as
    its surest word."""
    out: list[Constraint] = []
    seen: dict[tuple[str, str], int] = {}
    for c in constraints:
        key = (c.kind, c.value)
        if c.kind not in ("genre", "not_genre", "language") or key not in seen:
            seen[key] = len(out)
            out.append(c)
            continue
        kept = out[seen[key]]
        best = kept if kept.confidence >= c.confidence else c
        out[seen[key]] = replace(best, words=f"{kept.words}, {c.words}", hard=kept.hard or c.hard)
    return out


_STEER = frozenset({"years", "runtime", "not_genre", "not_words", "role"})  # words the retrievers do not read


def parse_query(text: str, vocabulary: Vocabulary | None = None) -> ParsedQuery:
    """Read `text` into constraints (see the module docstring); never raises on any text.

    Args:
        text: the query (cleaned by the caller: `clean_query`).
        vocabulary: what the parser knows of the catalogue (people, titles, its newest year); None reads
            languages, genres, years and runtimes only.
    """
    vocabulary = vocabulary or Vocabulary()
    # A long description is read for its opening only (where askers put what they know); the rest of its
    # words go to the retrievers unread, so a 20,000-character request costs about a millisecond.
    split = text.split()
    words = Words.of(" ".join(split[:PARSE_MAX_WORDS]))
    unread = split[PARSE_MAX_WORDS:]
    r = Reading(words, vocabulary, long=len(text.split()) > LONG_QUERY)
    for reader in (read_seeds, read_whole_title, read_industry_genres, read_years, read_runtime,
                   read_genres, read_people, read_languages):  # fmt: skip
        reader(r)
    constraints = _merged([c for _, c in sorted(r.found, key=lambda pair: pair[0])])
    if "or" in words.keys:
        constraints = _alternatives(constraints)
    rest = " ".join([*(s for s, t in zip(words.surface, words.taken, strict=True) if not t), *unread])
    # The retrievers read the query as typed (punctuation, hyphens) less the steering words.
    kept = " ".join([words.without(_STEER), *unread]).strip()
    notes = r.notes + _notes(constraints)
    if r.title:
        notes.append(f"read as the title {r.title!r}")
    # Punctuation left around a cut seed ("like Drishyam (2013)") is dropped with it.
    cut = words.without(_STEER | {"seed"}).split()
    unseeded = " ".join([*(t for t in cut if any(ch.isalnum() for ch in t)), *unread])
    return ParsedQuery(
        text, tuple(constraints), rest, kept or text, r.title, tuple(dict.fromkeys(notes)), unseeded
    )
