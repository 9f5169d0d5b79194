"""What `movie-assets search` imports: a dense search over a set with its ONNX encoder loads neither torch,
sentence-transformers, the orchestrator, the front end nor the catalogue's polars-and-pandera code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from movie_assets_tests.catalogues import build_onnx_artifacts
from movie_assets_tests.fakes import TINY_ENCODER

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "sentence_transformers", "transformers", "dagster", "streamlit", "pandera",
         "movie_assets.catalog", "movie_assets.assets", "sklearn")  # fmt: skip
CODE = """
import json, sys
from movie_assets.cli.main import main
code = main(["search", *sys.argv[1:]])
heavy = sorted({m.split(".")[0] if not m.startswith("movie_assets") else ".".join(m.split(".")[:2])
                for m in sys.modules} & set(HEAVY))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def test_a_dense_search_imports_nothing_heavy(tmp_path: Path) -> None:
    artifacts = build_onnx_artifacts(tmp_path / "artifacts", tmp_path / "export")
    env = {**os.environ, "EMBED_MODEL_NAME": TINY_ENCODER}
    for method in ("hybrid", "retrieval", "bm25"):
        run = subprocess.run(
            [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{CODE}", "space station", "--method", method,
             "--artifacts", str(artifacts), "--json"],
            capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120, check=False,
        )  # fmt: skip
        assert run.returncode == 0 and run.stderr == "", run.stderr
        hits, report = run.stdout.splitlines()
        assert json.loads(report) == {"code": 0, "heavy": []}
        assert json.loads(hits)[0]["title"].startswith("Space Station")
