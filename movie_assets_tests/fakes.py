"""Test doubles shared by every test package: a deterministic embedder (and the Dagster resource that
serves it) and a `movies` frame builder."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from movie_assets.catalog.schema import MOVIES_SCHEMA
from movie_assets.resources import EmbedderResource

_WORD = re.compile(r"\w+")

# The typed `movies` columns (DESIGN §7), from the one place that defines them.
MOVIES_TEST_SCHEMA: dict[str, pl.DataType] = dict(MOVIES_SCHEMA)


class FakeEmbedder:
    """A bag-of-words embedder: each word is hashed (sha256) to a signed bucket, the sum is normalised.

    Texts that share words get a positive cosine, the same text always gets the same vector, and the
    counters let tests assert what was (not) embedded.
    """

    def __init__(self, dim: int = 32, name: str = "fake-bag-of-words") -> None:
        self.name = name
        self.dim = dim
        self.calls = 0
        self.texts_encoded = 0
        self.seen: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.casefold()) or ["<empty>"]:
            digest = hashlib.sha256(word.encode()).digest()
            vec[int.from_bytes(digest[:4], "little") % self.dim] += 1.0 if digest[4] & 1 else -1.0
        norm = np.linalg.norm(vec)
        # A text whose words cancel out still needs a unit vector.
        return vec / norm if norm > 0 else np.eye(self.dim, dtype=np.float32)[0]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        self.seen.extend(texts)
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)


# The one instance every FakeEmbedderResource serves, so a test can read what its runs embedded.
FAKE_EMBEDDER = FakeEmbedder()


class FakeEmbedderResource(EmbedderResource):
    """The `embedder` resource with FAKE_EMBEDDER in place of the model; `fail` makes loading it fail."""

    fail: bool = False

    def load(self, export_root: Path | None = None, *, held: Collection[str] = ()) -> Any:
        if self.fail:
            raise RuntimeError("embedder unavailable (injected)")
        return FAKE_EMBEDDER


def _default(column: str, record: Mapping[str, Any]) -> Any:
    if isinstance(MOVIES_TEST_SCHEMA[column], pl.List):
        return []
    title = record.get("title", f"Movie {record['movie_id']}")
    defaults: dict[str, Any] = {
        "title": title,
        "original_title": title,
        "original_language": "en",
        "release_date": date(int(record.get("year") or 2021), 1, 1),
        "year": record["release_date"].year if record.get("release_date") else 2021,
        "popularity": 1.0,
        "vote_average": 6.0,
        "vote_count": 10,
        "status": "Released",
        "harvested_at": datetime(2025, 1, 1, tzinfo=UTC),
    }
    return defaults.get(column)


def make_movies(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """A `movies` frame with the §7 dtypes; each record needs movie_id, other fields get plain defaults
    (original_title = title, release_date = 1 January of the year)."""
    rows = [{c: r[c] if c in r else _default(c, r) for c in MOVIES_TEST_SCHEMA} for r in records]
    return pl.DataFrame(rows, schema=MOVIES_TEST_SCHEMA)


TINY_ENCODER = "tiny-onnx-encoder"
TINY_WORDS = (
    "heist",
    "thriller",
    "romance",
    "paris",
    "detective",
    "rain",
    "killer",
    "comedy",
    "space",
    "war",
)


def write_tiny_encoder(
    folder: Path, *, dim: int = 8, precision: str = "fp32", pooling: str = "mean", model: str = TINY_ENCODER
) -> Path:
    """An ONNX export folder (`movie_assets.index.onnx_encoder`) without torch: a word-level tokenizer with
    [CLS]/[SEP] over TINY_WORDS and a graph that looks each token up in a fixed random table (its only
    input is input_ids, as an export may leave inputs out). Same seed, same vectors."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, **{w: i + 4 for i, w in enumerate(TINY_WORDS)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.save(str(folder / "tokenizer.json"))
    table = np.random.default_rng(7).normal(size=(len(vocab), dim)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["token_embeddings"])],
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("token_embeddings", TensorProto.FLOAT, ["batch", "tokens", dim])],
        [numpy_helper.from_array(table, "table")],
    )
    onnx.save(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(folder / "model.onnx")
    )
    info = {"export_version": 1, "model": model, "dim": dim, "precision": precision, "pooling": pooling,
            "normalize": True, "max_seq_length": 6, "source_sha256": ""}  # fmt: skip
    (folder / "encoder.json").write_text(json.dumps(info), encoding="utf-8")
    return folder


def tiny_table(dim: int = 8) -> np.ndarray:
    """The token table of `write_tiny_encoder` (rows in its vocabulary's order)."""
    return np.random.default_rng(7).normal(size=(len(TINY_WORDS) + 4, dim)).astype(np.float32)


def votes_ranker() -> Any:
    """A learned ranker taught that the answer is always the pool member with the most votes (whatever
    the text says), so a test sees the ranker's own order."""
    from movie_assets.ranking import FEATURE_NAMES
    from movie_assets.training import Group, train_ranker

    votes = FEATURE_NAMES.index("log_votes")
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(120):
        features = rng.normal(size=(12, len(FEATURE_NAMES))).astype(np.float32)
        features[:, votes] = rng.uniform(0, 10, size=12)
        groups.append(Group(features, (features[:, votes] == features[:, votes].max()).astype(np.int32)))
    return train_ranker(groups[:100], groups[100:], threads=1).model


def install_votes_ranker(folder: Path) -> None:
    """Install `votes_ranker` into the artifact set `folder`."""
    from movie_assets.index import install_learned, read_manifest
    from movie_assets.ranking import FEATURE_SCHEMA, RANKER_FILE

    manifest = read_manifest(folder)
    entry = {"encoder": manifest["embedding_model"], "dim": manifest["dim"], "feature_schema": FEATURE_SCHEMA,
             "fingerprint": "test"}  # fmt: skip
    install_learned(folder, {RANKER_FILE: votes_ranker().encode()}, entry)
