"""Why a hit is in the list, from data: the constraints it satisfies (or, when topped up, misses), the query
words its fields contain, which retrievers found it, and what re-ranked it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from movie_assets.index import fold
from movie_assets.search.constraints import CatalogueFacts
from movie_assets.search.kinship import Traits
from movie_assets.search.parse import STOPWORDS, Constraint
from movie_assets.search.query import language_name
from movie_assets.search.types import Reason

SHARED_KEYWORDS_SHOWN = 3

_FIELDS = (("title", "title"), ("original_title", "title"), ("alt_titles", "other title"),
           ("directors", "directors"), ("cast", "cast"), ("genres", "genres"), ("keywords", "keywords"),
           ("overview", "overview"))  # fmt: skip


_WORD = re.compile(r"[^\W_]+")


def _words_of(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value if v is not None)
    text = str(value)
    # Most fields are ASCII: a regex split is ~20x cheaper than folding every character.
    return set(_WORD.findall(text.lower())) if text.isascii() else set(fold(text).split())


def matched_words(query_words: Sequence[str], row: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(field, the query words it contains) for each field that contains some, in _FIELDS order; each
    word counted once, in the first field that has it."""
    # Each word's place in the query: a long description has hundreds, and each field only a few of them.
    left = {w: at for at, w in enumerate(dict.fromkeys(query_words)) if w not in STOPWORDS and len(w) > 1}
    found: dict[str, list[str]] = {}
    for column, name in _FIELDS:
        if not left or column not in row:
            continue
        hits = sorted(_words_of(row[column]).intersection(left), key=left.__getitem__)
        if hits:
            found.setdefault(name, []).extend(hits)
            for w in hits:
                del left[w]
    return list(found.items())


def _met_text(c: Constraint, row: Mapping[str, Any]) -> str:
    if c.kind == "years" and row.get("year"):
        return f"{row['year']} (asked {c.label})"
    if c.kind == "runtime" and row.get("runtime"):
        return f"{row['runtime']} min (asked {c.label})"
    if c.kind == "language":
        return f"in {c.label}"
    return c.label


def reasons(
    catalogue: CatalogueFacts,
    constraints: Sequence[Constraint],
    query_words: Sequence[str],
    rows: np.ndarray,
    records: Sequence[Mapping[str, Any]],
    dense_rank: np.ndarray,
    bm25_rank: np.ndarray,
    ranked_by: str,
    seeds: Sequence[Traits] = (),
) -> list[tuple[Reason, ...]]:
    """One tuple of reasons per hit (`rows` payload rows, `records` their payload fields; `seeds`: the
    liked films, each hit says what it shares with them)."""
    checks = [(c, catalogue.satisfied(c, rows)) for c in constraints if c.kind != "seed"]
    out = []
    for i, row in enumerate(records):
        why: list[Reason] = []
        for c, met in checks:
            if met[i]:
                why.append(Reason("constraint", _met_text(c, row)))
            elif c.hard:
                why.append(Reason("unmet", f"not {c.label}" if c.kind != "not_genre" else f"is {c.value}"))
        for seed in seeds:
            shared = shared_with(seed, row)
            if shared:
                why.append(Reason("seed", shared))
        for name, words in matched_words(query_words, row):
            why.append(Reason("words", f"{name}: {', '.join(words)}"))
        found = [f"by meaning (#{dense_rank[i]})" if dense_rank[i] else "",
                 f"by words (#{bm25_rank[i]})" if bm25_rank[i] else ""]  # fmt: skip
        found = [f for f in found if f]
        if found:
            why.append(Reason("retrievers", "found " + " and ".join(found)))
        if ranked_by:
            why.append(Reason("ranker", ranked_by))
        out.append(tuple(why))
    return out


def shared_with(seed: Traits, record: Mapping[str, Any]) -> str:
    """What a film shares with a liked film, in words ("like Drishyam (2013): directed by Jeethu Joseph;
    with Mohanlal; Crime, Thriller; keywords: police; in Malayalam; 2010s"), "" when nothing."""
    film = Traits.of(record)
    parts = []
    if directors := sorted(seed.directors & film.directors):
        parts.append("directed by " + ", ".join(directors))
    if leads := [name for name in seed.leads if name in film.cast]:
        parts.append("with " + ", ".join(leads))
    if seed.collection and seed.collection == film.collection:
        parts.append(f"of {seed.collection}")
    if genres := sorted(seed.genres & film.genres):
        parts.append(", ".join(genres))
    if keywords := sorted(seed.keywords & film.keywords)[:SHARED_KEYWORDS_SHOWN]:
        parts.append("keywords: " + ", ".join(keywords))
    if not parts:  # language and era alone are not a likeness worth saying
        return ""
    if seed.language and seed.language == film.language:
        parts.append(f"in {language_name(seed.language) or seed.language}")
    if seed.year and film.year and seed.year // 10 == film.year // 10:
        parts.append(f"{seed.year // 10 * 10}s")
    year = f" ({seed.year})" if seed.year else ""
    return f"like {seed.title}{year}: " + "; ".join(parts)
