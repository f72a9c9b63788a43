"""Standard temporal smoothers of 3D pose sequences — the baselines physics must beat.

Every smoother maps ``(T, ...)`` (time first, any trailing shape, metres) to the same shape and
is zero-phase (no lag), so it is a fair competitor of a bidirectional physics rollout:

* :func:`savgol_smooth` — Savitzky–Golay local polynomial fit (``scipy.signal.savgol_filter``);
* :func:`butterworth_smooth` — zero-phase Butterworth low-pass (``scipy.signal.sosfiltfilt``);
* :func:`rts_smooth` — a constant-acceleration Kalman filter followed by the
  Rauch–Tung–Striebel backward pass (white-jerk process noise), one model per coordinate.

:data:`SMOOTHER_GRIDS` lists the parameter grid of each family that ``eval_physics.py`` searches
on the val split; :func:`select_smoother_params` picks, per family, the setting with the lowest
val acceleration error among those whose val MPJPE is no worse than the unsmoothed input's.
"""
import itertools

import numpy as np
from scipy import signal

#: Parameter grids searched on val (window / cut-off / process-noise ratio).
SMOOTHER_GRIDS = {
    'savgol': dict(window=[5, 7, 9, 11, 13, 15, 19], polyorder=[2, 3]),
    'butterworth': dict(cutoff_hz=[1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0], order=[2, 4]),
    'rts': dict(process_noise=[1e3, 1e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8]),
}


def savgol_smooth(x, window, polyorder, fps=None):
    """Savitzky–Golay smoothing along time (``mode='interp'``: the end frames are fitted by the
    window's polynomial, no padding assumption).

    Args:
        x (np.ndarray): ``(T, ...)``.
        window (int): Odd window length (clipped to the largest odd number ≤ T).
        polyorder (int): Polynomial order (< window).
        fps: Unused (uniform signature).

    Returns:
        np.ndarray: ``(T, ...)``.
    """
    t = x.shape[0]
    window = min(int(window), t if t % 2 else t - 1)
    if window <= polyorder:
        return np.array(x, dtype=np.float64)
    return signal.savgol_filter(np.asarray(x, np.float64), window, polyorder, axis=0,
                                mode='interp')


def butterworth_smooth(x, cutoff_hz, fps, order=4):
    """Zero-phase Butterworth low-pass (forward-backward second-order sections).

    Args:
        x (np.ndarray): ``(T, ...)``.
        cutoff_hz (float): −3 dB cut-off in Hz (must be below fps / 2).
        fps (float): Sampling rate, Hz.
        order (int): Filter order (the forward-backward pass doubles it).

    Returns:
        np.ndarray: ``(T, ...)``. Odd-extension padding of ``min(3·(2·sections+1), T−1)`` frames.
    """
    nyquist = 0.5 * float(fps)
    if not 0 < cutoff_hz < nyquist:
        raise ValueError(f'butterworth_smooth: cutoff_hz={cutoff_hz} must be in (0, {nyquist})')
    sos = signal.butter(int(order), cutoff_hz / nyquist, output='sos')
    padlen = min(3 * (2 * len(sos) + 1), x.shape[0] - 1)
    return signal.sosfiltfilt(sos, np.asarray(x, np.float64), axis=0, padlen=padlen)


def constant_acceleration_model(dt, process_noise):
    """Transition ``F`` and process covariance ``Q`` of the state ``(p, v, a)`` under white jerk
    of spectral density ``process_noise`` (measurement noise variance is 1: only the ratio matters
    for the smoothed mean).

    Returns:
        tuple: ``F (3, 3)``, ``Q (3, 3)``.
    """
    f = np.array([[1.0, dt, 0.5 * dt * dt], [0.0, 1.0, dt], [0.0, 0.0, 1.0]])
    q = process_noise * np.array([[dt ** 5 / 20, dt ** 4 / 8, dt ** 3 / 6],
                                  [dt ** 4 / 8, dt ** 3 / 3, dt ** 2 / 2],
                                  [dt ** 3 / 6, dt ** 2 / 2, dt]])
    return f, q


