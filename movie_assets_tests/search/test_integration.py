"""The Searcher with the real MiniLM embedder on 201 synthetic movies, and a tiny local cross-encoder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from movie_assets.cli.search import main
from movie_assets.config import DEFAULT_EMBED_MODEL
from movie_assets.index.artifacts import write_artifacts
from movie_assets.index.documents import movie_documents
from movie_assets.search import ModelUnavailableError, Searcher, unavailable_methods
from movie_assets_tests.fakes import make_movies

pytestmark = pytest.mark.integration

CITIES = [
    ("ta", "Chennai"), ("ml", "Kochi"), ("hi", "Mumbai"), ("te", "Hyderabad"), ("ko", "Seoul"),
    ("ja", "Tokyo"), ("fr", "Paris"), ("es", "Madrid"), ("cn", "Hong Kong"), ("en", "Chicago"),
]  # fmt: skip
PLOTS = [
    ("Crime", "A weary detective tracks a ruthless gangster through the back streets of {city}."),
    ("Romance", "Two musicians fall in love over one rainy summer in {city}."),
    ("Comedy", "A clumsy chef opens a food truck in {city} and feuds with a rival vendor."),
    ("Horror", "A family moves into an old house outside {city} where something whispers at night."),
    ("Drama", "A retired teacher in {city} reconnects with her estranged son."),
    ("Action", "An ex-soldier fights a smuggling ring at the port of {city}."),
    ("Thriller", "A journalist in {city} uncovers a conspiracy inside the police force."),
    ("Animation", "A young girl and a talking fox search for a lost star above {city}."),
    ("Science Fiction", "Engineers in {city} build a machine that can pause time."),
    ("Family", "Three siblings in {city} train a stray dog for a talent show."),
    ("War", "A nurse shelters wounded soldiers in a ruined hospital near {city}."),
    ("Music", "A street drummer from {city} auditions for the national orchestra."),
    ("Mystery", "A librarian in {city} finds coded letters hidden in returned books."),
    ("Fantasy", "A locksmith in {city} discovers a door that opens onto another century."),
    ("Documentary", "Fishermen of {city} describe how the sea has changed in their lifetime."),
    ("Western", "A lone rider defends a desert town far from {city} against cattle thieves."),
    ("History", "The architect of {city}'s first bridge battles floods and politicians."),
    ("Adventure", "Two cousins from {city} cross the mountains to return a stolen idol."),
    ("Crime", "A pickpocket gang in {city} plans one last heist at the central bank."),
    ("Romance", "A wedding photographer in {city} keeps meeting the same stranger."),
]


def _synthetic_movies() -> list[dict[str, Any]]:
    movies = []
    for i, (language, city) in enumerate(CITIES):
        for j, (genre, plot) in enumerate(PLOTS):
            movies.append(
                dict(
                    movie_id=100 * i + j + 1,
                    title=f"{city} {genre} No. {j}",
                    original_language=language,
                    year=1960 + (7 * i + 3 * j) % 64,
                    genres=[genre],
                    overview=plot.format(city=city),
                    vote_count=(37 * j + 11 * i) % 5000,
                )  # fmt: skip
            )
    movies.append(
        dict(
            movie_id=5000,
            title="The Mariner",
            year=1971,
            genres=["Drama"],
            vote_count=12,
            overview="An old sailor drifting alone on the open sea befriends a seagull.",
        )  # fmt: skip
    )
    return movies


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from movie_assets.index.embedding import load_embedder

    embedder = load_embedder(DEFAULT_EMBED_MODEL, device="cpu")
    movies = make_movies(_synthetic_movies())
    documents = movie_documents(movies)
    folder = tmp_path_factory.mktemp("minilm") / "artifacts"
    write_artifacts(
        movies, documents, embedder.encode(documents["document"].to_list()), folder, model_name=embedder.name
    )
    return folder


@pytest.fixture(scope="module")
def searcher(artifacts: Path) -> Searcher:
    # No embedder given: the manifest's model loads on the first dense query.
    return Searcher.open(artifacts)


@pytest.fixture(autouse=True)
def _default_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMBED_MODEL_NAME", raising=False)


def test_language_query_finds_that_language(searcher: Searcher) -> None:
    result = searcher.search("Tamil neo-noir crime in Chennai", k=5)
    assert result.detected_language == "ta"
    top = result.hits[0]
    assert top.original_language == "ta" and "gangster" in (top.overview or "")
    assert top.components.dense_rank is not None and top.components.bm25_rank is not None


def test_dense_finds_a_paraphrase_bm25_cannot(searcher: Searcher) -> None:
    """No query word is in the document, yet the meaning is: the dense side carries it into hybrid."""
    query = "mariner adrift on the ocean makes friends with a gull"
    assert 5000 in [hit.movie_id for hit in searcher.search(query, k=5, method="retrieval").hits]
    hybrid = searcher.search(query, k=5)
    assert 5000 in [hit.movie_id for hit in hybrid.hits]


def test_hard_policy_and_year_cue(searcher: Searcher) -> None:
    result = searcher.search(
        "malayalam investigative thriller after 1990", k=10, lang_policy="auto-hard", constraints="off"
    )
    matched = result.hits[: result.matched]
    assert result.year_min == 1991 and matched and all(hit.year >= 1991 for hit in matched)
    ml = [hit.original_language == "ml" for hit in matched]
    assert ml[0] and ml == sorted(ml, reverse=True)
    # A thin list is topped up with movies outside the constraints, each saying what it misses.
    for hit in result.hits[result.matched :]:
        assert any(reason.kind == "unmet" for reason in hit.why), hit


def test_mmr_reconstructs_vectors(searcher: Searcher) -> None:
    result = searcher.search("detective hunts a gangster", k=8, method="mmr", mmr_lambda=0.5)
    assert len(result.hits) == 8 and len({hit.movie_id for hit in result.hits}) == 8


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-wide BERT cross-encoder with a 30-word vocabulary, saved as a local folder."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    words = "[PAD] [UNK] [CLS] [SEP] [MASK] a the in of and detective gangster chennai crime police".split()
    (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(words), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=256, num_labels=1,
    )  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True).save_pretrained(folder)
    return folder


def test_ce_with_a_local_cross_encoder(
    artifacts: Path, tiny_cross_encoder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CROSS_ENCODER_NAME may name a local folder; ce scores are its sigmoid outputs, best first."""
    from sentence_transformers import CrossEncoder

    monkeypatch.setenv("CROSS_ENCODER_NAME", str(tiny_cross_encoder))
    assert unavailable_methods() == {}  # the file check finds it, so front ends offer ce
    result = Searcher.open(artifacts).search(
        "detective gangster crime", k=5, method="ce", lang_policy="off", constraints="off"
    )
    scores = np.array([hit.score for hit in result.hits])
    assert len(scores) == 5 and np.all((scores > 0) & (scores < 1)) and np.all(np.diff(scores) <= 0)
    reference = CrossEncoder(str(tiny_cross_encoder), local_files_only=True)
    top = result.hits[0]
    passage = f"{top.title} ({top.year}). {', '.join(top.genres)}. {top.overview}"
    expected = reference.predict([("detective gangster crime", passage)], show_progress_bar=False)[0]
    assert top.score == pytest.approx(float(expected), abs=1e-5)


