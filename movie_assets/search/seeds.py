"""Seed films: the films a search is like or unlike ("like Drishyam" in the text, `like=`, `unlike=`),
resolved to payload rows.

An id names its film; a title names the films that bear it (title, original title or another title:
"ദൃശ്യം", a romanised "Mazha"), of which the one of the year given ("Drishyam (2013)", "like Drishyam
2013") is taken, else the first in the order a typed title names films (`Bearers`): those whose own title
or original title it is, most voted first, then those that bear it only as another title, most voted first.
A user who types "Mazha" means a film called Mazha, not a more voted one released elsewhere under that
name. The notes say which film was taken and name the others, marking those found by another title. A
title in the text is looked up as it was typed, not as the parser shows it: another title may be borne by
several films, each shown by its own title. What the seeds then do to a search is
`movie_assets.search.seeded`'s.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from movie_assets.index import Gazetteer, fold
from movie_assets.search.parse import Constraint
from movie_assets.search.query import language_name
from movie_assets.search.types import Seed

_TITLE_YEAR = re.compile(r"^(.*?\S)\s*[(\[]?\s*(1[89]\d\d|20\d\d)\s*[)\]]?$")
# The payload's spellings keyed as `fold` keys a name, in polars (a Python loop over a million titles
# takes seconds): marks off Latin letters and digits only, every run of other characters one space.
_MARKS_OFF_LATIN = r"([a-z0-9])\p{M}+"
_NOT_WORD = r"[^\p{L}\p{N}\p{M}]+"
TITLE_COLUMNS = ("title", "original_title", "alt_titles")
OWN_TITLE_COLUMNS = ("title", "original_title")  # a film's own titles; the rest are other titles


@dataclass(frozen=True)
class SeedRows:
    """The seeds of one search, resolved: the films (as `Seed`s) and their payload rows, and the notes."""

    likes: tuple[Seed, ...] = ()
    unlikes: tuple[Seed, ...] = ()
    like_rows: tuple[int, ...] = ()
    unlike_rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    dropped_rows: tuple[int, ...] = ()  # liked and unliked both: used as neither, still not a hit
    text_found: bool = False  # the query named seeds ("like X") and every one was found

    @property
    def rows(self) -> np.ndarray:
        """Every seed's row: none of them is a hit."""
        return np.asarray(sorted({*self.like_rows, *self.unlike_rows, *self.dropped_rows}), dtype=np.int64)

    def __bool__(self) -> bool:
        return bool(self.like_rows or self.unlike_rows)


@dataclass(frozen=True)
class Bearers:
    """The films (payload rows) bearing one spelling, in the order a typed title takes them: `own`, whose
    title or original title it is, then `other`, who bear it only as another title; each most voted first."""

    own: tuple[int, ...] = ()
    other: tuple[int, ...] = ()

    @property
    def rows(self) -> list[int]:
        return [*self.own, *self.other]

    @property
    def mixed(self) -> bool:
        """Whether some films bear the spelling as their own title and some only as another title."""
        return bool(self.own and self.other)

    def by_other_title(self, row: int) -> bool:
        return row in self.other


def shown(title: str, year: int | None, language: str | None, movie_id: int | None = None) -> str:
    """'Drishyam (2013, Malayalam)', or with an id 'Drishyam (2013, Malayalam, id 101)'."""
    bits = [
        str(year) if year else "",
        language_name(language) or language or "" if language else "",
        f"id {movie_id}" if movie_id is not None else "",
    ]
    inside = ", ".join(b for b in bits if b)
    return f"{title} ({inside})" if inside else title


