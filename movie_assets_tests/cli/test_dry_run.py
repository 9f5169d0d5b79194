from __future__ import annotations

import pytest

from movie_assets.cli.main import main
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig


def _clear(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TMDB_BASE_URL", "TMDB_API_KEY", "TMDB_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)


def test_dry_run_estimates_the_demo_without_building(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    _clear(monkeypatch)
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(tmp_path))
    assert main(["build", "--dry-run", "--years", "2024"]) == 0
    out = capsys.readouterr().out
    assert "2024" in out and "requests" in out.lower()
    assert not (tmp_path / "processed").exists() and not (tmp_path / "raw").exists()


def test_dry_run_with_a_bad_key_exits_2_without_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _clear(monkeypatch)
    secret = "not-the-key-31337"
    with Emulator(
        generate_demo_catalogue(n=50, years=(2020,)), EmulatorConfig(api_key="the-right-key")
    ) as emulator:
        monkeypatch.setenv("TMDB_BASE_URL", emulator.url)
        monkeypatch.setenv("TMDB_API_KEY", secret)
        assert main(["build", "--dry-run", "--years", "2020"]) == 2
    captured = capsys.readouterr()
    assert "TMDB_API_KEY" in captured.out + captured.err
    assert secret not in captured.out + captured.err
