"""Labelled known-item queries in the TREC-ToT JSON-lines form (Reddit "tip of my tongue" requests).

One object per line with `id`, `title`, `text` and `imdb_url` (the answer). A request often names its
answer after the fact ("Edit: solved, it was Total Recall"), so edit/update/solved lines and answer
reveals are stripped before the text becomes a query. The gold IMDb id maps to TMDb ids through the
MovieLens `links.csv` (imdbId, tmdbId) and the catalogue's own `imdb_id` column; a query is kept only
when its answer is in the catalogue, and every dropped query is counted under a reason.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from movie_assets.files import iter_json_lines
from movie_assets.reference import languages

QUERIES_ENV = "MOVIE_ASSETS_EVAL_QUERIES"
SHARED_QUERIES = Path("shared/data/tomt/validation.jsonl.gz")  # beside the repository
SHARED_LINKS = Path("shared/data/movielens/ml-25m/links.csv.gz")
DROP_REASONS = ("no_imdb_id", "unmapped", "not_in_catalogue", "empty_text")

_IMDB_ID = re.compile(r"(?:tt)?(\d{1,10})$")
_IMDB_URL = re.compile(r"/title/tt(\d{1,10})\b")
# Whole lines written after the request was answered: "Edit: ...", "**UPDATE**", "/edit", "Found it!".
_EDIT_LINE = re.compile(
    r"^\W*(?:quick\s+|small\s+|late\s+)?(?:edit(?:ed|s)?\d*|update[ds]?\d*|found\s+it)\b", re.I
)
_ANSWER_LINE = re.compile(r"^\W*answer(?:ed)?\s*[:\-!]", re.I)
# "[SOLVED]" (optionally markdown-escaped) is a tag before the request; a bare "SOLVED!" starts a reveal.
_SOLVED_TAG = re.compile(r"^\W*?\\?\[\s*solved\s*\\?\]\s*", re.I)
_SOLVED_LINE = re.compile(r"^\W*solved\s*(?:[!:.\-\u2013\u2014]|$)", re.I)
_SOLVED_WORD = re.compile(r"^\W*solved\b\s*", re.I)
_INLINE_EDIT = re.compile(r"[(\[]\s*edit\b[^)\]]*[)\]]", re.I)
# A sentence that names the answer: "the movie is called X", "it was titled X", "the answer is X", and
# "the movie is X" when X starts like a title (a capital or a quote; not "I think").
_REVEAL = re.compile(
    r"\b(?:(?:the\s+)?(?:movie|film|show)\s+(?:is|was)\s+(?:called|named|titled)"
    r"|(?:it'?s|it\s+is|it\s+was)\s+(?:called|named|titled)"
    r"|the\s+answer\s+(?:is|was))",
    re.I,
)
# Case matters here: "the movie is Total Recall" names it, "the movie is set in Rome" does not.
_REVEAL_NAME = re.compile(r"\b[Tt]he\s+(?:[Mm]ovie|[Ff]ilm)\s+(?:is|was)\s+(?!I\b)[\"'\u201c\u2018]?[A-Z]")
_HEDGE = re.compile(
    r"\b(?:what|how|if|whether|think|thought|believed?|feel|felt|sure|swear|convinced|remember(?:ed)?|know|"
    r"maybe|probably|guess|feeling|sworn|want\s+to\s+say|something)\b",
    re.I,
)
NATIONALITIES = frozenset(
    "american british australian canadian indian mexican brazilian european asian african scandinavian "
    "soviet irish scottish".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_TITLE_TAGS = re.compile(r"\[\s*(?:tomt|movie|film|solved)\s*\]|^\s*tomt\b\s*[:\-]?", re.I)


@cache
def _origin_words() -> frozenset[str]:
    # "the movie is French" describes it; "the movie is Heat" names it.
    names = {str(row.get("english_name") or "").casefold() for row in languages()}
    return frozenset(names | NATIONALITIES)


@dataclass(frozen=True)
class ToTQuery:
    """One labelled query: the cleaned request text and the TMDb ids of its answer in the catalogue."""

    query_id: str
    text: str
    imdb_id: str
    gold: frozenset[int]


@dataclass(frozen=True)
class ToTQueries:
    """The kept queries, how many lines were read, and how many were dropped for each reason."""

    queries: tuple[ToTQuery, ...]
    total: int
    dropped: dict[str, int] = field(default_factory=dict)
    stripped_lines: int = 0


def normalize_imdb_id(value: str | int | None) -> str | None:
    """ "tt0114709", "0114709", "114709" or 114709 -> "tt0114709" (7 digits at least, as IMDb writes it)."""
    if value is None:
        return None
    match = _IMDB_ID.fullmatch(str(value).strip())
    return f"tt{int(match.group(1)):07d}" if match else None


def imdb_id_from_url(url: str | None) -> str | None:
    """The IMDb title id in an imdb.com title URL, or None."""
    match = _IMDB_URL.search(url or "")
    return normalize_imdb_id(match.group(1)) if match else None


def _is_reveal(sentence: str) -> bool:
    match = _REVEAL.search(sentence) or _REVEAL_NAME.search(sentence)
    if match is None or _HEDGE.search(sentence, 0, match.start()):
        # A question or a guess ("what it's called", "I thought it was called X") was written before
        # the answer was known: it is part of the request, not a reveal.
        return False
    following = sentence[match.end() - 1 :].split(maxsplit=1)
    word = following[0].strip("\"'\u201c\u2018.,!").casefold() if following else ""
    return match.re is _REVEAL or word not in _origin_words()


def _strip_sentences(line: str) -> tuple[str, bool]:
    # Only the sentence that reveals the answer goes; the rest of the line still describes the movie.
    sentences = [s for s in _SENTENCE_END.split(line.strip()) if s]
    kept = [s for s in sentences if not _is_reveal(s)]
    return " ".join(kept), len(kept) < len(sentences)


def strip_reveals(text: str) -> tuple[str, int]:
    """The request without edit/update/solved lines, inline "(edit: ...)" notes and answer reveals.

    Returns:
        (the cleaned text, how many lines were dropped or shortened).
    """
    kept, touched = [], 0
    for line in (text or "").splitlines():
        cleaned = _SOLVED_TAG.sub("", line)
        if _EDIT_LINE.match(cleaned) or _ANSWER_LINE.match(cleaned) or _SOLVED_LINE.match(cleaned):
            touched += 1
            continue
        untagged = _INLINE_EDIT.sub("", _SOLVED_WORD.sub("", cleaned))
        cleaned, revealed = _strip_sentences(untagged)
        touched += revealed or untagged != line
        if cleaned:
            kept.append(cleaned)
    return "\n".join(kept), touched


def clean_title(title: str) -> str:
    """The request title without the subreddit's [TOMT] / [movie] / [solved] tags."""
    return " ".join(_TITLE_TAGS.sub(" ", title or "").split())


