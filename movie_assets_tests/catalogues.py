"""Tiny catalogues the tests share, and the artifact sets built over them with the fake embedder."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.index.artifacts import write_artifacts
from movie_assets.index.documents import movie_documents
from movie_assets_tests.fakes import FakeEmbedder, make_movies, write_tiny_encoder

# -- the search library's catalogue: languages, year spread, near-duplicates, a title-only match ---------

SPACE = "Astronauts repair a failing space station orbiting Mars before the air runs out."
SEARCH_MOVIES: list[dict[str, Any]] = [
    dict(movie_id=1, title="Vikram Vedha", original_language="ta", year=2017, genres=["Crime", "Thriller"],
         overview="A police officer hunts a gangster through Chennai in a neo-noir crime.", vote_count=900),
    dict(movie_id=2, title="Drishyam", original_language="ml", year=2013, genres=["Thriller", "Drama"],
         overview="A family man hides a crime from an investigative police officer.", vote_count=800),
    dict(movie_id=3, title="Joji", original_language="ml", year=2021, genres=["Drama", "Thriller"],
         overview="An investigative thriller about a family, greed and a murder.", vote_count=100),
    dict(movie_id=4, title="Nayattu", original_language="ml", year=2021, genres=["Thriller"],
         overview="Three police officers run from a manhunt after a political murder.", vote_count=60),
    dict(movie_id=5, title="Heat", original_language="en", year=1995, genres=["Crime", "Action"],
         overview="A detective hunts a crew of bank robbers in Los Angeles.", vote_count=7000),
    dict(movie_id=6, title="Infernal Affairs", original_language="cn", year=2002, genres=["Crime"],
         overview="A police mole and a gangster mole hunt each other in Hong Kong.", vote_count=2000),
    dict(movie_id=7, title="Hero", original_language="zh", year=2002, genres=["Action"],
         overview="A nameless swordsman recounts duels in a wuxia epic of ancient China.", vote_count=1500),
    dict(movie_id=8, title="Space Station Alpha", year=2010, genres=["Science Fiction"], overview=SPACE),
    dict(movie_id=9, title="Space Station Beta", year=2011, genres=["Science Fiction"], overview=SPACE),
    dict(movie_id=10, title="Space Station Gamma", year=2012, genres=["Science Fiction"], overview=SPACE),
    dict(movie_id=11, title="Red Planet Garden", year=2015, genres=["Science Fiction"],
         overview="A stranded botanist grows potatoes on Mars and waits for a rescue from the station."),
    dict(movie_id=12, title="The Keeper", year=1950, genres=["Drama"], vote_count=3,
         overview="A lonely lighthouse keeper befriends a whale during a winter storm."),
    dict(movie_id=13, title="Blockbuster Punch", year=2024, genres=["Action"], vote_count=50_000,
         overview="Superheroes punch aliens across a city of glass towers."),
    dict(movie_id=14, title="Quiet Harbour", original_language="fr", year=1998, genres=["Romance"],
         overview="Two strangers share a table in a small harbour cafe.", vote_count=40),
]  # fmt: skip


# -- seed films ("like X", like/unlike): one title borne by several films, shared people and a collection --

_CRIME = "A family man hides a crime from a police officer who will not stop looking."
_DREAM = "A thief enters dreams to plant an idea in a rich heir's mind."
_CRIME_GENRES = ["Crime", "Thriller", "Drama"]
_SCIFI = ["Science Fiction", "Action", "Thriller"]
SEED_MOVIES: list[dict[str, Any]] = [
    dict(movie_id=101, title="Drishyam", original_language="ml", year=2013, genres=_CRIME_GENRES,
         overview=_CRIME, vote_count=900, directors=["Jeethu Joseph"],
         cast=["Mohanlal", "Meena", "Asha Sarath"], collection="Drishyam Collection",
         keywords=["police", "family", "cover up"]),
    dict(movie_id=102, title="Drishyam", original_language="hi", year=2015, genres=_CRIME_GENRES,
         overview=_CRIME, vote_count=1200, directors=["Nishikant Kamat"],
         cast=["Ajay Devgn", "Tabu", "Shriya Saran"], keywords=["police", "family", "remake"]),
    dict(movie_id=103, title="Drishyam 2", original_language="ml", year=2021, genres=["Crime", "Thriller"],
         overview="Six years on, the family man faces the police again.", vote_count=700,
         directors=["Jeethu Joseph"], cast=["Mohanlal", "Meena"], collection="Drishyam Collection",
         keywords=["police", "family", "sequel"]),
    dict(movie_id=104, title="Papanasam", original_language="ta", year=2015, genres=_CRIME_GENRES,
         overview=_CRIME, vote_count=300, directors=["Jeethu Joseph"], cast=["Kamal Haasan", "Gautami"]),
    dict(movie_id=105, title="Memories", original_language="ml", year=2013, genres=["Crime", "Thriller"],
         overview="A grieving detective hunts a serial killer in Kochi.", vote_count=200,
         cast=["Prithviraj Sukumaran", "Meena"]),
    dict(movie_id=106, title="Comedy Wedding", original_language="hi", year=2016,
         genres=["Comedy", "Romance"], overview="Two families clash over a wedding in a small town.",
         vote_count=400, cast=["Ajay Devgn"]),
    dict(movie_id=107, title="Dream Heist", original_language="en", year=2010, genres=_SCIFI,
         overview=_DREAM, vote_count=30_000, directors=["Christopher Nolan"],
         cast=["Leonardo DiCaprio", "Elliot Page", "Tom Hardy"], keywords=["dream", "heist", "subconscious"]),
    dict(movie_id=108, title="Star Voyage", original_language="en", year=2014,
         genres=["Science Fiction", "Drama", "Adventure"],
         overview="Astronauts cross a wormhole to find a new home.", vote_count=28_000,
         directors=["Christopher Nolan"], cast=["Matthew McConaughey", "Anne Hathaway"],
         keywords=["space", "time"]),
    dict(movie_id=109, title="Island Asylum", original_language="en", year=2010, genres=["Drama", "Thriller"],
         overview="A marshal investigates an island asylum.", vote_count=20_000,
         directors=["Martin Scorsese"], cast=["Leonardo DiCaprio", "Mark Ruffalo"]),
    dict(movie_id=110, title="Mind Thieves", original_language="en", year=2012,
         genres=["Science Fiction", "Thriller"], overview=_DREAM, vote_count=50, keywords=["dream", "heist"]),
    dict(movie_id=111, title="Sunny Picnic", original_language="en", year=2019, genres=["Comedy", "Family"],
         overview="A family picnic goes wrong in a funny way.", vote_count=500),
    dict(movie_id=112, title="Wedding Laughs", original_language="en", year=2018,
         genres=["Comedy", "Romance"], overview="A funny wedding planner falls for the groom's brother.",
         vote_count=600),
]  # fmt: skip


def build_search_artifacts(
    folder: Path, records: Sequence[Mapping[str, Any]] = SEARCH_MOVIES, exact_threshold: int = 100_000
) -> Path:
    """Artifacts over `records`, embedded by the fake embedder (named as the manifest records it)."""
    movies = make_movies(records)
    documents = movie_documents(movies)
    vectors = FakeEmbedder().encode(documents["document"].to_list())
    write_artifacts(
        movies, documents, vectors, folder, model_name=FakeEmbedder().name, exact_threshold=exact_threshold
    )
    return folder


def drop_last_payload_row(folder: Path) -> None:
    """Damage a built set: the payload loses its last movie, so the counts disagree."""
    path = folder / "search_payload.parquet"
    frame = pl.read_parquet(path)
    frame.head(frame.height - 1).write_parquet(path)


def edit_json(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    """Damage a built set's JSON file in place (the change edits the parsed object)."""
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


