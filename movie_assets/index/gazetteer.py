"""The gazetteer: the people and titles of a catalogue, for reading names out of a query.

An extra of the artifact set (``gazetteer/``, listed and checksummed in the manifest like every extra),
written at index time from the payload's columns, so its rows are the payload's rows:

    gazetteer/people.parquet   key (u64), name, directed (row list), acted (row list)
    gazetteer/titles.parquet   key (u64), title, row (the most voted movie of that title), count

Titles are spelled as the movie's title, its original title and its other titles (`alt_titles`, where the
payload has them: "ദൃശ്യം", "Drishyam"); a key found through another title shows the movie's title.

A key is a 64-bit hash of the folded name (`fold`: lower case, accents off Latin letters, punctuation
removed), sorted, so a lookup is one hash and one binary search: no dictionary of a million names is
built when a set is opened, and a query of ten words costs some tens of microseconds.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

GAZETTEER_EXTRA = "gazetteer"  # the extra's name: a folder in the set
PEOPLE_FILE = "people.parquet"
TITLES_FILE = "titles.parquet"
GAZETTEER_VERSION = 1
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """`text` as a lookup key: lower case, accents removed from Latin letters (not the marks that make up
    Tamil or Devanagari letters), every run of non-letters and non-digits one space.

    >>> fold("Penélope  Cruz"), fold("Alejandro González Iñárritu"), fold("Spider-Man: No Way Home")
    ('penelope cruz', 'alejandro gonzalez inarritu', 'spider man no way home')
    """
    if text.isascii():
        # The same folding for ASCII (it has no marks, and its letters and digits are [a-z0-9] once lower),
        # ~5x cheaper a word: a query's reader folds every word, and a long description has hundreds.
        return " ".join(_ASCII_WORD.findall(text.lower()))
    out: list[str] = []
    base_latin = False
    for ch in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(ch)
        if category[0] == "M":
            if not base_latin:
                out.append(ch)
            continue
        if category[0] in "LN":
            base_latin = ch.isascii()
            out.append(ch.lower())
        else:
            base_latin = False
            out.append(" ")
    return unicodedata.normalize("NFC", " ".join("".join(out).split()))


def key_of(folded: str) -> int:
    """The 64-bit key of a folded name (stable across processes and machines, unlike `hash`)."""
    return int.from_bytes(hashlib.blake2b(folded.encode(), digest_size=8).digest(), "little")


def _keys(names: list[str]) -> np.ndarray:
    return np.fromiter((key_of(fold(n)) for n in names), dtype=np.uint64, count=len(names))


def _people(payload: pl.DataFrame) -> pl.DataFrame:
    rows = pl.int_range(pl.len(), dtype=pl.Int32).alias("row")
    credits = pl.concat(
        [
            payload.select(rows, pl.col(column).alias("name"))
            .explode("name")
            .drop_nulls("name")
            .with_columns(pl.lit(role).alias("role"))
            for column, role in (("directors", "directed"), ("cast", "acted"))
        ]
    ).filter(pl.col("name").str.strip_chars() != "")
    names = credits["name"].unique().to_list()
    folded = pl.DataFrame({"name": names, "key": _keys(names)}, schema={"name": pl.Utf8, "key": pl.UInt64})
    credits = credits.join(folded, on="name")
    # One entry per key: spellings that fold alike ("Penélope Cruz", "Penelope Cruz") are one person
    # shown by the most credited spelling.
    shown = (
        credits.group_by("key", "name")
        .len()
        .sort(["key", "len", "name"], descending=[False, True, False])
        .unique("key", keep="first", maintain_order=True)
        .select("key", "name")
    )
    lists = credits.group_by("key").agg(
        pl.col("row").filter(pl.col("role") == "directed").unique().sort().alias("directed"),
        pl.col("row").filter(pl.col("role") == "acted").unique().sort().alias("acted"),
    )
    return shown.join(lists, on="key").sort("key")


def _titles(payload: pl.DataFrame) -> pl.DataFrame:
    rows = pl.int_range(pl.len(), dtype=pl.Int32).alias("row")
    votes = pl.col("vote_count").fill_null(0) if "vote_count" in payload.columns else pl.lit(0)
    spelled = [
        payload.select(
            rows, pl.col(column).alias("spelling"), pl.col(column).alias("title"), votes.alias("votes")
        )
        for column in ("title", "original_title")
        if column in payload.columns
    ]
    if "alt_titles" in payload.columns and "title" in payload.columns:
        # Another title (original script, romanised, translated) is one more spelling of the same movie,
        # shown by its title: a constraint or a seed read from it names the film as the catalogue does.
        alt = payload.select(rows, pl.col("alt_titles").alias("spelling"), "title", votes.alias("votes"))
        spelled.append(alt.explode("spelling"))
    every = pl.concat(spelled).drop_nulls("spelling")
    names = every["spelling"].unique().to_list()
    keys = pl.DataFrame(
        {"spelling": names, "key": _keys(names)}, schema={"spelling": pl.Utf8, "key": pl.UInt64}
    )
    every = every.join(keys, on="spelling").unique(["key", "row"], keep="first", maintain_order=True)
    return (
        every.sort(["key", "votes", "row"], descending=[False, True, False])
        .group_by("key", maintain_order=True)
        .agg(pl.col("title").first(), pl.col("row").first(), pl.len().cast(pl.Int32).alias("count"))
        .sort("key")
    )


@dataclass(frozen=True)
class Person:
    """One name of the catalogue's credits: how it is shown, and the payload rows it directed or acted in."""

    name: str
    directed: np.ndarray
    acted: np.ndarray

    @property
    def credits(self) -> int:
        return int(np.union1d(self.directed, self.acted).size)


