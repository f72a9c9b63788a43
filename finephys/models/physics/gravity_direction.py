"""Gravity's direction in the camera frame, from the scene.

A camera that is not level (a balcony's, a handheld one, a tripod pointed down at the floor)
sees gravity tilted: assuming ``(0, +g, 0)`` (y down, no tilt) then bends every flight's parabola
and calls the floor a slope. What in a clip tells the true direction:

* **the ground** — where a foot stands still (a stance) it stands on the floor, so the stance
  positions of a clip lie on one plane, whose normal is "up". Several stances in different places
  fix the plane; stances along one line (a run-up, a tumbling pass) fix only the rotation about
  that line.
* **flights** — in flight the centre of mass falls with acceleration ``g``: the parabola fitted
  to it points along gravity (its size also depends on the unknown metric scale; its direction
  does not).
* **the upright body** — a standing body's feet→head line is vertical: in the image it points
  at the vanishing point of "up" (exact perspective geometry, needing no depth), and in the
  lifter's 3D it is "up" itself.

Each cue is a term of one cost over the unit "up" — an angle² (or a Mahalanobis distance) over
its own noise, robust per frame — summed with a weak prior towards a level camera and minimised
over the whole sphere (:class:`SceneCues`, :func:`estimate_gravity_direction`). Where the data
fix no direction, the result is the level camera, flagged with the reason.

A uniform scale of the scene about the camera centre (the monocular depth ambiguity) leaves the
plane's normal and the parabola's direction unchanged, so the estimate needs the lifter's shape,
not its metric scale.
"""
from typing import Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.signal import savgol_filter

from finephys.structures.anthropometry import joint_mass_fractions
from finephys.structures.constants import LEVEL_UP
from finephys.structures.skeleton import H36M17
from finephys.utils.sequences import flight_segments

#: Joints whose stillness marks a stance (the feet's lowest joints in H36M-17).
STANCE_JOINTS = ('left_ankle', 'right_ankle')