class SeedBook:
    """Finds seed films in one payload: by id, or by title through the gazetteer."""

    def __init__(self, payload: pl.DataFrame, gazetteer: Callable[[], Gazetteer]) -> None:
        self._payload = payload
        self._gazetteer = gazetteer
        self._ids = payload["movie_id"].to_numpy()
        self._votes = payload["vote_count"].fill_null(0).to_numpy()
        self._keys: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()

    def _title_keys(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Every spelling of every film (title, original title, other titles where the payload has them)
        # keyed once, sorted, beside its row and whether it is only another title of that film (a film
        # whose title is also among its other titles bears it as its own): it finds every film of a
        # title the gazetteer knows, and which of them bear it as their own.
        with self._lock:
            if self._keys is None:
                rows = pl.int_range(pl.len(), dtype=pl.Int64).alias("row")
                spelled = [
                    (
                        self._payload.select(rows, pl.col(c).alias("spelling")).explode("spelling")
                        if self._payload.schema[c] == pl.List(pl.Utf8)
                        else self._payload.select(rows, pl.col(c).alias("spelling"))
                    ).with_columns(pl.lit(c not in OWN_TITLE_COLUMNS).alias("other"))
                    for c in TITLE_COLUMNS
                    if c in self._payload.columns
                ]
                keyed = (
                    pl.concat(spelled)
                    .drop_nulls("spelling")
                    .select(fold_expr(pl.col("spelling")).alias("key"), "row", "other")
                    .group_by("key", "row")
                    .agg(pl.col("other").all())
                    .sort("key", "row")
                )
                self._keys = (keyed["key"].to_numpy(), keyed["row"].to_numpy(), keyed["other"].to_numpy())
            return self._keys

    def row_of_id(self, movie_id: int) -> int | None:
        found = np.flatnonzero(self._ids == movie_id) if -(2**63) <= movie_id < 2**63 else []
        return int(found[0]) if len(found) else None

    def titled(self, text: str) -> list[int]:
        """The rows of the films that bear the title `text`, in the order a typed title takes them
        (`bearers`); [] if none."""
        return self.bearers(text).rows

    def bearers(self, text: str) -> Bearers:
        """The films that bear the title `text`: those whose title or original title it is, most voted
        first, then those that bear it only as another title, most voted first."""
        folded = fold(text)
        known = self._gazetteer().title(folded)
        if known is None:
            return Bearers()
        if known.count == 1:  # one film: whether the spelling is its own, read from its row alone
            own = self._is_own(known.row, folded)
            return Bearers(own=(known.row,)) if own else Bearers(other=(known.row,))
        keys, key_rows, other = self._title_keys()
        at = np.searchsorted(keys, folded, side="left")
        end = np.searchsorted(keys, folded, side="right")
        found = dict(zip(key_rows[at:end].tolist(), other[at:end].tolist(), strict=True))
        if known.row not in found:  # the gazetteer's film is always among them, as before
            found[known.row] = not self._is_own(known.row, folded)
        order = sorted(found.items(), key=lambda f: (f[1], -int(self._votes[f[0]]), f[0]))
        return Bearers(
            own=tuple(int(r) for r, by_other in order if not by_other),
            other=tuple(int(r) for r, by_other in order if by_other),
        )

    def _is_own(self, row: int, folded: str) -> bool:
        """Whether `folded` is the title or the original title of the film at `row`."""
        columns = [c for c in OWN_TITLE_COLUMNS if c in self._payload.columns]
        return any(fold(self._payload[c][row] or "") == folded for c in columns)

    def seed(self, row: int, liked: bool, asked: str, others: Sequence[int] = ()) -> Seed:
        record = self._payload.row(row, named=True)
        return Seed(
            movie_id=int(record["movie_id"]),
            title=record["title"] or "",
            year=record["year"],
            original_language=record["original_language"],
            liked=liked,
            asked=asked,
            others=tuple(self.label(r) for r in others),
        )

    def label(self, row: int, with_id: bool = False) -> str:
        """'Drishyam (2013, Malayalam)', or with its id: 'Drishyam (2013, Malayalam, id 101)'."""
        record = self._payload.row(row, named=True)
        movie_id = record["movie_id"] if with_id else None
        return shown(record["title"] or "", record["year"], record["original_language"], movie_id)

    def year_of(self, row: int) -> int | None:
        year = self._payload["year"][row]
        return None if year is None else int(year)


def fold_expr(spelling: pl.Expr) -> pl.Expr:
    """`movie_assets.index.fold` as a polars expression (a test holds the two to the same keys)."""
    return (
        spelling.str.normalize("NFKD")
        .str.to_lowercase()
        .str.replace_all(_MARKS_OFF_LATIN, "$1")
        .str.replace_all(_NOT_WORD, " ")
        .str.strip_chars()
        .str.normalize("NFC")
    )


def typed(seed: Constraint) -> str:
    """A seed title of the text as it was typed ("ദൃശ്യം", "Mazha"), without the year given after it: the
    parser's value shows it by the film's title, one of the films that spelling may name."""
    words = seed.words.split()
    if seed.low is not None and words and words[-1] == str(seed.low):
        words = words[:-1]
    return " ".join(words) or seed.value


def _split_year(book: SeedBook, text: str) -> tuple[str, int | None]:
    """'Drishyam (2013)' -> ('Drishyam', 2013), unless the whole text is a title ('Blade Runner 2049')."""
    match = _TITLE_YEAR.match(text)
    if match is None or book.titled(text):
        return text, None
    return match.group(1).strip(" ([-,"), int(match.group(2))


def _resolve_one(
    book: SeedBook, asked: str | int, year: int | None, liked: bool, from_text: bool, notes: list[str]
) -> tuple[int, Seed] | None:
    """One seed's row and record, or None (a note says why)."""
    which = "like" if liked else "unlike"
    if isinstance(asked, int) or (isinstance(asked, str) and asked.isdigit()):
        row = book.row_of_id(int(asked))
        if row is not None:
            return row, book.seed(row, liked, str(asked))
        if isinstance(asked, int) or not book.titled(asked):
            notes.append(f"no movie with id {asked} here; {which} {asked} is not used")
            return None
    title = str(asked)
    if year is None and not from_text:
        title, year = _split_year(book, title)
    bearers = book.bearers(title)
    rows = bearers.rows
    if not rows:
        if not from_text:  # "like X" in the text: the parser has said X is not a title here
            notes.append(f"{title!r} is not a title in this catalogue; {which} {title!r} is not used")
        return None
    of_year = [r for r in rows if year is not None and book.year_of(r) == year]
    if year is not None and not of_year:
        took = "the most voted one titled so" if bearers.mixed else "the most voted one"
        notes.append(f"no {title!r} from {year} here; took {took}")
    picked = (of_year or rows)[0]
    others = [r for r in rows if r != picked]
    seed = book.seed(picked, liked, str(asked), others)
    label = book.label(picked)
    if others:
        listed = "; ".join(_listed(book, bearers, r) for r in others[:4]) + ("; …" if len(others) > 4 else "")
        # A year tells apart only films of other years; an id tells apart any.
        other_year = next((y for r in others if (y := book.year_of(r)) and y != book.year_of(picked)), None)
        hint = (
            f"add a year to take another, e.g. '{title} ({other_year})', or give its id"
            if other_year
            else "give its id to take another"
        )
        how = _how(bearers, of_year or rows, picked, year if of_year else None)
        notes.append(f"{which} {title!r}: took {label}, {how} (also {listed}); {hint}")
    else:
        notes.append(f"{which} {title!r}: took {label}")
    return picked, seed


def _how(bearers: Bearers, pool: Sequence[int], picked: int, year: int | None) -> str:
    """How `picked` was taken from `pool` (the films of the year asked, else every film of the title):
    the first of those that bear the title as it does (own title or another title), most voted first."""
    by_other = bearers.by_other_title(picked)
    alike = sum(bearers.by_other_title(r) == by_other for r in pool)
    which = "the one" if alike == 1 else "the most voted"
    films = f"of {len(bearers.rows)} films of that title"
    if not bearers.mixed:
        return f"{which} from {year} {films}" if year else f"the most voted {films}"
    if year:
        return f"{which} from {year} {'by another title' if by_other else 'titled so'}, {films}"
    return f"{which} film titled so, {films}"


def _listed(book: SeedBook, bearers: Bearers, row: int) -> str:
    """Another film of the title with its id, marked when it bears the title only as another title
    among films titled so."""
    marked = bearers.mixed and bearers.by_other_title(row)
    return book.label(row, with_id=True) + (" by another title" if marked else "")


def resolve_seeds(
    book: SeedBook, text_seeds: Sequence[Constraint], like: Sequence[str | int], unlike: Sequence[str | int]
) -> SeedRows:
    """The seeds of one search resolved to rows, with notes on every choice and every problem: unknown
    titles or ids, ambiguous titles, a film both liked and unliked (left out of both)."""
    notes: list[str] = []
    likes: dict[int, Seed] = {}
    unlikes: dict[int, Seed] = {}
    asked: list[tuple[str | int, int | None, bool, bool]] = [
        *((typed(c), c.low, True, True) for c in text_seeds),
        *((f, None, True, False) for f in like),
        *((f, None, False, False) for f in unlike),
    ]
    text_found = bool(text_seeds)
    for what, year, liked, from_text in asked:
        found = _resolve_one(book, what, year, liked, from_text, notes)
        if found is None:
            text_found = text_found and not from_text
            continue
        row, seed = found
        if liked:
            likes.setdefault(row, seed)
        else:
            unlikes.setdefault(row, seed)
    for row in sorted(set(likes) & set(unlikes)):
        notes.append(f"{book.label(row)} is both liked and unliked; it is left out of both (and of the hits)")
    both = set(likes) & set(unlikes)
    kept = {r: v for r, v in likes.items() if r not in both}
    return SeedRows(
        likes=tuple(kept.values()),
        unlikes=tuple(s for r, s in unlikes.items() if r not in both),
        like_rows=tuple(kept),
        unlike_rows=tuple(r for r in unlikes if r not in both),
        notes=tuple(dict.fromkeys(notes)),
        dropped_rows=tuple(sorted(both)),
        text_found=text_found,
    )
