"""Continuous-time motion phases of a SynthGym element.

A phase maps times to world joint positions ``(N, 17, 3)`` (world frame: z up, metres) and contact
flags ``(N, 2)`` (left, right foot). Two kinds:

* :class:`GroundPhase` — kinematic, with feet pinned: either one ankle is the anchor (the whole
  body hangs from it, so turning about the vertical through it is an exact pivot) or the pelvis
  follows a given path and both legs reach their pinned ankle points by two-bone IK.
* :class:`FlightPhase` — dynamic: the centre of mass is ballistic (``c̈ = g`` exactly) and the
  orientation ``R`` is integrated (RK4, fine fixed step) from conservation of angular momentum
  about the COM while the shape changes: ``L = R (I_b ω_b + h_b)`` with ``h_b = Σ m s × ṡ``, so
  ``ω_b = I_b⁻¹ (Rᵀ L − h_b)`` and ``Ṙ = R [ω_b]×``.

Each phase starts from the previous one's end state, so positions are continuous.
"""
import numpy as np

from .body import GRAVITY
from .kinematics import smoothstep, two_bone_ik
from finephys.structures import H36M17

J = H36M17.index
SIDES = ('left', 'right')
G_VEC = np.array([0.0, 0.0, -GRAVITY])


class GroundPhase:
    """A kinematic phase with pinned feet.

    Args:
        body (BodyModel): The body.
        t0, t1 (float): Interval, seconds.
        track (PoseTrack): Body-frame shape program (legs not under IK follow it).
        orientation (callable): ``t (N,) → (N, 3, 3)`` body-to-world rotation.
        anchor (str): ``'left'`` / ``'right'`` (that ankle pinned at ``anchor_point``) or
            ``'pelvis'`` (pelvis follows ``pelvis_path``).
        anchor_point (np.ndarray): ``(3,)`` world position of the anchor ankle.
        pelvis_path (callable): ``t (N,) → (N, 3)`` world pelvis positions (anchor='pelvis').
        ik_legs (dict): side → dict(point=(3,) floor point, start=s, end=e): the ankle moves from
            where the track puts it to ``point`` between ``start`` and ``end`` (pinned and in
            contact from ``end`` on). ``start = end = t0`` pins it from the beginning.
    """

    flight = False

    def __init__(self, body, t0, t1, track, orientation, anchor, anchor_point=None,
                 pelvis_path=None, ik_legs=None):
        self.body, self.t0, self.t1 = body, t0, t1
        self.track, self.orientation = track, orientation
        self.anchor, self.anchor_point, self.pelvis_path = anchor, anchor_point, pelvis_path
        self.ik_legs = ik_legs or {}
        self.max_reach_error = 0.0

    def positions(self, t):
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        pose = self.track(t)                      # (N, 17, 3) body frame
        rot = self.orientation(t)                 # (N, 3, 3)
        if self.anchor == 'pelvis':
            root = self.pelvis_path(t)
        else:
            root = self.anchor_point - np.einsum('nab,nb->na', rot, pose[:, J(f'{self.anchor}_ankle')])
        world = root[:, None, :] + np.einsum('nab,njb->nja', rot, pose)
        L = self.body.bone_lengths
        for side, leg in self.ik_legs.items():
            hip, knee, ankle = J(f'{side}_hip'), J(f'{side}_knee'), J(f'{side}_ankle')
            if leg['end'] > leg['start']:
                w = smoothstep((t - leg['start']) / (leg['end'] - leg['start']))[:, None]
            else:
                w = np.ones((len(t), 1))
            target = (1.0 - w) * world[:, ankle] + w * leg['point']
            pole = world[:, knee] - world[:, hip]
            mid, end, err = two_bone_ik(world[:, hip], L[knee], L[ankle], target, pole)
            # only a pinned foot that misses its point matters (it would slide)
            pinned = w[:, 0] >= 1.0
            self.max_reach_error = max(self.max_reach_error,
                                       float(np.max(np.abs(err[pinned]), initial=0.0)))
            world[:, knee], world[:, ankle] = mid, end
        return world

    def contacts(self, t):
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        out = np.zeros((len(t), 2), dtype=bool)
        for i, side in enumerate(SIDES):
            if self.anchor == side:
                out[:, i] = True
            elif side in self.ik_legs:
                out[:, i] = t >= self.ik_legs[side]['end']
        return out


