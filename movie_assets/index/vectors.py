"""Per-year embedding files: movie_id, doc_hash, model and the vector, one row per document."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

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


def held_encoders(paths: Sequence[Path], model_name: str) -> set[str]:
    """The encoders whose vectors the existing files among `paths` hold (a file from before encoders were
    recorded holds the model's own); a missing or unreadable file holds none (reading it reports it)."""
    held: set[str] = set()
    for path in paths:
        try:
            if "encoder" not in pq.read_schema(path).names:
                held.add(model_name)
                continue
            held.update(pl.read_parquet(path, columns=["encoder"])["encoder"].unique().to_list())
        except Exception:  # missing or damaged: not this question's to answer
            continue
    return held


def read_vectors(
    paths: Sequence[Path], *, model_name: str, encoder: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate year files → (movie ids, float32 matrix); every file must come from `model_name`, and
    from the encoder `encoder` when given (files from before encoders were recorded hold the model's own)."""
    ids: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    for path in paths:
        try:
            frame = pl.read_parquet(path)
        except Exception as exc:  # polars raises several types for missing or corrupt files
            raise ValueError(
                f"cannot read embeddings {path} ({exc}); re-materialize movie_embeddings for it"
            ) from None
        models = set(frame["model"].unique().to_list())
        if frame.height and models != {model_name}:
            raise ValueError(
                f"{path} holds vectors from {sorted(models)}, not {model_name}; "
                "re-materialize movie_embeddings for that year with the current EMBED_MODEL_NAME"
            )
        held = set(frame["encoder"].unique().to_list()) if "encoder" in frame.columns else {model_name}
        if encoder is not None and frame.height and held != {encoder}:
            raise ValueError(
                f"{path} holds vectors of encoder {sorted(held)}, not {encoder}; re-materialize "
                "movie_embeddings for that year with the current embedder settings"
            )
        ids.append(frame["movie_id"].to_numpy())
        if frame.height:
            blocks.append(frame["vector"].to_numpy().astype(np.float32, copy=False))
    dims = {block.shape[1] for block in blocks}
    if len(dims) > 1:
        raise ValueError(f"embedding files disagree on the dimension ({sorted(dims)}); re-embed every year")
    matrix = np.concatenate(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)
    return (np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)), matrix
