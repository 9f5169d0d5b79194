"""What the query parser reads with and yields: `Vocabulary` (what it knows of the catalogue),
`Constraint` (one thing a query asks of a film, of one of KINDS) and `ParsedQuery` (the whole reading)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from movie_assets.index import Gazetteer

HARD_CONFIDENCE = 0.75  # a constraint at least this sure filters (in a short query); below, it boosts

KINDS = ("language", "genre", "not_genre", "not_words", "years", "runtime", "person", "seed", "title")


@dataclass(frozen=True)
class Constraint:
    """One thing the query asks of a film.

    :param kind: one of KINDS.
    :param value: a language code, a genre name (several joined by "|": any of them), a person's name as
        the catalogue spells it, or a seed title; "" for years and runtime.
    :param words: the query words that signalled it.
    :param confidence: how sure the reading is, in [0, 1].
    :param hard: filter (topped up when too few pass) rather than boost.
    :param low, high: inclusive bounds of years or minutes (None: open).
    :param role: for a person, "director", "cast" or "" (either).
    :param label: how front ends say it ("directed by Christopher Nolan", "not Horror", "1990–1999").
    """

    kind: str
    value: str
    words: str
    confidence: float
    hard: bool
    label: str
    low: int | None = None
    high: int | None = None
    role: str = ""

    @property
    def genres(self) -> tuple[str, ...]:
        """The genre names of a genre or not_genre constraint."""
        return tuple(self.value.split("|")) if self.kind in ("genre", "not_genre") else ()

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind, "value": self.value, "words": self.words, "confidence": self.confidence,
            "hard": self.hard, "label": self.label, "low": self.low, "high": self.high, "role": self.role,
        }  # fmt: skip


@dataclass(frozen=True)
class ParsedQuery:
    """How a query was read.

    :param text: the query as given (cleaned).
    :param constraints: what it asks of a film, in query order.
    :param rest: the words no constraint took (what the retrievers are really about).
    :param retriever_text: the text the retrievers read: the query without the words that only steer
        (years, runtimes, negations, role words such as "directed by", "like"); names, genres and
        languages stay, as the documents spell them too.
    :param title: a catalogue title the whole query names ("The English Patient"), or "".
    :param notes: remarks on the reading (contradictions, names not in the catalogue).
    :param unseeded_text: `retriever_text` without the seed titles either: what the text asks beyond
        resembling them ("funnier" in "like Drishyam but funnier"); the seeds' own vectors stand for them.
    """

    text: str
    constraints: tuple[Constraint, ...]
    rest: str
    retriever_text: str
    title: str = ""
    notes: tuple[str, ...] = ()
    unseeded_text: str = ""

    def of(self, kind: str) -> tuple[Constraint, ...]:
        """The constraints of one kind."""
        return tuple(c for c in self.constraints if c.kind == kind)

    @property
    def seeds(self) -> tuple[str, ...]:
        """The seed titles ("like Drishyam"), for the stage that acts on them."""
        return tuple(c.value for c in self.of("seed"))

    @property
    def seed_years(self) -> tuple[int | None, ...]:
        """The year given with each seed title ("like Drishyam (2013)"), None where none was."""
        return tuple(c.low for c in self.of("seed"))

    def describe(self) -> str:
        """One line: "language Korean · genre Thriller · years 2011–…", or "no constraints"."""
        parts = [
            f"{c.kind.replace('_', ' ')} {c.label}{'' if c.hard else ' (soft)'}" for c in self.constraints
        ]
        return " · ".join(parts) or "no constraints"

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text, "constraints": [c.to_dict() for c in self.constraints], "rest": self.rest,
            "retriever_text": self.retriever_text, "title": self.title, "notes": list(self.notes),
        }  # fmt: skip


@dataclass(frozen=True)
class Vocabulary:
    """What the parser knows of the catalogue.

    :param gazetteer: its people and titles (None: names and titles are not read).
    :param latest_year: its newest year ("recent" means the last RECENT_YEARS of it).
    :param document_frequency: how many movies' documents use a word: a one-word name ("Rain",
        "Mohanlal") counts as a person only when the word is about as rare as the person's credits.
    """

    gazetteer: Gazetteer | None = None
    latest_year: int | None = None
    document_frequency: Callable[[str], int] | None = None
