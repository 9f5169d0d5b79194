"""Helpers shared by the benchmarks: fresh worker processes, memory and load readings, tables, JSON."""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np


def in_fresh_process(func: Callable[..., Any], *args: Any) -> Any:
    """`func(*args)` in a new interpreter (spawn), so its memory peak and imports are its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(func, *args).result()


def memory_mb() -> dict[str, float]:
    """This process's resident memory in MB (10^6 bytes): the peak and the current split.

    `peak_mb` is VmHWM, the high-water mark of this address space. `ru_maxrss_mb` is what
    resource.getrusage reports; Linux carries the pre-exec address space's peak into it, so a child
    started from a large parent can show the parent's figure: VmHWM is the one to trust.
    """
    fields: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
                fields[name] = int(value.split()[0]) * 1024 / 1e6  # kB -> MB
    except OSError:  # not Linux: only getrusage is available
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
    return {
        "peak_mb": fields.get("VmHWM", maxrss),
        "ru_maxrss_mb": maxrss,
        "rss_mb": fields.get("VmRSS", float("nan")),
        "rss_anon_mb": fields.get("RssAnon", float("nan")),
        "rss_file_mb": fields.get("RssFile", float("nan")),
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (other work on the machine inflates every timing)."""
    return [round(x, 2) for x in os.getloadavg()]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean/min/max in milliseconds of per-call times given in seconds."""
    ms = np.asarray(seconds, dtype=np.float64) * 1e3
    if ms.size == 0:
        return {"n": 0}
    return {
        "n": int(ms.size),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(ms.mean()),
        "min_ms": float(ms.min()),
        "max_ms": float(ms.max()),
    }


def text_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Right-aligned columns, one line per row, the head first."""
    widths = [max(len(str(row[i])) for row in (head, *rows)) for i in range(len(head))]
    return "\n".join(
        "  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)) for row in (head, *rows)
    )


def write_report(report: dict[str, Any], folder: Path, name: str) -> Path:
    """Write `report` as `folder/name` (JSON, indented) and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return path