def _rot_rate(r, L, inv, h):
    """``Ṙ = R [ω]×`` with ``ω = I⁻¹ (Rᵀ L − h)``, on row-major 3×3 lists (plain floats: this
    runs ~10⁴ times per clip, where numpy's per-call overhead would dominate)."""
    a0 = r[0] * L[0] + r[3] * L[1] + r[6] * L[2] - h[0]
    a1 = r[1] * L[0] + r[4] * L[1] + r[7] * L[2] - h[1]
    a2 = r[2] * L[0] + r[5] * L[1] + r[8] * L[2] - h[2]
    w0 = inv[0] * a0 + inv[1] * a1 + inv[2] * a2
    w1 = inv[3] * a0 + inv[4] * a1 + inv[5] * a2
    w2 = inv[6] * a0 + inv[7] * a1 + inv[8] * a2
    out = []
    for i in (0, 3, 6):  # row i of R[ω]× is r_i × ω
        x, y, z = r[i], r[i + 1], r[i + 2]
        out += [y * w2 - z * w1, z * w0 - x * w2, x * w1 - y * w0]
    return out


def _rk4_step(r, L, start, mid, end, dt):
    """One classic RK4 step of ``Ṙ = R [ω(R, t)]×``; ``start/mid/end`` = (I⁻¹, h) at t, t+dt/2,
    t+dt."""
    k1 = _rot_rate(r, L, *start)
    k2 = _rot_rate([a + 0.5 * dt * b for a, b in zip(r, k1)], L, *mid)
    k3 = _rot_rate([a + 0.5 * dt * b for a, b in zip(r, k2)], L, *mid)
    k4 = _rot_rate([a + dt * b for a, b in zip(r, k3)], L, *end)
    return [a + dt / 6.0 * (b + 2.0 * c + 2.0 * d + e) for a, b, c, d, e in zip(r, k1, k2, k3, k4)]


