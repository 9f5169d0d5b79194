"""Choosing the document encoder: ONNX Runtime on a CPU (fp32, or int8 or int8-mixed when asked), torch on
a GPU (fp16) and wherever the ONNX export cannot be made or loaded."""

from __future__ import annotations

import logging
from pathlib import Path

from movie_assets.index.embedding import Embedder, EmbeddingModelUnavailable, load_embedder
from movie_assets.index.onnx_encoder import PRECISIONS, EncoderUnavailable, OnnxEmbedder

BACKENDS = ("onnx", "torch")
log = logging.getLogger(__name__)


def _has_gpu() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def load_document_embedder(
    name: str, *, backend: str = "onnx", precision: str = "fp32", export_root: Path | None = None
) -> Embedder:
    """The embedder for catalogue documents.

    Args:
        name: the model (as `load_embedder` takes it).
        backend: "onnx" (the export under `export_root`, made once) or "torch" (sentence-transformers).
        precision: "fp32" (the model's own vectors), "int8" or "int8-mixed" (ONNX only; other encoders,
            see `movie_assets.index.onnx_encoder`).
        export_root: where ONNX exports are kept (`DataPaths.encoder_cache_dir`); None: torch.

    A GPU always gets torch in fp16 for fp32. An fp32 ONNX export that cannot be made or loaded falls back
    to torch (the same encoder) with one warning; an int8 one fails, as torch cannot make its vectors.

    Raises:
        ValueError: an unknown backend or precision, or int8 (or int8-mixed) asked of torch.
        EmbeddingModelUnavailable: the model is not available offline, or an int8 export failed.
    """
    if backend not in BACKENDS or precision not in PRECISIONS:
        raise ValueError(f"backend must be one of {BACKENDS} and precision one of {PRECISIONS}, got "
                         f"{backend!r} and {precision!r}")  # fmt: skip
    if precision != "fp32" and backend != "onnx":
        raise ValueError(
            f"{precision} vectors come from the ONNX backend only; set backend='onnx' or precision='fp32'"
        )
    if backend == "torch" or export_root is None or (precision == "fp32" and _has_gpu()):
        return load_embedder(name)
    try:
        from movie_assets.index.onnx_export import cached_export

        return OnnxEmbedder(cached_export(export_root, name, precision))
    except (EncoderUnavailable, ImportError, OSError) as exc:
        if precision != "fp32":
            raise EmbeddingModelUnavailable(
                f"the {precision} ONNX encoder of {name!r} cannot be made ({exc}); "
                "embed with precision fp32, or install onnx and onnxruntime"
            ) from exc
        log.warning("the ONNX encoder of %r cannot be made (%s); embedding with torch instead", name, exc)
        return load_embedder(name)
