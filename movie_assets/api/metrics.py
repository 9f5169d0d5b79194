"""Prometheus metrics: requests and latency by endpoint (the route's path template) and search method.

Each app has its own registry, so apps made side by side (tests) count apart. A plain ASGI wrapper
rather than a framework middleware: it adds a few microseconds, not a task per request.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Search latencies on 2 cores run from ~5 ms (bm25) to seconds (ce, or a queue under overload).
BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.045, 0.06, 0.08, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHOD_KEY = "search_method"  # request.state entry the search routes set


class Metrics:
    """The API's counters and histograms, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "movie_assets_api_requests",
            "HTTP requests answered, by endpoint, search method and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "movie_assets_api_request_seconds",
            "time from request to the end of the answer, by endpoint and search method",
            ["endpoint", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def exposition(self) -> tuple[bytes, str]:
        """The text format Prometheus scrapes, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts and times every HTTP request; the endpoint label is the matched route's template
    (`/movies/{movie_id}`), or "unmatched", so ids and typos do not each make a series."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route: Any = scope.get("route")
            endpoint = getattr(route, "path", None) or "unmatched"
            method = str(scope.get("state", {}).get(METHOD_KEY, ""))
            self.metrics.requests.labels(endpoint, method, str(status)).inc()
            self.metrics.latency.labels(endpoint, method).observe(time.perf_counter() - start)
