"""Exploratory report on the `movies` table: computed findings, a Markdown summary and six PNG plots.

The plots use matplotlib's object API on the Agg canvas (no pyplot, no display, no global state), so a
report can be drawn in a Dagster worker thread or a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from movie_assets.files import atomic_path, write_text
from movie_assets.reference import languages

TOP_LANGUAGES, TOP_MISSING = 15, 5
FEW_VOTES = 10  # below this a vote average says little
RUNTIME_CAP = 240  # minutes; longer runtimes share the last histogram bin
DECADES_ABOVE = 40  # years; beyond this the missingness heatmap groups years into decades
SUMMARY_FILE = "summary.md"
PLOTS = ("year_trend", "runtime", "languages", "genres", "popularity", "missingness")


@dataclass(frozen=True)
class CatalogReport:
    """What `write_catalog_report` produced: the findings, the Markdown summary and the files."""

    findings: dict[str, Any]
    summary: str
    summary_path: Path
    plots: dict[str, Path]


def _language_name(code: str) -> str:
    names = {row["iso_639_1"]: row.get("english_name") or "" for row in languages()}
    return f"{code} ({names[code]})" if names.get(code) else code


def missing_shares(movies: pl.DataFrame) -> dict[str, float]:
    """Share of rows per column that are null, an empty string or an empty list; most missing first."""
    shares = {}
    for name, dtype in movies.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            missing = column.is_null() | (column.list.len() == 0)
        elif dtype == pl.Utf8:
            missing = column.is_null() | (column.str.strip_chars() == "")
        else:
            missing = column.is_null()
        shares[name] = float(movies.select(missing.mean()).item() or 0.0) if movies.height else 0.0
    return dict(sorted(shares.items(), key=lambda item: (-item[1], item[0])))


def _counts(values: pl.Series, total: int, limit: int | None = None) -> list[dict[str, Any]]:
    counts = (
        values.drop_nulls().value_counts(name="count").sort(["count", values.name], descending=[True, False])
    )
    rows = counts.head(limit) if limit else counts
    return [{"name": n, "count": c, "share": c / total} for n, c in rows.iter_rows()]


def catalog_findings(movies: pl.DataFrame) -> dict[str, Any]:
    """The headline facts of a movies frame (DESIGN §7 columns), as JSON-ready values.

    Raises:
        ValueError: the frame is empty or lacks a column the report reads.
    """
    needed = ("movie_id", "year", "original_language", "genres", "runtime", "vote_count")
    lacking = [c for c in needed if c not in movies.columns]
    if lacking or movies.height == 0:
        raise ValueError(
            f"cannot report on {movies.height} movies lacking columns {lacking}; build movies first"
        )
    n = movies.height
    years = movies["year"].drop_nulls()
    per_year = _counts(years, n)
    runtime = movies["runtime"].drop_nulls().cast(pl.Float64)
    votes = movies["vote_count"].fill_null(0).cast(pl.Float64).sort(descending=True).to_numpy()
    total_votes = float(votes.sum())
    top_decile = float(votes[: max(1, n // 10)].sum() / total_votes) if total_votes else 0.0
    missing = missing_shares(movies)
    return {
        "rows": n,
        "year_min": int(years.min()) if len(years) else None,  # type: ignore[arg-type]
        "year_max": int(years.max()) if len(years) else None,  # type: ignore[arg-type]
        "busiest_year": per_year[0] if per_year else None,
        "languages": _counts(movies["original_language"], n, TOP_LANGUAGES),
        "language_count": movies["original_language"].drop_nulls().n_unique(),
        "genres": _counts(movies["genres"].explode(), n),
        "runtime_median": float(runtime.median()) if len(runtime) else None,  # type: ignore[arg-type]
        "runtime_iqr": [float(runtime.quantile(q)) for q in (0.25, 0.75)] if len(runtime) else None,  # type: ignore[arg-type]
        "share_under_few_votes": float((votes < FEW_VOTES).mean()),
        "few_votes": FEW_VOTES,
        "vote_share_top_decile": top_decile,
        "most_missing": [{"column": c, "share": s} for c, s in list(missing.items())[:TOP_MISSING]],
    }


def summary_markdown(f: dict[str, Any]) -> str:
    """The findings as a short Markdown summary (every number computed from the data)."""
    lines = [f"# Catalogue report: {f['rows']:,} movies, {f['year_min']}-{f['year_max']}", ""]
    if f["languages"]:
        top = f["languages"][0]
        five = ", ".join(f"{_language_name(x['name'])} {x['share']:.1%}" for x in f["languages"][:5])
        lines.append(
            f"- Top language: **{_language_name(top['name'])}** with {top['share']:.1%} of movies; "
            f"top five: {five} ({f['language_count']} languages in all)."
        )
    if f["genres"]:
        lines.append(f"- Top genres (share of movies): {', '.join(_share(x) for x in f['genres'][:5])}.")
    if f["busiest_year"]:
        lines.append(
            f"- Busiest year: {f['busiest_year']['name']} with {f['busiest_year']['count']:,} movies."
        )
    if f["runtime_median"] is not None:
        low, high = f["runtime_iqr"]
        lines.append(
            f"- Median runtime {f['runtime_median']:.0f} min (middle half {low:.0f}-{high:.0f} min)."
        )
    lines.append(
        f"- {f['share_under_few_votes']:.1%} of movies have fewer than {f['few_votes']} votes; "
        f"the 10% most-voted hold {f['vote_share_top_decile']:.1%} of all votes."
    )
    missing = [f"`{x['column']}` {x['share']:.1%}" for x in f["most_missing"] if x["share"] > 0]
    lines.append(f"- Most missing: {', '.join(missing)}." if missing else "- No column has missing values.")
    return "\n".join(lines) + "\n"


def _share(item: dict[str, Any]) -> str:
    return f"{item['name']} {item['share']:.1%}"


def _barh(ax: Any, labels: list[str], shares: list[float], title: str) -> None:
    ax.barh(labels[::-1], [s * 100 for s in shares[::-1]], color="#3b75af")
    ax.set_xlabel("% of movies")
    ax.set_title(title)
    for y, share in enumerate(shares[::-1]):
        ax.text(share * 100, y, f" {share:.1%}", va="center", fontsize=8)


def _missing_grid(movies: pl.DataFrame) -> tuple[list[str], list[str], np.ndarray]:
    years = movies["year"].drop_nulls()
    span = int(years.max() - years.min()) if len(years) else 0  # type: ignore[operator]
    step = 10 if span > DECADES_ABOVE else 1
    bucket = (pl.col("year") // step * step).alias("_bucket")
    groups = movies.with_columns(bucket).partition_by("_bucket", as_dict=True)
    keys = sorted((k[0] for k in groups if k[0] is not None), key=int)
    columns = list(missing_shares(movies))
    grid = np.array([[missing_shares(groups[(key,)].drop("_bucket"))[c] for key in keys] for c in columns])
    labels = [f"{key}s" if step == 10 else str(key) for key in keys]
    return columns, labels, grid


def _draw(name: str, movies: pl.DataFrame, f: dict[str, Any], fig: Figure) -> None:
    if name == "popularity":
        left, right = fig.subplots(1, 2)
        votes = np.sort(movies["vote_count"].fill_null(0).to_numpy())
        # Log-spaced bins on votes + 1, so movies with no votes get the first bin instead of vanishing.
        left.hist(
            votes + 1, bins=np.geomspace(1, max(int(votes.max(initial=0)) + 1, 10), 31), color="#3b75af"
        )
        left.set(xscale="log", title="Vote counts", xlabel="votes + 1 (log scale)", ylabel="movies")
        cumulative = np.cumsum(votes) / votes.sum() if votes.sum() else np.zeros(len(votes))
        right.plot(np.linspace(0, 1, len(votes)), cumulative, color="#c44e52")
        right.plot([0, 1], [0, 1], ls="--", color="grey")
        right.set(
            title="Lorenz curve of votes",
            xlabel="share of movies (fewest votes first)",
            ylabel="share of votes",
        )
        return
    ax = fig.subplots()
    if name == "year_trend":
        per_year = movies["year"].drop_nulls().value_counts().sort("year")
        ax.bar(per_year["year"].to_numpy(), per_year["count"].to_numpy(), color="#3b75af")
        ax.set(title="Movies per release year", xlabel="year", ylabel="movies")
    elif name == "runtime":
        runtime = movies["runtime"].drop_nulls().to_numpy()
        ax.hist(np.clip(runtime, 0, RUNTIME_CAP), bins=np.arange(0, RUNTIME_CAP + 10, 5), color="#3b75af")
        if f["runtime_median"] is not None:
            ax.axvline(f["runtime_median"], color="#c44e52", label=f"median {f['runtime_median']:.0f} min")
            ax.legend()
        ax.set(title=f"Runtime (>= {RUNTIME_CAP} min in the last bin)", xlabel="minutes", ylabel="movies")
    elif name == "languages":
        top = f["languages"]
        _barh(ax, [_language_name(x["name"]) for x in top], [x["share"] for x in top], "Original language")
    elif name == "genres":
        _barh(
            ax,
            [x["name"] for x in f["genres"]],
            [x["share"] for x in f["genres"]],
            "Genres (a movie may have several)",
        )
    else:
        columns, labels, grid = _missing_grid(movies)
        image = ax.imshow(grid, aspect="auto", cmap="Reds", vmin=0, vmax=1, interpolation="nearest")
        ax.set_yticks(range(len(columns)), columns, fontsize=8)
        ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
        ax.set_title("Share missing (null, empty text or empty list) by column and year")
        fig.colorbar(image, ax=ax, label="share missing")


def plot_catalog(movies: pl.DataFrame, findings: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write the six PNG plots into `out_dir`; returns their paths by plot name."""
    paths = {}
    for name in PLOTS:
        fig = Figure(figsize=(12, 5) if name == "popularity" else (10, 7 if name == "missingness" else 5.5))
        FigureCanvasAgg(fig)
        _draw(name, movies, findings, fig)
        fig.tight_layout()
        paths[name] = out_dir / f"{name}.png"
        with atomic_path(paths[name]) as tmp:
            fig.savefig(tmp, format="png", dpi=100)  # the format named: the temporary name ends in .tmp
    return paths


def write_catalog_report(movies: pl.DataFrame, out_dir: Path) -> CatalogReport:
    """Compute the findings, write summary.md and the PNG plots into `out_dir`."""
    findings = catalog_findings(movies)
    summary = summary_markdown(findings)
    plots = plot_catalog(movies, findings, Path(out_dir))
    summary_path = Path(out_dir) / SUMMARY_FILE
    write_text(summary, summary_path)
    return CatalogReport(findings, summary, summary_path, plots)
