"""A TMDb API v3 emulator: a real HTTP server on loopback that serves a catalogue with TMDb's shapes,
errors, paging cap, rate limit and injected faults (TMDB_API.md §10). It is the test double for the
harvester; see `EmulatorConfig` for the switches.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from movie_assets.tmdb.emulator.catalogue import EmulatorCatalogue
from movie_assets.tmdb.emulator.config import FAULT_KINDS, EmulatorConfig
from movie_assets.tmdb.emulator.faults import FaultRoller, RateLimiter, fault_reply, reset_connection
from movie_assets.tmdb.emulator.images import IMAGE_PREFIX, image_reply
from movie_assets.tmdb.emulator.replies import CDN_ERROR_HEADERS, Reply, error_reply
from movie_assets.tmdb.emulator.routes import drift_applies, handle, path_kind
from movie_assets.tmdb.emulator.stats import EmulatorStats, StatsRecorder

__all__ = ["FAULT_KINDS", "Emulator", "EmulatorConfig", "EmulatorStats", "serve"]

LOG = logging.getLogger(__name__)
_API_KEY_IN_QUERY = re.compile(r"([?&]api_key=)[^&\s]*")
# A 401 from TMDb is cacheable at the CDN for five minutes (TMDB_API.md §0).
_UNAUTHORISED_HEADERS = (("Cache-Control", "public, max-age=300"), *CDN_ERROR_HEADERS)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        # Keep-alive connections outlive shutdown(); stop() closes them so no old handler answers again.
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The base class prints tracebacks to stderr; dropped client connections are routine here.
        LOG.debug("TMDb emulator: error while serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as TMDb's CDN offers
    server_version = "openresty"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection gives its thread back after a minute
    # Headers and body go out in two writes; with Nagle on, delayed ACKs would add ~40 ms to each answer.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        server = cast(_Server, self.server)
        with server.connections_lock:
            server.open_connections.add(self.connection)

    def finish(self) -> None:
        server = cast(_Server, self.server)
        with server.connections_lock:
            server.open_connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass  # the client (or a reset fault) already closed the socket

    def do_GET(self) -> None:
        try:
            cast(_Server, self.server).emulator._answer(self)
        except OSError:
            self.close_connection = True  # the client went away mid-answer (e.g. its timeout fired)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries the api_key; keys never reach a log.
        LOG.debug("%s %s", self.address_string(), _API_KEY_IN_QUERY.sub(r"\1***", format % args))


def _write(handler: BaseHTTPRequestHandler, reply: Reply, *, truncate: bool = False) -> None:
    handler.send_response(reply.status)
    handler.send_header("Content-Type", reply.content_type)
    handler.send_header("Content-Length", str(len(reply.body)))
    for name, value in reply.headers:
        handler.send_header(name, value)
    if truncate:
        handler.send_header("Connection", "close")
    handler.end_headers()
    # A truncated answer promises the full length but stops halfway, then closes.
    handler.wfile.write(reply.body[: len(reply.body) // 2] if truncate else reply.body)
    if truncate:
        handler.close_connection = True


class Emulator:
    """The server; `start()` binds (port 0 picks a free port) and returns the base URL ending in `/3`."""

    def __init__(self, movies: list[dict[str, Any]], config: EmulatorConfig = EmulatorConfig()) -> None:  # noqa: B008
        self.config = config
        self._catalogue = EmulatorCatalogue(movies)
        self._stats = StatsRecorder()
        self._faults = FaultRoller(config.fault_rate, config.faults, config.seed)
        self._limiter = RateLimiter(config.rate_limit) if config.rate_limit else None
        self._image_faults = FaultRoller(config.image_fault_rate, config.image_faults, config.seed + 1)
        self._image_fault_files = dict(config.image_fault_files)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            raise RuntimeError(f"emulator already running at {self._url}; call stop() first")
        self._server = _Server((host, port), self)
        bound_host, bound_port = self._server.server_address[:2]
        self._url = f"http://{bound_host}:{bound_port}/3"
        # A short poll interval makes stop() quick; shutdown() waits up to one interval.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="tmdb-emulator",
            daemon=True,
        )
        self._thread.start()
        LOG.debug("TMDb emulator serving %d movies at %s", len(self._catalogue), self._url)
        return self._url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with server.connections_lock:
            connections = list(server.open_connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its handler
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("emulator not started; call start() or use it as a context manager")
        return self._url

    @property
    def image_url(self) -> str:
        """The base URL of poster images, as TMDb's `https://image.tmdb.org/t/p` (no trailing slash)."""
        return self.url.removesuffix("/3") + IMAGE_PREFIX.rstrip("/")

    @property
    def stats(self) -> EmulatorStats:
        return self._stats.snapshot()

    def replace_movies(self, movies: list[dict[str, Any]]) -> None:
        """Serve a new catalogue; requests already running finish on the old one."""
        self._catalogue = EmulatorCatalogue(movies)  # built first, then swapped in one assignment

    def _authorised(self, params: dict[str, str], authorization: str | None) -> bool:
        offered = [params.get("api_key", "")]
        if authorization and authorization[:7].lower() == "bearer ":
            offered.append(authorization[7:].strip())
        if self.config.api_key is None:
            return any(offered)
        return self.config.api_key in offered

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        params = {name: values[0] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
        kind = path_kind(url.path)
        self._stats.request(kind)
        if kind == "image":
            self._answer_image(handler, url.path)
            return
        reply = self._limiter.admit() if self._limiter else None
        fault = None
        if reply is not None:
            self._stats.rate_limit()
        elif not self._authorised(params, handler.headers.get("Authorization")):
            reply = error_reply(7, headers=_UNAUTHORISED_HEADERS)
        else:
            fault = self._faults.roll(drift_applies(kind, params))
            if fault is not None:
                self._stats.fault(fault)
            if fault == "reset":
                reset_connection(handler)
                return
            if fault == "slow":
                time.sleep(self.config.slow_seconds)
            reply = fault_reply(fault, self.config.rate_limit) if fault else None
        if reply is None:
            try:
                reply = handle(self._catalogue, url.path, params, self.config, drift=fault == "rank_drift")
            except Exception:
                LOG.exception("TMDb emulator failed on %s", url.path)
                reply = error_reply(11)
        self._stats.status(reply.status)
        _write(handler, reply, truncate=fault == "truncated")

    def _answer_image(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        # The image host needs no key and has no rate limit of the API's; it fails in its own ways.
        file = path[path.rfind("/") :]
        fault = self._image_fault_files.get(file) or self._image_faults.roll(False)
        if fault is not None:
            self._stats.fault(fault)
        if fault == "slow":
            time.sleep(self.config.slow_seconds)
        reply = image_reply(path, fault)
        self._stats.status(reply.status)
        _write(handler, reply, truncate=fault == "truncated")


def serve(
    movies: list[dict[str, Any]],
    config: EmulatorConfig = EmulatorConfig(),  # noqa: B008
    host: str = "127.0.0.1",
    port: int = 0,
) -> None:
    """Serve until Ctrl-C, printing the base URL once so a caller can pick it up."""
    emulator = Emulator(movies, config)
    # Everything after start() sits inside the try: a Ctrl-C that lands between printing the URL and
    # waiting (a caller may signal as soon as it has read the URL) must still stop cleanly.
    try:
        print(emulator.start(host, port), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