def rts_smooth(x, fps, process_noise, prior_std=(1e3, 1e3, 1e3)):
    """Constant-acceleration Kalman filter + Rauch–Tung–Striebel smoother, every coordinate an
    independent 1D model with measurement variance 1 and ``Q`` from
    :func:`constant_acceleration_model`.

    The gains do not depend on the data, so the covariance recursion runs once and is applied to
    all coordinates at once.

    Args:
        x (np.ndarray): ``(T, ...)`` measurements.
        fps (float): Frame rate (dt = 1 / fps).
        process_noise (float): White-jerk spectral density / measurement variance (1/s⁵).
        prior_std (tuple): Prior std of (p, v, a) around (x_0, 0, 0) — wide: almost diffuse.

    Returns:
        np.ndarray: ``(T, ...)`` smoothed positions.
    """
    x = np.asarray(x, np.float64)
    t = x.shape[0]
    y = x.reshape(t, -1)                                 # (T, D)
    f, q = constant_acceleration_model(1.0 / fps, process_noise)
    h = np.array([1.0, 0.0, 0.0])
    m = np.zeros((t, 3, y.shape[1]))                     # filtered means
    p_filt = np.zeros((t, 3, 3))
    p_pred = np.zeros((t, 3, 3))
    mean = np.zeros((3, y.shape[1]))
    mean[0] = y[0]
    cov = np.diag(np.square(prior_std))
    for k in range(t):
        if k > 0:
            mean = f @ mean
            cov = f @ cov @ f.T + q
        p_pred[k] = cov
        s = h @ cov @ h + 1.0
        gain = cov @ h / s                               # (3,)
        mean = mean + gain[:, None] * (y[k] - h @ mean)[None]
        cov = cov - np.outer(gain, h @ cov)
        m[k], p_filt[k] = mean, cov
    smooth = m[-1]
    out = np.empty_like(y)
    out[-1] = smooth[0]
    for k in range(t - 2, -1, -1):
        c = p_filt[k] @ f.T @ np.linalg.inv(p_pred[k + 1])
        smooth = m[k] + c @ (smooth - f @ m[k])
        out[k] = smooth[0]
    return out.reshape(x.shape)


SMOOTHERS = dict(savgol=savgol_smooth, butterworth=butterworth_smooth, rts=rts_smooth)


def apply_smoother(name, x, fps, **params):
    """Run smoother ``name`` (a key of :data:`SMOOTHERS`) on ``x (T, ...)``."""
    if name not in SMOOTHERS:
        raise KeyError(f'unknown smoother {name!r}; valid: {sorted(SMOOTHERS)}')
    return SMOOTHERS[name](x, fps=fps, **params)


def smoother_grid(name):
    """All parameter dicts of :data:`SMOOTHER_GRIDS` ``[name]`` (invalid SG combinations
    dropped)."""
    grid = SMOOTHER_GRIDS[name]
    keys = sorted(grid)
    out = []
    for values in itertools.product(*(grid[k] for k in keys)):
        params = dict(zip(keys, values))
        if name == 'savgol' and params['polyorder'] >= params['window']:
            continue
        out.append(params)
    return out


def params_key(params):
    """A stable string of a parameter dict, e.g. ``'polyorder=2,window=9'``."""
    return ','.join(f'{k}={params[k]:g}' for k in sorted(params))


def select_smoother_params(candidates, reference_mpjpe):
    """Pick one setting of one smoother family from its val results.

    Args:
        candidates (dict): ``params_key → dict(params=..., mpjpe=..., accel=...)``.
        reference_mpjpe (float): Val MPJPE of the unsmoothed input.

    Returns:
        dict: The chosen candidate: the lowest ``accel`` among those with ``mpjpe`` ≤
        ``reference_mpjpe``; the lowest ``mpjpe`` when none qualifies.
    """
    ok = [c for c in candidates.values() if c['mpjpe'] <= reference_mpjpe]
    if ok:
        return min(ok, key=lambda c: c['accel'])
    return min(candidates.values(), key=lambda c: c['mpjpe'])