def angle_deg(a, b) -> float:
    """Angle between two 3-vectors, degrees."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    c = a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def smooth_depth_along_rays(poses, fps: float, seconds: float = 0.7, root: int = 0):
    """The poses moved along their camera rays so that the root's depth follows a quadratic
    Savitzky–Golay fit of ``seconds``: a monocular lifter's depth jitters from frame to frame far
    more than its image-plane position, and the move (a scale about the camera centre per frame)
    keeps every 2D projection. A quadratic fit keeps a flight's parabola.

    Args:
        poses: ``(T, J, 3)`` camera-frame metres (depth > 0).
        fps (float): Frame rate.
        seconds (float): Window.
        root (int): The joint whose depth is smoothed.

    Returns:
        np.ndarray: ``(T, J, 3)``.
    """
    poses = np.asarray(poses, np.float64)
    z = poses[:, root, 2]
    win = min(int(round(seconds * fps)) | 1, len(z) - 1 + len(z) % 2)
    if win < 5 or (z <= 0).any():
        return poses
    zs = savgol_filter(z, win, 2, mode='interp')
    zs = np.where(zs > 0.1 * z, zs, z)
    return poses * (zs / z)[:, None, None]


def stance_points(poses, fps: float, valid=None, flight=None, joints=STANCE_JOINTS,
                  max_speed: float = 1.0, min_frames: int = 5, smooth_seconds: float = 0.3):
    """Where the feet stand still: one point per stance of each stance joint.

    Args:
        poses: ``(T, J, 3)`` camera-frame metres (H36M-17).
        fps (float): Frame rate.
        valid: ``(T,)`` bool, frames that may hold a stance (e.g. not bridged over a lost
            stretch); default all.
        flight: ``(T,)`` bool, frames known to be in flight (never a stance).
        joints (Sequence[str]): Stance joints.
        max_speed (float): A joint slower than this (m/s, after smoothing) stands still.
        min_frames (int): Shortest stance.
        smooth_seconds (float): Savitzky–Golay window (quadratic) before the speed is taken.

    Returns:
        tuple: ``points (N, 3)`` (the median position of each stance) and ``stances``, a list of
        ``(joint name, first frame, stop frame)``.
    """
    poses = np.asarray(poses, np.float64)
    t = len(poses)
    ok = np.ones(t, bool) if valid is None else np.asarray(valid, bool).copy()
    if flight is not None:
        ok &= ~np.asarray(flight, bool)
    if t < max(min_frames, 2):                  # too short to hold a stance
        return np.zeros((0, 3)), []
    win = int(round(smooth_seconds * fps)) | 1            # odd
    win = min(win, t - 1 if t % 2 == 0 else t)
    points, stances = [], []
    for name in joints:
        x = poses[:, H36M17.index(name)]
        if win >= 5:
            vel = savgol_filter(x, win, 2, deriv=1, axis=0) * fps
        else:
            vel = np.gradient(x, axis=0) * fps
        still = ok & (np.linalg.norm(vel, axis=-1) < max_speed)
        for a, b in flight_segments(still, min_length=min_frames):
            points.append(np.median(x[a:b], axis=0))
            stances.append((name, int(a), int(b)))
    return np.reshape(points, (-1, 3)), stances


def flight_accelerations(com, fps: float, flight, min_frames: int = 6, trim: int = 1,
                         min_std: float = 0.01):
    """The acceleration of a quadratic fitted to the centre of mass over each flight, with its
    covariance from the fit's residuals per axis (a monocular lifter's depth is far noisier
    than its image-plane position: the covariance says so).

    Args:
        com: ``(T, 3)`` centre of mass, metres.
        fps (float): Frame rate.
        flight: ``(T,)`` bool.
        min_frames (int): Shortest flight used (after trimming).
        trim (int): Frames dropped at each end (take-off and landing are the least certain).
        min_std (float): Floor of the per-axis position noise, m.

    Returns:
        list: ``(acceleration (3,), covariance (3, 3), (first, stop))`` per flight.
    """
    com = np.asarray(com, np.float64)
    out = []
    for a, b in flight_segments(np.asarray(flight, bool)):
        a, b = a + trim, b - trim
        if b - a < max(min_frames, 4):
            continue
        ts = (np.arange(a, b) - 0.5 * (a + b - 1)) / fps
        x = np.stack([np.ones_like(ts), ts, 0.5 * ts ** 2], -1)
        coef, *_ = np.linalg.lstsq(x, com[a:b], rcond=None)
        resid = com[a:b] - x @ coef
        var_pos = np.maximum((resid ** 2).sum(0) / max(b - a - 3, 1), min_std ** 2)
        out.append((coef[2], np.diag(var_pos * np.linalg.inv(x.T @ x)[2, 2]), (int(a), int(b))))
    return out


def upright_frames(poses, stance_mask, ratio: float = 0.9):
    """Frames where the body stands upright: a foot stands still and the head is as far from the
    feet as the body's usual stretched height (``ratio`` × its 90th percentile), so the line from
    the feet to the head is near the vertical. Root-relative lengths only (a lifter's are far
    better than its depth)."""
    head = poses[:, H36M17.index('head')]
    feet = poses[:, H36M17.indices(STANCE_JOINTS)].mean(1)
    height = np.linalg.norm(head - feet, axis=-1)
    return stance_mask & (height >= ratio * np.percentile(height, 90))


def image_axes(keypoints_2d_norm, frames):
    """The feet→head direction of the body in the image and where it is.

    Args:
        keypoints_2d_norm: ``(T, 17, 2)`` normalised camera coordinates (``K⁻¹ u``).
        frames: ``(T,)`` bool.

    Returns:
        tuple: ``directions (N, 2)`` unit and ``middles (N, 2)`` (the middle of feet and head),
        for the selected frames where the two differ.
    """
    kp = np.asarray(keypoints_2d_norm, np.float64)[frames]
    head = kp[:, H36M17.index('head')]
    feet = kp[:, H36M17.indices(STANCE_JOINTS)].mean(1)
    o = head - feet
    length = np.linalg.norm(o, axis=-1, keepdims=True)
    keep = length[:, 0] > 1e-6
    return o[keep] / length[keep], 0.5 * (head + feet)[keep]


def image_axis_angles(up, directions, middles):
    """Signed angles (rad) between the observed feet→head image directions and the image of
    ``up`` at the same places: perspective sends the vertical through normalised image point
    ``(x, y)`` along ``(up_x − x up_z, up_y − y up_z)`` (verticals meet at the vanishing point of
    ``up``).

    Args:
        up: ``(3,)`` or ``(N, 3)`` candidate directions.
        directions, middles: ``(F, 2)`` (:func:`image_axes`).

    Returns:
        np.ndarray: ``(F,)``, or ``(N, F)`` for ``N`` candidates.
    """
    up = np.asarray(up, np.float64)
    u = up.reshape(-1, 1, 3)
    vx = u[..., 0] - middles[None, :, 0] * u[..., 2]
    vy = u[..., 1] - middles[None, :, 1] * u[..., 2]
    cross = directions[None, :, 0] * vy - directions[None, :, 1] * vx
    dot = directions[None, :, 0] * vx + directions[None, :, 1] * vy
    angles = np.arctan2(cross, dot)
    return angles[0] if up.ndim == 1 else angles


def robust(e2, scale):
    """Cauchy's ρ of squared residuals: ``scale² log(1 + e²/scale²)`` (≈ e² for small ones;
    a bent frame among upright ones pulls little)."""
    return scale ** 2 * np.log1p(e2 / scale ** 2)


def _stances_mask(stances, t):
    mask = np.zeros(t, bool)
    for _, a, b in stances:
        mask[a:b] = True
    return mask


def _sphere(n=300):
    """``(n, 3)`` near-uniform unit vectors (a Fibonacci lattice)."""
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    r, phi = np.sqrt(1 - z ** 2), np.pi * (1 + 5 ** 0.5) * i
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], -1)


def _tangent_basis(n):
    a = np.eye(3)[np.argmin(np.abs(n))]
    e1 = np.cross(n, a)
    e1 /= np.linalg.norm(e1)
    return e1, np.cross(n, e1)


class SceneCues:
    """The cues of one clip and their cost as a function of "up" (see
    :func:`estimate_gravity_direction`). Every term is a squared residual over its variance
    (an angle, a distance to the floor plane, a flight's acceleration off the vertical), so half
    the cost's curvature in the tilt angles is the information (rad⁻²) about them.

    Args:
        points: ``(N, 3)`` stance points; ``covs`` ``(N, 3, 3)`` their covariances.
        flights: list of ``(acceleration (3,), precision (3, 3))``.
        image_groups: list (one per stance) of ``(directions (F, 2), middles (F, 2))``.
        axis_groups: list (one per stance) of ``(F, 3)`` unit feet→head vectors in 3D.
        lean_std, axis_std (float): Their spreads, rad.
    """

    def __init__(self, points, covs, flights, image_groups, axis_groups, lean_std, axis_std):
        self.points, self.covs, self.flights = points, covs, flights
        self.image_groups, self.axis_groups = image_groups, axis_groups
        self.lean_std, self.axis_std = lean_std, axis_std

    def cost(self, up):
        """The data's cost of a unit ``up``: ``(3,)`` → float, or ``(N, 3)`` candidates →
        ``(N,)``."""
        up = np.asarray(up, np.float64)
        ups = up.reshape(-1, 3)
        total = np.zeros(len(ups))
        if len(self.points) >= 2:
            var = np.einsum('ki,nij,kj->kn', ups, self.covs, ups)         # (N, P)
            w = 1.0 / var
            centre = w @ self.points / w.sum(1, keepdims=True)             # (N, 3)
            resid = np.einsum('pc,kc->kp', self.points, ups) - (centre * ups).sum(1)[:, None]
            total += (w * resid ** 2).sum(1)
        for acc, prec in self.flights:
            # the Mahalanobis distance of `acc` from the nearest fall along −up
            s = np.maximum(0.0, -(ups @ prec @ acc) / np.einsum('ki,ij,kj->k', ups, prec, ups))
            d = acc[None] + s[:, None] * ups
            total += np.einsum('ki,ij,kj->k', d, prec, d)
        for directions, middles in self.image_groups:
            e = image_axis_angles(ups, directions, middles)
            total += robust(e ** 2, 2.5 * self.lean_std).mean(1) / self.lean_std ** 2
        for axes in self.axis_groups:
            e = np.arccos(np.clip(ups @ axes.T, -1.0, 1.0))
            total += robust(e ** 2, 2.5 * self.axis_std).mean(1) / self.axis_std ** 2
        return float(total[0]) if up.ndim == 1 else total

    def information(self, up, step: float = 1e-3):
        """The data's information (rad⁻²) about the two tilts away from ``up``: half the
        eigenvalues of the cost's Hessian on the sphere (central differences), ascending."""
        e1, e2 = _tangent_basis(up)

        def f(a, b):
            n = up + a * e1 + b * e2
            return self.cost(n / np.linalg.norm(n))

        f0 = f(0, 0)
        h11 = (f(step, 0) - 2 * f0 + f(-step, 0)) / step ** 2
        h22 = (f(0, step) - 2 * f0 + f(0, -step)) / step ** 2
        h12 = (f(step, step) - f(step, -step) - f(-step, step) + f(-step, -step)) / (4 * step ** 2)
        return np.sort(np.linalg.eigvalsh(np.array([[h11, h12], [h12, h22]]))) / 2


def estimate_gravity_direction(poses, fps: float, flight=None, valid=None, masses=None,
                               keypoints_2d_norm=None, scores=None,
                               prior_up=LEVEL_UP, prior_std_deg: float = 20.0,
                               point_std: float = 0.05, stance_depth_std: float = 0.3,
                               flight_depth_std: float = 5.0, lean_std_deg: float = 2.0,
                               axis3d_std_deg: float = 8.0, max_speed: float = 1.0,
                               min_stance_frames: int = 5, min_flight_frames: int = 6,
                               smooth_seconds: float = 1.0,
                               acceleration_range: Sequence[float] = (0.3, 3.0),
                               min_information: float = 100.0, min_score: float = 0.3) -> dict:
    """Gravity's direction in the camera frame from the ground, the flights and the upright body
    of one clip.

    Minimises over unit "up" ``n`` the sum of (:class:`SceneCues`)

    * **stances** (:func:`stance_points`): ``Σ_i (n·(p_i − p̄))² / (nᵀ Σ_i n)``, each stance
      point's covariance ``Σ_i`` its scatter over the stance (floored at ``point_std``);
    * **flights** (:func:`flight_accelerations`, kept when ``|a|`` is within
      ``acceleration_range`` × g): the Mahalanobis distance of ``a`` from the nearest fall
      along ``−n``;
    * **the upright body in the image** (needs ``keypoints_2d_norm``; frames of
      :func:`upright_frames`): the angle between the feet→head direction and the image of the
      vertical there (:func:`image_axis_angles`), ``σ = lean_std_deg``, one mean per stance
      (a lean lasts the stance) — the 2D alone fixes the roll and, where perspective is strong,
      the pitch;
    * **the upright body in 3D**: the angle between the poses' feet→head direction and ``n``,
      ``σ = axis3d_std_deg``, one mean per stance;
    * **the prior** (a level camera): ``angle(n, p)² / σ_prior²``.

    Per-frame terms use Cauchy's robust loss (:func:`robust`). The minimum is searched over
    the whole sphere (a lattice, then a local refinement), so any tilt — a camera looking
    straight down included — can come out. The poses' depth is first smoothed along the rays
    (:func:`smooth_depth_along_rays`).

    Args:
        poses: ``(T, 17, 3)`` camera-frame metres (H36M-17), e.g. the lifter's ``S_dd``.
        fps (float): Frame rate.
        flight: ``(T,)`` bool predicted flight, or None.
        valid: ``(T,)`` bool frames to use (False: bridged over a lost stretch).
        masses: ``(17,)`` mass fractions for the centre of mass (default: de Leva's table).
        keypoints_2d_norm: ``(T, 17, 2)`` normalised 2D (``K⁻¹ u``), or None.
        scores: ``(T, 17)`` 2D scores (frames whose head or ankles score below ``min_score``
            are not used by the image term).
        prior_up: ``(3,)`` the direction assumed without data (a level camera).
        prior_std_deg (float): The prior's spread.
        point_std (float): Floor of a stance point's noise, m.
        stance_depth_std (float): The poses' depth error at a stance point, m (added to its
            depth variance: a lifter's depth is biased over a whole stance, not only noisy).
        flight_depth_std (float): The same for a flight's acceleration along the depth, m/s².
        lean_std_deg (float): Spread of an upright body's lean in the image.
        axis3d_std_deg (float): Spread of the poses' upright feet→head direction (0: unused).
        max_speed, min_stance_frames: Stance detection (:func:`stance_points`).
        min_flight_frames (int): Shortest flight used.
        smooth_seconds (float): Depth smoothing window (0: none).
        acceleration_range (tuple): Plausible ``|a| / g`` of a flight.
        min_information (float): Least data information (rad⁻²) about a tilt for it to count
            as fixed by the scene; with none the result is the level camera.
        min_score (float): 2D score below which a joint is not used.

    Values chosen on SynthGym **val** with tilted cameras (``camera_tilt_deg=20``) and the
    demo's lifter (``tools/analysis_tools/eval_gravity_direction.py``).

    Returns:
        dict: ``up (3,)`` unit vector, ``gravity_dir (3,)`` (``-up``), ``from_scene`` (bool),
        ``source`` (the cues that fixed it, or the fallback's reason), ``uncertainty_deg``
        (1σ of the least-determined tilt, data and prior), ``information`` ``(2,)`` (the
        data's about the two tilts, rad⁻², ascending), ``tilt_deg`` (angle from the level
        camera), ``num_stances``, ``num_flights``, ``num_upright_frames``, ``stances``,
        ``flights_used``, ``flights_rejected``.
    """
    poses = np.asarray(poses, np.float64)
    if poses.ndim != 3 or poses.shape[1:] != (17, 3):
        raise ValueError(f'estimate_gravity_direction: poses must be (T, 17, 3), got '
                         f'{poses.shape}')
    if not np.isfinite(poses).all():
        raise ValueError('estimate_gravity_direction: poses contain NaN/inf')
    prior = np.asarray(prior_up, np.float64)
    prior = prior / np.linalg.norm(prior)
    t = len(poses)
    valid = np.ones(t, bool) if valid is None else np.asarray(valid, bool)
    m = joint_mass_fractions() if masses is None else np.asarray(masses, np.float64)
    m = m / m.sum()
    if smooth_seconds:
        poses = smooth_depth_along_rays(poses, fps, smooth_seconds)

    # --- the cues ---
    points, stances = stance_points(poses, fps, valid, flight, max_speed=max_speed,
                                    min_frames=min_stance_frames)
    # a monocular lifter's depth is biased, not only noisy: its depth error is added whole
    depth = np.diag([0.0, 0.0, 1.0])
    covs = np.reshape([np.diag(np.maximum(poses[a:b, H36M17.index(name)].var(0) / (b - a),
                                          point_std ** 2)) + stance_depth_std ** 2 * depth
                       for name, a, b in stances], (-1, 3, 3))
    flights, spans, rejected = [], [], 0
    if flight is not None:
        com = np.einsum('tjc,j->tc', poses, m)
        lo, hi = acceleration_range
        for acc, cov, span in flight_accelerations(com, fps, np.asarray(flight, bool) & valid,
                                                   min_flight_frames):
            if lo * 9.80665 <= np.linalg.norm(acc) <= hi * 9.80665:
                flights.append((acc, np.linalg.inv(cov + flight_depth_std ** 2 * depth)))
                spans.append(span)
            else:
                rejected += 1
    upright = upright_frames(poses, _stances_mask(stances, t)) & valid
    groups = [np.arange(a, b)[upright[a:b]] for _, a, b in stances]
    image_groups, axis_groups = [], []
    if keypoints_2d_norm is not None:
        good = np.ones(t, bool)
        if scores is not None:
            key = H36M17.indices(('head',) + STANCE_JOINTS)
            good = (np.asarray(scores)[:, key] >= min_score).all(-1)
        for g in groups:
            d, mid = image_axes(keypoints_2d_norm, np.isin(np.arange(t), g[good[g]]))
            if len(d):
                image_groups.append((d, mid))
    if axis3d_std_deg:
        axes = (poses[:, H36M17.index('head')]
                - poses[:, H36M17.indices(STANCE_JOINTS)].mean(1))
        axes /= np.maximum(np.linalg.norm(axes, axis=-1, keepdims=True), 1e-9)
        axis_groups = [axes[g] for g in groups if len(g)]
    cues = SceneCues(points, covs, flights, image_groups, axis_groups,
                     np.radians(lean_std_deg), np.radians(axis3d_std_deg or 1.0))
    prior_var = np.radians(prior_std_deg) ** 2

    def total(n):
        n = n / np.linalg.norm(n, axis=-1, keepdims=True)
        return cues.cost(n) + np.arccos(np.clip(n @ prior, -1, 1)) ** 2 / prior_var

    # the whole sphere coarsely (a flight's or the image's sign-aware terms and the prior make
    # the minimum unique), then a local refinement of the best few
    lattice = _sphere()
    costs = total(lattice)
    best, best_cost = prior, total(prior)
    for start in [prior] + [lattice[i] for i in np.argsort(costs)[:2]]:
        e1, e2 = _tangent_basis(start)
        res = minimize(lambda x: total(start + x[0] * e1 + x[1] * e2), np.zeros(2),
                       method='Nelder-Mead', options=dict(xatol=1e-6, fatol=1e-9))
        n = start + res.x[0] * e1 + res.x[1] * e2
        n /= np.linalg.norm(n)
        if res.fun < best_cost:
            best, best_cost = n, res.fun
    up = best
    info = cues.information(up)
    info_total = info + 1.0 / prior_var
    uncertainty = float(np.degrees(1.0 / np.sqrt(max(info_total[0], 1e-12))))
    from_scene = bool(info[1] >= min_information)
    n_upright = int(sum(len(d) for d, _ in image_groups) if image_groups
                    else sum(len(a) for a in axis_groups))
    kinds = []
    if len(points) >= 2:
        kinds.append(f'{len(points)} stances')
    if flights:
        kinds.append(f'{len(flights)} flight{"s" * (len(flights) > 1)}')
    if image_groups or axis_groups:
        kinds.append(f'the upright body ({n_upright} frames)')
    if not from_scene:
        reason = ('no stance, flight or upright frame' if not kinds else
                  f'{" and ".join(kinds)} fix no direction')
        up = prior.copy()
        source = f'level camera (fallback: {reason})'
    else:
        source = ' + '.join(kinds)
        if info[0] < min_information:
            source += ' (one axis; the level prior sets the rotation about it)'
    return dict(up=up, gravity_dir=-up, from_scene=from_scene, source=source,
                uncertainty_deg=uncertainty, information=info,
                tilt_deg=angle_deg(up, LEVEL_UP), num_stances=len(points),
                num_flights=len(flights), num_upright_frames=n_upright,
                stances=stances, flights_used=spans, flights_rejected=rejected)
