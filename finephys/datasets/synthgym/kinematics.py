"""Pose construction for SynthGym: angles → joints, bone-direction blending, two-bone IK.

Body frame: x forward, y to the body's left, z up, pelvis at the origin. A pose is ``(..., 17, 3)``
joint positions in that frame. Bone lengths are constant by construction: poses are built or
blended as unit bone directions and re-assembled with the body's fixed lengths.
"""
import numpy as np

from finephys.structures import H36M17

from .body import BodyModel

J = H36M17.index
PARENTS = np.asarray(H36M17.parents)
# Joints in an order where every parent comes before its child (H36M17 storage order already is).
ORDER = list(range(1, H36M17.num_joints))


def rot_x(a):
    a = np.asarray(a, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1),
                     np.stack([z, s, c], -1)], -2)


def rot_y(a):
    a = np.asarray(a, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1),
                     np.stack([-s, z, c], -1)], -2)


def rot_z(a):
    a = np.asarray(a, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


DOWN = np.array([0.0, 0.0, -1.0])
UP = np.array([0.0, 0.0, 1.0])

#: Angles of a neutral standing pose (radians). Keys documented in :func:`pose_from_angles`.
NEUTRAL = dict(trunk_pitch=0.0, trunk_roll=0.0, neck_pitch=0.0,
               left_hip_flex=0.0, left_hip_abd=0.03, left_knee=0.08,
               right_hip_flex=0.0, right_hip_abd=0.03, right_knee=0.08,
               left_shoulder_flex=0.0, left_shoulder_abd=0.15, left_elbow=0.2,
               right_shoulder_flex=0.0, right_shoulder_abd=0.15, right_elbow=0.2)


def pose_from_angles(body: BodyModel, **angles) -> np.ndarray:
    """Joint positions of a pose given by a few anatomical angles (radians; missing keys take
    :data:`NEUTRAL`).

    ``trunk_pitch`` leans forward, ``trunk_roll`` to the left, ``neck_pitch`` nods forward;
    ``<side>_hip_flex`` raises the thigh forward (negative: backward), ``<side>_hip_abd`` moves it
    sideways out, ``<side>_knee`` bends the knee (≥ 0); ``<side>_shoulder_flex`` raises the arm
    forward, ``<side>_shoulder_abd`` sideways (π: overhead), ``<side>_elbow`` bends the elbow.

    Returns:
        np.ndarray: ``(17, 3)`` body-frame positions, metres.
    """
    unknown = set(angles) - set(NEUTRAL)
    if unknown:
        raise KeyError(f'pose_from_angles: unknown angles {sorted(unknown)}; valid: '
                       f'{sorted(NEUTRAL)}')
    a = dict(NEUTRAL, **angles)
    L = body.bone_lengths
    x = np.zeros((H36M17.num_joints, 3))
    r_trunk = rot_y(a['trunk_pitch']) @ rot_x(-a['trunk_roll'])
    x[J('spine')] = r_trunk @ UP * L[J('spine')]
    x[J('thorax')] = x[J('spine')] + r_trunk @ UP * L[J('thorax')]
    r_neck = r_trunk @ rot_y(a['neck_pitch'])
    x[J('neck')] = x[J('thorax')] + r_neck @ UP * L[J('neck')]
    x[J('head')] = x[J('neck')] + r_neck @ UP * L[J('head')]
    for side, sign in (('left', 1.0), ('right', -1.0)):
        hip, knee, ankle = J(f'{side}_hip'), J(f'{side}_knee'), J(f'{side}_ankle')
        x[hip] = np.array([0.0, sign, 0.0]) * L[hip]
        r_thigh = rot_y(-a[f'{side}_hip_flex']) @ rot_x(sign * a[f'{side}_hip_abd'])
        x[knee] = x[hip] + r_thigh @ DOWN * L[knee]
        x[ankle] = x[knee] + r_thigh @ rot_y(a[f'{side}_knee']) @ DOWN * L[ankle]
        sho, elb, wri = J(f'{side}_shoulder'), J(f'{side}_elbow'), J(f'{side}_wrist')
        x[sho] = x[J('thorax')] + r_trunk @ np.array([0.0, sign, 0.0]) * L[sho]
        r_arm = r_trunk @ rot_y(-a[f'{side}_shoulder_flex']) @ rot_x(sign * a[f'{side}_shoulder_abd'])
        x[elb] = x[sho] + r_arm @ DOWN * L[elb]
        x[wri] = x[elb] + r_arm @ rot_y(-a[f'{side}_elbow']) @ DOWN * L[wri]
    return x


def bone_directions(pose: np.ndarray) -> np.ndarray:
    """Unit parent→child directions. ``(..., 17, 3)`` → ``(..., 17, 3)`` (row 0, the root, is 0)."""
    d = pose - pose[..., np.maximum(PARENTS, 0), :]
    n = np.linalg.norm(d, axis=-1, keepdims=True)
    return np.where(n > 0, d / np.where(n > 0, n, 1.0), 0.0)


def assemble(body: BodyModel, directions: np.ndarray, root=None) -> np.ndarray:
    """Forward kinematics from bone directions. ``(..., 17, 3)`` → ``(..., 17, 3)``."""
    x = np.zeros_like(directions)
    if root is not None:
        x[..., 0, :] = root
    for j in ORDER:
        x[..., j, :] = x[..., PARENTS[j], :] + directions[..., j, :] * body.bone_lengths[j]
    return x


def slerp_directions(d0: np.ndarray, d1: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Spherical interpolation of unit vectors, broadcast over leading axes.

    Args:
        d0, d1: ``(..., 3)`` unit vectors; w: weights broadcastable to ``(...)``.
    """
    w = np.asarray(w, dtype=np.float64)[..., None]
    cos = np.clip(np.sum(d0 * d1, -1, keepdims=True), -1.0, 1.0)
    theta = np.arccos(cos)
    sin = np.sin(theta)
    small = sin < 1e-6
    safe = np.where(small, 1.0, sin)
    a = np.where(small, 1.0 - w, np.sin((1.0 - w) * theta) / safe)
    b = np.where(small, w, np.sin(w * theta) / safe)
    out = a * d0 + b * d1
    return out / np.maximum(np.linalg.norm(out, axis=-1, keepdims=True), 1e-12)


def smoothstep(u):
    """C^∞ ease curve on [0, 1]: ``f(u) / (f(u) + f(1 − u))`` with ``f(u) = exp(−1/u)``.

    Every derivative vanishes at both ends, so key-framed motion has continuous accelerations
    (and jerk, ...): finite differences of SynthGym trajectories converge at their design order,
    which the physics tests rely on. Clamped to 0 / 1 outside [0, 1].
    """
    u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
    with np.errstate(divide='ignore', over='ignore'):
        a = np.where(u > 0, np.exp(-1.0 / np.where(u > 0, u, 1.0)), 0.0)
        b = np.where(u < 1, np.exp(-1.0 / np.where(u < 1, 1.0 - u, 1.0)), 0.0)
    return a / (a + b)


class PoseTrack:
    """A shape program: key poses at key times, blended bone-wise with C¹ easing.

    Args:
        body (BodyModel): The body (fixes bone lengths).
        times (list[float]): Increasing key times, seconds.
        poses (list[np.ndarray]): ``(17, 3)`` body-frame key poses.
    """

    def __init__(self, body, times, poses):
        if len(times) != len(poses) or len(times) < 1:
            raise ValueError('PoseTrack needs as many key times as key poses (≥ 1)')
        if np.any(np.diff(times) <= 0):
            raise ValueError(f'PoseTrack key times must increase, got {times}')
        self.body = body
        self.times = np.asarray(times, dtype=np.float64)
        self.dirs = np.stack([bone_directions(p) for p in poses])

    def __call__(self, t) -> np.ndarray:
        """Poses at times ``t`` (any shape) → ``(*t.shape, 17, 3)``."""
        t = np.asarray(t, dtype=np.float64)
        if len(self.times) == 1:
            d = np.broadcast_to(self.dirs[0], t.shape + self.dirs.shape[1:])
            return assemble(self.body, np.array(d))
        k = np.clip(np.searchsorted(self.times, t, side='right') - 1, 0, len(self.times) - 2)
        u = (t - self.times[k]) / (self.times[k + 1] - self.times[k])
        w = np.broadcast_to(smoothstep(u)[..., None], t.shape + (H36M17.num_joints,))
        d = slerp_directions(self.dirs[k], self.dirs[k + 1], w)
        return assemble(self.body, d)


def two_bone_ik(root, mid_length, end_length, target, pole):
    """Place the middle joint of a two-bone chain so its end reaches ``target``.

    Args:
        root, target, pole: ``(..., 3)``: chain root (hip), end target (ankle), and a direction
            the middle joint (knee) should bend towards.
        mid_length, end_length (float): Bone lengths (thigh, shank).

    Returns:
        tuple: middle ``(..., 3)``, end ``(..., 3)`` and the reach error ``(...)`` (0 when the
        target was reachable; the end is placed as close as the chain allows otherwise).
    """
    d = target - root
    dist = np.linalg.norm(d, axis=-1, keepdims=True)
    reach = mid_length + end_length
    lo = abs(mid_length - end_length)
    dist_c = np.clip(dist, lo + 1e-9, reach - 1e-9)
    u = d / np.maximum(dist, 1e-12)
    # law of cosines: distance along u to the knee's projection, and the knee's offset from it
    a = (mid_length ** 2 - end_length ** 2 + dist_c ** 2) / (2.0 * dist_c)
    h = np.sqrt(np.maximum(mid_length ** 2 - a ** 2, 0.0))
    p = pole - np.sum(pole * u, -1, keepdims=True) * u
    p = p / np.maximum(np.linalg.norm(p, axis=-1, keepdims=True), 1e-12)
    mid = root + a * u + h * p
    end = root + dist_c * u
    return mid, end, (dist - dist_c)[..., 0]
