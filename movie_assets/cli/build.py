"""`movie-assets build`: materialize the whole asset graph for some years, in-process, on the shared instance.

Source: `TMDB_BASE_URL` set → harvest from it (needs `TMDB_API_KEY`); else `TMDB_API_KEY` set → the real
API; else → the synthetic demo catalogue served by the emulator on a free loopback port. The settings
(environment defaults, then the flags) reach every run as run config for its resources.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg

from movie_assets.cli.interrupts import SigintWatch, report_interrupt
from movie_assets.cli.preflight import InstallError, check_credential, check_install
from movie_assets.cli.runs import Position, execute, interrupted_step, keep_stopped, plan, root_cause
from movie_assets.config import Settings, parse_languages
from movie_assets.instance import fail_dead_builds, prepare_instance_env
from movie_assets.partitions import FIRST_YEAR
from movie_assets.resources import DataHome, EmbedderResource, TMDbResource
from movie_assets.tmdb import HarvestScope

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")
DEMO_KEY = "demo-key"
# Loopback needs no throttle; a real API keeps TMDB_RATE_LIMIT (default 35/s).
DEMO_RATE_LIMIT = 1000.0
LOG_CONFIG = {"console": {"config": {"log_level": "INFO"}}}
Say = Callable[[str], None]


class BuildError(ValueError):
    """A build that cannot start: the message says what to change."""


def parse_years(text: str, *, today: date | None = None) -> list[int]:
    """`2021` or `2019-2021` (inclusive) → years, within 1874..this year."""
    this_year = (today or date.today()).year
    match = _YEARS.match(text or "")
    if not match:
        raise BuildError(f"--years must look like 2021 or 2019-2021; got {text!r}")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first > last:
        raise BuildError(f"--years {text}: the first year is after the last; write {last}-{first}")
    if first < FIRST_YEAR or last > this_year:
        raise BuildError(f"--years {text}: years must lie within {FIRST_YEAR}-{this_year}")
    return list(range(first, last + 1))


@dataclass(frozen=True)
class BuildRequest:
    """What a build (or dry run) was asked for: the environment's settings with the flags over them."""

    settings: Settings
    years: list[int] | None = None
    # --rate-limit; unset, a real API keeps the setting and the demo is not throttled.
    rate_limit: float | None = None

    @property
    def scope(self) -> HarvestScope:
        tmdb = self.settings.tmdb
        return HarvestScope(tmdb.languages, tmdb.min_votes, tmdb.include_adult)


