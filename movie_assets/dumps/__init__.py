"""Import of TMDb-derived CSV dumps into a catalogue file (JSON lines shaped like TMDb's details)."""

from __future__ import annotations

from movie_assets.dumps.importer import import_dumps, main_import

__all__ = ["import_dumps", "main_import"]
