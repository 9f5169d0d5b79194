"""Request counters of the emulator, so tests and benchmarks can see what the server did."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EmulatorStats:
    """A snapshot: requests in total, by path kind, by HTTP status sent, faults injected, rate-limited."""

    requests: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_status: dict[int, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0


class StatsRecorder:
    """Thread-safe counters behind EmulatorStats."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._kinds: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._rate_limited = 0

    def request(self, kind: str) -> None:
        with self._lock:
            self._requests += 1
            self._kinds[kind] += 1

    def status(self, status: int) -> None:
        with self._lock:
            self._statuses[status] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def rate_limit(self) -> None:
        with self._lock:
            self._rate_limited += 1

    def snapshot(self) -> EmulatorStats:
        with self._lock:
            return EmulatorStats(
                requests=self._requests,
                by_kind=dict(self._kinds),
                by_status=dict(self._statuses),
                faults=dict(self._faults),
                rate_limited=self._rate_limited,
            )
