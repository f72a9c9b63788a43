"""Physical plausibility errors of 3D sequences (numpy; metres and seconds in)."""
import numpy as np

from finephys.structures import H36M17, bone_lengths
from finephys.utils.sequences import flight_segments  # noqa: F401 (re-exported)


def second_difference(x):
    """``x_{t+1} − 2 x_t + x_{t−1}`` along axis 0: ``(T, ...)`` → ``(T−2, ...)``."""
    return x[2:] - 2 * x[1:-1] + x[:-2]


def acceleration_error(pred, target):
    """Mean ``||ẍ_pred − ẍ_gt||`` over joints and frames, per-frame units (mm/frame² × 1e-3).

    Args: pred, target ``(T, J, 3)``. Returns: float, metres / frame².
    """
    return float(np.linalg.norm(second_difference(pred) - second_difference(target), axis=-1).mean())


def ballistic_error(pred, masses, flight, gravity, fps):
    """Mean ``|c̈ − g|`` (m/s²) of the centre of mass over frames whose neighbours are in flight.

    Args:
        pred ``(T, J, 3)`` camera frame; masses ``(J,)``; flight ``(T,)`` bool;
        gravity ``(3,)`` in the same frame (m/s²); fps (float).

    Returns:
        float | None: None when the clip has no flight triple.
    """
    inside = flight[2:] & flight[1:-1] & flight[:-2]
    if not inside.any():
        return None
    com = np.einsum('j,tjc->tc', masses / masses.sum(), pred)
    acc = second_difference(com) * fps ** 2
    return float(np.linalg.norm(acc[inside] - gravity, axis=-1).mean())


def foot_skate(pred, contacts):
    """Mean ankle displacement (m/frame) between consecutive frames where that foot is in
    contact. ``contacts (T, 2)`` = (left, right). None when no foot is ever in contact twice."""
    moves = []
    for i, side in enumerate(('left', 'right')):
        ankle = pred[:, H36M17.index(f'{side}_ankle')]
        both = contacts[1:, i] & contacts[:-1, i]
        if both.any():
            moves.append(np.linalg.norm(ankle[1:] - ankle[:-1], axis=-1)[both])
    return float(np.concatenate(moves).mean()) if moves else None


def bone_length_drift(pred):
    """Mean over bones of the standard deviation of its length over time (m)."""
    return float(bone_lengths(pred).std(axis=0).mean())


def jitter(pred, fps):
    """Mean jerk magnitude ``||x⃛||`` (m/s³) over joints and frames."""
    jerk = (pred[3:] - 3 * pred[2:-1] + 3 * pred[1:-2] - pred[:-3]) * fps ** 3
    return float(np.linalg.norm(jerk, axis=-1).mean())


def discrete_angular_momentum(pred, masses, fps):
    """Angular momentum about the centre of mass per unit body mass, at half frames:
    ``L_{t+½} = Σ_j m̂_j r_{j,t} × r_{j,t+1} · fps`` with ``r = x − c`` and ``m̂ = m / Σ m``
    (``r_t × (r_{t+1} − r_t) = r_t × r_{t+1}``: the midpoint rule's exact discrete invariant of a
    torque-free motion).

    Args: pred ``(T, J, 3)`` metres; masses ``(J,)``; fps (float).
    Returns: ``(T−1, 3)`` m²/s.
    """
    w = np.asarray(masses, np.float64) / np.sum(masses)
    r = pred - np.einsum('j,tjc->tc', w, pred)[:, None]
    return np.einsum('j,tjc->tc', w, np.cross(r[:-1], r[1:])) * fps


def angular_momentum_drift(pred, masses, flight, fps, min_length=4):
    """Mean ``||L_{t+½} − L̄||`` (m²/s, per unit mass) over flight segments of at least
    ``min_length`` frames, ``L̄`` the segment's mean (:func:`discrete_angular_momentum`).
    Zero for a torque-free body; None when the clip has no such segment."""
    segs = flight_segments(flight, min_length)
    if not segs:
        return None
    lm = discrete_angular_momentum(pred, masses, fps)
    errs = []
    for a, b in segs:
        seg = lm[a:b - 1]
        errs.append(np.linalg.norm(seg - seg.mean(0), axis=-1))
    return float(np.concatenate(errs).mean())


def root_error(pred, target, root_index=0):
    """Mean absolute root position error (m) over frames. ``(T, J, 3)`` each."""
    return float(np.linalg.norm(pred[:, root_index] - target[:, root_index], axis=-1).mean())


def ground_contacts(pred, up=(0.0, -1.0, 0.0), height_threshold=0.05):
    """Feet in contact with the floor, from ankle heights alone: a foot touches when its ankle
    is within ``height_threshold`` of the lowest ankle height of the clip (the floor, taken as
    level and reached at least once). A heuristic for sequences without contact labels (e.g.
    3D lifted from generated video).

    Args:
        pred: ``(T, J, 3)`` H36M-17 metres.
        up: Up direction in ``pred``'s frame (default: a camera frame, image y down).
        height_threshold (float): Metres above the floor still counted as contact.

    Returns:
        np.ndarray: ``(T, 2)`` bool, (left, right).
    """
    up = np.asarray(up, np.float64)
    up = up / np.linalg.norm(up)
    ankles = pred[:, [H36M17.index('left_ankle'), H36M17.index('right_ankle')]]
    height = ankles @ up
    return height - np.nanmin(height) < height_threshold
