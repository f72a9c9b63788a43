"""Flights read off the body's centre of mass: a predicted flight is kept only where the body
falls, and a stretch where the body falls freely is flight even where the contact predictor
doubts it.

In flight the centre of mass accelerates at ``g`` along gravity, whatever the body does; on a
support (a roll's back, a cartwheel's hands, lying down) it does not. A contact predictor that
has seen few such supports calls them flight, and the structured solver then forces the centre
of mass onto a parabola it never followed. The lifter's own centre of mass tells the two apart
once a predicted flight is long enough to fit a parabola to: its acceleration along −g is near
−g in a flight (scaled by the lifter's metric error) and near 0, or positive, on a support.

The converse holds too: a body whose centre of mass falls at about g for a third of a second has
(almost) no support, whatever the contact predictor says. A predictor trained on few real
flights doubts a real jump (contact probabilities of 0.5–0.8 all through its flight), while the
lifter's centre of mass falls at g there (:func:`free_fall_frames`).
"""
from typing import Tuple

import numpy as np
import torch

from finephys.utils.sequences import flight_segments


def fall_acceleration(height: np.ndarray, fps: float) -> Tuple[float, float]:
    """Acceleration (m/s², along "up") of the least-squares quadratic through ``height``, and its
    standard error from the fit's residuals.

    Args:
        height: ``(N,)`` metres along −g, ``N >= 3`` consecutive frames.
        fps (float): Frame rate.

    Returns:
        tuple: ``(acceleration, standard error)``; a free fall gives ``(−g, 0)``. The error is
        ``inf`` with exactly 3 frames (no residual to measure the noise by).
    """
    height = np.asarray(height, np.float64)
    n = len(height)
    ts = (np.arange(n) - 0.5 * (n - 1)) / fps
    design = np.stack([np.ones_like(ts), ts, 0.5 * ts ** 2], -1)
    coef, *_ = np.linalg.lstsq(design, height, rcond=None)
    if n <= 3:
        return float(coef[2]), float('inf')
    var = ((height - design @ coef) ** 2).sum() / (n - 3)
    return float(coef[2]), float(np.sqrt(var * np.linalg.inv(design.T @ design)[2, 2]))


def check_fall_settings(min_frames: int, fall_range: Tuple[float, float],
                        confidence: float, where: str = 'falling_flights') -> None:
    """Raise ``ValueError`` (naming ``where``) unless ``min_frames >= 3``, ``fall_range`` is
    ``(low, high)`` with ``0 <= low < high`` (units of g) and ``confidence >= 0``."""
    if min_frames < 3:
        raise ValueError(f'{where}: min_frames={min_frames}; a parabola needs >= 3 frames')
    if not 0.0 <= fall_range[0] < fall_range[1]:
        raise ValueError(f'{where}: fall_range={fall_range}; expected (low, high) with '
                         '0 <= low < high, in units of g')
    if confidence < 0:
        raise ValueError(f'{where}: confidence={confidence}; expected >= 0 standard errors')


def falling_flights(flight, com_height, fps, gravity, min_frames: int = 6,
                    fall_range: Tuple[float, float] = (0.4, 2.0), confidence: float = 2.0):
    """Drop the predicted flights of at least ``min_frames`` frames whose centre of mass does not
    fall: a flight is dropped when its fitted acceleration along −g lies outside
    ``[−fall_range[1] g, −fall_range[0] g]`` (a lifter whose metric scale is off by up to that
    factor still passes a true flight) by more than ``confidence`` standard errors of the fit
    (a flight cut short by the end of a window, or seen by a noisy lifter, is not dropped on a
    fit that cannot tell). Shorter flights are kept as predicted.

    Args:
        flight (Tensor): ``(B, T)`` bool, predicted flight.
        com_height (Tensor): ``(B, T)`` the centre of mass along −g (m).
        fps (Tensor): ``(B,)``.
        gravity (Tensor): ``(B,)`` the magnitude of g (m/s²).
        min_frames (int): Shortest flight checked.
        fall_range (tuple): Accepted ``(lowest, highest)`` fall, in units of g.
        confidence (float): Standard errors the fit must clear the range by (0: the fit alone).

    Returns:
        Tensor: ``flight (B, T)`` bool, a copy on ``flight``'s device (what was dropped is
        ``flight & ~result``).
    """
    check_fall_settings(min_frames, fall_range, confidence)
    lo, hi = fall_range
    out = flight.detach().cpu().numpy().astype(bool).copy()
    height = com_height.detach().cpu().double().numpy()
    fps = np.broadcast_to(np.asarray(torch.as_tensor(fps).detach().cpu().double()),
                          (out.shape[0],))
    g = np.broadcast_to(np.asarray(torch.as_tensor(gravity).detach().cpu().double()),
                        (out.shape[0],))
    for i in range(out.shape[0]):
        for a, b in flight_segments(out[i], min_length=min_frames):
            acc, se = fall_acceleration(height[i, a:b], float(fps[i]))
            if acc - confidence * se > -lo * g[i] or acc + confidence * se < -hi * g[i]:
                out[i, a:b] = False
    return torch.as_tensor(out, device=flight.device)


