"""The search document of a movie: the one text that is both embedded and BM25-indexed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from movie_assets import reference
from movie_assets.files import atomic_path

# Part of every document hash: changing the layout below must bump it so cached vectors are not reused.
DOC_FORMAT = "movie_assets.index.documents/v1"
TOP_CAST = 5
DOCUMENT_SCHEMA = {"movie_id": pl.Int64, "document": pl.Utf8, "doc_hash": pl.Utf8}
_SOURCE_COLUMNS = (
    "movie_id", "title", "original_title", "year", "release_date", "genres", "original_language",
    "overview", "tagline", "keywords", "directors", "cast", "origin_country",
)  # fmt: skip


def language_names() -> dict[str, str]:
    """ISO 639-1 code -> TMDb's English name ("ml" -> "Malayalam")."""
    return {e["iso_639_1"]: e.get("english_name") or e["iso_639_1"] for e in reference.languages()}


def _names(values: Iterable[Any] | None, limit: int | None = None) -> str:
    names = [str(v).strip() for v in (values or []) if v is not None and str(v).strip()]
    return ", ".join(names[:limit])


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _year(row: Mapping[str, Any]) -> str:
    if row.get("year") is not None:
        return str(row["year"])
    released = row.get("release_date")
    return str(released.year) if isinstance(released, date) else ""


def movie_document(row: Mapping[str, Any], *, languages: Mapping[str, str] | None = None) -> str:
    """One labelled line per field; empty fields are left out.

    MiniLM reads only the first 256 word pieces, so the short identifying fields and the overview come
    first and the long name lists (keywords, cast) last, where truncation costs the least meaning.

    Args:
        row: a `movies` row (DESIGN §7); missing keys and nulls are treated as empty.
        languages: ISO 639-1 code -> English name; defaults to TMDb's language list.

    Returns:
        The document text.
    """
    title = _text(row.get("title"))
    original = _text(row.get("original_title"))
    code = row.get("original_language")
    names = languages if languages is not None else language_names()
    # An unknown code is still a useful term (BM25 matches it), so it stands in for the name.
    language = names.get(code, code) if code else ""
    lines = [
        ("Title", title),
        ("Original title", original if original.casefold() != title.casefold() else ""),
        ("Year", _year(row)),
        ("Genres", _names(row.get("genres"))),
        ("Language", language),
        ("Directed by", _names(row.get("directors"))),
        ("Overview", _text(row.get("overview"))),
        ("Tagline", _text(row.get("tagline"))),
        ("Keywords", _names(row.get("keywords"))),
        ("Starring", _names(row.get("cast"), TOP_CAST)),
        ("Countries", _names(row.get("origin_country"))),
    ]
    return "\n".join(f"{label}: {value}" for label, value in lines if value)


# The other titles BM25 reads beside a document. Capped: a famous film has dozens, and each one lengthens
# its document, which BM25's length normalisation would charge to every other word it matches.
MAX_ALT_TITLES = 20
ALT_TITLES_LABEL = "Also known as"


def bm25_document(document: str, alt_titles: Iterable[Any] | None) -> str:
    """The text BM25 indexes for a movie: its document plus its other titles (`movies.alt_titles`), so
    an original-script or romanised title finds it.

    The embedded document stays `movie_document` alone: the model reads English, a title in another
    script would only spend its 256 word pieces, and a changed text would re-embed every movie that has
    other titles (the vector cache is keyed by the document's hash).
    """
    titles = _names(alt_titles, MAX_ALT_TITLES)
    return f"{document}\n{ALT_TITLES_LABEL}: {titles}" if titles else document


# Rows turned into Python strings at a time: a million documents as strings take gigabytes.
BM25_CHUNK_ROWS = 20_000


def iter_bm25_documents(
    documents: pl.DataFrame, movies: pl.DataFrame, chunk_rows: int = BM25_CHUNK_ROWS
) -> Iterator[str]:
    """`bm25_document` for every row of `documents`, with the `alt_titles` of the same rows of `movies`
    (aligned by position; a movies frame without the column adds nothing), one text at a time: only
    `chunk_rows` rows are Python strings at once."""
    if documents.height != movies.height:
        raise ValueError(f"{documents.height} documents but {movies.height} movies")
    has_titles = "alt_titles" in movies.columns
    for start in range(0, documents.height, chunk_rows):
        texts = documents["document"].slice(start, chunk_rows).to_list()
        if not has_titles:
            yield from texts
            continue
        alt = movies["alt_titles"].slice(start, chunk_rows).to_list()
        yield from (bm25_document(d, a) for d, a in zip(texts, alt, strict=True))


def document_hash(document: str) -> str:
    """sha256 over the format version and the text: the embedding cache key of a document."""
    return hashlib.sha256(f"{DOC_FORMAT}\n{document}".encode()).hexdigest()


def movie_documents(movies: pl.DataFrame) -> pl.DataFrame:
    """The search document and its content hash for every movie, in the input row order.

    Args:
        movies: the typed `movies` table (any subset of its columns beyond movie_id).

    Returns:
        A frame with movie_id (Int64), document (Utf8), doc_hash (Utf8).
    """
    if "movie_id" not in movies.columns:
        raise ValueError(f"movies frame has no movie_id column (columns: {movies.columns})")
    names = language_names()
    present = [c for c in _SOURCE_COLUMNS if c in movies.columns]
    documents = [movie_document(row, languages=names) for row in movies.select(present).iter_rows(named=True)]
    return pl.DataFrame(
        {
            "movie_id": movies["movie_id"].cast(pl.Int64),
            "document": documents,
            "doc_hash": [document_hash(d) for d in documents],
        },
        schema=DOCUMENT_SCHEMA,
    )


def write_documents(docs: pl.DataFrame, path: Path) -> Path:
    """Write a year's documents atomically: a reader sees the previous file or the new one."""
    with atomic_path(path) as tmp:
        docs.write_parquet(tmp)
    return path
