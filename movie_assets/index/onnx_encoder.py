"""The sentence encoder on ONNX Runtime: tokenizers + one ONNX graph + the model's own pooling, no torch.

An export folder (written by `movie_assets.index.onnx_export`) holds three files:

    model.onnx       the transformer, input ids/attention mask/token types -> token embeddings
    tokenizer.json   the model's fast tokenizer, as sentence-transformers uses it
    encoder.json     `EncoderInfo`: which model, its width, the precision, and the pooling it applies

An fp32 export is the same encoder as the torch model (vectors agree to ~1e-5); an int8 one is not, so the
embedding cache and the artifact set tell them apart (`encoder_identity`, `cache_key`).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict

import numpy as np

from movie_assets.files import sha256_file
from movie_assets.index.manifest import ENCODER_EXTRA

ENCODER_DIR = ENCODER_EXTRA  # the extra of the artifact set that holds the query encoder's export
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
ENCODER_RECORD = "encoder.json"
EXPORT_FILES = (MODEL_FILE, TOKENIZER_FILE, ENCODER_RECORD)
EXPORT_VERSION = 1  # bump when the export's graph or record changes: cached exports are then redone
# int8: every weight MatMul quantized; int8-mixed: all but the feed-forward output projections (see
# `movie_assets.index.onnx_export`). Both are other encoders than the model's own.
Precision = Literal["fp32", "int8", "int8-mixed"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "int8", "int8-mixed")


class EncoderUnavailable(RuntimeError):
    """An ONNX export is missing, damaged or of another model; the message says what was wrong."""


class EncoderInfo(TypedDict):
    """encoder.json: what the export is and how its token embeddings become one vector."""

    export_version: int
    model: str
    dim: int
    precision: Precision
    pooling: Literal["mean", "cls"]
    normalize: bool
    max_seq_length: int
    source_sha256: str  # the weights it was exported from


def encoder_identity(model: str, precision: str) -> str:
    """Which vectors may be compared: fp32 (torch or ONNX) and fp16 on a GPU are the model's own vectors;
    int8 ones are another encoder's ("model@int8", "model@int8-mixed")."""
    return model if precision in ("fp32", "fp16") else f"{model}@{precision}"


def cache_key(embedder: Any) -> str:
    """The embedding cache's key for vectors made by `embedder`: the model, backend and precision.

    The torch fp32 encoder keeps the bare model name, which caches written before backends existed use."""
    return str(getattr(embedder, "cache_key", embedder.name))


def precision_of(identity: str, model: str) -> Precision | None:
    """The export precision whose vectors are `identity`'s for `model` (None: another model's)."""
    return next((p for p in PRECISIONS if encoder_identity(model, p) == identity), None)


def export_precision(embedder: Any) -> Precision:
    """The ONNX export's precision that makes `embedder`'s vectors: its own, or fp32 for torch (whose fp16
    on a GPU makes the model's own vectors)."""
    precision = getattr(embedder, "precision", "fp32")
    return precision if precision in PRECISIONS else "fp32"


def identity_of(embedder: Any) -> str:
    """The encoder identity of `embedder`'s vectors (an embedder that does not say makes its model's own)."""
    return str(getattr(embedder, "identity", embedder.name))


def read_info(folder: Path) -> EncoderInfo:
    """The export's encoder.json, checked.

    Raises:
        EncoderUnavailable: missing, not JSON, or not a supported export.
    """
    path = Path(folder) / ENCODER_RECORD
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EncoderUnavailable(f"{path} is unreadable ({exc})") from None
    wanted = {"export_version", "model", "dim", "precision", "pooling", "normalize", "max_seq_length"}
    if not isinstance(info, dict) or not wanted <= set(info):
        raise EncoderUnavailable(f"{path} lacks fields {sorted(wanted - set(info or {}))}")
    if info["export_version"] != EXPORT_VERSION or info["precision"] not in PRECISIONS:
        raise EncoderUnavailable(
            f"{path} is export version {info['export_version']} in {info['precision']!r}; "
            f"this version reads version {EXPORT_VERSION} in {PRECISIONS}"
        )
    if info["pooling"] not in ("mean", "cls"):
        raise EncoderUnavailable(f"{path} asks for pooling {info['pooling']!r}, not mean or cls")
    return info  # type: ignore[return-value]  # the fields read are checked above


class OnnxEmbedder:
    """An `Embedder` on ONNX Runtime's CPU provider over one export folder.

    :param folder: the export (model.onnx, tokenizer.json, encoder.json).
    :param threads: intra-op threads (default: every core); a query encoder wants 1.
    :param model_sha256: the checksum model.onnx must have (the artifact set's manifest lists it).
    :param max_tokens: read at most this many word pieces of a text (default: the model's max_seq_length).
    """

    backend = "onnx"

    def __init__(
        self,
        folder: Path,
        *,
        threads: int | None = None,
        model_sha256: str | None = None,
        max_tokens: int | None = None,
    ) -> None:
        folder = Path(folder)
        self.info = read_info(folder)
        self.name = self.info["model"]
        self.dim = int(self.info["dim"])
        self.precision: Precision = self.info["precision"]
        self.cache_key = f"{self.name}@onnx-{self.precision}"
        self.identity = encoder_identity(self.name, self.precision)
        model_path = folder / MODEL_FILE
        if model_sha256 is not None and _digest(model_path) != model_sha256:
            raise EncoderUnavailable(f"{model_path} does not match its manifest checksum")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads or os.cpu_count() or 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # errors only: its warnings would break one-line stderr
            self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # missing package, missing file, damaged protobuf or tokenizer
            raise EncoderUnavailable(f"the ONNX encoder in {folder} cannot be loaded ({exc})") from exc
        self._tokenizer.no_padding()
        self._read_to(max_tokens)
        self._inputs = {i.name for i in self._session.get_inputs()}

    def windowed(self, max_tokens: int) -> OnnxEmbedder:
        """This encoder reading at most `max_tokens` word pieces of each text (the same loaded model)."""
        from tokenizers import Tokenizer

        view = copy.copy(self)
        view._tokenizer = Tokenizer.from_str(self._tokenizer.to_str())
        view._read_to(max_tokens)
        return view

    def _read_to(self, max_tokens: int | None) -> None:
        longest = int(self.info["max_seq_length"])
        self._tokenizer.enable_truncation(longest if max_tokens is None else min(longest, max_tokens))

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """float32 unit rows, shape (len(texts), dim), in input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(texts) == 0:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        # Longest first, cut into batches: a batch pads only to similar lengths (as sentence-transformers).
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._batch([encodings[i] for i in rows])
        return out

    def _batch(self, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)], mask[row, : len(e.ids)], types[row, : len(e.ids)] = e.ids, 1, e.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        tokens = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        if self.info["pooling"] == "cls":
            pooled = tokens[:, 0]
        else:  # mean over the real tokens, as sentence-transformers' Pooling(mean) does
            weights = mask[:, :, None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if not self.info["normalize"]:
            return pooled.astype(np.float32)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _digest(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:
        raise EncoderUnavailable(f"{path} cannot be read ({exc.strerror or exc})") from None
