"""Failure behaviour of the emulator: seeded fault draws, the per-second rate limit, and connection resets.

Faults model what TMDb and its CDN do in the wild (TMDB_API.md §6): 5xx answers, an HTML 503 from the CDN,
slow answers, dropped connections, bodies cut short, 429s, and rank drift on volatile sorts.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler

from movie_assets.tmdb.emulator.replies import Reply, error_reply, html_503, rate_limited_reply

# Every n-th rate-limit answer leaves out Retry-After: whether TMDb still sends it is unverified, so
# clients must cope with both (TMDB_API.md §11).
_RETRY_AFTER_OMITTED_EVERY = 4
_WINDOW_SECONDS = 1.0


class FaultRoller:
    """Draws at most one fault per request from a seeded generator, so a sequential run is repeatable."""

    def __init__(self, rate: float, kinds: tuple[str, ...], seed: int) -> None:
        self._rate = rate
        self._kinds = tuple(kinds)
        self._general = tuple(k for k in kinds if k != "rank_drift")
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def roll(self, drift_possible: bool) -> str | None:
        if self._rate <= 0 or not self._kinds:
            return None
        with self._lock:
            if self._rng.random() >= self._rate:
                return None
            candidates = self._kinds if drift_possible else self._general
            return self._rng.choice(candidates) if candidates else None


def fault_reply(kind: str, rate_limit: float | None) -> Reply | None:
    """The answer that replaces the normal one, for faults that are plain replies."""
    if kind == "500":
        return error_reply(11)
    if kind == "502":
        return error_reply(43)
    if kind == "504":
        return error_reply(24)
    if kind == "503_html":
        return html_503()
    if kind == "429":
        limit = rate_limit or 40.0
        return rate_limited_reply(int(limit) + 1, limit, retry_after=True)
    return None


class RateLimiter:
    """A token bucket of `rate` per second (burst `rate`); the 429 reports the count of the last second."""

    def __init__(self, rate: float) -> None:
        self._rate = rate
        self._capacity = max(1.0, rate)
        self._tokens = self._capacity
        self._last = time.monotonic()
        self._recent: deque[float] = deque()
        self._rejected = 0
        self._lock = threading.Lock()

    def admit(self) -> Reply | None:
        """None when the request may go ahead, else the 429 to send."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - _WINDOW_SECONDS:
                self._recent.popleft()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return None
            self._rejected += 1
            retry_after = self._rejected % _RETRY_AFTER_OMITTED_EVERY != 0
            return rate_limited_reply(len(self._recent), self._rate, retry_after=retry_after)


def reset_connection(handler: BaseHTTPRequestHandler) -> None:
    """Drop the connection with a TCP RST and no response, like a failing proxy."""
    handler.close_connection = True
    sock = handler.connection
    # SO_LINGER on with a zero timeout makes close() send RST instead of FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.rfile.close()  # the reader holds a reference that would otherwise delay the real close
    sock.close()
