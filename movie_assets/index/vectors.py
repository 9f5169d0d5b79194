"""Per-year embedding files: movie_id, doc_hash, model and the vector, one row per document."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from movie_assets.files import atomic_path


def write_vectors(
    docs: pl.DataFrame, vectors: np.ndarray, model_name: str, path: Path, *, encoder: str | None = None
) -> Path:
    """Write one year's vectors; `encoder` is their encoder identity (default: the model's own vectors)."""
    if vectors.shape[0] != docs.height:
        raise ValueError(f"{docs.height} documents but {vectors.shape[0]} vectors")
    dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[0] else 0
    frame = docs.select("movie_id", "doc_hash").with_columns(
        pl.lit(model_name).alias("model"),
        pl.lit(encoder or model_name).alias("encoder"),
        pl.Series("vector", vectors.astype(np.float32, copy=False), dtype=pl.Array(pl.Float32, dim)),
    )
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp)
    return path


def _encoders(frame: pl.DataFrame, model_name: str) -> set[str]:
    """The encoders of a vectors frame's rows (a file from before encoders were recorded: the model's own)."""
    return set(frame["encoder"].unique().to_list()) if "encoder" in frame.columns else {model_name}


def held_encoders(paths: Sequence[Path], model_name: str) -> set[str]:
    """The encoders whose vectors the existing files among `paths` hold; a missing or unreadable file
    holds none (reading it reports it)."""
    held: set[str] = set()
    for path in paths:
        try:
            if "encoder" not in pl.read_parquet_schema(path):
                held.add(model_name)  # a file from before encoders were recorded: the model's own
                continue
            held |= _encoders(pl.read_parquet(path, columns=["encoder"]), model_name)
        except Exception:  # missing or damaged: not this question's to answer
            continue
    return held


def _read(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    try:
        return pl.read_parquet(path, columns=columns)
    except Exception as exc:  # polars raises several types for missing or corrupt files
        raise ValueError(
            f"cannot read embeddings {path} ({exc}); re-materialize movie_embeddings for it"
        ) from None


def _checked_ids(path: Path, model_name: str, encoder: str | None) -> np.ndarray:
    """The file's movie ids, once its model (and encoder) are checked; the vectors are not read here."""
    try:
        names = pl.read_parquet_schema(path)
    except Exception:  # a missing or corrupt file: `_read` says so
        names = {}
    frame = _read(path, [c for c in ("movie_id", "model", "encoder") if c in names] or None)
    models = set(frame["model"].unique().to_list())
    if frame.height and models != {model_name}:
        raise ValueError(
            f"{path} holds vectors from {sorted(models)}, not {model_name}; "
            "re-materialize movie_embeddings for that year with the current EMBED_MODEL_NAME"
        )
    held = _encoders(frame, model_name)
    if encoder is not None and frame.height and held != {encoder}:
        raise ValueError(
            f"{path} holds vectors of encoder {sorted(held)}, not {encoder}; re-materialize "
            "movie_embeddings for that year with the current embedder settings"
        )
    return frame["movie_id"].to_numpy()


def read_vectors(
    paths: Sequence[Path], *, model_name: str, encoder: str | None = None, by_id: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate year files → (movie ids, float32 matrix); every file must come from `model_name`, and
    from the encoder `encoder` when given (files from before encoders were recorded hold the model's own).

    With `by_id`, the rows (and ids) come sorted by movie id. Either way each file's vectors are written
    straight into their rows of the one matrix returned: a million vectors are never held twice.
    """
    paths = [Path(p) for p in paths]
    ids = [_checked_ids(path, model_name, encoder) for path in paths]
    every = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    order = np.argsort(every, kind="stable") if by_id else None
    rows = np.empty_like(order) if order is not None else None
    if rows is not None and order is not None:
        rows[order] = np.arange(len(order))  # the row each file's n-th vector goes to
    matrix: np.ndarray | None = None
    start = 0
    for path, file_ids in zip(paths, ids, strict=True):
        if not len(file_ids):
            continue
        block = _read(path, ["vector"])["vector"].to_numpy().astype(np.float32, copy=False)
        if matrix is None:
            matrix = np.empty((len(every), block.shape[1]), dtype=np.float32)
        elif block.shape[1] != matrix.shape[1]:
            dims = sorted({matrix.shape[1], block.shape[1]})
            raise ValueError(f"embedding files disagree on the dimension ({dims}); re-embed every year")
        end = start + len(block)
        matrix[rows[start:end] if rows is not None else slice(start, end)] = block
        start = end
    if matrix is None:
        matrix = np.zeros((0, 0), dtype=np.float32)
    return (every[order] if order is not None else every), matrix
