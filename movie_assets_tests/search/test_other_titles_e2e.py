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


def test_like_a_title_takes_a_film_titled_so_before_a_more_voted_one_known_so_elsewhere(home: Path) -> None:
    """The demo's "Rain in Idukki" is released elsewhere as Mazha, and a less voted film is titled Mazha:
    "like Mazha" means the film called Mazha. So for every spelling that is some films' title (or original
    title) and a more voted film's other title; a whole-title query of two words or more puts the films
    titled so first too."""
    table = pl.read_parquet(home / "processed" / "movies_parquet" / f"year={YEAR}" / "movies.parquet")
    own: dict[str, list[tuple[int, int]]] = {}  # spelling -> (votes, movie_id) of the films titled so
    elsewhere: dict[str, int] = {}  # spelling -> the most votes of a film bearing it as another title
    spelled: dict[str, str] = {}
    for row in table.iter_rows(named=True):
        titles = {fold(row["title"]): row["title"], fold(row["original_title"]): row["original_title"]}
        for key, title in titles.items():
            own.setdefault(key, []).append((row["vote_count"], row["movie_id"]))
            spelled.setdefault(key, title)
        for key in {fold(t) for t in row["alt_titles"]} - titles.keys():
            elsewhere[key] = max(elsewhere.get(key, -1), row["vote_count"])
    cases = {key: own[key] for key in own.keys() & elsewhere.keys() if elsewhere[key] > max(own[key])[0]}
    assert "mazha" in cases and len(cases) >= 3, sorted(cases)
    searcher = Searcher.open(home / "processed" / "artifacts", embedder=FAKE_EMBEDDER)
    (seed,) = searcher.search("like Mazha", k=3).seeds
    assert seed.movie_id == max(cases["mazha"])[1] and seed.title == "Mazha"
    read_as_titles = 0
    for key, films in sorted(cases.items()):
        most = max(votes for votes, _ in films)
        (taken,) = searcher.search("", like=[spelled[key]], k=3).seeds
        assert (most, taken.movie_id) in films, (spelled[key], taken)
        whole = searcher.search(spelled[key], k=len(films) + 1)
        if whole.parsed is not None and whole.parsed.title:
            read_as_titles += 1
            lifted = [h.movie_id for h in whole.hits][: len(films)]
            assert sorted(lifted) == sorted(i for _, i in films), (spelled[key], lifted)
    assert read_as_titles  # "The Mix-Up": a title of two words, another title of a more voted film
