from __future__ import annotations

import os
from datetime import date

import pytest

from movie_assets.cli.build import BuildError, open_source, parse_years
from movie_assets.cli.main import main

TODAY = date(2026, 11, 23)


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


def test_cli_reports_bad_years_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--years", "3000"]) == 2
    assert "--years 3000" in capsys.readouterr().err


def test_base_url_without_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMDB_BASE_URL", "http://127.0.0.1:9/3")
    monkeypatch.delenv("TMDB_API_KEY", raising=False)
    with pytest.raises(BuildError, match="TMDB_API_KEY is not"), open_source(None, print):
        pass


def test_a_key_alone_selects_the_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMDB_BASE_URL", raising=False)
    monkeypatch.setenv("TMDB_API_KEY", "k")
    with open_source(12.5, print) as source:
        assert "api.themoviedb.org" in source.description
        assert source.default_years == [date.today().year]
        assert os.environ["TMDB_RATE_LIMIT"] == "12.5"
    assert "TMDB_RATE_LIMIT" not in os.environ or os.environ["TMDB_RATE_LIMIT"] != "12.5"
