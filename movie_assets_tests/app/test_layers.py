"""The app reads search results only through the search library (DESIGN §1)."""

from __future__ import annotations

import ast
from pathlib import Path

import movie_assets.app

# The search library, the app's own modules, the catalogue's read API for the charts, and the
# configuration the entry point reads (.env), and the poster cache that serves the cards' images.
ALLOWED = {
    "movie_assets.search", "movie_assets.catalog", "movie_assets.config", "movie_assets.app",
    "movie_assets.posters",
}  # fmt: skip


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("movie_assets")}


def test_the_app_imports_only_the_search_library_and_the_catalogue() -> None:
    folder = Path(movie_assets.app.__file__).parent
    found = {path.name: _imported(path) for path in sorted(folder.glob("*.py"))}
    assert set().union(*found.values()) >= {"movie_assets.search", "movie_assets.catalog"}
    for name, modules in found.items():
        outside = {m for m in modules if not m.startswith("movie_assets.app.")} - ALLOWED
        assert not outside, f"{name} imports {outside}"
