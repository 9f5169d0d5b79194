"""Movies x terms matrices: which words (or word pairs) each movie's field holds, and how many of a
request's terms each pool member shares, for several fields in one sparse product."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import sparse


@dataclass(frozen=True)
class TermMatrix:
    """A movies x terms 0/1 matrix (CSR) and the term -> column map; `row_terms` counts each row's terms."""

    matrix: sparse.csr_matrix
    vocab: dict[str, int]
    row_terms: np.ndarray

    def indicator(self, terms: list[str]) -> np.ndarray:
        """A 0/1 column vector over the vocabulary for the terms that are in it."""
        hit = np.zeros(len(self.vocab), dtype=np.float32)
        ids = [self.vocab[t] for t in set(terms) if t in self.vocab]
        hit[ids] = 1.0
        return hit

    def matches(self, rows: np.ndarray, terms: list[str]) -> np.ndarray:
        """How many distinct terms of each row in `rows` are among `terms`."""
        if not self.vocab:
            return np.zeros(rows.size, dtype=np.float32)
        return np.asarray(self.matrix[rows] @ self.indicator(terms)).ravel()


def term_matrix(pairs: pl.DataFrame, n_rows: int) -> TermMatrix:
    """`pairs` has (row, term); duplicates count once."""
    pairs = pairs.drop_nulls().unique()
    terms = pairs["term"].unique().sort()
    vocab = {t: i for i, t in enumerate(terms.to_list())}
    columns = pairs["term"].replace_strict(vocab, return_dtype=pl.Int64).to_numpy()
    rows = pairs["row"].to_numpy()
    matrix = sparse.csr_matrix(
        (np.ones(rows.size, dtype=np.float32), (rows, columns)), shape=(n_rows, max(len(vocab), 1))
    )
    return TermMatrix(matrix, vocab, np.bincount(rows, minlength=n_rows).astype(np.float32))


@dataclass(frozen=True)
class TermBlocks:
    """Several term matrices side by side, so one gather of the pool's rows serves every field.

    Gathering ~1,000 rows and multiplying costs about the same for one matrix as for four; done per field
    it was most of the learned stage's feature time.
    """

    blocks: Sequence[TermMatrix]
    matrix: sparse.csr_matrix = field(init=False)
    offsets: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        widths = [b.matrix.shape[1] for b in self.blocks]
        object.__setattr__(self, "matrix", sparse.hstack([b.matrix for b in self.blocks], format="csr"))
        object.__setattr__(self, "offsets", tuple(int(x) for x in np.cumsum([0, *widths[:-1]])))

    def matches(self, rows: np.ndarray, terms: Sequence[str]) -> np.ndarray:
        """(len(rows), len(blocks)) float32: how many distinct terms of each block's field are in `terms`."""
        unique = set(terms)
        columns, which = [], []
        for k, block in enumerate(self.blocks):
            found = [self.offsets[k] + block.vocab[t] for t in unique if t in block.vocab]
            columns += found
            which += [k] * len(found)
        query = sparse.csr_matrix(
            (np.ones(len(columns), dtype=np.float32), (columns, which)),
            shape=(self.matrix.shape[1], len(self.blocks)),
        )
        return np.asarray((self.matrix[rows] @ query).toarray(), dtype=np.float32)
