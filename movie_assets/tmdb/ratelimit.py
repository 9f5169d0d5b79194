"""An asyncio token bucket that paces requests to a steady rate, shared by every concurrent caller."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable


def default_burst(rate: float) -> float:
    """The bucket size for `rate` requests/s: an eighth of a second's worth, and at least one request.

    A small burst lets an idle harvester start at once, while any 1 s window stays within rate + burst:
    at the default 35 req/s that is under 40, the ceiling TMDb documents.
    """
    return max(1.0, rate / 8)


class TokenBucket:
    """Grants one token per `acquire()`, refilling at `rate` per second up to `capacity` tokens.

    Over any window of T seconds at most `capacity + rate * T` tokens are granted, and a saturated caller
    gets exactly `rate` per second over a long run.
    """

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"rate limit must be a positive number of requests per second, got {rate!r}")
        self.rate = float(rate)
        self.capacity = default_burst(self.rate) if capacity is None else float(capacity)
        if self.capacity < 1:
            raise ValueError(f"token bucket capacity must be at least 1 token, got {capacity!r}")
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._updated = clock()

    async def acquire(self) -> float:
        """Take one token, waiting until it is due; returns the seconds waited."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        # The token is reserved before sleeping (the balance may go negative), so concurrent callers queue
        # in arrival order without a lock: nothing awaits between reading and updating the balance.
        self._tokens -= 1.0
        wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            try:
                await self._sleep(wait)
            except asyncio.CancelledError:
                # A cancelled caller sends nothing, so its reservation goes back to the queue.
                self._tokens = min(self.capacity, self._tokens + 1.0)
                raise
        return wait
