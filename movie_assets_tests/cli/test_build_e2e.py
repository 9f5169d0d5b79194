"""`movie-assets build` end to end as a user runs it: a subprocess, the real instance, the real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.index import documents_encoder
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig

SECRET = "wrong-secret-key-5f2c9d"


def _run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "MOVIE_ASSETS_", "DAGSTER_"))}
    clean.update({"MOVIE_ASSETS_HOME": str(home), **env})
    return subprocess.run(
        [sys.executable, "-m", "movie_assets.cli.main", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.integration
def test_offline_build_then_search(tmp_path: Path) -> None:
    build = _run(["build", "--years", "2024-2025"], tmp_path)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "synthetic demo catalogue" in build.stdout
    for year in (2024, 2025):
        assert (tmp_path / "processed" / "movies_parquet" / f"year={year}" / "movies.parquet").is_file()
    # The shared instance keeps runs and compute logs under the data root, not in the repo.
    assert (tmp_path / "dagster" / "compute_logs").is_dir()
    manifest = json.loads((tmp_path / "processed" / "artifacts" / "manifest.json").read_text())
    assert manifest["source"] == "demo" and manifest["years"] == [2024, 2025]
    # On a CPU the documents embed in int8-mixed (the default "auto"), and the set carries its ONNX query
    # encoder in that same precision, so queries and documents come from one encoder.
    assert documents_encoder(manifest) == f"{manifest['embedding_model']}@int8-mixed"
    assert manifest["extras"]["encoder"]["precision"] == "int8-mixed"
    assert "encoder/model.onnx" in manifest["files"]
    # The whole graph: the reports too, not left "never materialized".
    assert "done reports_job" in build.stdout
    assert (tmp_path / "reports" / "eval" / "search_eval.json").is_file()
    assert (tmp_path / "reports" / "catalog").is_dir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        for asset in ("search_eval", "catalog_report"):
            assert instance.get_latest_materialization_event(dg.AssetKey(asset)) is not None

    search = _run(["search", "malayalam investigative thriller", "--json", "--k", "10"], tmp_path)
    assert search.returncode == 0, search.stderr
    hits = json.loads(search.stdout)
    assert len(hits) == 10
    assert sum(hit["original_language"] == "ml" for hit in hits) >= 8

    # A damaged int8-mixed query encoder is made again from the packaged model in the searching process,
    # and used because it is byte for byte the build's (a new file: the cache's export is a hard link).
    encoder = tmp_path / "processed" / "artifacts" / "encoder" / "model.onnx"
    encoder.unlink()
    encoder.write_bytes(b"garbage")
    again = _run(["search", "malayalam investigative thriller", "--json", "--k", "10"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert "made it again from the packaged model" in again.stderr
    assert [h["movie_id"] for h in json.loads(again.stdout)] == [h["movie_id"] for h in hits]


@pytest.mark.integration
def test_a_bad_key_stops_the_build_cleanly(tmp_path: Path) -> None:
    with Emulator(
        generate_demo_catalogue(n=100, years=(2020,)), EmulatorConfig(api_key="the-right-key")
    ) as emu:
        build = _run(["build", "--years", "2020"], tmp_path, TMDB_BASE_URL=emu.url, TMDB_API_KEY=SECRET)
    output = build.stdout + build.stderr
    assert build.returncode == 1
    assert "TMDB_API_KEY" in output
    assert SECRET not in output
    assert not (tmp_path / "processed").exists()
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaked == []


@pytest.mark.integration
def test_a_scoped_build_reaches_the_harvest_as_run_config(tmp_path: Path) -> None:
    build = _run(["build", "--years", "2024", "--languages", "ml", "--min-votes", "5"], tmp_path)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "scope languages=ml min_votes=5" in build.stdout + build.stderr  # as the harvest logged it
    movies = pl.read_parquet(tmp_path / "processed" / "movies_parquet" / "year=2024" / "movies.parquet")
    assert movies.height > 0
    assert set(movies["original_language"]) == {"ml"} and movies["vote_count"].min() >= 5

    # The build's runs carry the scope in their stored run config (no TMDB_SCOPE_* was set).
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        (run,) = instance.get_runs(filters=dg.RunsFilter(job_name="yearly_job"))
    tmdb = run.run_config["resources"]["tmdb"]["config"]
    assert (tmdb["languages"], tmdb["min_votes"], tmdb["source"]) == (["ml"], 5, "demo")
