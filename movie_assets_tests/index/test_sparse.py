"""The BM25 index over the project tokenizer."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest

from movie_assets.index.sparse import (
    BM25_PARAMS,
    bm25_scores,
    bm25_top_k,
    build_bm25,
    load_bm25,
    save_bm25,
)
from movie_assets.index.tokenize import tokenize, tokenize_query

CORPUS = [
    "Title: Nayattu\nOriginal title: നായാട്ട്\nLanguage: Malayalam\n"
    "Overview: Police officers on the run in Kerala.",
    "Title: Notting Hill\nLanguage: English\nOverview: A bookseller falls in love with an actress.",
    "Title: Interstellar\nLanguage: English\nOverview: Astronauts travel through a wormhole in space.",
    "Title: Vikram\nLanguage: Tamil\nOverview: A special agent investigates a series of murders.",
]


@pytest.fixture(scope="module")
def retriever() -> bm25s.BM25:
    return build_bm25(CORPUS)


@pytest.mark.parametrize(
    ("query", "winner"),
    [
        ("police officers running", 0),  # stemming: running -> run, officers -> offic
        ("love story with an actress", 1),
        ("wormhole astronaut", 2),
        ("agent investigating murders", 3),
        ("നായാട്ട്", 0),  # a Malayalam-script query token matches the Malayalam document
    ],
    ids=["stemmed", "romance", "space", "thriller", "malayalam-script"],
)
def test_obvious_winner_ranks_first(retriever: bm25s.BM25, query: str, winner: int) -> None:
    ids, scores = bm25_top_k(retriever, query, k=10)
    assert ids[0] == winner and scores[0] > 0
    assert np.all(np.diff(scores) <= 0)


def test_only_documents_sharing_a_term_are_returned(retriever: bm25s.BM25) -> None:
    ids, _ = bm25_top_k(retriever, "wormhole", k=100)
    assert ids.tolist() == [2]
    assert bm25_top_k(retriever, "the of and", k=5)[0].size == 0  # stop words only
    assert bm25_top_k(retriever, "zeppelin", k=5)[0].size == 0  # unknown term
    assert not bm25_scores(retriever, "").any()


def test_saved_index_loads_memory_mapped_with_the_same_scores(retriever: bm25s.BM25, tmp_path: Path) -> None:
    save_bm25(retriever, tmp_path / "bm25")
    loaded = load_bm25(tmp_path / "bm25", mmap=True)
    for query in ["police kerala", "നായാട്ട്", "english"]:
        np.testing.assert_allclose(bm25_scores(loaded, query), bm25_scores(retriever, query))
    # the retriever's own API works with the project's query terms
    docs, _ = loaded.retrieve([tokenize_query("wormhole astronaut")], k=1, show_progress=False)
    assert docs[0][0] == 2


def test_parameters_and_vocabulary_are_reproducible(retriever: bm25s.BM25) -> None:
    assert (retriever.k1, retriever.b, retriever.method) == (
        BM25_PARAMS["k1"],
        BM25_PARAMS["b"],
        BM25_PARAMS["method"],
    )
    terms = [t for t in retriever.vocab_dict if t]
    assert terms == sorted(terms) and [retriever.vocab_dict[t] for t in terms] == list(range(len(terms)))


def test_missing_index_and_empty_corpus_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="params.index.json missing"):
        load_bm25(tmp_path)
    with pytest.raises(ValueError, match="0 documents"):
        build_bm25([])
    with pytest.raises(ValueError, match="none of the 2 documents has an indexable term"):
        build_bm25(["the", "of a"])


def test_top_k_counts_each_query_term_once_and_orders_ties_by_row() -> None:
    """BM25 here scores which terms a movie matches: a repeated word adds nothing; equal scores are in row
    order, and only k of the matching documents are kept."""
    twins = build_bm25(["a heist in paris", "a storm at sea", "a heist in paris", "a heist in paris"])
    ids, scores = bm25_top_k(twins, "heist heist heist paris", k=10)
    assert ids.tolist() == [0, 2, 3] and scores[0] == scores[1] == scores[2]
    np.testing.assert_array_equal(scores, bm25_top_k(twins, "heist paris", k=10)[1])
    two = bm25_top_k(twins, "heist paris", k=2)[0].tolist()
    assert len(two) == 2 and set(two) <= {0, 2, 3} and two == sorted(two)
    assert bm25_top_k(twins, "heist paris", k=2)[0].tolist() == two  # the same tie broken the same way
    assert bm25_top_k(twins, "heist", k=0)[0].size == 0


def test_top_k_scores_only_inside_the_mask(retriever: bm25s.BM25) -> None:
    everything = np.ones(len(CORPUS), dtype=bool)
    english_only = np.array([False, True, True, False])
    ids, scores = bm25_top_k(retriever, "english police", k=10, mask=english_only)
    assert ids.tolist() == [1, 2] and np.all(scores > 0)
    np.testing.assert_array_equal(
        bm25_top_k(retriever, "english police", 10, everything)[1],
        bm25_top_k(retriever, "english police", 10)[1],
    )
    assert bm25_top_k(retriever, "police", k=5, mask=np.zeros(len(CORPUS), dtype=bool))[0].size == 0
    np.testing.assert_array_equal(bm25_scores(retriever, "police", english_only), [0, 0, 0, 0])


def test_an_index_from_streamed_texts_equals_the_one_from_whole_token_lists(tmp_path: Path) -> None:
    """build_bm25 reads a generator once and numbers terms as they come; the files must be those of the
    whole-corpus numbering (sorted vocabulary), so a streamed build changes no artifact's bytes."""
    texts = [*CORPUS, "", "the of a", CORPUS[2] + " wormhole wormhole"]  # empty and stop-word-only rows too
    whole = bm25s.BM25(k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"], method=BM25_PARAMS["method"])
    terms = tokenize(texts)
    vocab = {term: i for i, term in enumerate(sorted({t for doc in terms for t in doc}))}
    whole.index(
        bm25s.tokenization.Tokenized([[vocab[t] for t in doc] for doc in terms], vocab), show_progress=False
    )
    streamed = build_bm25(text for text in texts)
    save_bm25(whole, tmp_path / "whole")
    save_bm25(streamed, tmp_path / "streamed")
    files = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "streamed").iterdir())
    assert {f: (tmp_path / "whole" / f).read_bytes() for f in files} == {
        f: (tmp_path / "streamed" / f).read_bytes() for f in files
    }
    assert bm25_top_k(streamed, "wormhole", k=2)[0].tolist() == [6, 2]


def test_a_single_text_is_refused_rather_than_read_letter_by_letter() -> None:
    with pytest.raises(TypeError, match="wrap a single text in a list"):
        build_bm25("Title: Nayattu")
