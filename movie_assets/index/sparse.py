"""The sparse index: bm25s over the project tokenizer's terms."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from movie_assets.index.tokenize import STEMMER, STOPWORDS, TOKENIZER_ID, tokenize, tokenize_query

K1 = 1.5
B = 0.75
METHOD = "lucene"
# The manifest's "bm25" entry: what a reader must reproduce to query the index.
BM25_PARAMS: dict[str, Any] = {
    "tokenizer": TOKENIZER_ID,
    "stopwords": STOPWORDS,
    "stemmer": STEMMER,
    "k1": K1,
    "b": B,
    "method": METHOD,
}


def bm25_corpus(token_lists: Sequence[Sequence[str]]) -> bm25s.tokenization.Tokenized:
    """Token ids over a sorted vocabulary.

    bm25s numbers the terms of plain token lists in set order, which changes with Python's string
    hashing, so the same corpus would give different index files on every run.
    """
    vocab = {term: i for i, term in enumerate(sorted({t for doc in token_lists for t in doc}))}
    return bm25s.tokenization.Tokenized(ids=[[vocab[t] for t in doc] for doc in token_lists], vocab=vocab)


def build_bm25(documents: Sequence[str], k1: float = K1, b: float = B, method: str = METHOD) -> bm25s.BM25:
    """A BM25 index where document i is `documents[i]`.

    The vocabulary maps term strings to ids, so the index is queried with `tokenize_query` terms.
    """
    if len(documents) == 0:
        raise ValueError("cannot build a BM25 index over 0 documents")
    retriever = bm25s.BM25(k1=k1, b=b, method=method)
    corpus = bm25_corpus(tokenize(documents))
    if not corpus.vocab:
        raise ValueError(f"none of the {len(documents)} documents has an indexable term")
    retriever.index(corpus, show_progress=False)
    return retriever


def save_bm25(retriever: bm25s.BM25, directory: Path) -> None:
    """Write the index files (no corpus: the payload carries the documents' fields)."""
    retriever.save(str(directory), show_progress=False)


def load_bm25(directory: Path, mmap: bool = True) -> bm25s.BM25:
    """Read an index written by `save_bm25`; with `mmap` the score arrays stay on disk."""
    directory = Path(directory)
    if not (directory / "params.index.json").is_file():
        raise FileNotFoundError(f"no bm25 index in {directory} (params.index.json missing)")
    return bm25s.BM25.load(str(directory), mmap=mmap, load_corpus=False, show_progress=False)


def bm25_scores(retriever: bm25s.BM25, query: str) -> np.ndarray:
    """The BM25 score of every document for `query` (all zero when no query term is indexed)."""
    terms = tokenize_query(query)
    if not terms:
        return np.zeros(retriever.scores["num_docs"], dtype=np.float32)
    return np.asarray(retriever.get_scores(terms), dtype=np.float32)


def bm25_top_k(retriever: bm25s.BM25, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids and scores of the best `k` documents with a positive score, best first.

    Unlike `BM25.retrieve`, k may exceed the corpus size, and documents that share no term with the
    query are left out rather than returned with score 0.
    """
    scores = bm25_scores(retriever, query)
    candidates = np.flatnonzero(scores > 0)
    order = candidates[np.argsort(-scores[candidates], kind="stable")][: max(k, 0)]
    return order, scores[order]