def truncate_words(text: str, limit: int) -> str:
    """`text` with whitespace collapsed, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1].rsplit(" ", 1)[0]
    return cut if cut and len(cut) <= limit else flat[:limit]


def read_links(path: Path | str) -> dict[str, int]:
    """MovieLens links.csv(.gz) as {normalised IMDb id: TMDb id} (rows without a tmdbId are skipped)."""
    try:
        frame = pl.read_csv(path, schema_overrides={"imdbId": pl.Utf8, "tmdbId": pl.Int64})
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ValueError(f"cannot read the links file {path}: {exc}") from exc
    missing = [c for c in ("imdbId", "tmdbId") if c not in frame.columns]
    if missing:
        raise ValueError(f"links file {path} lacks columns {missing} (it has {frame.columns})")
    frame = frame.drop_nulls(["imdbId", "tmdbId"])
    return {
        key: int(tmdb)
        for imdb, tmdb in frame.select("imdbId", "tmdbId").iter_rows()
        if (key := normalize_imdb_id(imdb)) is not None
    }


def catalogue_imdb_map(movies: pl.DataFrame) -> dict[str, set[int]]:
    """{normalised IMDb id: movie ids} from a frame with `movie_id` and `imdb_id` columns."""
    out: dict[str, set[int]] = {}
    for movie_id, imdb in movies.select("movie_id", "imdb_id").drop_nulls().iter_rows():
        if (key := normalize_imdb_id(imdb)) is not None:
            out.setdefault(key, set()).add(int(movie_id))
    return out


def load_tot_queries(
    path: Path | str,
    catalogue_ids: Collection[int],
    *,
    links: Mapping[str, int] | None = None,
    imdb_map: Mapping[str, Collection[int]] | None = None,
) -> ToTQueries:
    """Read TREC-ToT queries and keep those whose answer is in the catalogue.

    Args:
        path: a .jsonl or .jsonl.gz file of {id, title, text, imdb_url} objects.
        catalogue_ids: the TMDb ids that can be retrieved (the search payload's movie ids).
        links: {IMDb id: TMDb id} from `read_links`.
        imdb_map: {IMDb id: TMDb ids} from the catalogue's own imdb_id column (`catalogue_imdb_map`).

    Returns:
        The kept queries (gold = every catalogue id either mapping gives) and the drop counts by reason.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no labelled queries at {path}; set {QUERIES_ENV} to a TREC-ToT JSONL file")
    ids = set(catalogue_ids)
    rows = [row for _, row in iter_json_lines(path, fix="fix or drop the line")]
    kept, dropped, stripped = [], Counter({reason: 0 for reason in DROP_REASONS}), 0
    for row in rows:
        imdb = imdb_id_from_url(row.get("imdb_url"))
        if imdb is None:
            dropped["no_imdb_id"] += 1
            continue
        mapped = set((imdb_map or {}).get(imdb, ()))
        if links and imdb in links:
            mapped.add(links[imdb])
        gold = frozenset(mapped & ids)
        if not mapped or not gold:
            dropped["unmapped" if not mapped else "not_in_catalogue"] += 1
            continue
        body, touched = strip_reveals(row.get("text") or "")
        stripped += touched
        text = "\n".join(part for part in (clean_title(row.get("title") or ""), body) if part)
        if not text.strip():
            dropped["empty_text"] += 1
            continue
        kept.append(ToTQuery(str(row.get("id", len(kept))), text, imdb, gold))
    return ToTQueries(tuple(kept), len(rows), dict(dropped), stripped)


def default_queries_path(repo_root: Path) -> Path | None:
    """`MOVIE_ASSETS_EVAL_QUERIES`, else ../shared/data/tomt/validation.jsonl.gz beside the repo, if there."""
    configured = os.environ.get(QUERIES_ENV, "").strip()
    if configured:
        return Path(configured)
    candidate = repo_root.parent / SHARED_QUERIES
    return candidate if candidate.is_file() else None


def default_links_path(repo_root: Path) -> Path | None:
    """../shared/data/movielens/ml-25m/links.csv.gz beside the repo, if present."""
    candidate = repo_root.parent / SHARED_LINKS
    return candidate if candidate.is_file() else None
