"""`movie-assets build --dry-run`: what a build would harvest and how long it would take, without harvesting.

The source and settings are chosen exactly as `build` chooses them (the demo catalogue through the emulator
when no key is set): the estimate talks to TMDb through the same resource the build's runs would get. Only
page-1 discover probes are sent: the same probes the build's window planner will send.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from movie_assets.cli.build import BuildRequest, Say, open_source
from movie_assets.tmdb import (
    HarvestScope,
    TMDbClient,
    TMDbError,
    YearEstimate,
    estimate_year,
    format_estimate,
)


async def _estimate(client: TMDbClient, years: Sequence[int], scope: HarvestScope) -> list[YearEstimate]:
    params = scope.discover_params()
    async with client:
        return [await estimate_year(client, year, scope_params=params) for year in years]


def run_dry_run(request: BuildRequest, say: Say = print) -> int:
    """Print the estimate table for the request's years (default: the source's years); 0 on success, 2 on a
    TMDb error.

    Raises BuildError, as `run_build` does, when the source cannot be used (e.g. a base URL without a key).
    """
    with open_source(request, say) as source:
        # Outside a run nothing resolves the resource's EnvVar key: this does, as a run would.
        tmdb = source.tmdb.process_config_and_initialize()
        scope, rate_limit = tmdb.scope(), tmdb.settings().rate_limit
        chosen = list(request.years or source.default_years)
        span = f"{chosen[0]}-{chosen[-1]}"
        say(f"Dry run: estimating years {span} from the {source.description} (scope: {scope.describe()})")
        try:
            estimates = asyncio.run(_estimate(tmdb.client(), chosen, scope))
        except TMDbError as exc:
            say("dry run failed: " + " ".join(str(exc).split()))
            return 2
    say(format_estimate(estimates, rate_limit))
    return 0
