"""Everything the search reads, built: documents, embeddings, vectors, FAISS, bm25s and the artifact set
(written, opened and checked)."""

from __future__ import annotations

from movie_assets.index.artifact_set import ArtifactSet, open_artifacts, verify_artifacts
from movie_assets.index.artifacts import ExtraWriter, extend_artifacts, write_artifacts
from movie_assets.index.dense import ann_recall_at_k, build_dense_index, load_dense, save_dense
from movie_assets.index.documents import movie_documents, write_documents
from movie_assets.index.embedding import (
    Embedder,
    EmbeddingCache,
    EmbeddingModelUnavailable,
    EmbedStats,
    embed_documents,
    load_embedder,
    unit_rows,
)
from movie_assets.index.encoders import AUTO, BACKENDS, load_document_embedder
from movie_assets.index.gazetteer import (
    GAZETTEER_EXTRA,
    GAZETTEER_VERSION,
    Gazetteer,
    Person,
    Title,
    fold,
    gazetteer_writer,
)
from movie_assets.index.learned import (
    LEARNED_DIR,
    LEARNED_IDENTITY,
    LEARNED_RECORD,
    RETRAIN,
    carried_learned,
    install_learned,
    learned_facts,
    learned_writer,
)
from movie_assets.index.manifest import (
    DENSE_FILE,
    IDMAP_FILE,
    MANIFEST,
    PAYLOAD_FILE,
    REBUILD,
    ArtifactsError,
    LearnedInfo,
    Manifest,
    check_model,
    documents_encoder,
    parse_manifest,
    read_manifest,
)
from movie_assets.index.onnx_encoder import (
    ENCODER_DIR,
    PRECISIONS,
    EncoderUnavailable,
    OnnxEmbedder,
    cache_key,
    encoder_identity,
    export_precision,
    identity_of,
)
from movie_assets.index.onnx_export import cached_export, encoder_writer, export_encoder
from movie_assets.index.sets import KEEP_SETS, current_set_id, resolve_set, sets_dir
from movie_assets.index.sparse import bm25_scores, bm25_top_k, load_bm25, top_scoring
from movie_assets.index.tokenize import TOKENIZER_ID, tokenize_query, word_pattern
from movie_assets.index.vectors import held_encoders, read_vectors, write_vectors

__all__ = [
    "GAZETTEER_EXTRA",
    "GAZETTEER_VERSION",
    "Gazetteer",
    "Person",
    "Title",
    "fold",
    "gazetteer_writer",
    "AUTO",
    "BACKENDS",
    "ENCODER_DIR",
    "PRECISIONS",
    "EncoderUnavailable",
    "OnnxEmbedder",
    "cache_key",
    "cached_export",
    "encoder_identity",
    "identity_of",
    "encoder_writer",
    "export_precision",
    "export_encoder",
    "load_document_embedder",
    "DENSE_FILE",
    "IDMAP_FILE",
    "LEARNED_DIR",
    "LEARNED_IDENTITY",
    "LEARNED_RECORD",
    "KEEP_SETS",
    "MANIFEST",
    "PAYLOAD_FILE",
    "REBUILD",
    "RETRAIN",
    "TOKENIZER_ID",
    "ArtifactSet",
    "ArtifactsError",
    "EmbedStats",
    "Embedder",
    "EmbeddingCache",
    "EmbeddingModelUnavailable",
    "ExtraWriter",
    "LearnedInfo",
    "Manifest",
    "ann_recall_at_k",
    "bm25_scores",
    "bm25_top_k",
    "build_dense_index",
    "carried_learned",
    "check_model",
    "documents_encoder",
    "current_set_id",
    "embed_documents",
    "install_learned",
    "extend_artifacts",
    "learned_facts",
    "learned_writer",
    "load_bm25",
    "load_dense",
    "load_embedder",
    "movie_documents",
    "open_artifacts",
    "parse_manifest",
    "read_manifest",
    "held_encoders",
    "read_vectors",
    "resolve_set",
    "save_dense",
    "sets_dir",
    "tokenize_query",
    "top_scoring",
    "unit_rows",
    "verify_artifacts",
    "word_pattern",
    "write_artifacts",
    "write_documents",
    "write_vectors",
]
