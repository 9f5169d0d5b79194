"""The house rules of docs/architecture.md, read from the code's own imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from movie_assets.config import REPO_ROOT

PACKAGE = REPO_ROOT / "movie_assets"
CORE = (
    "reference", "tmdb", "demo", "dumps", "catalog", "refresh", "index", "ranking", "search", "evaluation",
    "training", "report", "posters",
)  # fmt: skip
FOUNDATION = ("config", "paths", "files")
PACKAGES = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _room(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return "tmdb/emulator" if parts[:2] == ("tmdb", "emulator") else parts[0]


def _files(name: str) -> list[Path]:
    folder = PACKAGE / name
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [PACKAGE / f"{name}.py"]


def test_the_core_imports_neither_the_orchestrator_nor_a_front_end() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)} imports {module}"
        for name in CORE + FOUNDATION
        for path in _files(name)
        for module in _imports(path)
        if module.split(".")[0] in ("dagster", "streamlit")
        or module.split(".")[:2] in (["movie_assets", "assets"], ["movie_assets", "app"])
    ]
    assert offenders == []


def test_other_packages_are_used_through_their_face() -> None:
    """`from movie_assets.index import X`, never `from movie_assets.index.artifacts import X` from outside."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        room = _room(path)
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] != "movie_assets" or len(parts) < 3 or parts[1] not in PACKAGES:
                continue
            target = "tmdb/emulator" if parts[1:3] == ["tmdb", "emulator"] else parts[1]
            inner = len(parts) > (3 if target == "tmdb/emulator" else 2)
            # A subpackage may use its parent's rooms (the emulator speaks TMDb's auth rules).
            inside = target == room or room.startswith(f"{target}/")
            # `python -m movie_assets.search` is the search command's second name: it hands over to the CLI.
            if not inside and inner and path != PACKAGE / "search" / "__main__.py":
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {module}")
    assert offenders == []


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in fakes.py, catalogues.py, processes.py and conftest.py fixtures."""
    tests = REPO_ROOT / "movie_assets_tests"
    offenders = [
        f"{path.relative_to(REPO_ROOT)} imports {module}"
        for path in tests.rglob("test_*.py")
        for module in _imports(path)
        if module.startswith("movie_assets_tests") and module.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert offenders == []
