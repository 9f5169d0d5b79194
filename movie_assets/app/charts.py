"""The catalogue tab: small aggregate tables over the `movies` frame (polars) and their altair charts.

Every chart is drawn from an aggregate of at most a few hundred rows, so the page never ships the
catalogue itself to the browser (a 200k-movie table would be tens of megabytes of chart spec).
"""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from movie_assets.search import language_name

TOP_LANGUAGES = 12
RUNTIME_BIN = 10  # minutes
RUNTIME_CAP = 240  # longer runtimes share the last bin
VOTE_BUCKETS = ("0", "1-9", "10-99", "100-999", "1k-9.9k", "10k+")
# Columns whose gaps matter to search and display; lists count as missing when empty.
MISSING_COLUMNS = (
    "overview", "tagline", "runtime", "poster_path", "imdb_id", "original_language", "genres", "keywords",
    "cast", "directors", "collection",
)  # fmt: skip


def year_counts(movies: pl.DataFrame) -> pl.DataFrame:
    """Movies per release year (year, movies), oldest first; rows without a year are left out."""
    return (
        movies.filter(pl.col("year").is_not_null())
        .group_by("year")
        .agg(pl.len().cast(pl.Int64).alias("movies"))
        .sort("year")
    )


def runtime_bins(movies: pl.DataFrame) -> pl.DataFrame:
    """Movies per RUNTIME_BIN-minute bin (minutes = the bin's start); RUNTIME_CAP and over share one bin."""
    minutes = pl.col("runtime").cast(pl.Int64).clip(upper_bound=RUNTIME_CAP)
    return (
        movies.filter(pl.col("runtime").is_not_null() & (pl.col("runtime") > 0))
        .group_by((minutes // RUNTIME_BIN * RUNTIME_BIN).alias("minutes"))
        .agg(pl.len().cast(pl.Int64).alias("movies"))
        .sort("minutes")
    )


def _ranked(counts: pl.DataFrame, key: str) -> pl.DataFrame:
    # Most movies first; ties by name, so the order never depends on hashing.
    return counts.sort(["movies", key], descending=[True, False])


def language_mix(movies: pl.DataFrame, top: int = TOP_LANGUAGES) -> pl.DataFrame:
    """Movies per original language (English name), the `top` largest, the rest summed as "Other"."""
    counts = _ranked(
        movies.group_by(pl.col("original_language").fill_null("unknown").alias("code"))
        .agg(pl.len().cast(pl.Int64).alias("movies"))
        .rename({"code": "language"}),
        "language",
    )
    head, rest = counts.head(top), counts.slice(top)
    names = [language_name(code) or code for code in head["language"]]
    out = head.with_columns(pl.Series("language", names, dtype=pl.Utf8))
    if rest.height:
        other = pl.DataFrame({"language": ["Other"], "movies": [int(rest["movies"].sum())]})
        out = pl.concat([out, other.cast(out.schema)])
    return out


def genre_mix(movies: pl.DataFrame) -> pl.DataFrame:
    """Movies per genre (a movie counts once in each of its genres), largest first."""
    genres = movies.select(pl.col("genres").explode().alias("genre")).drop_nulls()
    return _ranked(genres.group_by("genre").agg(pl.len().cast(pl.Int64).alias("movies")), "genre")


def vote_buckets(movies: pl.DataFrame) -> pl.DataFrame:
    """Movies per vote-count decade (VOTE_BUCKETS order, empty buckets kept): the popularity skew."""
    votes = movies["vote_count"].fill_null(0).cast(pl.Int64)
    # A positive count's decade is its number of digits: 1-9 -> 1, 10-99 -> 2 ... (exact, unlike log10).
    decade = pl.when(votes > 0).then(votes.cast(pl.Utf8).str.len_chars()).otherwise(0)
    last = len(VOTE_BUCKETS) - 1
    index = pl.select(decade.clip(upper_bound=last).cast(pl.Int64).alias("i")).to_series()
    counts = index.value_counts(name="n")
    found = dict(zip(counts["i"].to_list(), counts["n"].to_list(), strict=True))
    return pl.DataFrame(
        {"votes": list(VOTE_BUCKETS), "movies": [int(found.get(i, 0)) for i in range(len(VOTE_BUCKETS))]},
        schema={"votes": pl.Utf8, "movies": pl.Int64},
    )


def top_share(movies: pl.DataFrame, fraction: float = 0.1) -> float:
    """The share of all votes held by the most-voted `fraction` of movies (0 when there are no votes)."""
    votes = movies["vote_count"].fill_null(0).cast(pl.Int64).sort(descending=True)
    total = int(votes.sum())
    if total == 0:
        return 0.0
    return int(votes.head(max(1, math.ceil(fraction * len(votes)))).sum()) / total


def missingness(movies: pl.DataFrame) -> pl.DataFrame:
    """Share of movies missing each of MISSING_COLUMNS present in the frame (null, or an empty list)."""
    rows = []
    for name in (c for c in MISSING_COLUMNS if c in movies.columns):
        column = movies[name]
        gaps = column.is_null() | (column.list.len() == 0 if isinstance(column.dtype, pl.List) else False)
        rows.append((name, float(gaps.sum()) / movies.height if movies.height else 0.0))
    return pl.DataFrame(rows, schema={"column": pl.Utf8, "missing": pl.Float64}, orient="row")


def _bars(frame: pl.DataFrame, title: str, x: alt.X, y: alt.Y) -> alt.Chart:
    tooltip = [alt.Tooltip(c, format=".1%") if frame.schema[c] == pl.Float64 else c for c in frame.columns]
    chart = alt.Chart(frame, title=title).mark_bar(color="#4c78a8").encode(x=x, y=y, tooltip=tooltip)
    # Bars along y get a fixed step, so every label shows however many categories there are.
    return chart.properties(height=alt.Step(20) if y.to_dict()["type"] == "nominal" else 260)


def _names(column: str, sort: str | None = None) -> alt.Y:
    # sort=None keeps the frame's order (largest first, "Other" last).
    return alt.Y(f"{column}:N", sort=sort, title=None, axis=alt.Axis(labelOverlap=False))


def catalogue_charts(movies: pl.DataFrame) -> list[alt.Chart]:
    """The catalogue tab's charts: year trend, runtime, language mix, genre mix, popularity skew, gaps."""
    flat = alt.Axis(labelAngle=0)
    count, per = alt.X("movies:Q", title="Movies"), alt.Y("movies:Q", title="Movies")
    year = alt.X(
        "year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False)
    )
    runtime = f"Runtime in minutes ({RUNTIME_BIN}-minute bins, {RUNTIME_CAP}+ together)"
    skew = f"Popularity skew: the top 10% of movies hold {top_share(movies):.0%} of all votes"
    votes = alt.X("votes:N", sort=list(VOTE_BUCKETS), title="TMDb vote count", axis=flat)
    share = alt.X(
        "missing:Q", title="Share missing", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
    )
    return [
        alt.Chart(year_counts(movies), title="Movies per release year")
        .mark_line(point=True, color="#4c78a8")
        .encode(x=year, y=per, tooltip=["year", "movies"])
        .properties(height=260),
        _bars(runtime_bins(movies), runtime, alt.X("minutes:O", title="Minutes", axis=flat), per),
        _bars(language_mix(movies), "Original language", count, _names("language")),
        _bars(
            genre_mix(movies), "Genres (a movie counts once in each of its genres)", count, _names("genre")
        ),
        _bars(vote_buckets(movies), skew, votes, per),
        _bars(missingness(movies), "Missing values", share, _names("column", sort="-x")),
    ]
