"""The incremental refresh's bookkeeping and year writes, without Dagster.

A patched year (`catalog.patch`) is written the way the yearly assets write it: the typed `movies`
partition, kept only when its blocking checks pass, then its search documents and vectors, where only
documents the year did not have before are looked up in the embedding cache or embedded. Years whose
movies were written but whose vectors are not yet are listed in a small file, so a refresh that fails
between the two brings them up to date on its next run even when no new change points at them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from movie_assets.catalog import check_movies, read_movies_dir, write_movies
from movie_assets.files import write_text
from movie_assets.index import (
    Embedder,
    EmbeddingCache,
    EmbedStats,
    embed_documents,
    identity_of,
    movie_documents,
    write_documents,
    write_vectors,
)
from movie_assets.paths import DataPaths
from movie_assets.refresh.patch import YearPatch


class RefreshError(ValueError):
    """A refresh step cannot go on; the message says what failed and what to do."""


def refresh_dir(paths: DataPaths) -> Path:
    """Where the refresh keeps its fetch checkpoint and its list of years awaiting a rebuild."""
    return paths.root / "raw" / "changes"


class PendingYears:
    """Years whose details were patched but whose partitions are not rebuilt yet (a JSON list)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> list[int]:
        try:
            years = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except json.JSONDecodeError as exc:
            raise RefreshError(
                f"{self.path} is not valid JSON ({exc.msg}); delete it and re-materialize the "
                "yearly_job for the years you changed"
            ) from None
        if not isinstance(years, list) or not all(isinstance(y, int) for y in years):
            raise RefreshError(f"{self.path} must hold a JSON list of years; delete it and refresh again")
        return sorted(set(years))

    def _write(self, years: Iterable[int]) -> list[int]:
        chosen = sorted(set(years))
        write_text(json.dumps(chosen), self.path)
        return chosen

    def add(self, years: Iterable[int]) -> list[int]:
        return self._write([*self.read(), *years])

    def discard(self, year: int) -> list[int]:
        return self._write(y for y in self.read() if y != year)


def first_cursor(paths: DataPaths, years: Iterable[int]) -> date | None:
    """The day of the oldest fetch in the built catalogue: changes since then may be missing from it."""
    files = [paths.movies_file(y) for y in years if paths.movies_file(y).is_file()]
    if not files:
        return None
    oldest = pl.scan_parquet(files).select(pl.col("harvested_at").min()).collect().item()
    return oldest.date() if oldest is not None else None


@dataclass(frozen=True)
class VectorsRefresh:
    """One year's documents and vectors brought up to date."""

    year: int
    documents: int
    new_documents: int  # documents the year did not have before: from the cache or the model


def write_partition(
    paths: DataPaths, patch: YearPatch, *, blocking: Collection[str]
) -> tuple[str, list[str]]:
    """Check and write a patched `movies` partition; returns (sha256, names of failed warning checks).

    Raises:
        RefreshError: a check in `blocking` failed; the year's previous file is left untouched.
    """
    outcomes = check_movies(patch.movies, patch.year)
    blocked = [o for o in outcomes if o.name in blocking and not o.passed]
    if blocked:
        raise RefreshError(
            f"movies {patch.year} failed {', '.join(o.name for o in blocked)} after the patch: "
            + "; ".join(o.description for o in blocked)
            + f". The previous partition is kept; re-run the yearly_job for {patch.year}."
        )
    written = write_movies(patch.movies, paths.movies_file(patch.year))
    return written["sha256"], [o.name for o in outcomes if not o.passed]


def _previous_vectors(path: Path, model_name: str, encoder: str) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"doc_hash": pl.Utf8, "vector": pl.Array(pl.Float32, 1)})
    if not path.is_file():
        return empty
    frame = pl.read_parquet(path)
    # Files from before encoders were recorded hold the model's own vectors.
    held = set(frame["encoder"].unique()) if "encoder" in frame.columns else {model_name}
    if frame.is_empty() or set(frame["model"].unique()) != {model_name} or held != {encoder}:
        return empty
    return frame.select("doc_hash", "vector").unique("doc_hash", keep="first")


def _documents(paths: DataPaths, year: int, changed: Collection[int] | None) -> pl.DataFrame:
    """The year's documents: built for the `changed` rows, kept from the previous file for the others
    (all built when `changed` is None or the previous file does not match the movies file)."""
    movies = read_movies_dir(paths.movies_root, [year])
    target = paths.documents_file(year)
    if changed is None or not target.is_file():
        return movie_documents(movies)
    ids = pl.col("movie_id")
    kept = pl.read_parquet(target).filter(ids.is_in(movies["movie_id"].implode()) & ~ids.is_in(list(changed)))
    rebuilt = movie_documents(movies.filter(ids.is_in(list(changed))))
    # One kept document built afresh must match: a new document format or language list rebuilds all.
    probe = movie_documents(movies.filter(ids == kept["movie_id"][0]))["document"] if kept.height else None
    if kept.height + rebuilt.height != movies.height or (
        probe is not None and probe[0] != kept["document"][0]
    ):
        return movie_documents(movies)
    return pl.concat([kept, rebuilt]).sort("movie_id")  # the movies file's order


def refresh_vectors(
    paths: DataPaths,
    years: Iterable[int],
    embedder: Embedder,
    *,
    model_name: str,
    changed: Mapping[int, Collection[int]] | None = None,
) -> tuple[list[VectorsRefresh], EmbedStats]:
    """Bring the documents and vectors of `years` in line with their movies files.

    Args:
        changed: year -> the movie ids whose rows changed; the other documents of that year are kept.
            A year not in it has every document built afresh.

    A document the year already had keeps its vector from the year's previous embeddings file; the new
    ones of every year go through the embedding cache and the model in one call (one cache scan).

    Returns:
        Per year what changed, and the embedding counts over the new documents of all years.
    """
    plans = []
    for year in years:
        docs = _documents(paths, year, (changed or {}).get(year))
        write_documents(docs, paths.documents_file(year))
        previous = _previous_vectors(paths.embeddings_file(year), model_name, identity_of(embedder))
        known = docs.join(previous, on="doc_hash", how="left", maintain_order="left")["vector"]
        plans.append((year, docs, known, known.is_null().to_numpy()))
    new_docs = pl.concat([docs.filter(missing) for _, docs, _, missing in plans], how="vertical")
    fresh, stats = embed_documents(new_docs, embedder, EmbeddingCache(paths.embedding_cache_dir))
    done, offset = [], 0
    for year, docs, known, missing in plans:
        vectors = np.zeros((docs.height, embedder.dim), np.float32)
        if (~missing).any():
            vectors[~missing] = known.filter(~known.is_null()).to_numpy()
        count = int(missing.sum())
        vectors[missing] = fresh[offset : offset + count]
        offset += count
        write_vectors(docs, vectors, model_name, paths.embeddings_file(year), encoder=identity_of(embedder))
        done.append(VectorsRefresh(year, docs.height, count))
    return done, stats
