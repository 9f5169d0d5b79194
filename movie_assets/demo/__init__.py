"""The synthetic demo catalogue: invented movies shaped like TMDb's, and the vocabulary they come from."""

from __future__ import annotations

from movie_assets.demo.catalogue import DEMO_YEARS, generate_demo_catalogue

__all__ = ["DEMO_YEARS", "generate_demo_catalogue"]
