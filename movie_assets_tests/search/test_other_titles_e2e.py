"""Other titles end to end: the demo catalogue served by the emulator, harvested with its other-title blocks,
built into a catalogue and an artifact set (fake embedder) by the assets, then a film found by its
original-script title through the CLI and liked by it ("like <script title>") through the Searcher."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from movie_assets.assets.catalog import movies
from movie_assets.assets.embeddings import movie_documents, movie_embeddings
from movie_assets.assets.harvest import discovered_movies, movie_details
from movie_assets.assets.indexes import search_artifacts
from movie_assets.assets.reference import tmdb_genres, tmdb_languages
from movie_assets.cli.search import main
from movie_assets.demo.catalogue import generate_demo_catalogue
from movie_assets.index import fold
from movie_assets.resources import DataHome, TMDbResource
from movie_assets.search import Searcher
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig
from movie_assets_tests.fakes import FAKE_EMBEDDER, FakeEmbedderResource

pytestmark = pytest.mark.integration

ASSETS = [tmdb_languages, tmdb_genres, discovered_movies, movie_details, movies, movie_documents,
          movie_embeddings, search_artifacts]  # fmt: skip
YEAR = 2013
KEY = "other-titles-test-key-01"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("other_titles")
    catalogue = generate_demo_catalogue(n=400, years=(YEAR,), seed=7)
    with Emulator(catalogue, EmulatorConfig(api_key=KEY)) as served:
        resources = {
            "data": DataHome(home=str(root)),
            "tmdb": TMDbResource(base_url=served.url, api_key=KEY, rate_limit=1000),
            "embedder": FakeEmbedderResource(model_name=FAKE_EMBEDDER.name),
        }
        instance = dg.DagsterInstance.ephemeral()
        assert dg.materialize(ASSETS, selection=ASSETS[:2], resources=resources, instance=instance).success
        yearly = ASSETS[2:7]
        assert dg.materialize(
            ASSETS, selection=yearly, partition_key=str(YEAR), resources=resources, instance=instance
        ).success
        assert dg.materialize(
            ASSETS, selection=[search_artifacts], resources=resources, instance=instance
        ).success
    return root


def _non_latin(text: str) -> bool:
    return any(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN") for ch in text)


@pytest.fixture(scope="module")
def film(home: Path) -> dict:
    """The most voted film whose original title is one word of another script that no other film bears,
    and which has a romanised other title of its own."""
    table = pl.read_parquet(home / "processed" / "movies_parquet" / f"year={YEAR}" / "movies.parquet")
    spellings = [fold(t) for row in table.select("title", "original_title", "alt_titles").iter_rows()
                 for t in (row[0], row[1], *row[2]) if t]  # fmt: skip
    for row in table.sort("vote_count", descending=True).iter_rows(named=True):
        script, others = row["original_title"], row["alt_titles"]
        latin = [t for t in others if t.isascii() and spellings.count(fold(t)) == 1]
        one_word = len(script.split()) == 1 and _non_latin(script)
        if one_word and spellings.count(fold(script)) == 1 and latin and fold(row["title"]) != fold(latin[0]):
            return {**row, "romanised": latin[0]}
    raise AssertionError("the demo catalogue has no film with a one-word script title and a romanised one")


def test_a_film_is_found_by_its_script_title_through_the_cli(
    home: Path, film: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOVIE_ASSETS_HOME", str(home))
    monkeypatch.setenv("EMBED_MODEL_NAME", FAKE_EMBEDDER.name)  # the CLI checks the manifest's model
    for query in (film["original_title"], film["romanised"]):
        assert main([query, "--method", "bm25", "--k", "3", "--json"]) == 0
        hits = json.loads(capsys.readouterr().out)
        assert hits[0]["movie_id"] == film["movie_id"], (query, [h["title"] for h in hits])
        assert hits[0]["original_title"] == film["original_title"]
        assert hits[0]["alt_titles"] == film["alt_titles"]


def test_like_its_script_title_takes_that_film_as_the_seed(home: Path, film: dict) -> None:
    searcher = Searcher.open(home / "processed" / "artifacts", embedder=FAKE_EMBEDDER)
    whole = searcher.search(film["original_title"], k=3)
    assert whole.parsed is not None and whole.parsed.title == film["original_title"]
    assert whole.hits[0].movie_id == film["movie_id"]
    for seeded in (searcher.search(f"like {film['original_title']}", k=5),
                   searcher.search("", like=[film["romanised"]], k=5)):  # fmt: skip
        assert [(s.movie_id, s.liked) for s in seeded.seeds] == [(film["movie_id"], True)]
        assert seeded.hits and film["movie_id"] not in [h.movie_id for h in seeded.hits]
        assert any(r.kind == "seed" for h in seeded.hits for r in h.why)
