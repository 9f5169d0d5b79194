"""`movie-assets build`: materialize the whole asset graph for some years, in-process, on the shared instance.

Source: `TMDB_BASE_URL` set → harvest from it (needs `TMDB_API_KEY`); else `TMDB_API_KEY` set → the real
API; else → the synthetic demo catalogue served by the emulator on a free loopback port.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import dagster as dg

from movie_assets.config import DEFAULT_BASE_URL, load_dotenv_once
from movie_assets.instance import build_tags, fail_dead_builds, prepare_instance_env
from movie_assets.partitions import FIRST_YEAR
from movie_assets.tmdb import SOURCE_ENV

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")
DEMO_KEY = "demo-key"
# Loopback needs no throttle; a real API keeps TMDB_RATE_LIMIT (default 35/s).
DEMO_RATE_LIMIT = "1000"
LOG_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


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
class Source:
    description: str
    default_years: list[int]


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def open_source(rate_limit: float | None, say: Callable[[str], None]) -> Iterator[Source]:
    """Choose where to harvest from and, for the demo, serve it for the duration of the build."""
    overrides = {"TMDB_RATE_LIMIT": str(rate_limit)} if rate_limit else {}
    base_url, key = os.environ.get("TMDB_BASE_URL"), os.environ.get("TMDB_API_KEY")
    this_year = [date.today().year]
    if base_url or key:
        if not key:
            raise BuildError(
                f"TMDB_BASE_URL is set ({base_url}) but TMDB_API_KEY is not; set the key for that server"
            )
        with _env(overrides):
            yield Source(f"TMDb API at {base_url or DEFAULT_BASE_URL}", this_year)
        return

    from movie_assets.demo import DEMO_YEARS, generate_demo_catalogue
    from movie_assets.tmdb.emulator import Emulator, EmulatorConfig

    with Emulator(generate_demo_catalogue(), EmulatorConfig(api_key=DEMO_KEY)) as emulator:
        say(f"No TMDB_API_KEY: serving the synthetic demo catalogue via the TMDb emulator at {emulator.url}")
        env = {"TMDB_BASE_URL": emulator.url, "TMDB_API_KEY": DEMO_KEY, "TMDB_RATE_LIMIT": DEMO_RATE_LIMIT}
        # Recorded with each harvested year so indexes and front ends can label the data synthetic.
        env[SOURCE_ENV] = "demo"
        with _env({**env, **overrides}):
            yield Source(f"synthetic demo catalogue (emulator at {emulator.url})", list(DEMO_YEARS))


def _root_cause(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            return f"{event.step_key}: {error.message.strip()}"
    failed = [e.asset_check_evaluation_data for e in result.all_events if e.is_asset_check_evaluation]
    bad = [f"{c.asset_key.to_user_string()}.{c.check_name}" for c in failed if c and not c.passed]
    return f"failed checks: {', '.join(bad)}" if bad else "the run failed (see the log above)"


def run_build(years: Sequence[int] | None = None, *, rate_limit: float | None = None, say=print) -> int:  # noqa: ANN001
    """Materialize reference lists, every year's pipeline, then the catalogue-wide artifacts; 0 on success."""
    load_dotenv_once()
    storage = prepare_instance_env()
    from movie_assets.definitions import defs  # after the instance environment is set

    instance = dg.DagsterInstance.get()
    say(f"Dagster instance: {os.environ['DAGSTER_HOME']} (storage {storage})")
    for run_id in fail_dead_builds(instance):
        say(f"Marked run {run_id[:8]} failed: the build that ran it was killed (its TMDb pool slot is freed)")
    with open_source(rate_limit, say) as source:
        chosen = list(years or source.default_years)
        say(f"Building years {chosen[0]}-{chosen[-1]} from the {source.description}")
        plan: list[tuple[str, str | None]] = [("reference_job", None)]
        plan += [("yearly_job", str(year)) for year in chosen]
        plan.append(("catalog_job", None))
        for job_name, partition in plan:
            label = f"{job_name}" + (f" [{partition}]" if partition else "")
            result = defs.resolve_job_def(job_name).execute_in_process(
                instance=instance,
                partition_key=partition,
                run_config=LOG_CONFIG,
                tags=build_tags(),
                raise_on_error=False,
            )
            if not result.success:
                say(f"FAILED {label}: {_root_cause(result)}")
                return 1
            say(f"done {label} (run {result.run_id[:8]})")
    say('Build complete. Try: movie-assets search "malayalam investigative thriller after 2020"')
    return 0
