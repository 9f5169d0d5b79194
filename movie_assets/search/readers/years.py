"""Years in a query: ranges ("1990 to 2005"), decades ("late 90s", "the eighties"), bounds ("after
2020", "pre 1980s"), a bare year (soft), "recent" and "classic"; none after a setting ("set in the 1920s")."""

from __future__ import annotations

import re

from movie_assets.search.parsed import Constraint
from movie_assets.search.readers.words import Reading, Words

RECENT_YEARS = 5
CLASSIC_BEFORE = 1980

_SETTING_BEFORE = ("set in", "takes place in", "take place in", "taking place in", "happens in", "set during")

_WORDED_DECADES = {
    "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
    "seventies": 1970, "eighties": 1980, "nineties": 1990, "noughties": 2000,
}  # fmt: skip
_YEAR = r"(1[89]\d\d|20[0-4]\d)"
_DECADE = (
    r"(?:(early|mid|late)\s)?(?:the\s)?(?:(1[89]\d0|20[0-4]0|\d0)\s?s|(" + "|".join(_WORDED_DECADES) + "))"
)
_TIME_PATTERNS = (
    ("range", re.compile(rf"\b(?:between\s|from\s)?{_YEAR}\s(?:(?:and|to|till|until|through)\s)?{_YEAR}\b")),
    ("op_decade", re.compile(rf"\b(after|since|before|pre|post|until|till)\s{_DECADE}\b")),
    ("decade", re.compile(rf"\b{_DECADE}\b")),
    ("op_year", re.compile(rf"\b(after|since|before|pre|post|until|till|prior to|up to|later than|"
                           rf"earlier than|newer than|older than|from|released in|made in|in)\s{_YEAR}\b")),
    ("year", re.compile(rf"\b{_YEAR}\b")),
    ("recent", re.compile(r"\b(recent|recently released|latest|newest|this year s|current)\b")),
    ("classic", re.compile(r"\b(classic|classics|old school|golden age|vintage|oldies)\b")),
)  # fmt: skip


def _setting_before(w: Words, i: int, j: int | None = None) -> bool:
    """Whether a setting phrase ("set in", "takes place in") ends before word `i` or before word `j - 1`
    (the last word of a match that starts with "in")."""
    if j is not None and j - 1 > i and _setting_before(w, j - 1):
        return True
    before = w.joined[: w.starts[i]] if i < len(w) else w.joined
    return before.rstrip().endswith(_SETTING_BEFORE) or before.rstrip().endswith(
        tuple(f"{s} the" for s in _SETTING_BEFORE)
    )


def _decade_bounds(modifier: str | None, digits: str | None, worded: str | None) -> tuple[int, int]:
    if worded:
        low = _WORDED_DECADES[worded]
    elif digits and len(digits) == 4:
        low = int(digits)
    else:
        value = int(digits or "0")
        low = (1900 if value >= 30 else 2000) + value
    if modifier == "early":
        return low, low + 3
    if modifier == "mid":
        return low + 3, low + 6
    if modifier == "late":
        return low + 6, low + 9
    return low, low + 9


def _span_label(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    return f"{low}–" if low is not None else f"–{high}"


def read_years(r: Reading) -> None:
    w = r.words
    latest = r.vocabulary.latest_year
    for kind, pattern in _TIME_PATTERNS:
        for m in pattern.finditer(w.joined):
            i, j = w.span(m.start(), m.end())
            if not w.free(i, j) or _setting_before(w, i, j):
                continue
            low: int | None
            high: int | None
            confidence, hard = 0.9, True
            if kind == "range":
                low, high = sorted((int(m.group(1)), int(m.group(2))))
            elif kind in ("op_decade", "decade"):
                groups = m.groups()[1:] if kind == "op_decade" else m.groups()
                low, high = _decade_bounds(*groups)
                if kind == "op_decade":
                    op = m.group(1)
                    low, high = (
                        (high + 1, None)
                        if op in ("after", "post")
                        else ((low, None) if op == "since" else (None, low - 1))
                    )
                if m.group(0).strip() in ("20s", "the 20s"):  # the 1920s or the 2020s: not read
                    continue
            elif kind == "op_year":
                op, year = m.group(1), int(m.group(2))
                if op in ("after", "post", "later than", "newer than"):
                    low, high = year + 1, None
                elif op == "since":
                    low, high = year, None
                elif op in ("before", "pre", "prior to", "earlier than", "older than"):
                    low, high = None, year - 1
                elif op in ("until", "till", "up to"):
                    low, high = None, year
                elif op == "in":
                    low, high, confidence, hard = year, year, 0.6, False
                else:  # from, released in, made in
                    low, high = year, year
            elif kind == "year":
                gazetteer = r.vocabulary.gazetteer
                if len(w) == 1 and gazetteer is not None and gazetteer.title(w.keys[0]) is not None:
                    continue  # "1917" alone, in a catalogue that holds it, is a title query
                low, high, confidence, hard = int(m.group(1)), int(m.group(1)), 0.6, False
            elif kind == "recent":
                if latest is None:
                    continue
                low, high, confidence, hard = latest - RECENT_YEARS + 1, None, 0.6, False
            else:  # classic
                low, high, confidence, hard = None, CLASSIC_BEFORE - 1, 0.5, False
            words = w.take(i, j, "years")
            r.add(i, Constraint("years", "", words, confidence, hard, _span_label(low, high), low, high))
