"""Shared by the benchmark scripts: time a call, then measure its peak memory."""

from __future__ import annotations

import time
import tracemalloc


def measure(fn, memory: bool = True):
    """(result, seconds, peak MiB): timed without tracing, memory in a second run.

    tracemalloc slows numpy-heavy code several times over, so the timed run
    is untraced and the peak comes from a second, traced run of the same call.
    """
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    peak = float("nan")
    if memory:
        tracemalloc.start()
        fn()
        _, peak_b = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak = peak_b / 2**20
    return result, seconds, peak
