"""`python -m movie_assets.search "QUERY" ...`: the same command as `movie-assets search`."""

from __future__ import annotations

import sys

from movie_assets.cli.search import main

if __name__ == "__main__":
    sys.exit(main())
