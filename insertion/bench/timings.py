"""The figures of a series of timings, as every measure of the bench reports them."""

import statistics


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: a value of the series, never an interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(timings_ms: list[float]) -> dict:
    """p50 / p95 / max in milliseconds, rounded to 0.1 ms, and the number of timings."""
    return {
        "p50_ms": round(statistics.median(timings_ms), 1),
        "p95_ms": round(percentile(timings_ms, 0.95), 1),
        "max_ms": round(max(timings_ms), 1),
        "n": len(timings_ms),
    }
