"""Dagster resources: where the data lives, how to reach TMDb and what to harvest, which embedding model.

Their fields carry the settings. `movie-assets build` sets them through run config; a run started from
the UI or a schedule leaves them unset, and each unset field takes its environment default (see
`movie_assets.config`, `.env` included) when the run starts, never at import. Tests set them directly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import time
from collections.abc import Callable, Collection, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from movie_assets.config import TMDbSettings, embed_model_name
from movie_assets.paths import DataPaths
from movie_assets.tmdb import DataSource, HarvestScope, TMDbClient


class DataHome(dg.ConfigurableResource):
    """The data root."""

    home: str | None = Field(default=None, description="unset: MOVIE_ASSETS_HOME, else data/ under the repo")

    def paths(self) -> DataPaths:
        return DataPaths(Path(self.home).resolve()) if self.home else DataPaths.from_env()


# Steps that call TMDb join this pool. TMDb's rate limit is per key, so dagster.yaml lets one such step
# run at a time across all runs, while the other steps of concurrent runs (typing, embedding) go on.
# The pool alone does not guarantee it: Dagster's SQLite storage claims a slot by reading, then writing,
# with no guard between, so two runs claiming at the same instant can both win. The lock of
# `TMDbResource.exclusive` is what holds the line; the pool keeps the UI's queue honest.
TMDB_POOL = "tmdb"


@contextlib.contextmanager
def _locked(path: Path, waiting: Callable[[], None]) -> Iterator[float]:
    """Hold an exclusive `flock` on `path`; calls `waiting` once if another holder makes it wait, and
    yields the seconds waited.

    An OS lock, not a file that says "busy": the kernel releases it when the holder's process dies, so a
    killed build never blocks the next one, and nothing needs cleaning up.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # Closing the file (leaving the block, whatever way) releases the lock.
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield time.monotonic() - started


_TMDB_FIELDS = ("base_url", "api_key", "rate_limit", "languages", "min_votes", "include_adult")


class TMDbResource(dg.ConfigurableResource):
    """TMDb (or a server like it), the harvest scope, and the label recorded with what it harvests.

    The key is a plain field, not a `dg.EnvVar` default: Dagster refuses a run whose EnvVar is unset with a
    generic config error, before `client()` can say how to get a key or use the demo. `movie-assets build`
    passes `dg.EnvVar("TMDB_API_KEY")` in run config instead, so a run's stored config never holds the key.
    """

    base_url: str | None = Field(default=None, description="API root; unset: TMDB_BASE_URL, else TMDb")
    api_key: str | None = Field(default=None, description="v3 key or v4 read token; unset: TMDB_API_KEY")
    rate_limit: float | None = Field(
        default=None, description="requests per second; unset: TMDB_RATE_LIMIT, else 35"
    )
    languages: list[str] | None = Field(
        default=None, description="original languages (ISO 639-1); unset: TMDB_SCOPE_LANGUAGES, else all"
    )
    min_votes: int | None = Field(default=None, description="vote floor; unset: TMDB_SCOPE_MIN_VOTES")
    include_adult: bool | None = Field(
        default=None, description="harvest adult titles too; unset: TMDB_SCOPE_INCLUDE_ADULT"
    )
    source: DataSource = Field(
        default="tmdb", description="recorded with each harvested year: 'demo' marks synthetic data"
    )

    def settings(self) -> TMDbSettings:
        """The fields, with each unset one taken from the environment (read only if one is unset)."""
        own = {name: getattr(self, name) for name in _TMDB_FIELDS if getattr(self, name) is not None}
        if "languages" in own:
            own["languages"] = tuple(code.strip().lower() for code in own["languages"])
        try:
            defaults = TMDbSettings() if len(own) == len(_TMDB_FIELDS) else TMDbSettings.from_env()
        except ValueError as exc:  # a malformed variable, e.g. TMDB_RATE_LIMIT=fast
            raise dg.Failure(description=str(exc)) from None
        settings = dataclasses.replace(defaults, **own)
        if settings.rate_limit <= 0:
            raise dg.Failure(description=f"rate_limit must be positive, got {settings.rate_limit}")
        return settings

    def scope(self) -> HarvestScope:
        settings = self.settings()
        try:
            return HarvestScope(settings.languages, settings.min_votes, settings.include_adult)
        except ValueError as exc:
            raise dg.Failure(description=f"harvest scope: {exc}") from None

    def client(self) -> TMDbClient:
        settings = self.settings()
        if not settings.api_key:
            raise dg.Failure(
                description=(
                    f"TMDB_API_KEY is not set, so {settings.url} cannot be harvested. Set TMDB_API_KEY "
                    "(a v3 key or a v4 read token), or run `movie-assets build` without TMDB_BASE_URL/"
                    "TMDB_API_KEY to use the offline demo catalogue."
                )
            )
        return TMDbClient(settings.url, settings.api_key, rate_limit=settings.rate_limit)

    @contextlib.contextmanager
    def exclusive(self, paths: DataPaths, log: Callable[[str], None]) -> Iterator[float]:
        """Hold the data home's TMDb lock for the block (the step's calls to TMDb); yields the seconds
        waited for it. Per data home, as the pool is per instance: its steps share one key's rate limit."""
        lock = paths.tmdb_lock

        def waiting() -> None:
            log(f"another step is calling TMDb for {paths.root}; waiting for it to finish ({lock})")

        with _locked(lock, waiting) as waited:
            yield waited