class FlightPhase:
    """Ballistic flight with angular momentum conserved about the COM.

    Args:
        body (BodyModel): The body.
        t0 (float): Take-off time, seconds.
        com0, com_vel0 (np.ndarray): ``(3,)`` COM position (m) and velocity (m/s) at take-off.
        rot0 (np.ndarray): ``(3, 3)`` body-to-world rotation at take-off.
        track (PoseTrack): Body-frame shape program during flight.
        ang_mom (np.ndarray): ``(3,)`` world angular momentum about the COM, kg m²/s.
        duration (float): Simulated span (≥ the real flight; :meth:`contact_time` finds the end).
        step (float): RK4 step, seconds.
        cache (dict, optional): Shared between flights that differ only in ``ang_mom`` (the
            shooting iterations): the shape terms on the grid are computed once.
    """

    flight = True

    def __init__(self, body, t0, com0, com_vel0, rot0, track, ang_mom, duration, step=1e-3,
                 cache=None):
        self.body, self.t0 = body, t0
        self.com0, self.com_vel0 = np.asarray(com0, float), np.asarray(com_vel0, float)
        self.track, self.ang_mom = track, np.asarray(ang_mom, float)
        n = max(int(np.ceil(duration / step)), 2)
        self.step = duration / n
        self.grid = t0 + self.step * np.arange(n + 1)
        self.t1 = self.grid[-1]
        key = (t0, self.step, n)
        if cache is not None and key in cache:
            self._terms = cache[key]
        else:
            self._terms = self._grid_terms()
            if cache is not None:
                cache[key] = self._terms
        self._inv_full, self._h_full, self._s_grid = self._terms[:3]
        self._rot = self._integrate(np.asarray(rot0, float))

    # --- shape quantities, vectorised over times ---------------------------------------------
    def _shape(self, t):
        """Mass-centred body-frame shape ``s`` and its time derivative, ``(N, 17, 3)`` each."""
        eps = 1e-6
        p = self.track(t)
        dp = (self.track(t + eps) - self.track(t - eps)) / (2 * eps)
        s = p - self.body.com(p)[:, None]
        ds = dp - self.body.com(dp)[:, None]
        return s, ds

    def _omega_terms(self, t):
        """Per time: inverse inertia ``(N,3,3)`` and internal angular momentum ``h_b (N,3)``."""
        s, ds = self._shape(t)
        inertia = self.body.inertia(s)
        h = np.einsum('j,njc->nc', self.body.joint_masses, np.cross(s, ds))
        return np.linalg.inv(inertia), h

    def _grid_terms(self):
        g, dt = self.grid, self.step
        # Stage times of classic RK4: t, t + dt/2 (twice), t + dt — evaluate the shape once each.
        inv_full, h_full = self._omega_terms(g)
        inv_half, h_half = self._omega_terms(g[:-1] + 0.5 * dt)
        s_grid = self._shape(g)[0]
        full = [(i.ravel().tolist(), h.tolist()) for i, h in zip(inv_full, h_full)]
        half = [(i.ravel().tolist(), h.tolist()) for i, h in zip(inv_half, h_half)]
        return inv_full, h_full, s_grid, full, half

    def _integrate(self, rot0):
        g, dt = self.grid, self.step
        full, half = self._terms[3:]
        rots = np.empty((len(g), 3, 3))
        rots[0] = rot0
        rot = rot0.ravel().tolist()
        L = self.ang_mom.tolist()
        for k in range(len(g) - 1):
            rot = _rk4_step(rot, L, full[k], half[k], full[k + 1], dt)
            rots[k + 1] = np.reshape(rot, (3, 3))
        return rots

    def rotation(self, t):
        """Body-to-world rotations at arbitrary times ``(N,)`` → ``(N, 3, 3)``: one partial RK4
        step from the grid point below (same order as the grid solution), then a polar
        re-orthonormalisation (its correction is at the integrator's rounding level)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        k = np.clip(np.floor((t - self.t0) / self.step).astype(int), 0, len(self.grid) - 1)
        tau = t - self.grid[k]
        L = self.ang_mom
        out = np.empty((len(t), 3, 3))
        need = tau > 1e-12
        out[~need] = self._rot[k[~need]]
        if need.any():
            tk, hk = self.grid[k[need]], tau[need]
            inv_m, h_m = self._omega_terms(tk + 0.5 * hk)
            inv_b, h_b = self._omega_terms(tk + hk)
            L = self.ang_mom.tolist()
            for i, idx in enumerate(np.flatnonzero(need)):
                start = (self._inv_full[k[idx]].ravel().tolist(), self._h_full[k[idx]].tolist())
                mid = (inv_m[i].ravel().tolist(), h_m[i].tolist())
                end = (inv_b[i].ravel().tolist(), h_b[i].tolist())
                out[idx] = np.reshape(
                    _rk4_step(self._rot[k[idx]].ravel().tolist(), L, start, mid, end, hk[i]), (3, 3))
        u, _, vt = np.linalg.svd(out)
        return u @ vt

    def com(self, t):
        tau = np.atleast_1d(np.asarray(t, dtype=np.float64)) - self.t0
        return self.com0 + tau[:, None] * self.com_vel0 + 0.5 * tau[:, None] ** 2 * G_VEC

    def positions(self, t):
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        s, _ = self._shape(t)
        return self.com(t)[:, None, :] + np.einsum('nab,njb->nja', self.rotation(t), s)

    def contacts(self, t):
        return np.zeros((len(np.atleast_1d(t)), 2), dtype=bool)

    def contact_time(self, ankle_height, after=0.0):
        """First time after the apex (and after ``t0 + after``) at which the lower ankle comes
        down to ``ankle_height``, linearly interpolated inside the RK4 grid step that brackets
        it (the height error is ≈ step²/8 · |z̈|, micrometres); ``None`` if it never does."""
        g = self.grid
        apex = self.t0 + max(self.com_vel0[2] / GRAVITY, 0.0)
        x = self.com(g)[:, None, :] + np.einsum('nab,njb->nja', self._rot, self._s_grid)
        low = np.minimum(x[:, J('left_ankle'), 2], x[:, J('right_ankle'), 2]) - ankle_height
        ok = np.flatnonzero((g > max(apex, self.t0 + after)) & (low <= 0.0))
        if len(ok) == 0:
            return None
        k = max(ok[0], 1)
        a, b = low[k - 1], low[k]
        return g[k - 1] + (g[k] - g[k - 1]) * (a / (a - b) if a != b else 1.0)
