"""What a search takes and returns (DESIGN §8): the knobs, the errors, frozen hits and the result."""

from __future__ import annotations

import functools
import math
import numbers
import unicodedata
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from movie_assets.search.parse import ParsedQuery

METHODS: tuple[str, ...] = ("hybrid", "retrieval", "bm25", "blend", "ce", "mmr")
LANGUAGE_POLICIES: tuple[str, ...] = ("off", "auto-soft", "auto-hard")
# Recalled descriptions run to thousands of characters; BM25 reads all of a query, the dense model its first
# QUERY_WINDOW (128) word pieces: the request's title and opening, where askers put the premise.
MAX_QUERY_CHARS = 20_000
LEARNED_CHOICES: tuple[str, ...] = ("on", "off")
CONSTRAINT_CHOICES: tuple[str, ...] = ("on", "off")
MAX_K = 1_000
MAX_POOL = 10_000
# Seed films (like/unlike) per list: a taste is a handful of films, and each costs a lookup and a vector.
MAX_SEEDS = 50
MAX_SEED_CHARS = 300


class QueryError(ValueError):
    """A query or a search knob the library cannot use; the message says what to change."""


class ModelUnavailableError(RuntimeError):
    """A model the method needs cannot be loaded (offline, or not on disk)."""


def clean_query(query: str) -> str:
    """The query with control characters turned into spaces and runs of whitespace collapsed.

    Raises:
        QueryError: not a string, empty after cleaning, or longer than MAX_QUERY_CHARS characters.
    """
    if not isinstance(query, str):
        raise QueryError(f"the query must be text, got {type(query).__name__}")
    text = " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in query).split())
    if not text:
        raise QueryError("the query is empty; type a few words that describe the movie")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query has {len(text):,} characters, more than the {MAX_QUERY_CHARS:,} allowed")
    return text


@dataclass(frozen=True)
class Components:
    """How a hit got its score.

    :param dense_rank: 1-based rank in the dense (FAISS) pool, None when the dense retriever missed it.
    :param bm25_rank: 1-based rank in the BM25 pool, None when BM25 did not return it.
    :param fused: the reciprocal-rank-fusion score, None for methods that do not fuse (retrieval/bm25/blend).
    :param boosts: name -> factor multiplied into the score (language, recency, popularity).
    """

    dense_rank: int | None
    bm25_rank: int | None
    fused: float | None
    boosts: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """One reason a hit is in the list.

    :param kind: "constraint" (a constraint of the query it satisfies), "unmet" (a hard constraint it
        misses: it tops up a thin list), "words" (query words one of its fields contains), "retrievers"
        (which retrievers found it, at which rank), "ranker" (what ordered it), "seed" (what it shares with
        a film the search is like: people, collection, genres, keywords, language, era).
    :param text: the reason in words ("directed by Christopher Nolan", "title: heist").
    """

    kind: str
    text: str


@dataclass(frozen=True)
class Seed:
    """A film the search was asked to be like (or unlike), as it was resolved in the catalogue.

    :param movie_id, title, year, original_language: the film taken.
    :param liked: True for a like ("like X" in the text, `like=`), False for an unlike.
    :param asked: how it was asked for (the title or id as given).
    :param others: the other films of that title, "Title (year, language)", most voted first: an
        ambiguous title took the most voted one (or the one of the year given). The films whose title or
        original title it is come before those that bear it only as another title, in the choice and here.
    """

    movie_id: int
    title: str
    year: int | None
    original_language: str | None
    liked: bool
    asked: str
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """One movie in a result list, with the display fields a front end needs, and why it is there."""

    movie_id: int
    title: str
    year: int | None
    original_language: str | None
    genres: tuple[str, ...]
    score: float
    rank: int
    components: Components
    overview: str | None
    poster_path: str | None
    cast: tuple[str, ...]
    directors: tuple[str, ...]
    runtime: int | None
    vote_count: int | None
    why: tuple[Reason, ...] = ()
    # Its original title, and its other titles (original script, romanised, translated: `movies.alt_titles`;
    # empty for a set built before the column, or a film without them).
    original_title: str | None = None
    alt_titles: tuple[str, ...] = ()

    @property
    def other_titles(self) -> tuple[str, ...]:
        """What a front end shows as the film's other titles: its original title where it is not its title
        ("ദൃശ്യം" for "Drishyam"), then its other titles, each once."""
        seen = {self.title.casefold()}
        out = []
        for title in (self.original_title or "", *self.alt_titles):
            if title and title.casefold() not in seen:
                seen.add(title.casefold())
                out.append(title)
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """The hit as JSON-ready values (tuples become lists, components a nested object, `why` a list
        of {kind, text})."""
        # Field by field: `dataclasses.asdict` deep-copies every value (44 against 6 µs a hit: ~0.8 ms of a
        # server's answer of 20 hits).
        out = _values(self)
        out["components"] = components = _values(self.components)
        components["boosts"] = dict(components["boosts"])
        out["why"] = [_values(reason) for reason in self.why]
        for name in ("genres", "cast", "directors", "alt_titles"):
            out[name] = list(out[name])
        return out