def edit_manifest(folder: Path, change: Callable[[dict[str, Any]], object]) -> None:
    edit_json(folder / "manifest.json", change)


# -- the evaluation's catalogue ---------------------------------------------------------------------------

SF, ROMANCE = "Science Fiction", "Romance"
# Title words appear in no other movie's document, so BM25 finds exactly the movies sharing title words:
# the three "Space Station" films, the two "Harbour" films, and the keeper alone.
EVAL_MOVIES: list[dict[str, Any]] = [
    dict(movie_id=1, title="Space Station Alpha", year=2010, genres=[SF], overview="Astronauts orbit Mars."),
    dict(movie_id=2, title="Space Station Beta", year=2012, genres=[SF], overview="Engineers fix a reactor."),
    dict(movie_id=3, title="Space Station Gamma", year=2016, genres=[SF, "Drama"], original_language="fr",
         overview="A crew returns to Earth."),
    dict(movie_id=4, title="Harbour Cafe", year=1998, genres=[ROMANCE], original_language="fr",
         overview="Two strangers share a table."),
    dict(movie_id=5, title="Harbour Lights", year=2000, genres=[ROMANCE], original_language="fr",
         overview="A fisherman waits for his son."),
    dict(movie_id=6, title="Lonely Keeper", year=1950, genres=["Drama"], overview="A man befriends a whale."),
]  # fmt: skip


# -- the artifact writer's catalogue: ids out of order, a long cast -----------------------------------------

ARTIFACT_RECORDS = [
    {"movie_id": 30, "title": "Nayattu", "original_language": "ml", "year": 2021, "genres": ["Thriller"],
     "overview": "Police officers on the run in Kerala.", "cast": [f"Actor {i}" for i in range(14)]},
    {"movie_id": 10, "title": "Notting Hill", "year": 1999, "release_date": date(1999, 5, 21),
     "overview": "A bookseller falls in love with an actress.", "genres": ["Romance", "Comedy"]},
    {"movie_id": 20, "title": "Interstellar", "year": 2014,
     "overview": "Astronauts travel through a wormhole."},
]  # fmt: skip


def artifact_inputs() -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    movies = make_movies(ARTIFACT_RECORDS)
    docs = movie_documents(movies)[[2, 0, 1]]  # another order than the movies, as a concat of years gives
    return movies, docs, FakeEmbedder().encode(docs["document"].to_list())


def build_onnx_artifacts(
    folder: Path, export: Path, records: Sequence[Mapping[str, Any]] = SEARCH_MOVIES, precision: str = "fp32"
) -> Path:
    """Artifacts over `records` embedded by the tiny ONNX encoder (`fakes.write_tiny_encoder`, written to
    `export`), which the set carries as its query encoder."""
    from movie_assets.index import ENCODER_DIR, OnnxEmbedder, encoder_writer

    embedder = OnnxEmbedder(write_tiny_encoder(export, precision=precision))
    movies = make_movies(records)
    documents = movie_documents(movies)
    write_artifacts(
        movies, documents, embedder.encode(documents["document"].to_list()), folder, model_name=embedder.name,
        extra_files={ENCODER_DIR: encoder_writer(export)}, encoder=embedder.identity,
    )  # fmt: skip
    return folder