def read_request(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> BuildRequest:
    """The build flags over the settings read (once) from `environ`; ValueError says what is wrong."""
    years = parse_years(args.years) if args.years else None
    settings = Settings.from_env(environ)
    flags = {
        "languages": parse_languages(args.languages) if args.languages is not None else None,
        "min_votes": args.min_votes,
        "include_adult": args.include_adult or None,
    }
    tmdb = dataclasses.replace(settings.tmdb, **{k: v for k, v in flags.items() if v is not None})
    HarvestScope(tmdb.languages, tmdb.min_votes, tmdb.include_adult)  # ValueError: a bad code or floor
    if tmdb.api_key:
        check_credential(tmdb.url, tmdb.api_key)
    if args.rate_limit is not None and args.rate_limit <= 0:
        raise BuildError(
            f"--rate-limit must be a positive number of requests per second; got {args.rate_limit}"
        )
    return BuildRequest(dataclasses.replace(settings, tmdb=tmdb), years, args.rate_limit)


@dataclass(frozen=True)
class Source:
    description: str
    default_years: list[int]
    tmdb: TMDbResource  # what the build's runs get as the `tmdb` resource


def _tmdb(request: BuildRequest, **where: Any) -> TMDbResource:
    scope = request.scope
    # Every field is set, so a run never falls back to the environment for what the flags decided.
    return TMDbResource(
        languages=list(scope.languages),
        min_votes=scope.min_votes or 0,  # 0, not None: no floor, whatever TMDB_SCOPE_MIN_VOTES says
        include_adult=scope.include_adult,
        **where,
    )


@contextlib.contextmanager
def open_source(request: BuildRequest, say: Say) -> Iterator[Source]:
    """Choose where to harvest from and, for the demo, serve it for the duration of the build."""
    settings = request.settings.tmdb
    if settings.base_url or settings.api_key:
        if not settings.api_key:
            raise BuildError(
                f"TMDB_BASE_URL is set ({settings.base_url}) but TMDB_API_KEY is not; "
                "set the key for that server"
            )
        # An EnvVar: the run reads the key itself, so it is never written into the run's stored config.
        tmdb = _tmdb(
            request,
            base_url=settings.url,
            api_key=dg.EnvVar("TMDB_API_KEY"),
            rate_limit=request.rate_limit or settings.rate_limit,
            source="tmdb",
        )
        yield Source(f"TMDb API at {settings.url}", [date.today().year], tmdb)
        return

    from movie_assets.demo import DEMO_YEARS, generate_demo_catalogue
    from movie_assets.tmdb.emulator import Emulator, EmulatorConfig

    with Emulator(generate_demo_catalogue(), EmulatorConfig(api_key=DEMO_KEY)) as emulator:
        say(f"No TMDB_API_KEY: serving the synthetic demo catalogue via the TMDb emulator at {emulator.url}")
        tmdb = _tmdb(
            request,
            base_url=emulator.url,
            api_key=DEMO_KEY,
            rate_limit=request.rate_limit or DEMO_RATE_LIMIT,
            # Recorded with each harvested year so indexes and front ends can label the data synthetic.
            source="demo",
        )
        yield Source(f"synthetic demo catalogue (emulator at {emulator.url})", list(DEMO_YEARS), tmdb)


def run_config(settings: Settings, tmdb: TMDbResource) -> dict[str, Any]:
    """The run config of every run of a build: its resources' settings and an INFO console log."""
    resources = {
        "data": DataHome(home=str(settings.home)),
        "tmdb": tmdb,
        "embedder": EmbedderResource(model_name=settings.embed_model),
    }
    return dg.RunConfig(resources=resources, loggers=LOG_CONFIG).to_config_dict()


def _run_plan(request: BuildRequest, at: Position, say: Say) -> int:
    storage = prepare_instance_env(request.settings.home)
    from movie_assets.definitions import defs  # here: a dry run has no use for the asset modules

    instance = dg.DagsterInstance.get()
    say(f"Dagster instance: {os.environ['DAGSTER_HOME']} (storage {storage})")
    for run_id in fail_dead_builds(instance):
        say(f"Marked run {run_id[:8]} failed: the build that ran it was killed (its TMDb pool slot is freed)")
    with open_source(request, say) as source, SigintWatch() as ctrl_c:
        at.years = list(request.years or source.default_years)
        say(f"Building years {at.years[0]}-{at.years[-1]} from the {source.description}")
        config = run_config(request.settings, source.tmdb)
        for job_name, partition in plan(at.years):
            at.job, at.partition, at.step = job_name, partition, ""
            result = execute(defs, job_name, partition, instance, config)
            step = interrupted_step(result)
            # A Ctrl-C Dagster noted after the run's last step is dropped when the run ends: the watch has it.
            if step is not None or ctrl_c.pressed():
                at.step = step or ""
                keep_stopped(instance, result)
                raise KeyboardInterrupt
            label = f"{job_name}" + (f" [{partition}]" if partition else "")
            if not result.success:
                say(f"FAILED {label}: {root_cause(result)}")
                return 1
            say(f"done {label} (run {result.run_id[:8]})")
    say('Build complete. Try: movie-assets search "malayalam investigative thriller after 2020"')
    return 0


def run_build(request: BuildRequest, say: Say = print) -> int:
    """Materialize the whole graph for the request's years: 0 built, 1 a run failed, 130 Ctrl-C.

    Raises BuildError (or InstallError) before anything runs when the build cannot finish.
    """
    at = Position()
    try:
        check_install(request.settings.embed_model)
        return _run_plan(request, at, say)
    except KeyboardInterrupt:
        return report_interrupt("build", at.interrupted())


def command(args: argparse.Namespace) -> int:
    """`movie-assets build [--dry-run]`: exit 2 with one line for a request that cannot start."""
    try:
        request = read_request(args)
    except ValueError as exc:  # a bad flag or a malformed variable
        print(f"movie-assets build: {exc}", file=sys.stderr)
        return 2
    try:
        if args.dry_run:
            from movie_assets.cli.dry_run import run_dry_run

            return run_dry_run(request)
        return run_build(request)
    except (BuildError, InstallError) as exc:
        print(f"movie-assets build: {exc}", file=sys.stderr)
        return 2
