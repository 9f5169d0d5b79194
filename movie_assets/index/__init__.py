"""Everything the search reads, built: documents, embeddings, vectors, FAISS, bm25s and the artifact set
(written, opened and checked)."""

from __future__ import annotations

from movie_assets.index.artifact_set import ArtifactSet, open_artifacts, verify_artifacts
from movie_assets.index.artifacts import write_artifacts
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
from movie_assets.index.learned import LEARNED_DIR, LEARNED_IDENTITY, LEARNED_RECORD, RETRAIN, install_learned
from movie_assets.index.manifest import (
    IDMAP_FILE,
    MANIFEST,
    PAYLOAD_FILE,
    REBUILD,
    ArtifactsError,
    check_model,
    read_manifest,
)
from movie_assets.index.sparse import bm25_scores, bm25_top_k, load_bm25, top_scoring
from movie_assets.index.tokenize import TOKENIZER_ID, tokenize_query
from movie_assets.index.vectors import read_vectors, write_vectors

__all__ = [
    "IDMAP_FILE",
    "LEARNED_DIR",
    "LEARNED_IDENTITY",
    "LEARNED_RECORD",
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
    "ann_recall_at_k",
    "bm25_scores",
    "bm25_top_k",
    "build_dense_index",
    "check_model",
    "embed_documents",
    "install_learned",
    "load_bm25",
    "load_dense",
    "load_embedder",
    "movie_documents",
    "open_artifacts",
    "read_manifest",
    "read_vectors",
    "save_dense",
    "tokenize_query",
    "top_scoring",
    "unit_rows",
    "verify_artifacts",
    "write_artifacts",
    "write_documents",
    "write_vectors",
]