def check_free_fall_settings(window: int, fall_range: Tuple[float, float], confidence: float,
                             mark: int, where: str = 'free_fall_frames') -> None:
    """Raise ``ValueError`` (naming ``where``) unless ``window >= 4`` (a quadratic and one
    residual), ``1 <= mark <= window`` and the range and confidence pass
    :func:`check_fall_settings` with ``low > 0`` (a free fall must fall)."""
    if window < 4:
        raise ValueError(f'{where}: window={window}; a quadratic fit with a residual needs >= 4 '
                         'frames')
    if not 1 <= mark <= window:
        raise ValueError(f'{where}: mark={mark}; expected 1 <= mark <= window ({window})')
    check_fall_settings(window, fall_range, confidence, where)
    if fall_range[0] <= 0.0:
        raise ValueError(f'{where}: fall_range={fall_range}; a free fall needs low > 0 (units '
                         'of g)')


def free_fall_frames(com_height, fps, gravity, window: int = 10,
                     fall_range: Tuple[float, float] = (0.6, 1.5), confidence: float = 1.0,
                     mark: int = 4):
    """Frames where the centre of mass falls freely: a least-squares quadratic through each
    ``window`` consecutive frames of ``com_height`` whose acceleration along −g lies inside
    ``[−fall_range[1] g, −fall_range[0] g]`` by at least ``confidence`` standard errors (of the
    fit's residuals) marks the ``mark`` frames at the middle of its window (the ends of a window
    that just covers a flight overhang the take-off and the landing).

    Args:
        com_height (Tensor): ``(B, T)`` the centre of mass along −g (m).
        fps (Tensor | float): ``(B,)`` or one frame rate.
        gravity (Tensor | float): ``(B,)`` or one magnitude of g (m/s²).
        window (int): Frames per fit (10 at 30 fps: a third of a second).
        fall_range (tuple): Accepted ``(lowest, highest)`` fall, in units of g.
        confidence (float): Standard errors the fit must lie inside that range by.
        mark (int): Middle frames of a passing window that are marked.

    Returns:
        Tensor: ``(B, T)`` bool on ``com_height``'s device; all False when ``T < window``.
    """
    check_free_fall_settings(window, fall_range, confidence, mark)
    height = torch.as_tensor(com_height).detach().double()
    b, t = height.shape
    out = torch.zeros(b, t, dtype=torch.bool, device=height.device)
    if t < window:
        return out
    fps = torch.as_tensor(fps, dtype=torch.float64, device=height.device).reshape(-1).expand(b)
    g = torch.as_tensor(gravity, dtype=torch.float64, device=height.device).reshape(-1).expand(b)
    # the fit in frame units (one design for every batch item): acceleration · fps² in m/s²
    ts = torch.arange(window, dtype=torch.float64, device=height.device) - 0.5 * (window - 1)
    design = torch.stack([torch.ones_like(ts), ts, 0.5 * ts ** 2], -1)        # (w, 3)
    windows = height.unfold(1, window, 1)                                     # (B, N, w)
    coef = windows @ torch.linalg.pinv(design).T                              # (B, N, 3)
    residual = windows - coef @ design.T
    var = (residual ** 2).sum(-1) / (window - 3)
    scale = (fps ** 2)[:, None]
    acc = coef[..., 2] * scale
    se = (var * torch.linalg.inv(design.T @ design)[2, 2]).sqrt() * scale
    lo, hi = fall_range
    falls = (acc + confidence * se < -lo * g[:, None]) & (acc - confidence * se > -hi * g[:, None])
    first = (window - mark) // 2
    for k in range(mark):                     # window start a marks a + first + k
        out[:, first + k:first + k + falls.shape[1]] |= falls
    return out
