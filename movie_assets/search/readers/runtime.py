"""Runtimes in a query: bounds ("under 100 minutes", "at least 2 hours"), short films, long movies,
and "short comedy" (shorter than most, softly)."""

from __future__ import annotations

import re

from movie_assets.search.parsed import Constraint
from movie_assets.search.readers.wordlists import NUMBER_WORDS
from movie_assets.search.readers.words import Reading

_UNIT = r"(minutes|minute|mins|min|m|hours|hour|hrs|hr|h)"
_AMOUNT = r"(\d+(?:\s\d)?|one|two|three|four|an|a)"
_RUNTIME_PATTERNS = (
    ("max", re.compile(rf"\b(?:under|less than|shorter than|below|within|at most|max|maximum|no longer than|"
                       rf"no more than|up to)\s(?:an?\s)?{_AMOUNT}\s{_UNIT}\b(?:\s(?:long|long movies?))?")),
    ("max", re.compile(rf"\b{_AMOUNT}\s{_UNIT}\s(?:or less|or shorter|or under|max|tops)\b")),
    ("min", re.compile(rf"\b(?:over|more than|longer than|at least|above|min|minimum)\s(?:an?\s)?{_AMOUNT}\s"
                       rf"{_UNIT}\b(?:\s(?:long))?")),
    ("short_film", re.compile(r"\b(short films?|short movies?|shorts)\b")),
    ("long", re.compile(r"\b(epic length|epic long|long movies?|long films?|lengthy|three hours? long|"
                        r"three hour)\b")),
    ("short", re.compile(r"\b(short|quick|brief)(?=\s(?:comedy|comedies|thriller|thrillers|drama|dramas|"
                         r"horror|watch|watches|animated|animation|action|romance|documentary))")),
)  # fmt: skip


def _minutes(amount: str, unit: str) -> int:
    if amount in NUMBER_WORDS:
        value = float(NUMBER_WORDS[amount])
    else:
        whole, _, tenth = amount.partition(" ")
        value = float(whole) + (float(f"0.{tenth}") if tenth else 0.0)
    return int(round(value * 60)) if unit.startswith("h") else int(round(value))


def read_runtime(r: Reading) -> None:
    w = r.words
    for kind, pattern in _RUNTIME_PATTERNS:
        for m in pattern.finditer(w.joined):
            i, j = w.span(m.start(), m.end())
            if not w.free(i, j):
                continue
            confidence, hard = 0.9, True
            if kind == "max":
                low, high = None, _minutes(m.group(1), m.group(2))
            elif kind == "min":
                low, high = _minutes(m.group(1), m.group(2)), None
            elif kind == "short_film":
                low, high = None, 40
            elif kind == "long":
                low, high, confidence = 150, None, 0.8
            else:  # "short comedy": shorter than most, not a short film
                low, high, confidence, hard = None, 95, 0.6, False
            if (low is not None and low > 1000) or (high is not None and high > 1000):
                continue
            words = w.take(i, j, "runtime")
            label = f"under {high} min" if low is None else f"at least {low} min"
            r.add(i, Constraint("runtime", "", words, confidence, hard, label, low, high))
