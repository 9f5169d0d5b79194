"""`movie-assets`: build the graph, search it, serve it over HTTP, run the emulator, import dumps, open the
UI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from movie_assets.cli import tools  # light: each command imports what it needs when it runs
from movie_assets.cli.interrupts import report_interrupt
from movie_assets.config import load_dotenv_once


def _build(args: argparse.Namespace) -> int:
    from movie_assets.cli.build import command

    return command(args)


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text}")
    return value


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="movie-assets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="materialize the whole graph for some years")
    build.add_argument(
        "--years", help="2021 or 2019-2021 (default: the demo years offline, this year online)"
    )
    build.add_argument(
        "--rate-limit", type=float, help="TMDb requests per second (default TMDB_RATE_LIMIT or 35)"
    )
    build.add_argument("--languages", help="only these original languages, e.g. ml,ta")
    build.add_argument("--min-votes", type=int, help="only movies with at least this many votes")
    build.add_argument("--include-adult", action="store_true", default=None, help="also harvest adult titles")
    build.add_argument(
        "--dry-run", action="store_true", help="estimate movies, requests and time; build nothing"
    )
    build.set_defaults(run=_build)

    sub.add_parser(
        "search", help="search the built artifacts (see `movie-assets search --help`)", add_help=False
    )

    emulator = sub.add_parser("emulator", help="serve a catalogue file as a local TMDb API")
    emulator.add_argument(
        "--catalog", help="catalogue file (JSON lines, .gz ok); default: the demo catalogue"
    )
    emulator.add_argument("--api-key", default="demo-key", help="the accepted key (default demo-key)")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8765)
    emulator.add_argument(
        "--rate-limit", type=float, default=None, help="requests/s before 429s (default off)"
    )
    emulator.add_argument("--max-page", type=int, default=500)
    emulator.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of requests given injected faults"
    )
    emulator.set_defaults(run=tools.emulator)

    dump = sub.add_parser("import-dump", help="convert TMDb-derived CSV dumps into a catalogue file")
    dump.add_argument("files", nargs="+")
    dump.add_argument("--out", required=True, help="catalogue file to write (.jsonl or .jsonl.gz)")
    dump.set_defaults(run=tools.import_dump)

    ui = sub.add_parser("ui", help="open the Dagster UI on the shared instance")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(run=tools.ui)

    app = sub.add_parser("app", help="open the Streamlit search front end")
    app.add_argument("--host", default="127.0.0.1")
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(run=tools.app)

    serve = sub.add_parser("serve", help="serve the search as an HTTP API (FastAPI on uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--artifacts", type=Path, default=None,
        help="artifacts folder (default $MOVIE_ASSETS_HOME/processed/artifacts); a new build is picked up",
    )  # fmt: skip
    serve.add_argument(
        "--time-limit", type=_positive, default=10.0, help="seconds a request may take (default 10)"
    )
    serve.add_argument("--threads", type=int, default=None, help="searches at once (default: one per core)")
    serve.set_defaults(run=tools.serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        # The one place `.env` is read: every command, and the runs it starts, see it as environment defaults.
        load_dotenv_once()
        if argv[:1] == ["search"]:
            from movie_assets.cli.search import main as search_main

            return search_main(argv[1:])
        args = parser().parse_args(argv)
        return args.run(args)
    except KeyboardInterrupt:
        # Ctrl-C wherever no command handles it (loading a model, reading a catalogue): one line, no trace.
        return report_interrupt(argv[0] if argv and not argv[0].startswith("-") else "")


if __name__ == "__main__":
    sys.exit(main())
