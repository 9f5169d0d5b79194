"""Ctrl-C at the command line, sent for real to a running `movie-assets`: one line, exit 130, nothing lost."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import pytest

from movie_assets.cli.interrupts import EXIT_INTERRUPTED, SigintWatch
from movie_assets.cli.runs import WILL_RETRY_TAG

MAIN = [sys.executable, "-m", "movie_assets.cli.main"]


def _environ(home: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "MOVIE_ASSETS_", "DAGSTER_"))}
    return {**clean, "MOVIE_ASSETS_HOME": str(home), **extra}


def _interrupt_when(
    cmd: list[str], ready: str, env: dict[str, str], *, settle: float = 0.5, group: bool = False
) -> tuple[int, list[str], list[str]]:
    """Start `cmd`, send SIGINT once a line matches `ready` (to its whole process group, as a terminal's
    Ctrl-C does, when `group`), and return its exit status, the lines before the signal and those after."""
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    before: list[str] = []
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            before.append(line)
            if re.search(ready, line):
                break
        else:
            raise AssertionError(f"{ready!r} never appeared:\n{''.join(before)[-3000:]}")
        time.sleep(settle)
        os.killpg(proc.pid, signal.SIGINT) if group else proc.send_signal(signal.SIGINT)
        after, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, before, after.splitlines()


def _one_line_about_it(after: list[str], says: str) -> str:
    """The command's own line about the interrupt: exactly one, and no stack trace anywhere."""
    assert not any("Traceback" in line for line in after), "\n".join(after)
    ours = [line for line in after if line.startswith("movie-assets")]
    assert len(ours) == 1 and says in ours[0], "\n".join(after)
    return ours[0]


@pytest.mark.integration
def test_ctrl_c_during_a_build_says_where_in_one_line_and_the_next_build_finishes(tmp_path: Path) -> None:
    # The year's Malayalam titles only, to keep the second build short; harvested at 2 requests/s, so that
    # the signal lands while the run is inside its first steps.
    build = [*MAIN, "build", "--years", "2024", "--languages", "ml"]
    code, _, after = _interrupt_when([*build, "--rate-limit", "2"], "discovering 2024", _environ(tmp_path))
    assert code == EXIT_INTERRUPTED
    line = _one_line_about_it(after, "interrupted during yearly_job [2024] at ")
    assert "run the same command again" in line and "resumes where it stopped" in line
    assert not (tmp_path / "processed" / "artifacts").exists()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        (stopped,) = instance.get_runs(filters=dg.RunsFilter(job_name="yearly_job"))
    # Failed, so a later build resumes it; not for a daemon to re-execute behind the user's back.
    assert stopped.status == dg.DagsterRunStatus.FAILURE and stopped.tags[WILL_RETRY_TAG] == "false"

    again = subprocess.run(build, env=_environ(tmp_path), capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    checkpoint = json.loads((tmp_path / "raw" / "details" / "year=2024" / "checkpoint.json").read_text())
    assert checkpoint["state"] == "complete"
    assert (tmp_path / "processed" / "artifacts" / "manifest.json").is_file()


def test_ctrl_c_that_a_handler_swallowed_is_still_seen() -> None:
    """A Dagster run notes a Ctrl-C that lands after its last step and then drops the note; the build must
    not carry on to the next job as if nothing was pressed."""
    previous = signal.signal(signal.SIGINT, lambda *_: None)  # what Dagster's handler does between steps
    try:
        with SigintWatch() as watch:
            assert not watch.pressed()
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
            assert watch.pressed() and watch.pressed()
        with SigintWatch() as fresh:
            assert not fresh.pressed()
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_stops_the_emulator_with_one_line_and_130(tmp_path: Path) -> None:
    code, _, after = _interrupt_when([*MAIN, "emulator", "--port", "0"], r"^http://", _environ(tmp_path))
    assert code == EXIT_INTERRUPTED
    _one_line_about_it(after, "movie-assets emulator: stopped by Ctrl-C")


def test_ctrl_c_while_a_command_loads_prints_one_line(tmp_path: Path) -> None:
    # `search` loading its models, standing in for any command Ctrl-C stops before it handles anything.
    code = textwrap.dedent("""
        import os, signal, sys, time
        from movie_assets.cli import main, search

        def loading(argv):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)

        search.main = loading
        sys.exit(main.main(["search", "a film"]))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], env=_environ(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == EXIT_INTERRUPTED
    assert done.stderr.splitlines() == ["movie-assets search: interrupted"] and done.stdout == ""


_SERVER = """
import signal, sys, time
signals = []
signal.signal(signal.SIGINT, lambda *_: signals.append(1))
print("ready", flush=True)
while not signals:
    time.sleep(0.05)
time.sleep(0.5)  # a server shutting down, where a second Ctrl-C would cut its shutdown short
print(f"stopped after {len(signals)} SIGINT", flush=True)
"""


def _server_under(command: str) -> list[str]:
    code = (
        "import sys; from pathlib import Path; from movie_assets.cli.interrupts import run_until_stopped; "
        f"sys.exit(run_until_stopped([sys.executable, '-c', {_SERVER!r}], {command!r}, Path.cwd()))"
    )
    return [sys.executable, "-c", code]


@pytest.mark.parametrize("group", [True, False], ids=["terminal-ctrl-c", "signal-to-the-command"])
def test_a_server_child_is_stopped_once_and_waited_for(group: bool, tmp_path: Path) -> None:
    code, _, after = _interrupt_when(_server_under("ui"), "^ready", _environ(tmp_path), group=group)
    assert code == EXIT_INTERRUPTED
    assert after[0] == "stopped after 1 SIGINT"  # shut down on its own, not killed, not signalled twice
    _one_line_about_it(after, "movie-assets ui: stopped by Ctrl-C")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.mark.integration
@pytest.mark.parametrize(
    ("command", "ready"),
    [
        ("app", r"URL: http://127\.0\.0\.1"),
        ("ui", r"Serving dagster-webserver on http://127\.0\.0\.1"),
    ],
)
def test_ctrl_c_stops_ui_and_app_cleanly(command: str, ready: str, tmp_path: Path) -> None:
    port = _free_port()
    cmd = [*MAIN, command, "--port", str(port)]
    code, _, after = _interrupt_when(cmd, ready, _environ(tmp_path), settle=1.0, group=True)
    assert code == EXIT_INTERRUPTED
    _one_line_about_it(after, f"movie-assets {command}: stopped by Ctrl-C")
    assert not _listening(port)  # the servers it started are gone too
