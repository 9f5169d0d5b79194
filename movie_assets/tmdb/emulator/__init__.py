"""The TMDb emulator: a real HTTP server on loopback serving a catalogue file with TMDb's shapes."""

from __future__ import annotations

from movie_assets.tmdb.emulator.images import IMAGE_FAULT_KINDS, poster_image
from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig, serve

__all__ = ["IMAGE_FAULT_KINDS", "Emulator", "EmulatorConfig", "poster_image", "serve"]
