"""Movies x terms matrices: which words (or word pairs) each movie's field holds, and how many of a
request's terms each pool member shares, for several fields in one sparse product."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse


@dataclass(frozen=True)
class TermMatrix:
    """A movies x terms 0/1 matrix (CSR) and the term -> column map; `row_terms` counts each row's terms."""

    matrix: sparse.csr_matrix
    vocab: dict[str, int]
    row_terms: np.ndarray


class TermCollector:
    """Builds one field's TermMatrix from (row, term) pairs given chunk by chunk, so the exploded words of
    a large catalogue never sit in memory at once (at 200,000 movies the whole-catalogue frames cost
    ~750 MB at their peak). Terms are numbered by hashing, in order of first appearance."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._rows: list[np.ndarray] = []
        self._ids: list[np.ndarray] = []

    def add(self, pairs: pl.DataFrame) -> None:
        pairs = pairs.drop_nulls()
        terms = pairs["term"].unique(maintain_order=True).to_list()
        for term in terms:
            self.vocab.setdefault(term, len(self.vocab))
        known = pl.DataFrame(
            {"term": terms, "id": [self.vocab[t] for t in terms]}, schema={"term": pl.Utf8, "id": pl.Int64}
        )
        coded = pairs.join(known, on="term")
        self._rows.append(coded["row"].to_numpy())
        self._ids.append(coded["id"].to_numpy())

    def build(self, n_rows: int) -> TermMatrix:
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, dtype=np.int64)
        ids = np.concatenate(self._ids) if self._ids else np.zeros(0, dtype=np.int64)
        matrix = sparse.csr_matrix(
            (np.ones(rows.size, dtype=np.float32), (rows, ids)), shape=(n_rows, max(len(self.vocab), 1))
        )
        matrix.sum_duplicates()
        matrix.data[:] = 1.0  # a term a field holds twice is still one term
        return TermMatrix(matrix, self.vocab, np.diff(matrix.indptr).astype(np.float32))


def term_matrix(pairs: pl.DataFrame, n_rows: int) -> TermMatrix:
    """One field's TermMatrix from all its (row, term) pairs at once; duplicates count once."""
    collector = TermCollector()
    collector.add(pairs)
    return collector.build(n_rows)


class TermBlocks:
    """Several fields' term matrices side by side, so one gather of the pool's rows serves them all.

    Gathering ~1,000 rows and multiplying costs about the same for one matrix as for four; done per field
    it was most of the learned stage's feature time. Only the stacked matrix is kept, not each field's.
    """

    def __init__(self, fields: dict[str, TermMatrix]) -> None:
        self.names = tuple(fields)
        self.vocabs = tuple(m.vocab for m in fields.values())
        self.row_terms = {name: m.row_terms for name, m in fields.items()}
        widths = [m.matrix.shape[1] for m in fields.values()]
        self.offsets = tuple(int(x) for x in np.cumsum([0, *widths[:-1]]))
        self.matrix = sparse.hstack([m.matrix for m in fields.values()], format="csr")

    def matches(self, rows: np.ndarray, terms: Sequence[str]) -> np.ndarray:
        """(len(rows), fields) float32: how many distinct terms of each field are among `terms`."""
        unique = set(terms)
        columns, which = [], []
        for k, vocab in enumerate(self.vocabs):
            found = [self.offsets[k] + vocab[t] for t in unique if t in vocab]
            columns += found
            which += [k] * len(found)
        query = sparse.csr_matrix(
            (np.ones(len(columns), dtype=np.float32), (columns, which)),
            shape=(self.matrix.shape[1], len(self.names)),
        )
        return np.asarray((self.matrix[rows] @ query).toarray(), dtype=np.float32)

    def field_matches(self, name: str, rows: np.ndarray, terms: Sequence[str]) -> np.ndarray:
        """`matches` of one field."""
        return self.matches(rows, terms)[:, self.names.index(name)]
