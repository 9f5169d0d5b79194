"""The shared instance's concurrency: year runs side by side with one TMDb step at a time, and a killed
build that gives its TMDb slot back."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
import pytest

from movie_assets.assets import catalog, embeddings, harvest, indexes, reference
from movie_assets.config import REPO_ROOT
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.instance import BUILD_PID_TAG, fail_dead_builds
from movie_assets.partitions import year_partitions
from movie_assets.paths import DataPaths
from movie_assets.resources import TMDB_POOL, DataHome, TMDbResource
from movie_assets.tmdb.emulator.routes import path_kind
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig
from movie_assets_tests.fakes import FakeEmbedderResource
from movie_assets_tests.processes import python_at_once

pytestmark = pytest.mark.integration

KEY = "concurrency-test-key-42"
YEARS = (2020, 2021)
TMDB_KINDS = {"discover", "movie"}  # what the two harvest steps ask TMDb for


def yearly_job() -> dg.JobDefinition:
    defs = dg.Definitions(
        assets=dg.load_assets_from_modules([reference, harvest, catalog, embeddings, indexes]),
        jobs=[
            dg.define_asset_job(
                "yearly_job",
                selection=[
                    "discovered_movies",
                    "movie_details",
                    "movies",
                    "movie_documents",
                    "movie_embeddings",
                ],
                partitions_def=year_partitions,
            )
        ],
        # Configured per run: each run worker gets the data root and the emulator as run config.
        resources={
            "data": DataHome(),
            "tmdb": TMDbResource(),
            "embedder": FakeEmbedderResource(model_name="x"),
        },
    )
    return defs.resolve_job_def("yearly_job")


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data root whose Dagster instance is the repo's dagster.yaml (pool limits, run queue).

    The instance's folders are environment variables because dagster.yaml reads them (as the CLI sets them).
    """
    home = tmp_path / "home"
    monkeypatch.setenv("MOVIE_ASSETS_DAGSTER_DIR", str(home / "dagster"))
    monkeypatch.setenv("MOVIE_ASSETS_DAGSTER_LOGS", str(home / "dagster" / "compute_logs"))
    (home / "dagster").mkdir(parents=True)
    yield home


def _instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(REPO_ROOT))


def _run_year(year: int, home: str, url: str) -> None:
    """One year run with the default multiprocess executor, as a run worker launched by a backfill."""
    # 40 requests/s: each year's harvest takes a few seconds, so the two runs' harvests would overlap.
    tmdb = {"base_url": url, "api_key": KEY, "rate_limit": 40}
    config = {"resources": {"data": {"config": {"home": home}}, "tmdb": {"config": tmdb}}}
    tags = {"dagster/partition": str(year)}
    with (
        _instance() as instance,
        dg.execute_job(dg.reconstructable(yearly_job), instance, run_config=config, tags=tags) as result,
    ):
        print(json.dumps({"year": year, "run_id": result.run_id, "success": result.success}))


def _harvest_without_pool(year: int, home: str, url: str) -> None:
    """The harvest steps of one year on an instance of its own: no pool stands between two such runs, as
    none does when two runs both win the same slot."""
    resources = {"data": DataHome(home=home), "tmdb": TMDbResource(base_url=url, api_key=KEY, rate_limit=40)}
    result = dg.materialize(
        [harvest.discovered_movies, harvest.movie_details],
        partition_key=str(year),
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
    )
    print(json.dumps({"year": year, "success": result.success}))


class TimedEmulator(Emulator):
    """The emulator, noting when each request arrived and its kind (discover, movie, ...)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: list[tuple[float, str]] = []

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        self.arrivals.append((time.monotonic(), path_kind(urlsplit(handler.path).path)))
        super()._answer(handler)

    def spans(self) -> dict[str, tuple[float, float]]:
        """kind -> (first, last arrival): one step's calls to TMDb, when each step calls one kind."""
        times: dict[str, list[float]] = {}
        for at, kind in self.arrivals:
            times.setdefault(kind, []).append(at)
        return {kind: (min(ts), max(ts)) for kind, ts in times.items()}


def _overlaps(spans: list[tuple[float, float]]) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    ordered = sorted(spans)
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if b[0] <= a[1]]


def _year_servers(years: tuple[int, ...]) -> list[TimedEmulator]:
    """One emulator per year, so each request tells which run sent it."""
    return [
        TimedEmulator(generate_demo_catalogue(n=200, years=(year,), seed=11), EmulatorConfig(api_key=KEY))
        for year in years
    ]


def _each_year_at_once(function: str, home: Path, urls: list[str]) -> list[Any]:
    """`function(year, home, url)` of this module for every year, each in its own interpreter, at once."""
    code = (
        "import sys; from movie_assets_tests import test_concurrency as t; "
        f"t.{function}(int(sys.argv[1]), *sys.argv[2:])"
    )
    return python_at_once(code, [[str(year), str(home), url] for year, url in zip(YEARS, urls, strict=True)])


