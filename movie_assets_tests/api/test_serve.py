"""`serve` for real: uvicorn on loopback while builds publish new sets under a stream of requests, a
graceful stop that lets a request in flight finish, and the command's exit on SIGTERM and Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from movie_assets.api import SET_HEADER, LiveSearcher, create_app
from movie_assets.api.server import GracefulServer, bind
from movie_assets.search import Searcher
from movie_assets_tests.catalogues import SEARCH_MOVIES, build_search_artifacts
from movie_assets_tests.fakes import FakeEmbedder

BIG, SMALL = SEARCH_MOVIES, SEARCH_MOVIES[:9]  # told apart by any one answer: 14 hits or 9
SWITCHES = 12
CLIENTS = 4


def _opener(path: Path, embedder: Any) -> Searcher:
    return Searcher.open(path, embedder=embedder or FakeEmbedder())


@contextmanager
def _uvicorn(live: LiveSearcher, poll: bool = True) -> Iterator[tuple[str, GracefulServer]]:
    """The app on a real uvicorn on a free loopback port, in a thread (signals stay with the test)."""
    import uvicorn

    sock = bind("127.0.0.1", 0)
    app = create_app(live, watch=poll)
    server = GracefulServer(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=10))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", server
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.integration
def test_rebuilds_under_a_stream_of_requests_never_fail_one_nor_mix_sets(tmp_path: Path) -> None:
    artifacts = build_search_artifacts(tmp_path / "artifacts", BIG)
    live = LiveSearcher(artifacts, opener=_opener, poll_s=0.05)
    answers: list[tuple[str, int, list[int]]] = []
    failures: list[str] = []
    stop = threading.Event()

    def stream(base: str) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                try:
                    r = client.get(
                        "/search", params={"q": "police gangster crime", "k": 20, "lang_policy": "off"}
                    )
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if r.status_code != 200:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                    continue
                answers.append(
                    (r.headers[SET_HEADER], len(r.json()["hits"]), [h["movie_id"] for h in r.json()["hits"]])
                )

    with _uvicorn(live) as (base, _):
        clients = [threading.Thread(target=stream, args=(base,)) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        try:
            for i in range(SWITCHES):
                build_search_artifacts(artifacts, SMALL if i % 2 == 0 else BIG)
                time.sleep(0.15)
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=60)
    assert failures == []
    sizes: dict[str, set[int]] = {}
    for set_id, count, ids in answers:
        # One whole catalogue per answer: all of BIG, or exactly SMALL, never a mix.
        assert count in (len(BIG), len(SMALL)) and set(ids) <= {
            int(m["movie_id"]) for m in (BIG if count == len(BIG) else SMALL)
        }
        sizes.setdefault(set_id, set()).add(count)
    assert all(len(counts) == 1 for counts in sizes.values())  # a set always answered the same
    assert len(sizes) >= 4 and live.switches >= 4, (len(sizes), live.switches)
    assert len(answers) > 50


def test_a_graceful_stop_lets_the_request_in_flight_finish(tmp_path: Path) -> None:
    searching = threading.Event()

    class Slow(Searcher):
        def search(self, *args: Any, **kwargs: Any) -> Any:
            searching.set()
            time.sleep(1.0)
            return super().search(*args, **kwargs)

    artifacts = build_search_artifacts(tmp_path / "artifacts")
    live = LiveSearcher(artifacts, opener=lambda path, _: Slow.open(path, embedder=FakeEmbedder()))
    live.refresh()
    got: list[httpx.Response] = []
    with _uvicorn(live, poll=False) as (base, server):
        request = threading.Thread(
            target=lambda: got.append(httpx.get(f"{base}/search", params={"q": "heat"}, timeout=30))
        )
        request.start()
        assert searching.wait(30)  # the request is in its search now (however busy the machine)
        server.should_exit = True  # what SIGTERM does
        request.join(timeout=30)
        assert got and got[0].status_code == 200 and got[0].json()["hits"]
        time.sleep(0.5)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/health", timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.integration
@pytest.mark.parametrize(
    ("signum", "code", "says"), [(signal.SIGTERM, 0, "stopped"), (signal.SIGINT, 130, "stopped by Ctrl-C")]
)
def test_the_command_stops_on_sigterm_with_0_and_on_ctrl_c_with_130(
    tmp_path: Path, signum: int, code: int, says: str
) -> None:
    build_search_artifacts(tmp_path / "processed" / "artifacts")
    port = _free_port()
    env = {**os.environ, "MOVIE_ASSETS_HOME": str(tmp_path), "EMBED_MODEL_NAME": FakeEmbedder().name}
    cmd = [sys.executable, "-m", "movie_assets.cli.main", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        before = []
        for line in proc.stdout:  # type: ignore[union-attr]
            before.append(line)
            if "Application startup complete" in line:
                break
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
        assert health.status_code == 200 and health.json()["count"] == 14, "".join(before)
        bm25 = httpx.get(
            f"http://127.0.0.1:{port}/search", params={"q": "heat", "method": "bm25"}, timeout=10
        )
        assert bm25.json()["hits"][0]["title"] == "Heat"
        proc.send_signal(signum)
        after, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code
    assert "Traceback" not in after
    ours = [line for line in after.splitlines() if line.startswith("movie-assets")]
    assert len(ours) == 1 and re.fullmatch(rf"movie-assets serve: {says}", ours[0]), after


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from movie_assets.cli.main import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port), "--artifacts", str(tmp_path)]) == 2
