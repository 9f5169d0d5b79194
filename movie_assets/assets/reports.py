"""Report assets: retrieval quality of every search method, and the exploratory report on the catalogue."""

from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from movie_assets.catalog import read_movies_dir
from movie_assets.config import REPO_ROOT
from movie_assets.evaluation import (
    DEFAULT_METHODS,
    QUERIES_ENV,
    REQUESTS_FILE,
    ToTQueries,
    catalogue_imdb_map,
    default_links_path,
    default_queries_path,
    evaluate,
    load_tot_queries,
    markdown_table,
    read_links,
    write_results,
)
from movie_assets.index import IDMAP_FILE, ArtifactsError
from movie_assets.paths import DataPaths
from movie_assets.report import write_catalog_report
from movie_assets.resources import DataHome, EmbedderResource
from movie_assets.search import METHODS, Searcher

EVAL_DIR, CATALOG_DIR = "eval", "catalog"


class SearchEvalConfig(dg.Config):
    """How `search_eval` samples and scores (defaults: 200 title queries, k=10, the five fast methods)."""

    sample_size: int = 200
    k: int = 10
    seed: int = 0
    queries_path: str | None = None  # TREC-ToT JSONL; default: MOVIE_ASSETS_EVAL_QUERIES, else ../shared/data
    links_path: str | None = None  # MovieLens links.csv(.gz); default: ../shared/data/movielens if present
    methods: list[str] | None = None  # default: DEFAULT_METHODS, plus ce when a cross-encoder loads
    lang_policy: str = "auto-soft"


def _methods(config: SearchEvalConfig) -> list[str]:
    unknown = sorted(set(config.methods or ()) - set(METHODS))
    if unknown:
        raise dg.Failure(f"unknown search methods {unknown} in the config; choose from {', '.join(METHODS)}")
    # ce is tried by default: the runner lists it under `skipped` when no cross-encoder loads offline.
    return list(config.methods) if config.methods else [*DEFAULT_METHODS, "ce"]


def _labelled(
    config: SearchEvalConfig, paths: DataPaths, searcher: Searcher
) -> tuple[ToTQueries | None, str]:
    """The labelled queries whose answers the artifacts hold, or None and why there are none."""
    path = Path(config.queries_path) if config.queries_path else default_queries_path(REPO_ROOT)
    if searcher.manifest.get("source") == "demo":
        # Demo ids are invented and may collide with the real ids the labels name.
        return None, "relevance skipped: the artifacts hold the synthetic demo catalogue"
    if path is None:
        return None, f"no labelled queries: set {QUERIES_ENV} or queries_path to a TREC-ToT JSONL file"
    links_file = Path(config.links_path) if config.links_path else default_links_path(REPO_ROOT)
    years = paths.built_years()
    movies = read_movies_dir(paths.movies_root, years).select("movie_id", "imdb_id")
    ids = pl.read_parquet(searcher.folder / IDMAP_FILE, columns=["movie_id"])["movie_id"].to_list()
    links = read_links(links_file) if links_file else None
    tot = load_tot_queries(path, ids, links=links, imdb_map=catalogue_imdb_map(movies))
    source = f"{path} (gold via {links_file or 'the catalogue imdb_id only'})"
    if not tot.queries:
        return tot, f"relevance skipped: none of the {tot.total} queries in {source} has its answer indexed"
    return tot, f"{len(tot.queries)} of {tot.total} labelled queries from {source}"


@dg.asset(
    deps=[
        dg.AssetKey("dense_index"),
        dg.AssetKey("bm25_index"),
        dg.AssetKey("search_payload"),
        dg.AssetKey("search_ranker"),
    ],
    group_name="reports",
    kinds={"python"},
)
def search_eval(
    context: dg.AssetExecutionContext, config: SearchEvalConfig, data: DataHome, embedder: EmbedderResource
) -> dg.MaterializeResult:
    """Retrieval quality of each search method: proxy metrics on title queries, relevance on labelled ones."""
    paths, methods = data.paths(), _methods(config)
    try:
        searcher = Searcher.open(paths.artifacts_dir, embedder=embedder.load_for(paths))
    except ArtifactsError as exc:
        raise dg.Failure(str(exc)) from exc
    tot, note = _labelled(config, paths, searcher)
    results = evaluate(
        searcher, methods, sample_size=config.sample_size, seed=config.seed, k=config.k, tot=tot,
        lang_policy=config.lang_policy, notes=[note],
    )  # fmt: skip
    written = write_results(results, paths.reports_dir / EVAL_DIR)
    context.log.info(f"search_eval: {results['proxy_queries']} title queries, {note}")
    return dg.MaterializeResult(metadata=_eval_metadata(results, written))


def _eval_metadata(results: dict[str, Any], written: dict[str, Path]) -> dict[str, Any]:
    # Floats per method become plots across materializations in the UI: that is how runs are compared.
    metadata: dict[str, Any] = {
        "proxy": dg.MetadataValue.md(markdown_table(results["proxy"])),
        "proxy_queries": results["proxy_queries"],
        "json": dg.MetadataValue.path(str(written["search_eval.json"])),
        "table": dg.MetadataValue.path(str(written["search_eval.md"])),
        "per_request": dg.MetadataValue.path(str(written[REQUESTS_FILE])),
        "notes": dg.MetadataValue.md("\n".join(f"- {n}" for n in results["notes"]) or "-"),
    }
    for section in ("proxy", "relevance"):
        for method, scores in (results[section] or {}).items():
            metadata.update({f"{method} {name}": v for name, v in scores.items() if isinstance(v, float)})
    if results["relevance"] is not None:
        metadata["relevance"] = dg.MetadataValue.md(markdown_table(results["relevance"]))
    if results["labelled"] is not None:
        metadata["labelled"] = dg.MetadataValue.json(results["labelled"])
    if results["skipped"]:
        metadata["skipped"] = dg.MetadataValue.json(results["skipped"])
    return metadata


@dg.asset(deps=[dg.AssetKey("movies")], group_name="reports", kinds={"python"})
def catalog_report(data: DataHome) -> dg.MaterializeResult:
    """Catalogue EDA over every built year: six PNG plots and a Markdown summary of the findings."""
    paths = data.paths()
    movies = read_movies_dir(paths.movies_root)
    if movies.height == 0:
        raise dg.Failure(f"no movies under {paths.movies_root}: materialize the movies partitions first")
    report = write_catalog_report(movies, paths.reports_dir / CATALOG_DIR)
    f = report.findings
    top = f["languages"][0] if f["languages"] else {"name": None, "share": 0.0}
    return dg.MaterializeResult(
        metadata={
            "summary": dg.MetadataValue.md(report.summary),
            "row_count": f["rows"],
            "top_language": str(top["name"]),
            "top_language_share": float(top["share"]),
            "median_runtime": f["runtime_median"],
            "share_under_10_votes": f["share_under_few_votes"],
            "summary_path": dg.MetadataValue.path(str(report.summary_path)),
            **{f"plot {name}": dg.MetadataValue.path(str(p)) for name, p in report.plots.items()},
        }
    )
