"""Helpers on per-frame label sequences."""
import numpy as np


def flight_segments(flight, min_length=1):
    """Maximal runs of True in ``flight (T,)``: list of ``(start, stop)`` (stop exclusive) with at
    least ``min_length`` frames."""
    flight = np.asarray(flight, bool)
    edges = np.diff(np.concatenate([[0], flight.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops) if b - a >= min_length]
