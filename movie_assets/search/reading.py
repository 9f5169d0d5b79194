"""How a query is read before any retriever runs: the cleaned text, year bounds, a language, and the
text each stage reads."""

from __future__ import annotations

from dataclasses import dataclass, replace

from movie_assets.search.parse import Constraint, ParsedQuery, Vocabulary, parse_query, year_window
from movie_assets.search.query import LONG_QUERY, LanguageIntent, language_name
from movie_assets.search.types import QueryError, SearchParams, clean_query

# Year cues filter only short queries ("korean thrillers from the 90s"). In a described memory (more than
# LONG_QUERY words: "I saw it on TV in the 90s") the decade is often when it was seen, or a guess, and a
# hard filter then removes the answer: on tip-of-the-tongue requests it took hybrid's Recall@10 from 0.255
# to 0.225.


@dataclass(frozen=True)
class QueryReading:
    """One query as each stage reads it, and what was understood.

    :param plain: the words the retrievers read (`ParsedQuery.retriever_text`: no year cues, runtimes,
        negations or role words): what the cross-encoder reads.
    :param dense: plus "\\nLanguage: <Name>", the line the documents carry, when a language applies.
    :param sparse: plus just "<Name>": "language" is in every document and only costs BM25 a full scan.
    :param year_min, year_max: the year bounds in force (each from its knob, else from the cues).
    :param intent: the language the query names (reported whatever the policy), or None.
    :param notes: human-readable remarks on the reading.
    :param parsed: the whole parse (`parse_query`).
    :param constraints: the constraints the Searcher applies to the pool beyond the knobs and the language
        policy: the parse's genre, runtime, person and negation constraints, and its year cues merged
        into one window (a bound given by a knob replaces the cue's).
    """

    plain: str
    dense: str
    sparse: str
    year_min: int | None
    year_max: int | None
    intent: LanguageIntent | None
    notes: tuple[str, ...]
    parsed: ParsedQuery | None = None
    constraints: tuple[Constraint, ...] = ()


def read_query(query: str, params: SearchParams, vocabulary: Vocabulary | None = None) -> QueryReading:
    """Read `query` under `params` (year knobs win over year cues; the policy decides the language lines).

    Raises:
        QueryError: an empty or over-long query.
    """
    text = clean_query(query)
    long = len(text.split()) > LONG_QUERY
    parsed = parse_query(text, vocabulary)
    years = [c for c in parsed.of("years") if c.hard]
    # Each phrase is remarked on once, however often the query repeats it.
    phrases = tuple(dict.fromkeys(c.words for c in parsed.of("years") if c.confidence >= 0.9))
    notes: list[str] = []
    if phrases and long:
        notes += [
            f"{phrase!r} not used as a year filter in a long description; pass year_min/year_max"
            for phrase in phrases
        ]
    window = year_window(years)
    cue_low = window[0] if params.year_min is None else None
    cue_high = window[1] if params.year_max is None else None
    low = params.year_min if params.year_min is not None else cue_low
    high = params.year_max if params.year_max is not None else cue_high
    notes += [f"{c.words!r} read as years {c.low or '...'}-{c.high or '...'}" for c in years]
    if low is not None and high is not None and low > high:
        notes.append(f"no year is both >= {low} and <= {high}")
    kinds = ("genre", "not_genre", "not_words", "runtime", "person", "title")
    acting = [c for c in parsed.constraints if c.kind in kinds]
    acting += [c for c in parsed.of("years") if not c.hard]
    if params.constraints == "off":
        acting = []
    if cue_low is not None or cue_high is not None:
        acting.append(_years_window(years, cue_low, cue_high))
    if long:
        # A described memory is reported as read but changes nothing: its genre and decade words are
        # guesses the learned ranker weighs (ranking/cues.py), not filters or boosts.
        acting = []
    language = parsed.of("language")
    intent = None
    if language:
        code = language[0].value
        intent = LanguageIntent(code, language_name(code) or code, language[0].words.lower())
    # A described memory reaches the retrievers whole: its steering words ("like", "in the 90s") are part
    # of what is remembered, and the learned ranker was trained on pools formed from the whole text.
    plain = dense = sparse = text if long else parsed.retriever_text
    if intent is not None and params.lang_policy != "off":
        dense, sparse = f"{plain}\nLanguage: {intent.name}", f"{plain} {intent.name}"
    notes += [n for n in parsed.notes if not n.startswith("the years contradict")]
    return QueryReading(
        plain, dense, sparse, low, high, intent, tuple(dict.fromkeys(notes)), parsed, tuple(acting)
    )


def _years_window(cues: list[Constraint], low: int | None, high: int | None) -> Constraint:
    words = " ".join(dict.fromkeys(c.words for c in cues))
    label = f"{low}–{high}" if low is not None and high is not None else (f"{low}–" if low else f"–{high}")
    if low is not None and low == high:
        label = str(low)
    if low is not None and high is not None and low > high:
        label = f"from {low} and up to {high}"  # a contradiction, said as asked
    return Constraint("years", "", words, 0.9, True, label, low, high)


def long_dense_text(query: str) -> str | None:
    """The text a long description's dense retrieval embeds unless its reading adds a language line: the
    description itself, cleaned, as `read_query` passes it on. None: not a long description, or no query."""
    try:
        text = clean_query(query)
    except QueryError:  # read_query says what is wrong
        return None
    return text if len(text.split()) > LONG_QUERY else None


def reading_without_text(params: SearchParams) -> QueryReading:
    """The reading of an empty query whose liked films (`params.like`) make the whole query."""
    parsed = ParsedQuery("", (), "", "")
    return QueryReading("", "", "", params.year_min, params.year_max, None, (), parsed, ())


def with_text(q: QueryReading, text: str, params: SearchParams) -> QueryReading:
    """`q` with other words for the retrievers (a seeded query's text without its seed titles)."""
    plain = dense = sparse = " ".join(text.split())
    if q.intent is not None and params.lang_policy != "off":
        dense, sparse = f"{plain}\nLanguage: {q.intent.name}", f"{plain} {q.intent.name}"
    return replace(q, plain=plain, dense=dense, sparse=sparse)
