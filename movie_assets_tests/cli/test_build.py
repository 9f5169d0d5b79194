from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from movie_assets.assets.harvest import DISCOVERED_FILE, discovered_movies
from movie_assets.cli.build import (
    BuildError,
    BuildRequest,
    open_source,
    parse_years,
    read_request,
    run_config,
)
from movie_assets.cli.main import main, parser
from movie_assets.resources import DataHome, EmbedderResource, TMDbResource
from movie_assets.tmdb import iter_catalogue

TODAY = date(2026, 11, 23)


def _request(*flags: str, **environ: str) -> BuildRequest:
    return read_request(parser().parse_args(["build", *flags]), environ)


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("2021", [2021]),
        ("2019-2021", [2019, 2020, 2021]),
        (" 2020 - 2020 ", [2020]),
        ("1874", [1874]),
        ("2026", [2026]),
    ],
)
def test_parse_years(text: str, years: list[int]) -> None:
    assert parse_years(text, today=TODAY) == years


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "must look like"),
        ("2021-", "must look like"),
        ("20", "must look like"),
        ("2022-2020", "first year is after the last"),
        ("1800", "within 1874-2026"),
        ("2020-2030", "within 1874-2026"),
    ],
)
def test_parse_years_rejects_nonsense(text: str, message: str) -> None:
    with pytest.raises(BuildError, match=message):
        parse_years(text, today=TODAY)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--years", "3000"], "--years 3000"),
        (["--languages", "english"], "ISO 639-1"),
        (["--min-votes", "-1"], "min_votes must be 0 or more"),
        (["--rate-limit", "0"], "--rate-limit must be a positive number"),
    ],
)
def test_cli_reports_bad_flags_with_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("movie-assets build: ") and message in err


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TMDB_RATE_LIMIT": "fast"}, "TMDB_RATE_LIMIT must be a number"),
        ({"TMDB_SCOPE_MIN_VOTES": "many"}, "TMDB_SCOPE_MIN_VOTES must be a whole number"),
        ({"TMDB_SCOPE_LANGUAGES": "english"}, "ISO 639-1"),
    ],
)
def test_a_malformed_variable_stops_the_build_before_it_starts(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _request(**environ)


def test_flags_override_the_environment_defaults_field_by_field() -> None:
    environ = {"TMDB_SCOPE_LANGUAGES": "ta", "TMDB_SCOPE_MIN_VOTES": "3", "MOVIE_ASSETS_HOME": "/tmp/h"}
    scope = _request("--languages", "ml,TE", **environ).scope
    assert (scope.languages, scope.min_votes, scope.include_adult) == (("ml", "te"), 3, False)
    assert (
        _request("--min-votes", "0", "--include-adult", **environ).scope.describe()
        == "languages=ta include_adult"
    )
    assert _request("--languages", "", **environ).scope.languages == ()  # explicitly every language


def test_base_url_without_key_is_refused() -> None:
    request = _request(TMDB_BASE_URL="http://127.0.0.1:9/3")
    with pytest.raises(BuildError, match="TMDB_API_KEY is not"), open_source(request, print):
        pass


def test_a_key_alone_selects_the_real_api_and_its_runs_read_the_key_themselves() -> None:
    before = dict(os.environ)
    request = _request("--rate-limit", "12.5", "--languages", "ml", TMDB_API_KEY="k-secret-value")
    with open_source(request, print) as source:
        assert source.description == "TMDb API at https://api.themoviedb.org/3"
        assert source.default_years == [date.today().year]
        config = run_config(request.settings, source.tmdb)
    assert config["resources"]["tmdb"]["config"] == {
        "base_url": "https://api.themoviedb.org/3",
        # The run resolves the variable: the key itself is never stored with the run.
        "api_key": {"env": "TMDB_API_KEY"},
        "rate_limit": 12.5,
        "languages": ["ml"],
        "min_votes": 0,
        "include_adult": False,
        "source": "tmdb",
    }
    assert "k-secret-value" not in json.dumps(config)
    assert dict(os.environ) == before


def test_the_demo_build_passes_its_emulator_and_the_scope_as_run_config(tmp_path: Path) -> None:
    before = dict(os.environ)
    request = _request("--languages", "ml", "--min-votes", "5", MOVIE_ASSETS_HOME=str(tmp_path))
    with open_source(request, print) as source:
        config = run_config(request.settings, source.tmdb)
        tmdb = config["resources"]["tmdb"]["config"]
        assert tmdb["base_url"].startswith("http://127.0.0.1:") and tmdb["api_key"] == "demo-key"
        assert (tmdb["rate_limit"], tmdb["source"]) == (1000.0, "demo")
        assert config["resources"]["data"]["config"] == {"home": str(tmp_path)}
        # What a run from the definitions gets: unset resources, configured by the build's run config.
        resources = {"data": DataHome(), "tmdb": TMDbResource(), "embedder": EmbedderResource()}
        result = dg.materialize(
            [discovered_movies], resources=resources, run_config=config, partition_key="2024"
        )
    assert result.success
    assert dict(os.environ) == before  # nothing travelled through the environment
    discover = tmp_path / "raw" / "discover" / "year=2024"
    movies = list(iter_catalogue(discover / DISCOVERED_FILE))
    assert movies and all(m["original_language"] == "ml" and m["vote_count"] >= 5 for m in movies)
    assert json.loads((discover / "source.json").read_text())["source"] == "demo"


def test_a_build_materializes_the_whole_graph_but_the_refresh_in_dependency_order() -> None:
    from movie_assets.cli.runs import plan
    from movie_assets.definitions import defs

    jobs = plan([2023, 2024])
    assert [job for job, _ in jobs] == [
        "reference_job", "yearly_job", "yearly_job", "catalog_job", "ranker_job", "reports_job"
    ]  # fmt: skip
    built = set().union(*(defs.resolve_job_def(job).asset_layer.selected_asset_keys for job, _ in jobs))
    # Only the scheduled incremental refresh's own asset is left to its job.
    unbuilt = set(defs.resolve_asset_graph().get_all_asset_keys()) - built
    assert {key.to_user_string() for key in unbuilt} == {"catalog_changes"}


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ({}, " before the first run; nothing was built: run the same command again to build"),
        (
            {"job": "yearly_job", "partition": "2020", "step": "movie_details"},
            " during yearly_job [2020] at movie_details. Nothing built is lost: run the same command "
            "again to finish (years already built are kept; 2020 resumes where it stopped), or run it "
            "with --years 2020-2021 to skip the years already built",
        ),
        (
            {"job": "catalog_job", "step": "search_artifacts"},
            " during catalog_job at search_artifacts. Nothing built is lost: "
            "run the same command again to finish",
        ),
    ],
)
def test_an_interrupted_build_says_where_it_stopped_and_how_to_go_on(where: dict, says: str) -> None:
    from movie_assets.cli.runs import Position

    assert Position(years=[2019, 2020, 2021], **where).interrupted() == says
