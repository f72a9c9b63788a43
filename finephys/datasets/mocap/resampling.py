"""Resampling joint positions to a fixed frame rate."""
import numpy as np


def spline_resample(times, joints, fps):
    """Natural cubic spline through joint positions, sampled at ``fps`` from ``times[0]``.

    C² (continuous accelerations): what acceleration-based physics metrics need; linear or
    slerp interpolation puts an acceleration spike at every source frame.

    Args:
        times (np.ndarray): ``(K,)`` increasing sample times, s.
        joints (np.ndarray): ``(K, ...)`` positions.
        fps (float): Output rate.

    Returns:
        np.ndarray: ``(T, ...)``.
    """
    from scipy.interpolate import CubicSpline
    times = np.asarray(times, np.float64)
    out_t = np.arange(times[0], times[-1] + 1e-9, 1.0 / fps)
    return CubicSpline(times, joints, axis=0, bc_type='natural')(out_t)
