"""Several Python interpreters at once, as separate run workers would be."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any


def python_at_once(code: str, argvs: Sequence[Sequence[str]], timeout: float = 300) -> list[Any]:
    """Run `python -c code ARGS` for every ARGS in `argvs`, all at once, and return what each printed as
    JSON on its last line of output.

    Plain interpreters rather than multiprocessing: a spawned child re-runs whatever `__main__` the test
    process has, and a daemonic pool worker may not start the processes a Dagster run starts.
    """
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for argv in argvs
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=timeout)
        lines = out.strip().splitlines()
        if worker.returncode != 0 or not lines:
            raise AssertionError(f"python -c {code!r} exited {worker.returncode}:\n{err[-3000:]}")
        results.append(json.loads(lines[-1]))
    return results
