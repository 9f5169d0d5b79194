"""`python -m movie_assets.search "QUERY" ...`: the same command as `movie-assets search`."""

from __future__ import annotations

import sys

# Through the CLI's entry, so Ctrl-C and `.env` are handled as for `movie-assets search`.
from movie_assets.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["search", *sys.argv[1:]]))