@dataclass(frozen=True)
class Title:
    """A catalogue title: as shown, the row of its most voted movie, and how many movies bear it."""

    title: str
    row: int
    count: int


class Gazetteer:
    """The people and titles of one catalogue, looked up by folded name (`fold`)."""

    def __init__(self, people: pl.DataFrame, titles: pl.DataFrame) -> None:
        self._people = people
        self._titles = titles
        self._people_keys = people["key"].to_numpy()
        self._title_keys = titles["key"].to_numpy()

    @classmethod
    def from_payload(cls, payload: pl.DataFrame) -> Gazetteer:
        """Built from payload columns title, original_title, cast, directors (and vote_count, alt_titles)."""
        return cls(_people(payload), _titles(payload))

    @classmethod
    def read(cls, folder: Path) -> Gazetteer:
        """The gazetteer written into `folder` by `gazetteer_writer`."""
        return cls(pl.read_parquet(folder / PEOPLE_FILE), pl.read_parquet(folder / TITLES_FILE))

    @property
    def people_count(self) -> int:
        return self._people.height

    @staticmethod
    def _find(keys: np.ndarray, folded: str) -> int | None:
        key = np.uint64(key_of(folded))
        at = int(np.searchsorted(keys, key))
        return at if at < keys.size and keys[at] == key else None

    def people_among(self, folded: Sequence[str]) -> set[str]:
        """Which of the folded names are people's: one array lookup for them all, as a query's reader
        asks of every phrase of up to four words (hundreds in a long description)."""
        if not folded:
            return set()
        keys = np.fromiter((key_of(f) for f in folded), dtype=np.uint64, count=len(folded))
        at = np.searchsorted(self._people_keys, keys)
        found = at < self._people_keys.size
        found[found] = self._people_keys[at[found]] == keys[found]
        return {name for name, hit in zip(folded, found, strict=True) if hit}

    def person(self, folded: str) -> Person | None:
        """The person whose folded name is `folded`, or None."""
        at = self._find(self._people_keys, folded)
        if at is None:
            return None
        row = self._people.row(at, named=True)
        return Person(row["name"], _rows(row["directed"]), _rows(row["acted"]))

    def title(self, folded: str) -> Title | None:
        """The catalogue title whose folded form is `folded`, or None."""
        at = self._find(self._title_keys, folded)
        if at is None:
            return None
        row = self._titles.row(at, named=True)
        return Title(row["title"], int(row["row"]), int(row["count"]))


def _rows(values: list[int] | None) -> np.ndarray:
    return np.asarray(values or (), dtype=np.int64)


def gazetteer_writer(payload: pl.DataFrame) -> Callable[[Path], dict[str, Any]]:
    """An extra writer (`movie_assets.index.artifacts.ExtraWriter`) for the gazetteer of `payload`."""

    def write(target: Path) -> dict[str, Any]:
        target.mkdir(parents=True, exist_ok=True)
        people, titles = _people(payload), _titles(payload)
        people.write_parquet(target / PEOPLE_FILE)
        titles.write_parquet(target / TITLES_FILE)
        return {"version": GAZETTEER_VERSION, "people": people.height, "titles": titles.height}

    return write