class EmbedderResource(dg.ConfigurableResource):
    """The sentence-transformers model for documents and queries (offline MiniLM by default), and how
    documents are embedded: ONNX Runtime on a CPU (torch on a GPU), in fp32, int8 or int8-mixed."""

    model_name: str | None = Field(default=None, description="unset: EMBED_MODEL_NAME, else MiniLM")
    backend: str = Field(default="onnx", description="onnx (CPU; torch on a GPU) or torch")
    precision: str = Field(
        default="auto",
        description="auto (int8-mixed on ONNX on a CPU, else fp32), fp32 (the model's own vectors), int8 "
        "or int8-mixed (ONNX only: other encoders; int8-mixed keeps the feed-forward output projections in "
        "fp32)",
    )

    @property
    def name(self) -> str:
        return self.model_name or embed_model_name()

    def precision_for(self, held: Collection[str]) -> str:
        """The precision to embed in, given the encoders whose vectors a data home holds: the one asked;
        for "auto", the one every held vector already has (a new year, a refresh or a faster machine never
        mixes encoders, and nothing is re-embedded), else "auto" (int8-mixed on a CPU, fp32 on a GPU)."""
        from movie_assets.index import precision_of

        if self.precision == "auto" and len(set(held)) == 1:
            return precision_of(next(iter(held)), self.name) or self.precision
        return self.precision

    def load(self, export_root: Path | None = None, *, held: Collection[str] = ()) -> Any:
        """The document embedder; `export_root` keeps its ONNX export (None: torch); `held`: see
        `precision_for`. The embedder says whose vectors it makes (`movie_assets.index.identity_of`)."""
        return _load_embedder(self.name, self.backend, self.precision_for(held), export_root)

    def load_for(self, paths: DataPaths) -> Any:
        """The document embedder for the data home at `paths`: its exports kept there, and in "auto" the
        encoder its embeddings already hold."""
        from movie_assets.index import held_encoders

        files = [paths.embeddings_file(year) for year in paths.built_years(paths.embeddings_root)]
        return self.load(paths.encoder_cache_dir, held=held_encoders(files, self.name))

    def query_encoder(self, export_root: Path, precision: str) -> dict[str, Any]:
        """The artifact set's extra for queries: this model's ONNX export in `precision`, the documents'
        (name -> writer, for `write_artifacts`); empty, and queries use torch, when it cannot be made."""
        from movie_assets.index import ENCODER_DIR, EncoderUnavailable, cached_export, encoder_writer

        try:
            return {ENCODER_DIR: encoder_writer(cached_export(export_root, self.name, precision))}
        except (EncoderUnavailable, ImportError, OSError) as exc:
            dg.get_dagster_logger().warning(f"no ONNX query encoder for {self.name!r}: {exc}")
            return {}


@cache
def _load_embedder(name: str, backend: str, precision: str, export_root: Path | None) -> Any:
    # Loading a model takes seconds; every asset in a process shares one instance per name.
    from movie_assets.index import load_document_embedder

    return load_document_embedder(name, backend=backend, precision=precision, export_root=export_root)
