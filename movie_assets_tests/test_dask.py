"""The same asset graph on a distributed engine: year partitions and the index on a dask LocalCluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from movie_assets.assets import catalog, embeddings, harvest, indexes, reference
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.partitions import year_partitions
from movie_assets.paths import DataPaths
from movie_assets.resources import DataHome, TMDbResource
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig
from movie_assets_tests.fakes import FakeEmbedderResource
from movie_assets_tests.processes import python_at_once

pytest.importorskip("dagster_dask", reason="the `dask` extra is not installed")
from movie_assets.executors import dask_executor  # noqa: E402  (needs the extra)

pytestmark = pytest.mark.integration

YEARS = (2020, 2021)
KEY = "dask-test-key-0123"
YEARLY = ("discovered_movies", "movie_details", "movies", "movie_documents", "movie_embeddings")
INDEX = ("dense_index", "bm25_index", "search_payload")
# Threads in this process instead of worker processes: the test stays light on a small machine, and
# the steps still travel through the dask scheduler exactly as they would to remote workers.
CLUSTER = {
    "cluster": {
        "local": {"n_workers": 2, "threads_per_worker": 1, "processes": False, "dashboard_address": ":0"}
    }
}


def _defs() -> dg.Definitions:
    on_dask = {"executor_def": dask_executor}
    return dg.Definitions(
        assets=dg.load_assets_from_modules([reference, harvest, catalog, embeddings, indexes]),
        jobs=[
            dg.define_asset_job(
                "dask_yearly_job", selection=list(YEARLY), partitions_def=year_partitions, **on_dask
            ),
            dg.define_asset_job("dask_index_job", selection=list(INDEX), **on_dask),
        ],
        # Configured per run (see _run_config), so the run config travels to wherever a step runs.
        resources={
            "data": DataHome(),
            "tmdb": TMDbResource(),
            "embedder": FakeEmbedderResource(model_name="fake"),
        },
    )


def dask_yearly_job() -> dg.JobDefinition:
    return _defs().resolve_job_def("dask_yearly_job")


def dask_index_job() -> dg.JobDefinition:
    return _defs().resolve_job_def("dask_index_job")


@dataclass(frozen=True)
class Site:
    root: Path  # the data root is root/home, the instance root/dagster
    url: str  # the emulator

    @property
    def home(self) -> Path:
        return self.root / "home"


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[Site]:
    catalogue = generate_demo_catalogue(n=80, years=YEARS, seed=5)
    with Emulator(catalogue, EmulatorConfig(api_key=KEY)) as emulator:
        yield Site(tmp_path, emulator.url)


def _run_config(site: Site, **execution: Any) -> dict[str, Any]:
    tmdb = {"base_url": site.url, "api_key": KEY, "rate_limit": 1000}
    resources = {"data": {"config": {"home": str(site.home)}}, "tmdb": {"config": tmdb}}
    return {"resources": resources, **({"execution": {"config": execution}} if execution else {})}


def _instance(root: Path) -> dg.DagsterInstance:
    (root / "dagster").mkdir(exist_ok=True)
    return dg.DagsterInstance.local_temp(str(root / "dagster"), overrides={"telemetry": {"enabled": False}})


def _on_dask(job: Any, instance: dg.DagsterInstance, site: Site, **tags: str) -> bool:
    run_config = _run_config(site, **CLUSTER)
    with dg.execute_job(dg.reconstructable(job), instance, run_config=run_config, tags=tags) as result:
        return result.success


def test_the_index_assets_combine_the_year_partitions_on_a_dask_cluster(site: Site) -> None:
    with _instance(site.root) as instance:
        defs = _defs()
        for year in YEARS:  # the year partitions by the default executor (see the test below)
            run = defs.resolve_job_def("dask_yearly_job").execute_in_process(
                instance=instance, partition_key=str(year), run_config=_run_config(site)
            )
            assert run.success

        assert _on_dask(dask_index_job, instance, site)

    manifest = json.loads((site.home / "processed" / "artifacts" / "manifest.json").read_text())
    assert manifest["years"] == list(YEARS) and manifest["count"] > 0


def test_a_year_partition_runs_on_a_dask_cluster(site: Site) -> None:
    with _instance(site.root) as instance:
        assert _on_dask(dask_yearly_job, instance, site, **{"dagster/partition": str(YEARS[0])})
        runs = instance.get_runs()
        materialized = instance.get_materialized_partitions(dg.AssetKey("movie_embeddings"))

    assert [run.tags["dagster/partition"] for run in runs] == [str(YEARS[0])]
    assert materialized == {str(YEARS[0])}
    assert DataPaths(site.home).movies_file(YEARS[0]).is_file()


def _run_year_on_cluster(address: str, root: str, url: str, year: str) -> None:
    """One run of the year job, as a run worker process would launch it, on the scheduler at `address`."""
    config = _run_config(Site(Path(root), url), cluster={"existing": {"address": address}})
    tags = {"dagster/partition": str(year)}
    with (
        _instance(Path(root)) as instance,
        dg.execute_job(dg.reconstructable(dask_yearly_job), instance, run_config=config, tags=tags) as result,
    ):
        print(json.dumps(result.success))


def test_two_year_runs_at_once_on_one_cluster_each_build_their_own_year(site: Site) -> None:
    # A backfill on a shared scheduler: dask must not mistake the second run's steps for the first's.
    from distributed import LocalCluster

    # Worker processes, as on real machines: Dagster steps capture their process's output, so two steps
    # must not share one process.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        _instance(site.root).dispose()  # create the storage once, before two processes open it
        code = (
            "import sys; from movie_assets_tests import test_dask as t; t._run_year_on_cluster(*sys.argv[1:])"
        )
        address = cluster.scheduler_address
        runs = [(address, str(site.root), site.url, str(year)) for year in YEARS]
        assert python_at_once(code, runs) == [True, True]

    with _instance(site.root) as instance:
        materialized = instance.get_materialized_partitions(dg.AssetKey("movie_embeddings"))
    assert materialized == {str(year) for year in YEARS}
    assert all(DataPaths(site.home).movies_file(year).is_file() for year in YEARS)
