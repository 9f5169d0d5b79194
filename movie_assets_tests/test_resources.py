"""The resources as the UI and the schedule use them: unset fields take the environment's defaults when a
run starts; fields set by run config (as `movie-assets build` sets them) leave the environment alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from movie_assets.definitions import defs
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.resources import TMDbResource
from movie_assets.tmdb import HarvestScope, iter_catalogue
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig

KEY = "ui-run-test-key"
YEAR = 2024
TMDB_VARIABLES = ("TMDB_BASE_URL", "TMDB_API_KEY", "TMDB_RATE_LIMIT", "TMDB_SCOPE_LANGUAGES")
TMDB_VARIABLES += ("TMDB_SCOPE_MIN_VOTES", "TMDB_SCOPE_INCLUDE_ADULT")


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """An environment with no TMDb settings and a data root of its own, as a fresh `dagster dev` has."""
    for name in TMDB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(tmp_path))
    yield monkeypatch


def test_a_ui_run_takes_the_scope_and_server_from_the_environment(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    catalogue = generate_demo_catalogue(n=400, years=(YEAR,), seed=4)
    with Emulator(catalogue, EmulatorConfig(api_key=KEY)) as emulator:
        # What a user puts in .env (or the shell) before `movie-assets ui`.
        for name, value in {
            "TMDB_BASE_URL": emulator.url,
            "TMDB_API_KEY": KEY,
            "TMDB_RATE_LIMIT": "1000",
            "TMDB_SCOPE_LANGUAGES": "ml",
            "TMDB_SCOPE_MIN_VOTES": "5",
        }.items():
            clean_env.setenv(name, value)
        result = defs.resolve_job_def("yearly_job").execute_in_process(
            partition_key=str(YEAR), asset_selection=[dg.AssetKey("discovered_movies")]
        )
    assert result.success
    assert result.dagster_run.run_config == {}  # nothing came as run config
    discover = tmp_path / "raw" / "discover" / f"year={YEAR}"
    movies = list(iter_catalogue(discover / "movies.jsonl.gz"))
    hidden = ("adult", "video", "_deleted")  # never listed by discover without include_adult/include_video
    wanted = {
        m["id"]
        for m in catalogue
        if m["original_language"] == "ml" and m["vote_count"] >= 5 and not any(m.get(f) for f in hidden)
    }
    assert wanted and {m["id"] for m in movies} == wanted
    assert json.loads((discover / "source.json").read_text()) == {"source": "tmdb", "base_url": emulator.url}


def test_a_ui_run_without_a_key_fails_saying_how_to_get_one(clean_env: pytest.MonkeyPatch) -> None:
    result = defs.resolve_job_def("reference_job").execute_in_process(raise_on_error=False)
    assert not result.success
    messages = [
        e.step_failure_data.user_failure_data.description for e in result.all_events if e.is_step_failure
    ]
    assert len(messages) == 2  # tmdb_languages and tmdb_genres
    for message in messages:
        assert message.startswith(
            "TMDB_API_KEY is not set, so https://api.themoviedb.org/3 cannot be harvested"
        )
        assert "offline demo catalogue" in message


def test_a_configured_resource_does_not_read_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TMDB_RATE_LIMIT", "fast")  # would fail any read
    full = TMDbResource(
        base_url="http://127.0.0.1:9/3/",
        api_key="k",
        rate_limit=5,
        languages=["ML", "ta"],
        min_votes=0,
        include_adult=False,
    )
    assert full.settings().url == "http://127.0.0.1:9/3"
    assert full.scope() == HarvestScope(("ml", "ta"), 0, False)
    with pytest.raises(dg.Failure, match="TMDB_RATE_LIMIT must be a number"):
        TMDbResource(base_url="http://127.0.0.1:9/3").settings()


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (TMDbResource(languages=["english"], rate_limit=1), "harvest scope: languages must be ISO 639-1"),
        (TMDbResource(min_votes=-2, rate_limit=1), "harvest scope: min_votes must be 0 or more"),
    ],
)
def test_a_bad_scope_fails_the_run_with_its_reason(
    clean_env: pytest.MonkeyPatch, resource: TMDbResource, message: str
) -> None:
    with pytest.raises(dg.Failure, match=message):
        resource.scope()


def test_auto_precision_keeps_the_encoder_a_data_home_already_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A home embedded in fp32 (or on a GPU) stays fp32 under "auto", so a refresh never mixes encoders
    and nothing is re-embedded; a new or mixed home gets the machine's choice; a precision set wins."""
    import numpy as np
    import polars as pl

    from movie_assets import resources
    from movie_assets.index import write_vectors
    from movie_assets.paths import DataPaths
    from movie_assets.resources import EmbedderResource

    loaded: list[tuple[str, Path | None]] = []
    monkeypatch.setattr(
        resources, "_load_embedder", lambda name, backend, precision, root: loaded.append((precision, root))
    )
    auto = EmbedderResource(model_name="m")
    assert auto.precision_for(set()) == "auto"
    assert auto.precision_for({"m"}) == "fp32"
    assert auto.precision_for({"m@int8-mixed"}) == "int8-mixed"
    assert auto.precision_for({"m", "m@int8-mixed"}) == "auto"  # the index step says which year to redo
    assert auto.precision_for({"other-model"}) == "auto"
    assert EmbedderResource(model_name="m", precision="int8").precision_for({"m"}) == "int8"

    paths = DataPaths(tmp_path)
    docs = pl.DataFrame({"movie_id": [1], "doc_hash": ["a"], "document": ["x"]})
    auto.load_for(paths)
    write_vectors(docs, np.ones((1, 4), np.float32), "m", paths.embeddings_file(2020))
    auto.load_for(paths)
    write_vectors(docs, np.ones((1, 4), np.float32), "m", paths.embeddings_file(2021), encoder="m@int8")
    auto.load_for(paths)
    assert loaded == [(p, paths.encoder_cache_dir) for p in ("auto", "fp32", "auto")]