def _step_spans(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float]]:
    starts, ends = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = record.timestamp
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            ends[event.step_key] = record.timestamp
    return {step: (starts[step], ends[step]) for step in starts}


def test_year_runs_go_side_by_side_with_one_tmdb_step_at_a_time(home: Path) -> None:
    servers = _year_servers(YEARS)
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(server).url for server in servers]
        _instance().dispose()  # create the storage once, before two processes open it
        finished = _each_year_at_once("_run_year", home, urls)
    assert [run["success"] for run in finished] == [True, True]
    run_ids = [run["run_id"] for run in finished]

    with _instance() as instance:
        spans = [_step_spans(instance, run_id) for run_id in run_ids]
        info = instance.event_log_storage.get_concurrency_info(TMDB_POOL)
    runs = [(min(s for s, _ in run.values()), max(e for _, e in run.values())) for run in spans]
    assert runs[0][0] < runs[1][1] and runs[1][0] < runs[0][1], f"the two runs did not overlap: {runs}"
    # What TMDb saw: each run's discover and details calls, four spans that must not overlap. The step
    # spans cannot show it: Dagster's SQLite storage claims a pool slot with an unguarded read-then-write,
    # so two steps may both start, and then one waits on the data home's TMDb lock inside its step.
    calls = [span for server in servers for kind, span in server.spans().items() if kind in TMDB_KINDS]
    assert len(calls) == 4
    assert _overlaps(calls) == [], "two steps called TMDb at once"
    assert (info.limit, info.slot_count, info.claimed_slots) == (1, 1, [])
    assert all(DataPaths(home).movies_file(year).is_file() for year in YEARS)


def test_two_harvests_that_both_won_the_pool_call_tmdb_one_after_the_other(home: Path) -> None:
    servers = _year_servers(YEARS)
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(server).url for server in servers]
        finished = _each_year_at_once("_harvest_without_pool", home, urls)
    assert [run["success"] for run in finished] == [True, True]
    calls = [span for server in servers for kind, span in server.spans().items() if kind in TMDB_KINDS]
    assert len(calls) == 4
    assert _overlaps(calls) == [], "two steps called TMDb at once"


HOLD_THE_LOCK = """
import sys, time
from pathlib import Path
from movie_assets.paths import DataPaths
from movie_assets.resources import TMDbResource
with TMDbResource().exclusive(DataPaths(Path(sys.argv[1])), print):
    print("held", flush=True)
    time.sleep(600)
"""


def _lock_is_free(home: Path) -> bool:
    with open(DataPaths(home).tmdb_lock, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def test_a_killed_holder_of_the_tmdb_lock_frees_it(home: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(home)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not _lock_is_free(home)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel let go of it with the process: nothing to clean up before the next build.
    assert _lock_is_free(home)


def _claimed_by_a_build(instance: dg.DagsterInstance) -> str | None:
    for slot in instance.event_log_storage.get_concurrency_info(TMDB_POOL).claimed_slots:
        run = instance.get_run_by_id(slot.run_id)
        if run is not None and BUILD_PID_TAG in run.tags:
            return run.run_id
    return None


def test_a_killed_build_gives_its_tmdb_slot_back_and_the_next_build_completes(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "DAGSTER_"))}
    with Emulator(generate_demo_catalogue(n=300, years=(2020,), seed=3), EmulatorConfig(api_key=KEY)) as emu:
        # The build's input is its environment, as a user's shell gives it.
        env.update(MOVIE_ASSETS_HOME=str(home), TMDB_BASE_URL=emu.url, TMDB_API_KEY=KEY, TMDB_RATE_LIMIT="20")
        build = [sys.executable, "-m", "movie_assets.cli.main", "build", "--years", "2020"]
        first = subprocess.Popen(build, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with _instance() as instance:
                deadline = time.monotonic() + 120
                # Killed in the middle of the details step (300 requests at 20/s: about 15 s of them), so the
                # slot is surely held; between the two harvest steps no step holds it.
                while not (
                    0 < emu.stats.by_kind.get("movie", 0) < 100 and (killed := _claimed_by_a_build(instance))
                ):
                    assert first.poll() is None, "the build ended before its details step held the TMDb slot"
                    assert time.monotonic() < deadline, "the build's details step never held the TMDb slot"
                    time.sleep(0.1)
                assert fail_dead_builds(instance) == []  # a live build is left alone
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()

        with _instance() as instance:
            assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.STARTED
            assert [
                slot.run_id
                for slot in instance.event_log_storage.get_concurrency_info(TMDB_POOL).claimed_slots
            ] == [killed]

        env["TMDB_RATE_LIMIT"] = "1000"
        again = subprocess.run(build, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert f"Marked run {killed[:8]} failed" in again.stdout
    with _instance() as instance:
        assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
        assert instance.event_log_storage.get_concurrency_info(TMDB_POOL).claimed_slots == []
    assert DataPaths(home).movies_file(2020).is_file()
