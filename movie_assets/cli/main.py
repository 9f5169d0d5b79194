"""`movie-assets`: build the graph, search it, serve the emulator, import dumps, open the UI."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from movie_assets.config import REPO_ROOT


def _build(args: argparse.Namespace) -> int:
    from movie_assets.cli.build import BuildError, parse_years, run_build
    from movie_assets.tmdb import HarvestScope

    try:
        years = parse_years(args.years) if args.years else None
        scope = HarvestScope(
            languages=tuple(c.strip().lower() for c in (args.languages or "").split(",") if c.strip()),
            min_votes=args.min_votes,
            include_adult=args.include_adult,
        )
        if args.rate_limit is not None and args.rate_limit <= 0:
            raise BuildError(
                f"--rate-limit must be a positive number of requests per second; got {args.rate_limit}"
            )
    except ValueError as exc:
        print(f"movie-assets build: {exc}", file=sys.stderr)
        return 2
    # The scope travels as environment so UI-launched runs and this one read it the same way.
    os.environ["TMDB_SCOPE_LANGUAGES"] = ",".join(scope.languages)
    os.environ["TMDB_SCOPE_MIN_VOTES"] = str(scope.min_votes or "")
    os.environ["TMDB_SCOPE_INCLUDE_ADULT"] = "true" if scope.include_adult else ""
    try:
        if args.dry_run:
            from movie_assets.cli.dry_run import run_dry_run

            return run_dry_run(years, rate_limit=args.rate_limit, scope=scope)
        return run_build(years, rate_limit=args.rate_limit)
    except BuildError as exc:
        print(f"movie-assets build: {exc}", file=sys.stderr)
        return 2


def _emulator(args: argparse.Namespace) -> int:
    from movie_assets.tmdb import read_catalogue
    from movie_assets.tmdb.emulator import EmulatorConfig, serve

    if args.catalog:
        try:
            movies = read_catalogue(args.catalog)
        except (OSError, ValueError) as exc:
            print(f"movie-assets emulator: {exc}", file=sys.stderr)
            return 2
    else:
        from movie_assets.demo import generate_demo_catalogue

        movies = generate_demo_catalogue()
    try:
        config = EmulatorConfig(
            api_key=args.api_key,
            rate_limit=args.rate_limit,
            max_page=args.max_page,
            fault_rate=args.fault_rate,
        )
        serve(movies, config, args.host, args.port)
    except (OSError, ValueError) as exc:  # bad switches, a duplicate id, a port in use
        print(f"movie-assets emulator: {exc}", file=sys.stderr)
        return 2
    return 0


def _import_dump(args: argparse.Namespace) -> int:
    from movie_assets.dumps import main_import

    return main_import(args.files, args.out)


def _ui(args: argparse.Namespace) -> int:
    from movie_assets.instance import prepare_instance_env

    prepare_instance_env()
    cmd = ["dagster", "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-p", str(args.port)]
    return subprocess.call(cmd, cwd=REPO_ROOT)


def _app(args: argparse.Namespace) -> int:
    script = REPO_ROOT / "movie_assets" / "app" / "streamlit_app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", args.host]
    cmd += ["--server.port", str(args.port), "--browser.gatherUsageStats", "false"]
    return subprocess.call(cmd, cwd=REPO_ROOT)


def _parser() -> argparse.ArgumentParser:
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
    build.add_argument("--include-adult", action="store_true", help="also harvest adult titles")
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
    emulator.set_defaults(run=_emulator)

    dump = sub.add_parser("import-dump", help="convert TMDb-derived CSV dumps into a catalogue file")
    dump.add_argument("files", nargs="+")
    dump.add_argument("--out", required=True, help="catalogue file to write (.jsonl or .jsonl.gz)")
    dump.set_defaults(run=_import_dump)

    ui = sub.add_parser("ui", help="open the Dagster UI on the shared instance")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(run=_ui)

    app = sub.add_parser("app", help="open the Streamlit search front end")
    app.add_argument("--host", default="127.0.0.1")
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(run=_app)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["search"]:
        from movie_assets.cli.search import main as search_main

        return search_main(argv[1:])
    args = _parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
