"""The sparse index: bm25s over the project tokenizer's terms."""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypedDict

import bm25s
import numpy as np

from movie_assets.index.schema import check_json
from movie_assets.index.tokenize import STEMMER, STOPWORDS, TOKENIZER_ID, iter_terms, tokenize_query

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


PARAMS_FILE = "params.index.json"


class BM25FileParams(TypedDict):
    """The fields of bm25s's params.index.json that loading and scoring read (others are allowed)."""

    k1: float
    b: float
    method: str
    dtype: str
    int_dtype: str
    num_docs: int


class _TermIds:
    """Each document's term ids as bm25s reads them (its length, then a list per document, made as it is
    reached), held as one flat int32 array: 4 bytes a term instead of a Python list per document."""

    def __init__(self, flat: np.ndarray, ends: np.ndarray) -> None:
        self._flat, self._ends = flat, ends

    def __len__(self) -> int:
        return len(self._ends)

    def __iter__(self) -> Iterator[list[int]]:
        start = 0
        for end in self._ends.tolist():
            yield self._flat[start:end].tolist()
            start = end


def streamed_corpus(documents: Iterable[str]) -> bm25s.tokenization.Tokenized:
    """The documents' term ids over a sorted vocabulary, read one document at a time.

    bm25s numbers the terms of plain token lists in set order, which changes with Python's string hashing,
    so the same corpus would give different index files on every run: the vocabulary here is sorted.
    Neither the texts nor their term lists are held whole: each document's terms are numbered as they
    come (in order of first appearance) into one flat array, renumbered at the end by sorted term.
    """
    first_seen: dict[str, int] = {}
    flat: array[int] = array("i")
    ends: array[int] = array("q")
    for terms in iter_terms(documents):
        flat.extend([first_seen.setdefault(t, len(first_seen)) for t in terms])
        ends.append(len(flat))
    vocab = {term: i for i, term in enumerate(sorted(first_seen))}
    # first_seen's order is its numbering, so this maps each first-seen number to the sorted one.
    renumber = np.fromiter((vocab[t] for t in first_seen), dtype=np.int32, count=len(first_seen))
    ids = renumber[np.frombuffer(flat, dtype=np.int32)] if len(flat) else np.zeros(0, dtype=np.int32)
    del flat
    return bm25s.tokenization.Tokenized(ids=_TermIds(ids, np.frombuffer(ends, dtype=np.int64)), vocab=vocab)


def build_bm25(documents: Iterable[str], k1: float = K1, b: float = B, method: str = METHOD) -> bm25s.BM25:
    """A BM25 index where document i is the i-th of `documents` (a sequence, or any iterable: a
    generator of chunks' texts is read once and never held whole).

    The vocabulary maps term strings to ids, so the index is queried with `tokenize_query` terms.
    """
    if isinstance(documents, str):
        raise TypeError("build_bm25() takes the documents' texts; wrap a single text in a list")
    corpus = streamed_corpus(documents)
    if len(corpus.ids) == 0:
        raise ValueError("cannot build a BM25 index over 0 documents")
    if not corpus.vocab:
        raise ValueError(f"none of the {len(corpus.ids)} documents has an indexable term")
    retriever = bm25s.BM25(k1=k1, b=b, method=method)
    retriever.index(corpus, show_progress=False)
    return retriever


def save_bm25(retriever: bm25s.BM25, directory: Path) -> None:
    """Write the index files (no corpus: the payload carries the documents' fields)."""
    retriever.save(str(directory), show_progress=False)


def check_bm25_params(directory: Path) -> BM25FileParams:
    """params.index.json checked against `BM25FileParams` before bm25s builds anything from it.

    Raises:
        FileNotFoundError: there is no index in `directory`.
        ValueError: the file is not JSON or a field is missing or of the wrong type (named).
    """
    path = Path(directory) / PARAMS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no bm25 index in {directory} ({PARAMS_FILE} missing)")
    try:
        params = json.loads(path.read_bytes())
    except ValueError as exc:
        raise ValueError(f"{PARAMS_FILE} is not JSON ({exc})") from None
    problem = check_json(params, BM25FileParams)
    if problem is None and params["num_docs"] < 1:
        problem = f"num_docs: expected at least 1 document, got {params['num_docs']}"
    if problem is not None:
        raise ValueError(f"{PARAMS_FILE} is damaged ({problem})")
    return params  # type: ignore[no-any-return]  # checked field by field above


def _check_arrays(retriever: bm25s.BM25) -> None:
    # The sizes bm25s trusts without looking: a torn or swapped array file would score out of bounds.
    scores = retriever.scores
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    if len(indptr) == 0 or not len(data) == len(indices) == int(indptr[-1]):
        ends = int(indptr[-1]) if len(indptr) else None
        raise ValueError(
            f"the index arrays disagree ({len(data)} scores, {len(indices)} rows, ending at {ends})"
        )


def load_bm25(directory: Path, mmap: bool = True) -> bm25s.BM25:
    """Read an index written by `save_bm25`; with `mmap` the score arrays stay on disk.

    Raises:
        FileNotFoundError: no index in `directory`; ValueError: a damaged parameter file or arrays.
    """
    check_bm25_params(directory)
    retriever = bm25s.BM25.load(str(directory), mmap=mmap, load_corpus=False, show_progress=False)
    _check_arrays(retriever)
    return retriever


def query_terms(retriever: bm25s.BM25, query: str) -> list[str]:
    """The query's terms that the index knows, each once: BM25 here scores which terms a movie matches,
    not how often the query says them."""
    return [t for t in dict.fromkeys(tokenize_query(query)) if t in retriever.vocab_dict]


def _weights(mask: np.ndarray | None) -> np.ndarray | None:
    return None if mask is None else mask.astype(np.float32)


def bm25_scores(retriever: bm25s.BM25, query: str, mask: np.ndarray | None = None) -> np.ndarray:
    """The BM25 score of every document for `query` (zero where `mask` is False, or no term is indexed)."""
    terms = query_terms(retriever, query)
    if not terms:
        return np.zeros(retriever.scores["num_docs"], dtype=np.float32)
    return np.asarray(retriever.get_scores(terms, weight_mask=_weights(mask)), dtype=np.float32)


def bm25_top_k(
    retriever: bm25s.BM25, query: str, k: int, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows (int64) and scores of the best `k` documents with a positive score, best first.

    Args:
        mask: one bool per document; only documents where it is True are scored (None: all are).

    Unlike `BM25.retrieve`, k may exceed the corpus size, documents that share no term with the query
    are left out rather than returned with score 0, and equal scores are ordered by row (which of the
    documents tied at the k-th score are kept is the same on every call, but not necessarily the first).
    """
    k = min(k, int(retriever.scores["num_docs"]))
    terms = query_terms(retriever, query)
    if not terms or k <= 0 or (mask is not None and not mask.any()):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    return top_scoring(retriever.get_scores(terms, weight_mask=_weights(mask)), k)


def top_scoring(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows (int64) and scores of the best `k` positive scores of a full score array, best first."""
    # Only documents sharing a term are found; selecting among those alone is what keeps this fast
    # (bm25s's own top-k partitions every score, mostly zeros) and makes ties deterministic.
    found = np.flatnonzero(scores > 0)
    if k <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    if found.size > k:
        found = found[np.argpartition(-scores[found], k - 1)[:k]]
    found = found[np.lexsort((found, -scores[found]))]
    return found.astype(np.int64), scores[found]
