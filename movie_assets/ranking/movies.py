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
from movie_assets.ranking.terms import TermBlocks, TermMatrix, term_matrix

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


def _content(words: pl.Expr) -> pl.Expr:
    # Lone letters are initials and elided articles ("d'Amélie"): they match nearly any request.
    keep = ~pl.element().is_in(list(STOPWORDS)) & (pl.element().str.len_chars() > 1)
    return words.list.eval(pl.element().filter(keep))


def _pairs(frame: pl.DataFrame, expr: pl.Expr) -> pl.DataFrame:
    return frame.select(pl.col("row"), expr.alias("term")).explode("term")


def _bigram_expr(words: pl.Expr) -> pl.Expr:
    return words.list.eval(pl.element().shift(1) + pl.lit(" ") + pl.element()).list.drop_nulls()


@dataclass(frozen=True)
class MovieTable:
    """Per payload row: title and credit term matrices, genre masks and numeric facts (float32)."""

    title: TermMatrix  # content words of the title
    title_bigrams: TermMatrix
    original: TermMatrix  # content words of the original title when it differs from the title
    people: TermMatrix  # content words of billed cast and directors' names (3+ letters)
    people_bigrams: TermMatrix  # adjacent name words: a full name named in a request
    directors: TermMatrix  # directors' name bigrams
    keywords: TermMatrix  # content words of TMDb's keywords ("time travel", "robot")
    words: TermBlocks  # title, original, people, keywords: what the request's words are matched against
    pairs: TermBlocks  # title_bigrams, people_bigrams, directors: what its adjacent word pairs are
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
        title_words = words_expr(pl.col("title"))
        other = pl.when(pl.col("original_title").str.to_lowercase() != pl.col("title").str.to_lowercase())
        people = frame.select(
            "row", pl.concat_list("cast", "directors").alias("name"), pl.col("directors")
        ).explode("name")
        name_words = words_expr(pl.col("name"))
        director_names = frame.select("row", pl.col("directors").alias("name")).explode("name")
        m = dict(
            title=term_matrix(_pairs(frame, _content(title_words)), n),
            title_bigrams=term_matrix(_pairs(frame, _bigram_expr(title_words)), n),
            original=term_matrix(
                _pairs(frame, _content(other.then(words_expr(pl.col("original_title"))))), n
            ),
            people=term_matrix(
                _pairs(
                    people,
                    _content(name_words).list.eval(pl.element().filter(pl.element().str.len_chars() > 2)),
                ),
                n,
            ),
            people_bigrams=term_matrix(_pairs(people, _bigram_expr(name_words)), n),
            directors=term_matrix(_pairs(director_names, _bigram_expr(words_expr(pl.col("name")))), n),
            keywords=term_matrix(_pairs(frame, _content(words_expr(pl.col("keywords").list.join(" ")))), n),
        )
        return cls(
            **m,
            words=TermBlocks((m["title"], m["original"], m["people"], m["keywords"])),
            pairs=TermBlocks((m["title_bigrams"], m["people_bigrams"], m["directors"])),
            genres=genre_masks(frame["genres"].to_list()),
            languages=frame["original_language"].cast(pl.Utf8).fill_null("").to_numpy().astype(str),
            year=frame["year"].cast(pl.Float32).to_numpy().astype(np.float32),
            log_votes=np.log1p(frame["vote_count"].cast(pl.Float64).fill_null(0).clip(0).to_numpy()),
            log_popularity=np.log1p(frame["popularity"].cast(pl.Float64).fill_null(0).clip(0).to_numpy()),
            vote_average=frame["vote_average"].cast(pl.Float32).to_numpy().astype(np.float32),
            log_overview=np.log1p(frame["overview"].cast(pl.Utf8).fill_null("").str.len_chars().to_numpy()),
            has_people=(frame["cast"].list.len() > 0).to_numpy().astype(np.float32),
        )
