"""The HTTP API over the search library (`movie-assets serve`, DESIGN §6): FastAPI on uvicorn, one model
loaded once, answering from whichever artifact set a build last published.

    app = create_app(LiveSearcher(default_artifacts_dir()))   # an ASGI app (the lifespan opens the set)
    serve(default_artifacts_dir(), "127.0.0.1", 8000)          # until SIGTERM or Ctrl-C
"""

from __future__ import annotations

from movie_assets.api.app import SET_HEADER, TIME_LIMIT_S, create_app, default_threads
from movie_assets.api.live import LiveSearcher, open_searcher
from movie_assets.api.server import serve

__all__ = [
    "SET_HEADER",
    "TIME_LIMIT_S",
    "LiveSearcher",
    "create_app",
    "default_threads",
    "open_searcher",
    "serve",
]
