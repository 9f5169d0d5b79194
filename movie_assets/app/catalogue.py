"""The Catalogue tab: the `movies` table, read again only when a partition changes, as metrics and charts."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from movie_assets.app import charts
from movie_assets.app.render import plain
from movie_assets.search import default_catalogue_dir


@st.cache_resource(show_spinner="Reading the catalogue…", max_entries=2)
def _read(root: str, stamp: tuple[int, ...]) -> tuple[pl.DataFrame, list[alt.Chart]]:
    from movie_assets.catalog import read_movies_dir

    movies = read_movies_dir(Path(root))
    return movies, charts.catalogue_charts(movies) if movies.height else []


def _mtimes(paths: list[Path]) -> tuple[int, ...]:
    return tuple(p.stat().st_mtime_ns for p in paths if p.is_file())


def _draw(movies: pl.DataFrame, drawn: list[alt.Chart]) -> None:
    if not movies.height:
        st.info("The movies table is not built yet (`movie-assets build` writes it).")
        return
    years = movies["year"].drop_nulls()
    cells = st.columns(4)
    cells[0].metric("Movies", f"{movies.height:,}")
    cells[1].metric("Years", f"{years.min()}–{years.max()}" if years.len() else "–")
    cells[2].metric("Languages", f"{movies['original_language'].n_unique():,}")
    cells[3].metric("Genres", f"{movies['genres'].explode().drop_nulls().n_unique():,}")
    columns = st.columns(2)
    for i, chart in enumerate(drawn):
        columns[i % 2].altair_chart(chart, width="stretch")


def draw(tab: DeltaGenerator) -> str | None:
    """Draw the tab; return the data's age (the oldest harvest date) for the footer, None when unknown.

    A damaged movies file is a warning in the tab that says what to rebuild: the search still works.
    """
    root = default_catalogue_dir()
    files = sorted(root.glob("year=*/movies.parquet"))
    try:
        movies, drawn = _read(str(root), _mtimes(files))
    except ValueError as exc:
        tab.warning(plain(exc))
        return None
    with tab:
        _draw(movies, drawn)
    harvested = movies["harvested_at"].min() if movies.height else None  # the oldest sets the data's age
    return f"{harvested:%Y-%m-%d}" if harvested else None
