"""The TMDb emulator: a real HTTP server on loopback serving a catalogue file with TMDb's shapes."""

from __future__ import annotations

from movie_assets.tmdb.emulator.server import Emulator, EmulatorConfig, serve

__all__ = ["Emulator", "EmulatorConfig", "serve"]
