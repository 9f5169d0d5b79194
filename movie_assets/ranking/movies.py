"""What the learned ranker reads of every movie: word matrices for titles and credits, and numeric facts.

Built once from the search payload, vectorised in polars (about a second per 100k movies), so a query
only multiplies a few sparse rows by its word indicator. Words are lower-case runs of letters, marks and
digits, split by the same polars expression for movies and queries so both sides agree in every script.
Nothing here depends on which movies exist beyond their own fields: the ranker's features are the same
for a movie whatever else the catalogue holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from movie_assets.index import word_pattern
from movie_assets.ranking.cues import genre_masks
from movie_assets.ranking.terms import TermBlocks, TermCollector

WORD_PATTERN = r"[\p{L}\p{M}\p{N}]+"
# Words too common in titles and names to say anything when a request shares them.
STOPWORDS = frozenset(
    "a an and are as at be but by de del der des di do du el en for from he her his i in is it its la le "
    "les los me my of on or our she so that the their them they this to un une was we were what when who "
    "with you your von van".split()
)
TOP_PEOPLE = 10  # billed cast the payload keeps, plus every director
COLUMNS = (
    "title", "original_title", "cast", "directors", "genres", "original_language", "year", "vote_count",
    "popularity", "vote_average", "overview", "keywords",
)  # fmt: skip


def words_expr(column: pl.Expr) -> pl.Expr:
    """Lower-case words of a text column (a list per row)."""
    return column.fill_null("").str.to_lowercase().str.extract_all(WORD_PATTERN)


def text_words(text: str) -> list[str]:
    """The lower-case words of one text: the same runs of letters, marks and digits as `words_expr` (the
    stdlib's pattern, as polars per call costs more than the split)."""
    return word_pattern().findall(text.lower())


def bigrams(words: list[str]) -> list[str]:
    """Adjacent word pairs, "a b"."""
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _word_rows(texts: pl.DataFrame) -> pl.DataFrame:
    """(row, group, term): every word of `texts` ("row", "text"), in order; `group` numbers the texts, as a
    movie has several names. Exploded first and filtered as columns: per-list expressions took seconds."""
    return (
        texts.with_row_index("group")
        .select("row", "group", words_expr(pl.col("text")).alias("term"))
        .explode("term")
        .drop_nulls("term")
    )


def _content(words: pl.DataFrame, min_chars: int = 2) -> pl.DataFrame:
    # Lone letters are initials and elided articles ("d'Amélie"): they match nearly any request.
    keep = ~pl.col("term").is_in(list(STOPWORDS)) & (pl.col("term").str.len_chars() >= min_chars)
    return words.filter(keep).select("row", "term")


def _bigrams(words: pl.DataFrame) -> pl.DataFrame:
    same = pl.col("group") == pl.col("group").shift(1)
    pair = pl.when(same).then(pl.col("term").shift(1) + pl.lit(" ") + pl.col("term"))
    return words.select("row", pair.alias("term")).drop_nulls("term")


WORD_FIELDS = ("title", "original", "people", "keywords")  # matched against the request's words
PAIR_FIELDS = ("title_bigrams", "people_bigrams", "directors")  # against its adjacent word pairs
CHUNK = 50_000  # movies whose words are exploded at once


def _field_terms(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """(row, term) pairs of every field for a slice of the prepared payload frame."""
    other = pl.when(pl.col("original_title").str.to_lowercase() != pl.col("title").str.to_lowercase())
    title = _word_rows(frame.select("row", pl.col("title").alias("text")))
    original = _word_rows(frame.select("row", other.then(pl.col("original_title")).alias("text")))
    people = _word_rows(
        frame.select("row", pl.concat_list("cast", "directors").alias("text")).explode("text")
    )
    directors = _word_rows(frame.select("row", pl.col("directors").alias("text")).explode("text"))
    keywords = _word_rows(frame.select("row", pl.col("keywords").list.join(" ").alias("text")))
    return {
        "title": _content(title), "original": _content(original), "people": _content(people, min_chars=3),
        "keywords": _content(keywords), "title_bigrams": _bigrams(title), "people_bigrams": _bigrams(people),
        "directors": _bigrams(directors),
    }  # fmt: skip


@dataclass(frozen=True)
class MovieTable:
    """Per payload row: title and credit term matrices, genre masks and numeric facts (float32)."""

    # Each field's terms: "title", "original" (the original title when it differs), "people" (billed cast
    # and directors, words of 3+ letters), "keywords" (TMDb's keywords) for the request's words, and
    # "title_bigrams", "people_bigrams" (a full name named), "directors" (directors' names) for its pairs.
    words: TermBlocks
    pairs: TermBlocks
    genres: np.ndarray  # int64 bit masks
    languages: np.ndarray  # original language code ("" when unknown)
    year: np.ndarray  # NaN when unknown
    log_votes: np.ndarray
    log_popularity: np.ndarray
    vote_average: np.ndarray
    log_overview: np.ndarray
    has_people: np.ndarray

    @property
    def count(self) -> int:
        return int(self.year.size)

    @classmethod
    def from_payload(cls, payload: pl.DataFrame) -> MovieTable:
        """Build from a payload frame with (a subset of) `COLUMNS`; absent columns count as empty."""
        n = payload.height
        frame = payload.select(
            pl.int_range(n, dtype=pl.Int64).alias("row"),
            *[pl.col(c) if c in payload.columns else pl.lit(None).alias(c) for c in COLUMNS],
        ).with_columns(
            pl.col("cast").cast(pl.List(pl.Utf8)).list.head(TOP_PEOPLE).fill_null([]),
            pl.col("directors").cast(pl.List(pl.Utf8)).fill_null([]),
            pl.col("keywords").cast(pl.List(pl.Utf8)).fill_null([]),
            pl.col("title").cast(pl.Utf8),
            pl.col("original_title").cast(pl.Utf8),
        )
        fields = {name: TermCollector() for name in (*WORD_FIELDS, *PAIR_FIELDS)}
        for start in range(0, n, CHUNK):
            for name, pairs in _field_terms(frame.slice(start, CHUNK)).items():
                fields[name].add(pairs)
        words = TermBlocks({name: fields[name].build(n) for name in WORD_FIELDS})
        pairs = TermBlocks({name: fields[name].build(n) for name in PAIR_FIELDS})
        return cls(
            words=words,
            pairs=pairs,
            genres=genre_masks(frame["genres"].to_list()),
            languages=frame["original_language"].cast(pl.Utf8).fill_null("").to_numpy().astype(str),
            year=frame["year"].cast(pl.Float32).to_numpy().astype(np.float32),
            log_votes=np.log1p(frame["vote_count"].cast(pl.Float64).fill_null(0).clip(0).to_numpy()),
            log_popularity=np.log1p(frame["popularity"].cast(pl.Float64).fill_null(0).clip(0).to_numpy()),
            vote_average=frame["vote_average"].cast(pl.Float32).to_numpy().astype(np.float32),
            log_overview=np.log1p(frame["overview"].cast(pl.Utf8).fill_null("").str.len_chars().to_numpy()),
            has_people=(frame["cast"].list.len() > 0).to_numpy().astype(np.float32),
        )
