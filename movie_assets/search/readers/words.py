"""A query's words as the readers see them (`Words`: folded keys, the surface forms, which are taken),
the phrase lookup they share (`lookup_longest`) and one query being read (`Reading`: the constraints
found so far)."""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from movie_assets.index import fold
from movie_assets.search.parsed import Constraint, Vocabulary


@dataclass
class Words:
    """The query's words (folded keys and the surface form kept for the retrievers), which are taken."""

    keys: list[str]
    surface: list[str]
    taken: list[str]  # "" when free, else the kind of constraint that took it ("role" for role words)
    joined: str = ""
    starts: list[int] = field(default_factory=list)
    text: str = ""  # the text read (NFKC), punctuation and all
    spans: list[tuple[int, int]] = field(default_factory=list)  # each word's characters in `text`

    @classmethod
    def of(cls, text: str) -> Words:
        text = unicodedata.normalize("NFKC", text)
        surface: list[str] = []
        spans: list[tuple[int, int]] = []
        begin = -1
        for at, ch in enumerate([*text, " "]):
            if unicodedata.category(ch)[0] in "LMN":
                begin = at if begin < 0 else begin
            elif begin >= 0:
                surface.append(text[begin:at])
                spans.append((begin, at))
                begin = -1
        keys = [fold(w) or w.lower() for w in surface]
        starts, at = [], 0
        for key in keys:
            starts.append(at)
            at += len(key) + 1
        return cls(keys, surface, [""] * len(keys), " ".join(keys), starts, text, spans)

    def without(self, kinds: frozenset[str]) -> str:
        """The text with the words taken by `kinds` cut out, its punctuation kept ("neo-noir" stays)."""
        cut = [span for span, taken in zip(self.spans, self.taken, strict=True) if taken in kinds]
        if not cut:
            return self.text
        pieces, at = [], 0
        for begin, end in cut:
            pieces.append(self.text[at:begin])
            at = end
        pieces.append(self.text[at:])
        return " ".join("".join(pieces).split())

    def __len__(self) -> int:
        return len(self.keys)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Word positions [i, j) of the joined text's characters [start, end)."""
        return bisect.bisect_left(self.starts, start), bisect.bisect_left(self.starts, end)

    def free(self, i: int, j: int) -> bool:
        return 0 <= i < j <= len(self.keys) and not any(self.taken[i:j])

    def take(self, i: int, j: int, kind: str) -> str:
        for at in range(i, j):
            self.taken[at] = kind
        return " ".join(self.surface[i:j])

    def phrase(self, i: int, j: int) -> str:
        return " ".join(self.keys[i:j])


def lookup_longest(
    words: Words, start: int, table: Iterable[str] | dict[str, object], longest: int = 4
) -> int:
    """The end of the longest free phrase at `start` that is a key of `table` (start when none)."""
    for size in range(min(longest, len(words) - start), 0, -1):
        if words.free(start, start + size) and words.phrase(start, start + size) in table:
            return start + size
    return start


@dataclass
class Reading:
    """One query being read: its words, what the parser knows of the catalogue, whether it is a long
    description (every constraint soft), and what the readers found so far."""

    words: Words
    vocabulary: Vocabulary
    long: bool
    found: list[tuple[int, Constraint]] = field(default_factory=list)  # (first word, constraint)
    notes: list[str] = field(default_factory=list)
    title: str = ""

    def add(self, at: int, constraint: Constraint) -> None:
        if self.long and constraint.hard:
            constraint = replace(constraint, hard=False)
        self.found.append((at, constraint))
