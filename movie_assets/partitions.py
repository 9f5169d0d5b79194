"""Yearly partitions by primary release year, from TMDb's oldest films to the current year."""

from __future__ import annotations

import dagster as dg

FIRST_YEAR = 1874

# end_offset=1 makes the current (unfinished) year a partition too.
year_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start=str(FIRST_YEAR), fmt="%Y", end_offset=1
)
