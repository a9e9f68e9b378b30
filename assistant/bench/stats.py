"""Small timing helpers shared by the benchmark parts: percentiles, a stopwatch, peak RSS.

>>> summary([10.0, 20.0, 30.0, 40.0])["p50"]
25.0
"""
from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np


def summary(ms: list[float]) -> dict:
    """p50/p95/mean/n of a list of milliseconds, rounded for the report."""
    if not ms:
        return {"p50": None, "p95": None, "mean": None, "n": 0}
    arr = np.asarray(ms, dtype=float)
    return {"p50": round(float(np.percentile(arr, 50)), 2), "p95": round(float(np.percentile(arr, 95)), 2),
            "mean": round(float(arr.mean()), 2), "n": int(arr.size)}


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.median(values)) if values else None


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    """a / b, or None when either side is missing or b is zero."""
    if a is None or b in (None, 0):
        return None
    return round(a / b, digits)


@contextmanager
def stopwatch():
    """`with stopwatch() as t: ...` then `t()` is the elapsed milliseconds (frozen at exit)."""
    started = time.perf_counter()
    end: list[float] = []
    yield lambda: 1000 * ((end[0] if end else time.perf_counter()) - started)
    end.append(time.perf_counter())


def timed_ms(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return 1000 * (time.perf_counter() - started), out


def proc_status_kb(pid: int | str = "self", field: str = "VmHWM") -> int | None:
    """A memory field (kB) from /proc/<pid>/status: VmHWM is the peak resident set size."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
