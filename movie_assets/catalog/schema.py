"""The `movies` table (DESIGN §7): its exact polars schema and the pandera model that validates it."""

from __future__ import annotations

from typing import Annotated

import pandera.polars as pa
import polars as pl

MOVIES_SCHEMA: dict[str, pl.DataType] = {
    "movie_id": pl.Int64(),
    "imdb_id": pl.Utf8(),
    "title": pl.Utf8(),
    "original_title": pl.Utf8(),
    "original_language": pl.Utf8(),
    "spoken_languages": pl.List(pl.Utf8()),
    "origin_country": pl.List(pl.Utf8()),
    "overview": pl.Utf8(),
    "tagline": pl.Utf8(),
    "release_date": pl.Date(),
    "year": pl.Int16(),
    "runtime": pl.Int16(),
    "genres": pl.List(pl.Utf8()),
    "keywords": pl.List(pl.Utf8()),
    "cast": pl.List(pl.Utf8()),
    "directors": pl.List(pl.Utf8()),
    "popularity": pl.Float32(),
    "vote_average": pl.Float32(),
    "vote_count": pl.Int32(),
    "poster_path": pl.Utf8(),
    "backdrop_path": pl.Utf8(),
    "collection": pl.Utf8(),
    "status": pl.Utf8(),
    "harvested_at": pl.Datetime("us", "UTC"),
    # Added after the first partitions were written: the store reads a partition without it as empty lists.
    "alt_titles": pl.List(pl.Utf8()),
}

# TMDb's /movie/{id} `status` values (TMDB_API.md §4.1).
MOVIE_STATUSES: tuple[str, ...] = (
    "Rumored",
    "Planned",
    "In Production",
    "Post Production",
    "Released",
    "Canceled",
)
# ISO 639-1 as TMDb uses it: two lower-case letters, including its own "cn" (Cantonese) and "xx" (none).
LANGUAGE_CODE = r"^[a-z]{2}$"
# ISO 3166-1 alpha-2, which TMDb also uses for former countries ("SU", "XC"), hence no fixed list.
COUNTRY_CODE = r"^[A-Z]{2}$"
IMDB_ID = r"^tt\d{7,}$"
FIRST_FILM_YEAR = 1874  # the partitions start here (movie_assets.partitions)
LAST_YEAR = 2100
MAX_RUNTIME_MINUTES = 1500

# The name pandera gives the frame-wide release_date/year check; checks.py routes its failures by it.
RELEASE_YEAR_CHECK = "release_date_in_year"
# The name of the control-character checks on text columns; checks.py reports them under text_values.
CONTROL_CHARACTER_CHECK = "no_control_characters"
# Unicode category Cc (C0, DEL, C1). A NUL cuts strings short in C readers and the rest garble terminals,
# logs and search snippets; a C1 control is almost always a cp1252 character decoded as Latin-1.
CONTROL_CHARACTER = r"[\x00-\x1f\x7f-\x9f]"
# Prose (overview, tagline) may keep tabs and line breaks: TMDb's own overviews hold CR LF paragraphs.
CONTROL_CHARACTER_IN_PROSE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def _all_items_match(data: pa.PolarsData, pattern: str) -> pl.LazyFrame:
    # A null item inside a list is a bad code too, so it counts as a mismatch.
    matches = pl.element().str.contains(pattern).fill_null(False)
    return data.lazyframe.select(pl.col(data.key).list.eval(matches).list.all())


def _no_match(data: pa.PolarsData, pattern: str) -> pl.LazyFrame:
    # A null is the nullability check's business, not this one's.
    return data.lazyframe.select(pl.col(data.key).str.contains(pattern).not_().fill_null(True))


def _no_item_matches(data: pa.PolarsData, pattern: str) -> pl.LazyFrame:
    hits = pl.element().str.contains(pattern).fill_null(False)
    return data.lazyframe.select(pl.col(data.key).list.eval(hits).list.any().not_().fill_null(True))


