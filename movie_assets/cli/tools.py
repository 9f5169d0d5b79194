"""The helper commands of `movie-assets`: the TMDb emulator, dump import, the Dagster UI, the app and the
HTTP API."""

from __future__ import annotations

import argparse
import sys

from movie_assets.cli.interrupts import EXIT_INTERRUPTED, run_until_stopped
from movie_assets.config import REPO_ROOT, data_home


def emulator(args: argparse.Namespace) -> int:
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
    # `serve` returns only once Ctrl-C has stopped the server.
    print("movie-assets emulator: stopped by Ctrl-C", file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


def import_dump(args: argparse.Namespace) -> int:
    from movie_assets.dumps import main_import

    return main_import(args.files, args.out)


def ui(args: argparse.Namespace) -> int:
    from movie_assets.instance import prepare_instance_env

    # `dagster dev` inherits this environment (`.env` included): runs launched there take their resource
    # defaults from it.
    prepare_instance_env(data_home())
    cmd = ["dagster", "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-p", str(args.port)]
    return run_until_stopped(cmd, "ui", REPO_ROOT)


def app(args: argparse.Namespace) -> int:
    script = REPO_ROOT / "movie_assets" / "app" / "streamlit_app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", args.host]
    cmd += ["--server.port", str(args.port), "--browser.gatherUsageStats", "false"]
    # Its stdin is closed (see run_until_stopped): no first-run e-mail prompt to wait on it.
    cmd += ["--server.showEmailPrompt", "false"]
    return run_until_stopped(cmd, "app", REPO_ROOT)


def serve(args: argparse.Namespace) -> int:
    import signal

    from movie_assets.api import serve as serve_api
    from movie_assets.search import default_artifacts_dir

    try:
        stopped_by = serve_api(
            args.artifacts or default_artifacts_dir(),
            args.host,
            args.port,
            time_limit_s=args.time_limit,
            threads=args.threads,
        )
    except OSError as exc:  # a port in use, a host not on this machine
        print(f"movie-assets serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)  # fmt: skip
        return 2
    # Requests in flight were answered before `serve` returned: a stop asked for is a clean exit.
    if stopped_by == signal.SIGINT:
        print("movie-assets serve: stopped by Ctrl-C", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    print("movie-assets serve: stopped", file=sys.stderr, flush=True)
    return 0
