"""The filtering Pose2Sim applies to its own triangulated 3D, for a reference made the way the
reference's own tool makes it.

Pose2Sim's pipeline (and the ``Config.toml`` of its demo trials, ``[filtering]``) rejects outliers
with a Hampel filter (a sliding window of 7 frames; a value more than 2 robust standard deviations
from the window's median is replaced by that median) and then low-passes every coordinate with a
zero-phase Butterworth filter (4th order overall — a 2nd-order design run forwards and backwards —
cut off at 6 Hz), each stretch of frames without a gap filtered on its own. A triangulation that is
not filtered carries its 2D detections' frame-to-frame noise: scored against it, a skeleton that
does not move at all has an acceleration error of that noise, and no prediction smoother than the
noise can score below it.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from finephys.utils.sequences import flight_segments

from .smoothers import butterworth_smooth

#: Pose2Sim 0.10.49's demo ``Config.toml``: ``reject_outliers = true`` (Hampel, window 7, 2 σ),
#: ``type = 'butterworth'``, ``cut_off_frequency = 6``, ``order = 4``.
POSE2SIM_FILTER = dict(hampel_window=7, hampel_sigma=2.0, cutoff_hz=6.0, order=4)


def hampel_filter(x, window: int = 7, n_sigma: float = 2.0):
    """Replace outliers by their window's median (Hampel): where ``0.6745 · |x − median| / MAD``
    exceeds ``n_sigma`` in the centred window of ``window`` frames. Every value is judged against
    the input (not against values already replaced); the first and last ``window // 2`` frames,
    windows with a NaN and windows with ``MAD = 0`` are left as they are.

    Args:
        x: ``(T, ...)``, frames along axis 0 (may hold NaN).
        window (int): Odd window length, frames.
        n_sigma (float): Threshold, robust standard deviations.

    Returns:
        np.ndarray: ``(T, ...)`` float64, a copy.
    """
    x = np.asarray(x, np.float64)
    if window < 3 or window % 2 == 0:
        raise ValueError(f'hampel_filter: window={window}; expected an odd number >= 3')
    out = x.copy()
    half = window // 2
    if len(x) < window:
        return out
    win = sliding_window_view(x, window, axis=0)          # (T - 2·half, ..., window)
    med = np.median(win, axis=-1)
    mad = np.median(np.abs(win - med[..., None]), axis=-1)
    centre = x[half:len(x) - half]
    with np.errstate(divide='ignore', invalid='ignore'):
        z = 0.6745 * np.abs(centre - med) / mad
    outlier = (mad != 0) & (z > n_sigma)                 # NaN compares False: left alone
    out[half:len(x) - half] = np.where(outlier, med, centre)
    return out


def pose2sim_reference_filter(points, fps: float, hampel_window: int = 7,
                              hampel_sigma: float = 2.0, cutoff_hz: float = 6.0, order: int = 4):
    """Filter a triangulated 3D sequence as Pose2Sim filters its own: :func:`hampel_filter`,
    then a zero-phase Butterworth low-pass of overall order ``order`` on every stretch of finite
    frames of every coordinate that is longer than the filter's padding (shorter stretches stay
    as they are, as in Pose2Sim). NaN stays NaN.

    Args:
        points: ``(T, J, 3)`` (or ``(T, ...)``) metres, at the trial's own frame rate.
        fps (float): That frame rate, Hz.
        hampel_window (int), hampel_sigma (float): :func:`hampel_filter`'s arguments.
        cutoff_hz (float): Butterworth cut-off, Hz.
        order (int): Overall (forward-backward) order: even.

    Returns:
        np.ndarray: ``points``' shape, float64.
    """
    if order < 2 or order % 2:
        raise ValueError(f'pose2sim_reference_filter: order={order}; expected an even number '
                         '>= 2 (the forward-backward pass doubles the design order)')
    x = hampel_filter(points, hampel_window, hampel_sigma)
    flat = x.reshape(len(x), -1)
    out = flat.copy()
    padlen = 3 * (2 * ((order // 2 + 1) // 2) + 1)        # butterworth_smooth's padding
    for c in range(flat.shape[1]):
        # runs of True: the helper is named for flights, it finds any run
        for a, b in flight_segments(np.isfinite(flat[:, c]), min_length=padlen + 1):
            out[a:b, c] = butterworth_smooth(flat[a:b, c], cutoff_hz, fps, order // 2)
    return out.reshape(x.shape)


def split_acceleration_disagreement(points, fps: float, filtered: bool = True, root: int = 0):
    """How well a triangulated reference knows its own acceleration: the reference of the even
    frames against that of the odd frames — two independent triangulations of one motion at half
    the rate, half a frame apart — in root-relative acceleration (as
    :func:`~finephys.evaluation.functional.reference_pose_errors` measures it), each half
    filtered by :func:`pose2sim_reference_filter` at half the rate when ``filtered``. On slow
    motion the two halves' true accelerations are nearly equal, so the result is the
    acceleration noise of the reference (√2 × that of one half).

    Args:
        points: ``(T, J, 3)`` metres at ``fps`` (may hold NaN).
        fps (float): Frame rate of ``points``.
        filtered (bool): Filter each half first.
        root (int): Root joint.

    Returns:
        float: Mean over frames and joints of ``|a_even − a_odd|``, mm per (half-rate) frame²;
        NaN without a whole triple in both halves.
    """
    points = np.asarray(points, np.float64)
    n = len(points) // 2
    halves = [points[0:2 * n:2], points[1:2 * n:2]]
    if filtered:
        halves = [pose2sim_reference_filter(h, fps / 2, **POSE2SIM_FILTER) for h in halves]
    acc = []
    for h in halves:
        rel = h - h[:, root:root + 1]
        acc.append(rel[2:] - 2 * rel[1:-1] + rel[:-2])
    d = np.linalg.norm(acc[0] - acc[1], axis=-1)              # (n - 2, J)
    d = d[np.isfinite(d).all(1)]
    return 1e3 * float(d.mean()) if len(d) else float('nan')
