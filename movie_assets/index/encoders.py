"""Choosing the document encoder: ONNX Runtime on a CPU (int8-mixed by default: twice torch's documents/s
for 0.002-0.003 MRR@10 on the validation requests), torch on a GPU (fp16) and wherever the ONNX export cannot
be made or loaded (fp32, the model's own vectors)."""

from __future__ import annotations

import logging
from pathlib import Path

from movie_assets.index.embedding import Embedder, EmbeddingModelUnavailable, load_embedder
from movie_assets.index.onnx_encoder import PRECISIONS, EncoderUnavailable, OnnxEmbedder

BACKENDS = ("onnx", "torch")
# "auto": int8-mixed where ONNX Runtime runs it (a CPU), else fp32; see `load_document_embedder`.
AUTO = "auto"
FAST_PRECISION = "int8-mixed"
log = logging.getLogger(__name__)


def _has_gpu() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def load_document_embedder(
    name: str, *, backend: str = "onnx", precision: str = AUTO, export_root: Path | None = None
) -> Embedder:
    """The embedder for catalogue documents.

    Args:
        name: the model (as `load_embedder` takes it).
        backend: "onnx" (the export under `export_root`, made once) or "torch" (sentence-transformers).
        precision: "fp32" (the model's own vectors), "int8" or "int8-mixed" (ONNX only; other encoders,
            see `movie_assets.index.onnx_encoder`), or "auto": int8-mixed on ONNX on a CPU, else fp32.
        export_root: where ONNX exports are kept (`DataPaths.encoder_cache_dir`); None: torch.

    A GPU always gets torch in fp16 for fp32 (and for "auto"). An fp32 ONNX export that cannot be made or
    loaded falls back to torch (the same encoder) with one warning; so does "auto" when its int8-mixed export
    cannot be made. An int8 or int8-mixed one asked by name fails, as torch cannot make its vectors. The
    embedder says which it is (`identity_of`), so vectors of another encoder are never mixed in.

    Raises:
        ValueError: an unknown backend or precision, or int8 (or int8-mixed) asked of torch.
        EmbeddingModelUnavailable: the model is not available offline, or an int8 export failed.
    """
    choices = (*PRECISIONS, AUTO)
    if backend not in BACKENDS or precision not in choices:
        raise ValueError(f"backend must be one of {BACKENDS} and precision one of {choices}, got "
                         f"{backend!r} and {precision!r}")  # fmt: skip
    if precision not in ("fp32", AUTO) and backend != "onnx":
        raise ValueError(
            f"{precision} vectors come from the ONNX backend only; set backend='onnx' or precision='fp32'"
        )
    if backend == "torch" or export_root is None or (precision in ("fp32", AUTO) and _has_gpu()):
        return load_embedder(name)
    try:
        return _onnx(export_root, name, FAST_PRECISION if precision == AUTO else precision)
    except (EncoderUnavailable, ImportError, OSError) as exc:
        if precision not in ("fp32", AUTO):
            raise EmbeddingModelUnavailable(
                f"the {precision} ONNX encoder of {name!r} cannot be made ({exc}); "
                "embed with precision fp32, or install onnx and onnxruntime"
            ) from exc
        problem = exc
    if precision == AUTO:  # the fp32 export may still be made where quantizing is what failed
        try:
            embedder = _onnx(export_root, name, "fp32")
        except (EncoderUnavailable, ImportError, OSError):
            pass
        else:
            log.warning("the %s ONNX encoder of %r cannot be made (%s); embedding in fp32 instead",
                        FAST_PRECISION, name, problem)  # fmt: skip
            return embedder
    log.warning("the ONNX encoder of %r cannot be made (%s); embedding with torch instead", name, problem)
    return load_embedder(name)


def _onnx(export_root: Path, name: str, precision: str) -> Embedder:
    from movie_assets.index.onnx_export import cached_export

    return OnnxEmbedder(cached_export(export_root, name, precision))
