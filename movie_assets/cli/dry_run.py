"""`movie-assets build --dry-run`: what a build would harvest and how long it would take, without harvesting.

The source is chosen exactly as `build` chooses it (the demo catalogue through the emulator when no key
is set). Only page-1 discover probes are sent: the same probes the build's window planner will send.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from movie_assets.cli.build import BuildError, open_source
from movie_assets.config import TMDbSettings, load_dotenv_once
from movie_assets.tmdb import (
    HarvestScope,
    TMDbClient,
    TMDbError,
    YearEstimate,
    estimate_year,
    format_estimate,
)


async def _estimate(
    settings: TMDbSettings, api_key: str, years: Sequence[int], scope: HarvestScope
) -> list[YearEstimate]:
    params = scope.discover_params()
    async with TMDbClient(settings.base_url, api_key, rate_limit=settings.rate_limit) as client:
        return [await estimate_year(client, year, scope_params=params) for year in years]


def run_dry_run(
    years: Sequence[int] | None,
    *,
    rate_limit: float | None,
    scope: HarvestScope,
    say: Callable[[str], None] = print,
) -> int:
    """Print the estimate table for `years` (default: the source's years); 0 on success, 2 on a TMDb error.

    Raises BuildError, as `run_build` does, when the source cannot be used (e.g. a base URL without a key).
    """
    load_dotenv_once()
    with open_source(rate_limit, say) as source:
        try:
            settings = TMDbSettings.from_env()
        except ValueError as exc:  # a malformed TMDB_RATE_LIMIT
            raise BuildError(str(exc)) from None
        if not settings.api_key:  # open_source sets one (the demo's) or refuses; guard a future change
            raise BuildError("TMDB_API_KEY is not set; set it to estimate a harvest from TMDb")
        chosen = list(years or source.default_years)
        span = f"{chosen[0]}-{chosen[-1]}"
        say(f"Dry run: estimating years {span} from the {source.description} (scope: {scope.describe()})")
        try:
            estimates = asyncio.run(_estimate(settings, settings.api_key, chosen, scope))
        except TMDbError as exc:
            say("dry run failed: " + " ".join(str(exc).split()))
            return 2
    say(format_estimate(estimates, settings.rate_limit))
    return 0
