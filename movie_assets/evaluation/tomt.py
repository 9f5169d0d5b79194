"""Labelled known-item queries in the TREC-ToT JSON-lines form (Reddit "tip of my tongue" requests).

One object per line with `id`, `title`, `text` and `imdb_url` (the answer), or more generally `query` and
`movie_id` / `imdb_id`. Answer reveals are stripped before the text becomes a query (`reveals`). The gold
IMDb id maps to TMDb ids through the MovieLens `links.csv` (imdbId, tmdbId) and the catalogue's own
`imdb_id` column; a query is kept only when its answer is in the catalogue, and every dropped query is
counted under a reason.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from movie_assets.evaluation.reveals import clean_title, strip_reveals  # noqa: F401 (re-exported)
from movie_assets.files import iter_json_lines

QUERIES_ENV = "MOVIE_ASSETS_EVAL_QUERIES"
TRAIN_QUERIES_ENV = "MOVIE_ASSETS_TRAIN_QUERIES"
TRAIN_LINKS_ENV = "MOVIE_ASSETS_TRAIN_LINKS"
SHARED_QUERIES = Path("shared/data/tomt/validation.jsonl.gz")  # beside the repository
SHARED_TRAIN_QUERIES = Path("shared/data/tomt/train.jsonl.gz")
SHARED_LINKS = Path("shared/data/movielens/ml-25m/links.csv.gz")
DROP_REASONS = ("no_imdb_id", "unmapped", "not_in_catalogue", "empty_text")

_IMDB_ID = re.compile(r"(?:tt)?(\d{1,10})$")
_IMDB_URL = re.compile(r"/title/tt(\d{1,10})\b")


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


TEXT_FIELDS = ("query", "title", "text")
ANSWER_FIELDS = ("movie_id", "imdb_id", "imdb_url")


def _field(path: Path, number: int, row: dict[str, Any], name: str, kinds: tuple[type, ...]) -> Any:
    value = row.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
        wanted = " or ".join(k.__name__ for k in kinds)
        raise ValueError(
            f"{path} line {number}: {name!r} must be {wanted}, got {type(value).__name__}; "
            "fix or drop the line"
        )
    return value


def _shape(path: Path, number: int, row: dict[str, Any]) -> tuple[str, str, str, int | None, str | None]:
    """(query, title, text, TMDb id, IMDb id) of one line, or ValueError naming the file and the line."""
    if not any(name in row for name in TEXT_FIELDS) or not any(name in row for name in ANSWER_FIELDS):
        raise ValueError(
            f"{path} line {number} is not a labelled request: it needs 'query' (or 'title' + 'text') and "
            f"one of 'movie_id', 'imdb_id', 'imdb_url' (it has {sorted(row)}); fix or drop the line"
        )
    query, title, text = (_field(path, number, row, name, (str,)) or "" for name in TEXT_FIELDS)
    movie_id = _field(path, number, row, "movie_id", (int,))
    imdb = _field(path, number, row, "imdb_id", (str, int))
    url = _field(path, number, row, "imdb_url", (str,))
    return query, title, text, movie_id, normalize_imdb_id(imdb) or imdb_id_from_url(url)


def load_tot_queries(
    path: Path | str,
    catalogue_ids: Collection[int],
    *,
    links: Mapping[str, int] | None = None,
    imdb_map: Mapping[str, Collection[int]] | None = None,
    setting: str = QUERIES_ENV,
) -> ToTQueries:
    """Read labelled requests and keep those whose answer is in the catalogue.

    Each line is a JSON object with the request as `query`, or as Reddit-TOMT's `title` + `text`, and the
    answer as `movie_id` (TMDb), `imdb_id` or `imdb_url` (mapped through `links` and `imdb_map`).

    Args:
        path: a .jsonl or .jsonl.gz file.
        catalogue_ids: the TMDb ids that can be retrieved (the search payload's movie ids).
        links: {IMDb id: TMDb id} from `read_links`.
        imdb_map: {IMDb id: TMDb ids} from the catalogue's own imdb_id column (`catalogue_imdb_map`).
        setting: the setting that names the file, for the message when it is missing.

    Returns:
        The kept queries (gold = every catalogue id the answer maps to) and the drop counts by reason.

    Raises:
        FileNotFoundError: no file at `path`.
        ValueError: an empty file, or a line that is not JSON or not a labelled request (file and line named).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no labelled queries at {path}; set {setting} to a JSON-lines file of requests"
        )
    ids = set(catalogue_ids)
    rows = [(number, row) for number, row in iter_json_lines(path, fix="fix or drop the line")]
    if not rows:
        raise ValueError(f"{path} holds no labelled requests (it is empty); point {setting} at another file")
    kept, dropped, stripped = [], Counter({reason: 0 for reason in DROP_REASONS}), 0
    for number, row in rows:
        query, title, text, movie_id, imdb = _shape(path, number, row)
        mapped = set() if movie_id is None else {movie_id}
        if imdb is not None:
            mapped |= set((imdb_map or {}).get(imdb, ()))
            if links and imdb in links:
                mapped.add(links[imdb])
        elif movie_id is None:
            dropped["no_imdb_id"] += 1
            continue
        gold = frozenset(mapped & ids)
        if not mapped or not gold:
            dropped["unmapped" if not mapped else "not_in_catalogue"] += 1
            continue
        body, touched = strip_reveals(query or text)
        stripped += touched
        text = "\n".join(part for part in (clean_title(title), body) if part)
        if not text.strip():
            dropped["empty_text"] += 1
            continue
        kept.append(ToTQuery(str(row.get("id", number)), text, imdb or "", gold))
    return ToTQueries(tuple(kept), len(rows), dict(dropped), stripped)


def default_queries_path(
    repo_root: Path, setting: str = QUERIES_ENV, shared: Path = SHARED_QUERIES
) -> Path | None:
    """The file `setting` names ("none": no file), else `shared` beside the repo if it is there."""
    configured = os.environ.get(setting, "").strip()
    if configured.lower() == "none":
        return None
    if configured:
        return Path(configured)
    candidate = repo_root.parent / shared
    return candidate if candidate.is_file() else None


def default_train_queries_path(repo_root: Path) -> Path | None:
    """`MOVIE_ASSETS_TRAIN_QUERIES`, else ../shared/data/tomt/train.jsonl.gz beside the repo, if there."""
    return default_queries_path(repo_root, TRAIN_QUERIES_ENV, SHARED_TRAIN_QUERIES)


def default_links_path(repo_root: Path, setting: str | None = None) -> Path | None:
    """The file `setting` names (when given and set), else ../shared/data/movielens/ml-25m/links.csv.gz."""
    configured = os.environ.get(setting, "").strip() if setting else ""
    if configured:
        return Path(configured)
    candidate = repo_root.parent / SHARED_LINKS
    return candidate if candidate.is_file() else None
