"""The shared instance's concurrency: year runs side by side with one TMDb step at a time, and a killed
build that gives its TMDb slot back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from movie_assets.assets import catalog, embeddings, harvest, indexes, reference
from movie_assets.config import REPO_ROOT
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.instance import BUILD_PID_TAG, fail_dead_builds
from movie_assets.partitions import year_partitions
from movie_assets.paths import DataPaths
from movie_assets.resources import TMDB_POOL, DataHome, TMDbResource
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig
from movie_assets_tests.fakes import FakeEmbedderResource
from movie_assets_tests.processes import python_at_once

pytestmark = pytest.mark.integration

KEY = "concurrency-test-key-42"
YEARS = (2020, 2021)
TMDB_STEPS = {"discovered_movies", "movie_details"}


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
    catalogue = generate_demo_catalogue(n=400, years=YEARS, seed=11)
    with Emulator(catalogue, EmulatorConfig(api_key=KEY)) as emulator:
        _instance().dispose()  # create the storage once, before two processes open it
        code = (
            "import sys; from movie_assets_tests import test_concurrency as t; "
            "t._run_year(int(sys.argv[1]), *sys.argv[2:])"
        )
        finished = python_at_once(code, [[str(year), str(home), emulator.url] for year in YEARS])
    assert [run["success"] for run in finished] == [True, True]
    run_ids = [run["run_id"] for run in finished]

    with _instance() as instance:
        spans = [_step_spans(instance, run_id) for run_id in run_ids]
        info = instance.event_log_storage.get_concurrency_info(TMDB_POOL)
    runs = [(min(s for s, _ in run.values()), max(e for _, e in run.values())) for run in spans]
    assert runs[0][0] < runs[1][1] and runs[1][0] < runs[0][1], f"the two runs did not overlap: {runs}"
    tmdb = sorted(span for run in spans for step, span in run.items() if step in TMDB_STEPS)
    assert len(tmdb) == 4
    # A slot is claimed before STEP_START and given back after STEP_SUCCESS, so overlapping spans mean two
    # steps really held the slot at once. The slot table cannot show that (a second claim overwrites the
    # first), which is why the spans are compared. Dagster's SQLite storage claims with an unguarded
    # read-then-write, so two runs claiming in the same instant can both win: rare here, but real.
    overlaps = [(a, b) for a, b in zip(tmdb, tmdb[1:], strict=False) if b[0] < a[1]]
    assert overlaps == [], "two steps called TMDb at once"
    assert (info.limit, info.slot_count, info.claimed_slots) == (1, 1, [])
    assert all(DataPaths(home).movies_file(year).is_file() for year in YEARS)


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
                while (killed := _claimed_by_a_build(instance)) is None and time.monotonic() < deadline:
                    assert first.poll() is None, "the build ended before it held the TMDb slot"
                    time.sleep(0.2)
                assert killed, "the build never held the TMDb slot"
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
