"""Parsed constraints applied to the catalogue: which movies satisfy each one, as masks over payload rows.

A hard constraint filters (the Searcher ranks inside the mask of all of them, then tops up from the rest
when fewer than k pass); a soft one multiplies the scores of the pool members that satisfy it. A whole
title ("The English Patient") is neither: its films are put first, whatever their scores (`title_rows`). The
language is left to the language policy (`lang_policy`), as before constraints existed. Year cues are
not applied when year knobs are given: the knobs win.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from movie_assets.index import Gazetteer, fold
from movie_assets.search.filters import MovieFacts
from movie_assets.search.fusion import Candidates
from movie_assets.search.parse import Constraint, ParsedQuery

# A soft constraint met is worth about what the soft language preference is (searcher.SOFT_LANGUAGE_BOOST);
# a soft exclusion ("not too scary") divides by it.
SOFT_BOOST = 1.2
# A film about what the query excludes ("without zombies") is pushed well down, not removed: the words
# are matched as text, which is rougher than a genre.
EXCLUDED_WORDS_FACTOR = 0.5
FILTERED = (
    "genre",
    "not_genre",
    "not_words",
    "years",
    "runtime",
    "person",
    "title",
)  # kinds that act here (not language, seed)


class CatalogueFacts:
    """Per-movie genres, runtimes and credits for the constraints, read from the payload once each."""

    def __init__(self, payload: pl.DataFrame, facts: MovieFacts, gazetteer: Gazetteer | None) -> None:
        self.facts = facts
        self.gazetteer = gazetteer
        self._payload = payload
        self._genres: dict[str, np.ndarray] = {}
        self._runtime: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        return self.facts.count

    def genre(self, name: str) -> np.ndarray:
        """Which movies have genre `name` (one bool per payload row; ~5 ms per 200k rows, once)."""
        with self._lock:
            if name not in self._genres:
                found = self._payload["genres"].list.contains(name).fill_null(False).to_numpy()
                self._genres[name] = np.asarray(found, dtype=bool)
            return self._genres[name]

    def runtime(self) -> np.ndarray:
        """Minutes per movie (0 where unknown)."""
        with self._lock:
            if self._runtime is None:
                self._runtime = self._payload["runtime"].fill_null(0).cast(pl.Int32).to_numpy()
            return self._runtime

    def mentions(self, rows: np.ndarray, words: list[str]) -> np.ndarray:
        """Whether the title, overview or keywords of each of `rows` contain any of `words` (lower case,
        a plural's "s" dropped so "zombies" finds "zombie")."""
        stems = [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]
        columns = [c for c in ("title", "overview", "keywords") if c in self._payload.columns]
        frame = self._payload[rows].select(
            pl.concat_str(
                [pl.col(c).list.join(" ") if c == "keywords" else pl.col(c) for c in columns],
                separator=" ",
                ignore_nulls=True,
            )
            .str.to_lowercase()
            .alias("text")
        )
        found = np.zeros(len(rows), dtype=bool)
        for stem in stems:
            found |= frame["text"].str.contains(stem, literal=True).fill_null(False).to_numpy()
        return found

    def person_rows(self, c: Constraint) -> np.ndarray:
        """The rows a person constraint names (directed, acted or either, per its role)."""
        person = None if self.gazetteer is None else self.gazetteer.person(fold(c.value))
        if person is None:
            return np.empty(0, dtype=np.int64)
        if c.role == "director":
            return person.directed
        if c.role == "cast":
            return person.acted
        return np.union1d(person.directed, person.acted)

    def satisfied(self, c: Constraint, rows: np.ndarray | None = None) -> np.ndarray:
        """Whether each of `rows` (None: every movie) satisfies `c`."""
        every = rows is None
        at = np.arange(self.count) if rows is None else np.asarray(rows, dtype=np.int64)
        if c.kind == "language":
            return self.facts.in_language(at, c.value)
        if c.kind in ("genre", "not_genre"):
            has = np.logical_or.reduce([self.genre(g)[at] for g in c.genres])
            return has if c.kind == "genre" else ~has
        if c.kind == "not_words":
            return ~self.mentions(at, c.value.split())
        if c.kind == "title":
            # The title as typed: read from another title ("Yuya no Kamigami"), the query names every
            # film known by it, each shown by its own title, and no other film of the title it is shown by.
            wanted = {fold(c.words or c.value)} - {""}
            columns = [n for n in ("title", "original_title", "alt_titles") if n in self._payload.columns]
            titles = self._payload[at].select(columns).iter_rows()
            return np.array([any(fold(t) in wanted for t in _spellings(row)) for row in titles], dtype=bool)
        if c.kind == "years":
            years = self.facts.years[at]
            ok = years > 0
            return ok & (years >= (c.low or 0)) & (years <= (c.high or 10_000))
        if c.kind == "runtime":
            minutes = self.runtime()[at]
            return (minutes > 0) & (minutes >= (c.low or 0)) & (minutes <= (c.high or 100_000))
        if c.kind == "person":
            named = self.person_rows(c)
            if every:
                mask = np.zeros(self.count, dtype=bool)
                mask[named] = True
                return mask
            return np.isin(at, named)
        return np.ones(at.size, dtype=bool)  # a seed asks nothing of other films here


def acting(parsed: ParsedQuery, year_knobs: bool) -> list[Constraint]:
    """The constraints this module applies (year cues only when no year knob is given)."""
    return [c for c in parsed.constraints if c.kind in FILTERED and not (c.kind == "years" and year_knobs)]


def hard_mask(
    catalogue: CatalogueFacts, constraints: list[Constraint], base: np.ndarray | None
) -> np.ndarray | None:
    """`base` (the knobs' filter) and every hard constraint; `base` itself when none is hard."""
    hard = [c for c in constraints if c.hard]
    if not hard:
        return base
    mask = np.logical_and.reduce([catalogue.satisfied(c) for c in hard])
    return mask if base is None else mask & base


def soft_boost(catalogue: CatalogueFacts, constraints: list[Constraint], found: Candidates) -> Candidates:
    """The pool with each soft constraint's factor multiplied in (recorded as boost "constraints")."""
    soft = [c for c in constraints if not c.hard and c.kind != "title"]  # a title lifts: `title_rows`
    if not soft or len(found) == 0:
        return found
    factor = np.ones(len(found))
    for c in soft:
        met = catalogue.satisfied(c, found.rows)
        if c.kind == "not_words":
            factor *= np.where(met, 1.0, EXCLUDED_WORDS_FACTOR)
        elif c.kind == "not_genre":
            factor *= np.where(met, 1.0, 1 / SOFT_BOOST)
        else:
            factor *= np.where(met, SOFT_BOOST, 1.0)
    return found.boost("constraints", factor) if np.any(factor != 1.0) else found


def title_rows(
    constraints: list[Constraint],
    titled: Callable[[str], list[int]],
    mask: np.ndarray | None,
) -> np.ndarray:
    """The films a whole-query title names, to be put first: those bearing the title as typed (as title,
    original title or another title, exact after `fold`: the films `satisfied` finds) that `mask` keeps,
    in the order `titled` gives them: the films whose own title or original title it is, most voted first,
    then those that bear it only as another title, most voted first. A user who types a title wants that
    film, whatever scores best on its words: a factor on the fused score at best ties it with a film both
    retrievers found first; and a film released elsewhere under that name is not the one they mean.

    `titled` gives the rows of the films bearing one spelling in that order (`SeedBook.titled`).
    """
    ordered: dict[int, None] = {}  # each row once, at its first place
    for c in constraints:
        if c.kind == "title":
            ordered.update(dict.fromkeys(titled(c.words or c.value)))
    kept = np.fromiter(ordered, dtype=np.int64, count=len(ordered))
    return kept if mask is None else kept[mask[kept]]


def thin_notes(
    catalogue: CatalogueFacts, constraints: list[Constraint], base: np.ndarray | None, matched: int, k: int
) -> list[str]:
    """Why fewer than k movies satisfy the hard constraints: which one empties the list, what the
    catalogue covers."""
    hard = [c for c in constraints if c.hard]
    if not hard or matched >= k:
        return []
    everyone = np.ones(catalogue.count, dtype=bool) if base is None else base
    labels = ", ".join(f"{c.kind.replace('_', ' ')} {c.label}" for c in hard)
    some = f"only {matched} movie{'s' if matched != 1 else ''} satisfy {labels}"
    notes = [
        f"{some}; the rest of the list relaxes them"
        if matched
        else f"no movie here satisfies {labels}; showing the closest without them"
    ]
    low, high = catalogue.facts.year_span
    for c in hard:
        alone = int(np.count_nonzero(everyone & catalogue.satisfied(c)))
        if alone == 0 and c.kind == "years" and c.low is not None and c.high is not None and c.low > c.high:
            continue  # a contradiction: read_query's note says so
        if alone == 0 and c.kind == "years":
            notes.append(f"no movies from {c.label} here: this catalogue covers {low}–{high}")
        elif alone == 0 and c.kind == "person":
            notes.append(f"{c.value} has no credits here as {c.role or 'cast or director'}")
        elif alone == 0:
            notes.append(f"no movie here is {c.label}")
        elif len(hard) > 1:
            notes.append(f"{alone} movie{'s' if alone != 1 else ''} {_verb(c)} {c.label}")
    return notes


def _verb(c: Constraint) -> str:
    return {"years": "are from", "runtime": "run", "person": "are"}.get(c.kind, "are")


def _spellings(row: tuple[Any, ...]) -> list[str]:
    """A film's titles from a (title, original_title[, alt_titles]) row."""
    return [t for value in row for t in (value if isinstance(value, list) else [value]) if t]
