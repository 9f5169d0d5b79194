"""Run-time configuration: environment variables (and a `.env` in the repo root), never read at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
DEFAULT_RATE_LIMIT = 35.0
DEFAULT_EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_CROSS_ENCODER = "cross-encoder/ms-marco-MiniLM-L-6-v2"


def load_dotenv_once() -> None:
    """Read `.env` from the repo root if present; real environment variables win."""
    from dotenv import load_dotenv

    load_dotenv(REPO_ROOT / ".env", override=False)


def data_home() -> Path:
    """The data root: `MOVIE_ASSETS_HOME`, else `data/` under the repo root."""
    return Path(os.environ.get("MOVIE_ASSETS_HOME") or REPO_ROOT / "data").resolve()


def rate_limit_from_env() -> float:
    raw = os.environ.get("TMDB_RATE_LIMIT", "").strip()
    if not raw:
        return DEFAULT_RATE_LIMIT
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"TMDB_RATE_LIMIT must be a number of requests per second, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"TMDB_RATE_LIMIT must be positive, got {raw!r}")
    return value


@dataclass(frozen=True)
class TMDbSettings:
    """Where and how to reach TMDb (or a server that behaves like it)."""

    base_url: str
    api_key: str | None
    rate_limit: float

    @classmethod
    def from_env(cls) -> TMDbSettings:
        return cls(
            base_url=(os.environ.get("TMDB_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            api_key=os.environ.get("TMDB_API_KEY") or None,
            rate_limit=rate_limit_from_env(),
        )


def embed_model_name() -> str:
    return os.environ.get("EMBED_MODEL_NAME") or DEFAULT_EMBED_MODEL


def cross_encoder_name() -> str:
    return os.environ.get("CROSS_ENCODER_NAME") or DEFAULT_CROSS_ENCODER
