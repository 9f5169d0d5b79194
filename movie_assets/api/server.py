"""`movie-assets serve`: the app on uvicorn, one process, stopped gracefully by SIGTERM or Ctrl-C.

One worker process, not several: the model and the indexes are held once (a second process would hold
them again), and the searches of that one process already use every core through its threads.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import uvicorn

from movie_assets.api.app import TIME_LIMIT_S, create_app
from movie_assets.api.live import LiveSearcher

# In-flight requests get this long after a stop signal, beyond the time limit they already had.
_GRACE_S = 5.0
KEEP_ALIVE_S = 30


class GracefulServer(uvicorn.Server):
    """uvicorn's server that, once stopped by a signal, returns instead of raising the signal again: on
    SIGTERM (or Ctrl-C) it stops accepting, lets requests in flight finish, and then the command exits
    0 (or 130)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.stopped_by: list[int] = []

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopped_by.append(sig)
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so that a port in use is one clear error (OSError)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(
    artifacts: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    time_limit_s: float = TIME_LIMIT_S,
    threads: int | None = None,
) -> int | None:
    """Serve until stopped; returns the signal that stopped it (None when uvicorn stopped by itself).

    Raises:
        OSError: the address cannot be bound (a port in use, a host not on this machine).
    """
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    sock = bind(host, port)
    app = create_app(LiveSearcher(artifacts), time_limit_s=time_limit_s, threads=threads)
    config = uvicorn.Config(
        app,
        workers=1,
        access_log=False,  # /metrics counts the requests; a line each would cost more than a search
        timeout_graceful_shutdown=int(time_limit_s + _GRACE_S),
        # Longer than a client's usual pause between requests: a connection closed by the server just as
        # the client reuses it fails that request.
        timeout_keep_alive=KEEP_ALIVE_S,
        log_level="info",
    )
    server = GracefulServer(config)
    server.run(sockets=[sock])
    return server.stopped_by[0] if server.stopped_by else None
