"""Timing helper shared by ``tools/analysis_tools/benchmark_*.py``."""
import time


def best_of(fn, repeats: int, warmup: bool = True) -> float:
    """Best wall time (seconds) of ``repeats`` calls of ``fn()`` after one untimed warm-up call
    (the minimum is the least noisy estimate on a shared machine)."""
    if warmup:
        fn()
    best = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
