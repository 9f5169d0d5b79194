"""Settings: typed values read from the environment, used as defaults.

Reading is explicit (`Settings.from_env()`), never at import. `movie-assets` (the CLI entry) loads `.env`
first and reads these once per command; it hands them to Dagster as run config. Runs started from the UI
or a schedule get no run config, so each resource reads its unset fields from here when the run starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
DEFAULT_RATE_LIMIT = 35.0
DEFAULT_EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_CROSS_ENCODER = "cross-encoder/ms-marco-MiniLM-L-6-v2"
DEFAULT_POSTER_BASE_URL = "https://image.tmdb.org/t/p"
DEFAULT_POSTER_SIZE = "w342"
DEFAULT_POSTER_CACHE_MB = 256.0
_POSTER_SIZE = re.compile(r"^(?:w\d{2,4}|original)$")
_TRUE = {"1", "true", "yes", "on"}


def load_dotenv_once() -> None:
    """Read `.env` from the repo root if present; real environment variables win."""
    from dotenv import load_dotenv

    load_dotenv(REPO_ROOT / ".env", override=False)


def _rate_limit(raw: str) -> float:
    if not raw:
        return DEFAULT_RATE_LIMIT
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"TMDB_RATE_LIMIT must be a number of requests per second, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"TMDB_RATE_LIMIT must be positive, got {raw!r}")
    return value


def _min_votes(raw: str) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        raise ValueError(f"TMDB_SCOPE_MIN_VOTES must be a whole number; got {raw!r}") from None


def parse_languages(text: str) -> tuple[str, ...]:
    """`"ml, TA"` → `("ml", "ta")`: the comma list that `--languages` and `TMDB_SCOPE_LANGUAGES` take."""
    return tuple(code.strip().lower() for code in text.split(",") if code.strip())


@dataclass(frozen=True)
class TMDbSettings:
    """Where and how to reach TMDb (or a server that behaves like it), and what to harvest there."""

    base_url: str | None = None  # None: TMDb itself
    api_key: str | None = None
    rate_limit: float = DEFAULT_RATE_LIMIT
    languages: tuple[str, ...] = ()  # original languages; empty: all
    min_votes: int | None = None
    include_adult: bool = False

    @property
    def url(self) -> str:
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TMDbSettings:
        env = os.environ if environ is None else environ
        return cls(
            base_url=(env.get("TMDB_BASE_URL") or "").strip() or None,
            api_key=env.get("TMDB_API_KEY") or None,
            rate_limit=_rate_limit(env.get("TMDB_RATE_LIMIT", "").strip()),
            languages=parse_languages(env.get("TMDB_SCOPE_LANGUAGES", "")),
            min_votes=_min_votes(env.get("TMDB_SCOPE_MIN_VOTES", "").strip()),
            include_adult=env.get("TMDB_SCOPE_INCLUDE_ADULT", "").strip().lower() in _TRUE,
        )


@dataclass(frozen=True)
class Settings:
    """Every setting a command or run needs, read together."""

    home: Path
    tmdb: TMDbSettings
    embed_model: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            home=data_home(env),
            tmdb=TMDbSettings.from_env(env),
            embed_model=embed_model_name(env),
        )


@dataclass(frozen=True)
class PosterSettings:
    """Where poster images come from (TMDb's image host, or a server shaped like it), in which size, and
    how many bytes of them the disk cache under the data root may hold."""

    base_url: str = DEFAULT_POSTER_BASE_URL
    size: str = DEFAULT_POSTER_SIZE
    limit_bytes: int = int(DEFAULT_POSTER_CACHE_MB * 2**20)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PosterSettings:
        """`POSTER_BASE_URL`, `POSTER_SIZE` and `POSTER_CACHE_MB` (MiB); ValueError names a bad one."""
        env = os.environ if environ is None else environ
        base_url = (env.get("POSTER_BASE_URL") or "").strip().rstrip("/") or DEFAULT_POSTER_BASE_URL
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"POSTER_BASE_URL must be an http(s) URL such as {DEFAULT_POSTER_BASE_URL}")
        size = (env.get("POSTER_SIZE") or "").strip() or DEFAULT_POSTER_SIZE
        if not _POSTER_SIZE.match(size):
            raise ValueError(
                f"POSTER_SIZE must be one of TMDb's sizes (w92, w185, w342, w500, original); got {size!r}"
            )
        raw = (env.get("POSTER_CACHE_MB") or "").strip()
        try:
            megabytes = float(raw) if raw else DEFAULT_POSTER_CACHE_MB
        except ValueError:
            raise ValueError(f"POSTER_CACHE_MB must be a number of MiB; got {raw!r}") from None
        if not megabytes > 0:
            raise ValueError(f"POSTER_CACHE_MB must be positive; got {raw!r}")
        return cls(base_url=base_url, size=size, limit_bytes=int(megabytes * 2**20))


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """The data root: `MOVIE_ASSETS_HOME`, else `data/` under the repo root."""
    env = os.environ if environ is None else environ
    return Path(env.get("MOVIE_ASSETS_HOME") or REPO_ROOT / "data").resolve()


def embed_model_name(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("EMBED_MODEL_NAME") or DEFAULT_EMBED_MODEL


def cross_encoder_name() -> str:
    return os.environ.get("CROSS_ENCODER_NAME") or DEFAULT_CROSS_ENCODER