def test_missing_cross_encoder(artifacts: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    """An absent cross-encoder is one clear error: the model, and to point CROSS_ENCODER_NAME at a folder.
    It is looked for in local files only, without setting HF_HUB_OFFLINE for the process."""
    monkeypatch.setenv("CROSS_ENCODER_NAME", "nobody/no-such-cross-encoder")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(
        ModelUnavailableError, match="'nobody/no-such-cross-encoder' cannot be loaded offline"
    ):
        Searcher.open(artifacts).search("crime", method="ce")
    capsys.readouterr()
    assert main(["crime", "--method", "ce", "--artifacts", str(artifacts)]) == 3
    err = capsys.readouterr().err
    assert (
        len(err.strip().splitlines()) == 1 and "set CROSS_ENCODER_NAME to a local cross-encoder folder" in err
    )
    assert "HF_HUB_OFFLINE" not in os.environ


def test_the_command_loads_the_model_without_a_word_on_stderr(artifacts: Path, capsys: Any) -> None:
    """Model loaders draw progress bars; the command turns them off, so stderr stays empty on success."""
    from huggingface_hub.utils import enable_progress_bars
    from transformers.utils import logging as transformers_logging

    enable_progress_bars()  # as a fresh process has them, whatever an earlier test turned off
    transformers_logging.enable_progress_bar()
    assert main(["detective hunts a gangster", "--k", "3", "--json", "--artifacts", str(artifacts)]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 3 and err == ""


def test_like_a_film_finds_its_kind_by_its_stored_vector(searcher: Searcher) -> None:
    """Seeds with the real model: a liked film's look-alikes (its genre, its plot in other cities) come
    first, the film itself never; the text still steers ("in Tokyo") and a dislike pushes its kind down."""
    seed = searcher.search("like Kochi Crime No. 0", k=5)
    assert [s.movie_id for s in seed.seeds] == [101] and 101 not in [h.movie_id for h in seed.hits]
    assert all(h.genres == ("Crime",) for h in seed.hits), [h.title for h in seed.hits]
    assert all(any(r.kind == "seed" and "Crime" in r.text for r in h.why) for h in seed.hits)
    steered = searcher.search("like Kochi Crime No. 0 in Tokyo", k=3)
    assert steered.hits[0].title.startswith("Tokyo Crime"), [h.title for h in steered.hits]
    disliked = searcher.search("", like=[101], unlike=[601], k=10)  # 601: Tokyo's gangster film
    assert 601 not in [h.movie_id for h in disliked.hits]
