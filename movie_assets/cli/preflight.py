"""What `movie-assets build` checks before its first run, so that it fails in one line and not minutes in.

The TMDb credential's form is checked as the client checks it (the key itself never appears in a
message), and the install is checked for every module the last steps import: without them a build would
harvest and embed for minutes and then fail in `search_artifacts`.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util

from movie_assets.tmdb import TMDbClient

CREDENTIAL_HELP = "copy it again from https://www.themoviedb.org/settings/api"
# Each module the build imports, and how to install it (the package names it in pyproject.toml).
_MODULES = (
    ("faiss", 'pip install -e ".[cpu]", or ".[gpu]" on a CUDA machine'),
    ("bm25s", "pip install -e ."),
    ("Stemmer", "PyStemmer: pip install -e ."),
    ("torch", "pip install torch, then pip install -e ."),
    ("sentence_transformers", "pip install -e ."),
)


class InstallError(RuntimeError):
    """The install lacks something the build needs; the message says what to install."""


def _odd_character(key: str) -> str | None:
    """How to name the first character no TMDb credential contains (a paste accident), without showing it."""
    for position, char in enumerate(key, start=1):
        if char in " \t\r\n":
            kind = "a space" if char == " " else "a tab or line break"
        elif not char.isprintable():
            kind = "a control character"
        elif not char.isascii():
            kind = "a non-ASCII character"
        else:
            continue
        return f"{kind} at character {position} of {len(key)}"
    return None


def check_credential(base_url: str, api_key: str) -> None:
    """ValueError, in one line that never shows the key, for a credential the build cannot use.

    A key TMDb would refuse is refused here: once a run has started, the same mistake costs a Dagster
    step failure and its stack trace.
    """
    odd = _odd_character(api_key.strip())  # surrounding whitespace is dropped by the client
    if odd:
        raise ValueError(
            f"TMDB_API_KEY has {odd}; a TMDb API key or read token is one word: {CREDENTIAL_HELP}"
        )
    # The client's own rules (length, form of the URL): a TMDbCredentialError is a ValueError.
    client = TMDbClient(base_url, api_key, rate_limit=None)
    asyncio.run(client.aclose())


def check_install(model_name: str) -> None:
    """InstallError naming every missing module and what installs it, or a model that cannot load offline.

    The model is loaded here, once: the build's runs in this process reuse it.
    """
    # Looked up first, which is instant, so a missing module is reported without importing torch.
    problems = [
        f"module {module!r} is missing ({install})"
        for module, install in _MODULES
        if importlib.util.find_spec(module) is None
    ]
    for module, install in _MODULES if not problems else ():
        try:
            importlib.import_module(module)
        except Exception as exc:  # a dependency of its own missing, or a broken native library
            problems.append(f"module {module!r} fails to import: {type(exc).__name__}: {exc} ({install})")
    if problems:
        raise InstallError(f"this install cannot build the search indexes: {'; '.join(problems)}")

    from movie_assets.index import EmbeddingModelUnavailable
    from movie_assets.resources import EmbedderResource

    try:
        EmbedderResource(model_name=model_name).load()
    except EmbeddingModelUnavailable as exc:
        raise InstallError(" ".join(str(exc).split())) from None
