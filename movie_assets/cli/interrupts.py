"""Ctrl-C at the command line: every command stops with one line and exit status 130, and loses nothing.

`main` catches `KeyboardInterrupt` at the root. Two things need more than that: a Dagster run owns SIGINT
while it executes (inside a step the signal fails the run; between or after steps it is only noted, and a
note made after the last step is dropped when the run ends), so `SigintWatch` sees every SIGINT whatever
handler is installed; and a server started as a child (`dagster dev`, `streamlit`) must be stopped once
and waited for, not killed: `run_until_stopped`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# What shells report for a command stopped by Ctrl-C: 128 + SIGINT.
EXIT_INTERRUPTED = 128 + signal.SIGINT
_SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}


def report_interrupt(command: str, detail: str = "") -> int:
    """Print the one line a command stopped by Ctrl-C prints, and return its exit status."""
    name = f"movie-assets {command}" if command else "movie-assets"
    print(f"{name}: interrupted{detail}", file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


class SigintWatch(contextlib.AbstractContextManager["SigintWatch"]):
    """Notices every SIGINT while open, including one a Dagster run noted and then dropped.

    The interpreter writes each signal's number to the wakeup fd, whichever Python handler runs it, so
    the watch holds even while Dagster's handlers are installed. Off the main thread it sees nothing
    (signals are only delivered there).
    """

    def __init__(self) -> None:
        self._fds: tuple[int, int] | None = None
        self._previous = -1
        self._seen = False

    def __enter__(self) -> SigintWatch:
        if threading.current_thread() is threading.main_thread():
            read, write = os.pipe()
            os.set_blocking(read, False)
            os.set_blocking(write, False)
            self._fds = (read, write)
            self._previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        return self

    def pressed(self) -> bool:
        """Whether SIGINT arrived since the watch opened."""
        if self._fds and not self._seen:
            with contextlib.suppress(BlockingIOError):
                self._seen = bytes([signal.SIGINT]) in os.read(self._fds[0], 4096)
        return self._seen

    def __exit__(self, *exc_info: object) -> None:
        if self._fds:
            signal.set_wakeup_fd(self._previous)
            for fd in self._fds:
                os.close(fd)
            self._fds = None


def run_until_stopped(cmd: Sequence[str], command: str, cwd: Path) -> int:
    """Run a server until it exits; Ctrl-C (or SIGTERM/SIGHUP) stops it cleanly, with one line and 128 + N.

    The child gets its own process group, so a terminal's Ctrl-C reaches only this process, which passes
    it on once to the child's whole group, as the terminal would have. Sent twice (by the terminal and by
    this process), `dagster dev` would abandon its shutdown half way; killed, it would orphan its servers.
    """
    child: subprocess.Popen[bytes] | None = None
    received: list[int] = []

    def forward(signum: int, _frame: Any) -> None:
        received.append(signum)
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signum)

    previous = {signum: signal.signal(signum, forward) for signum in _SIGNAL_NAMES}
    try:
        # No stdin: a background process group that reads the terminal would be stopped (SIGTTIN).
        child = subprocess.Popen(list(cmd), cwd=cwd, stdin=subprocess.DEVNULL, process_group=0)
        if received:  # arrived while the child was starting
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, received[0])
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not received:
        return code
    print(f"movie-assets {command}: stopped by {_SIGNAL_NAMES[received[0]]}", file=sys.stderr, flush=True)
    return 128 + received[0]
