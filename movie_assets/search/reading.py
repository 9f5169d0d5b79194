"""How a query is read before any retriever runs: the cleaned text, year bounds, a language, and the
text each stage reads."""

from __future__ import annotations

from dataclasses import dataclass

from movie_assets.search.query import LanguageIntent, YearCue, detect_language, parse_year_cues
from movie_assets.search.types import SearchParams, clean_query

# Year cues filter only short queries ("korean thrillers from the 90s"). In a described memory ("I saw it
# on TV in the 90s") the decade is often when it was seen, or a guess, and a hard filter then removes the
# answer: on tip-of-the-tongue requests it took hybrid's Recall@10 from 0.255 to 0.225.
CUE_FILTER_MAX_WORDS = 20


@dataclass(frozen=True)
class QueryReading:
    """One query as each stage reads it, and what was understood.

    :param plain: the user's words without year cues: what the cross-encoder reads.
    :param dense: plus "\\nLanguage: <Name>", the line the documents carry, when a language applies.
    :param sparse: plus just "<Name>": "language" is in every document and only costs BM25 a full scan.
    :param year_min, year_max: the year bounds to apply (from the knobs, else from cues).
    :param intent: the language the query names (reported whatever the policy), or None.
    :param notes: human-readable remarks on the reading.
    """

    plain: str
    dense: str
    sparse: str
    year_min: int | None
    year_max: int | None
    intent: LanguageIntent | None
    notes: tuple[str, ...]


def read_query(query: str, params: SearchParams) -> QueryReading:
    """Read `query` under `params` (year knobs win over year cues; the policy decides the language lines).

    Raises:
        QueryError: an empty or over-long query.
    """
    text = clean_query(query)
    cue = parse_year_cues(text)
    # Each phrase is remarked on once, however often the query repeats it.
    phrases = tuple(dict.fromkeys(cue.phrases))
    if phrases and len(text.split()) > CUE_FILTER_MAX_WORDS:
        notes = [
            f"{phrase!r} not used as a year filter in a long description; pass year_min/year_max"
            for phrase in phrases
        ]
        cue, phrases = YearCue(None, None, text, ()), ()
    else:
        notes = []
    low = params.year_min if params.year_min is not None else cue.year_min
    high = params.year_max if params.year_max is not None else cue.year_max
    notes += [f"{phrase!r} read as years {low or '...'}-{high or '...'}" for phrase in phrases]
    if low is not None and high is not None and low > high:
        notes.append(f"no year is both >= {low} and <= {high}")
    intent = detect_language(text)
    plain = dense = sparse = cue.text or text
    if intent is not None and params.lang_policy != "off":
        dense, sparse = f"{plain}\nLanguage: {intent.name}", f"{plain} {intent.name}"
    return QueryReading(plain, dense, sparse, low, high, intent, tuple(dict.fromkeys(notes)))