@functools.cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _values(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, one level deep (no copies)."""
    return {name: getattr(obj, name) for name in _names(type(obj))}


@dataclass(frozen=True)
class SearchResult:
    """The hits of one search plus how the query was read.

    :param hits: best first; `hit.rank` is its 1-based position.
    :param method: the method that ranked them.
    :param detected_language: ISO 639-1 code of a language the query asks for (``cn`` = Cantonese), or None.
    :param language_name: its English name, or None.
    :param policy: the language policy in force (``off`` never applies a detected language).
    :param query_used: the text embedded (year cues removed, ``Language: <Name>`` added when a language
        applies); BM25 reads the same words with just ``<Name>`` added.
    :param year_min: the lower year bound applied (from the knob or a cue such as "after 2020"), or None.
    :param year_max: the upper year bound applied, or None.
    :param notes: human-readable remarks on how the query was interpreted.
    :param learned: the learned parts that ranked these hits ("adapter", "ranker"); empty when none did.
    :param parsed: how the query was read: its constraints (`movie_assets.search.parse.ParsedQuery`).
    :param matched: how many of the first hits satisfy every hard constraint of the query (the rest top
        up a thin list; their `why` says what they miss); None when the query has no hard constraint.
    :param seeds: the films the search was like or unlike ("like X" in the text, `like`, `unlike`), as
        resolved; those never appear among the hits.
    """

    hits: tuple[Hit, ...]
    method: str
    detected_language: str | None
    language_name: str | None
    policy: str
    query_used: str
    year_min: int | None = None
    year_max: int | None = None
    notes: tuple[str, ...] = ()
    learned: tuple[str, ...] = ()
    parsed: ParsedQuery | None = None
    matched: int | None = None
    seeds: tuple[Seed, ...] = ()

    def __len__(self) -> int:
        return len(self.hits)


@dataclass(frozen=True)
class Knob:
    """One search knob as every front end presents it: defined once, on a `SearchParams` field.

    :param name: the field name; also the CLI flag (``--name``, and ``--name-with-dashes``), the URL
        parameter and the keyword of `Searcher.search`.
    :param kind: the value type (int, float or str; tuple for a list of films, each a title or an id);
        None is allowed only where the default is None.
    :param choices: the allowed values of a str knob.
    :param low, high: the allowed range of a number knob (either may be None: unbounded).
    :param label: how messages name it ("language policy").
    """

    name: str
    default: Any
    kind: type
    help: str
    choices: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    label: str = ""

    def problem(self, value: Any) -> str | None:
        """Why `value` cannot be this knob's value, or None when it can."""
        if value is None and self.default is None:
            return None
        if self.kind is tuple:
            return _seeds_problem(self.name, value)
        if self.choices is not None:
            if value in self.choices:
                return None
            return f"unknown {self.label or self.name} {value!r}; choose one of {', '.join(self.choices)}"
        if self.kind is int:
            if self.low is not None and self.high is not None:
                span = f" from {self.low:g} to {self.high:g}"
            else:
                span = f" >= {self.low:g}" if self.low is not None else ""
            whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
            if not whole or not self._inside(value):
                return f"{self.name} must be a whole number{span}, got {value!r}"
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return f"{self.name} must be a finite number, got {value!r}"
        if self._inside(value):
            return None
        if self.high is None:
            return f"{self.name} must be >= {self.low:g}, got {value}"
        return f"{self.name} must be in [{self.low:g}, {self.high:g}], got {value}"

    def _inside(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def _seeds_problem(name: str, value: Any) -> str | None:
    """Why `value` is not a list of films (titles or ids), or None when it is."""
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        return f"{name} must be a list of film titles or ids, got {value!r}"
    if len(value) > MAX_SEEDS:
        return f"{name} lists {len(value)} films, more than the {MAX_SEEDS} allowed"
    for item in value:
        whole = isinstance(item, numbers.Integral) and not isinstance(item, bool)
        if whole and not -(2**63) <= item < 2**63:
            return f"{name}: {item} is not a movie id (ids are 64-bit whole numbers)"
        text = isinstance(item, str) and 0 < len(item.strip()) <= MAX_SEED_CHARS
        if not (whole or text):
            return f"{name} takes film titles (1 to {MAX_SEED_CHARS} characters) or ids, got {item!r}"
    return None


def _knob(default: Any, help: str, *, kind: type | None = None, **spec: Any) -> Any:
    """A `SearchParams` field whose metadata is its Knob (the name is filled in by `SearchParams.knobs`)."""
    knob = Knob(name="", default=default, kind=kind or type(default), help=help, **spec)
    return field(default=default, metadata={"knob": knob})


@dataclass(frozen=True)
class SearchParams:
    """The knobs of one search, checked on construction (QueryError names the knob and the bad value).

    Each field is defined once, with its default, allowed values and help text (`SearchParams.knobs`):
    the CLI builds its flags, the app its URL parameters, from these.
    """

    k: int = _knob(20, "number of hits", low=1, high=MAX_K)
    method: str = _knob(
        "hybrid",
        "ranking method: hybrid (RRF of dense and BM25), retrieval (dense), bm25, blend (dense times "
        "recency/popularity priors), ce (cross-encoder over the fused pool), mmr (diversified hybrid)",
        choices=METHODS,
    )
    lang_policy: str = _knob(
        "auto-soft",
        "what a language named in the query does: off (nothing), auto-soft (its movies' scores x1.2), "
        "auto-hard (its movies first, then the rest)",
        choices=LANGUAGE_POLICIES,
        label="language policy",
    )
    hybrid_dense_k: int = _knob(500, "dense pool size (at least k is used)", low=1, high=MAX_POOL)
    hybrid_sparse_k: int = _knob(500, "BM25 pool size (at least k is used)", low=1, high=MAX_POOL)
    rrf_k: int = _knob(60, "RRF constant", low=0)
    w_dense: float = _knob(1.0, "RRF weight of the dense list", low=0.0)
    w_sparse: float = _knob(1.0, "RRF weight of the BM25 list", low=0.0)
    mmr_lambda: float = _knob(
        0.3, "mmr: weight on diversity in [0, 1] (0 = the fused order)", low=0.0, high=1.0
    )
    min_votes: int = _knob(0, "only movies with at least this many votes", low=0)
    year_min: int | None = _knob(None, "only movies from this year on", kind=int)
    year_max: int | None = _knob(None, "only movies up to this year", kind=int)
    learned: str = _knob(
        "on",
        "hybrid: apply the learned ranker and query adapter when the artifacts have them (off: the plain "
        "RRF of dense and BM25)",
        choices=LEARNED_CHOICES,
    )
    constraints: str = _knob(
        "on",
        "what the query's genres, people, runtimes and negations do: on (hard ones filter, the rest of the "
        "list tops up; soft ones boost), off (nothing beyond the language policy and year cues)",
        choices=CONSTRAINT_CHOICES,
    )
    like: tuple[str | int, ...] = _knob(
        (),
        'films to find more like, by title ("Drishyam (2013)": a year picks one of a title) or id; '
        "repeatable; with them the query text may be empty",
        kind=tuple,
    )
    unlike: tuple[str | int, ...] = _knob(
        (),
        "films to find less like (titles or ids); their look-alikes are pushed down; repeatable",
        kind=tuple,
    )

    @classmethod
    @functools.cache
    def knobs(cls) -> tuple[Knob, ...]:
        """Every knob, in field order."""
        return tuple(replace(f.metadata["knob"], name=f.name) for f in fields(cls))

    def __post_init__(self) -> None:
        for knob in self.knobs():
            problem = knob.problem(getattr(self, knob.name))
            if problem is not None:
                raise QueryError(problem)
            if knob.kind is tuple:  # a list is kept as a tuple, titles stripped: the params stay hashable
                films = tuple(f.strip() if isinstance(f, str) else int(f) for f in getattr(self, knob.name))
                object.__setattr__(self, knob.name, films)
        if self.w_dense + self.w_sparse == 0:
            raise QueryError(
                f"w_dense and w_sparse must be >= 0 and not both 0, got {self.w_dense}, {self.w_sparse}"
            )
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise QueryError(f"year_min {self.year_min} is after year_max {self.year_max}")