class Movie(pa.DataFrameModel):
    """One TMDb movie per row; a year partition holds the movies whose primary release date is in it."""

    movie_id: pl.Int64 = pa.Field(unique=True, gt=0, description="TMDb movie id")
    imdb_id: pl.Utf8 = pa.Field(nullable=True, str_matches=IMDB_ID, description="IMDb id (tt1234567)")
    title: pl.Utf8 = pa.Field(str_length={"min_value": 1}, description="title as TMDb shows it (en-US)")
    original_title: pl.Utf8 = pa.Field(description="title in the original language")
    original_language: pl.Utf8 = pa.Field(
        nullable=True, str_matches=LANGUAGE_CODE, description="ISO 639-1 as TMDb uses it (cn = Cantonese)"
    )
    spoken_languages: Annotated[pl.List, pl.Utf8()] = pa.Field(description="ISO 639-1 codes")
    origin_country: Annotated[pl.List, pl.Utf8()] = pa.Field(description="ISO 3166-1 alpha-2 codes")
    overview: pl.Utf8 = pa.Field(nullable=True, description="plot summary; empty becomes null")
    tagline: pl.Utf8 = pa.Field(nullable=True, description="tagline; empty becomes null")
    release_date: pl.Date = pa.Field(description="primary release date")
    year: pl.Int16 = pa.Field(
        in_range={"min_value": FIRST_FILM_YEAR, "max_value": LAST_YEAR},
        description="release year, which is also the partition",
    )
    runtime: pl.Int16 = pa.Field(
        nullable=True,
        in_range={"min_value": 1, "max_value": MAX_RUNTIME_MINUTES},
        description="minutes; TMDb's 0 (unknown) becomes null",
    )
    genres: Annotated[pl.List, pl.Utf8()] = pa.Field(description="genre names")
    keywords: Annotated[pl.List, pl.Utf8()] = pa.Field(description="keyword names")
    cast: Annotated[pl.List, pl.Utf8()] = pa.Field(description="cast names in billing order")
    directors: Annotated[pl.List, pl.Utf8()] = pa.Field(description="directors in credit order, unique")
    popularity: pl.Float32 = pa.Field(ge=0, description="TMDb popularity score")
    vote_average: pl.Float32 = pa.Field(in_range={"min_value": 0, "max_value": 10}, description="mean vote")
    vote_count: pl.Int32 = pa.Field(ge=0, description="number of votes")
    poster_path: pl.Utf8 = pa.Field(nullable=True, str_startswith="/", description="TMDb image path")
    backdrop_path: pl.Utf8 = pa.Field(nullable=True, str_startswith="/", description="TMDb image path")
    collection: pl.Utf8 = pa.Field(nullable=True, description="belongs_to_collection.name")
    status: pl.Utf8 = pa.Field(nullable=True, isin=list(MOVIE_STATUSES), description="TMDb release status")
    harvested_at: Annotated[pl.Datetime, "us", "UTC"] = pa.Field(description="when TMDb was asked (UTC)")
    alt_titles: Annotated[pl.List, pl.Utf8()] = pa.Field(
        description="other titles (alternative and translated), distinct, without title and original_title"
    )

    @pa.check("spoken_languages", name="language_codes")
    def _spoken_language_codes(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _all_items_match(data, LANGUAGE_CODE)

    @pa.check("origin_country", name="country_codes")
    def _origin_country_codes(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _all_items_match(data, COUNTRY_CODE)

    @pa.check("title", "original_title", "collection", name=CONTROL_CHARACTER_CHECK)
    def _one_line_text(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _no_match(data, CONTROL_CHARACTER)

    @pa.check("overview", "tagline", name=CONTROL_CHARACTER_CHECK)
    def _prose(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _no_match(data, CONTROL_CHARACTER_IN_PROSE)

    @pa.check("genres", "keywords", "cast", "directors", "alt_titles", name=CONTROL_CHARACTER_CHECK)
    def _names(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _no_item_matches(data, CONTROL_CHARACTER)

    @pa.dataframe_check(name=RELEASE_YEAR_CHECK)
    def _release_date_in_year(cls, data: pa.PolarsData) -> pl.LazyFrame:
        # A missing date is reported here as well as by the null check: such a row fits no partition.
        same = pl.col("release_date").dt.year() == pl.col("year").cast(pl.Int32)
        return data.lazyframe.select(same.fill_null(False))

    class Config:
        strict = True  # no extra columns
        ordered = True  # the column order of MOVIES_SCHEMA is part of the contract
        coerce = False  # a wrong dtype is a bug upstream, never silently cast
