"""Turn a catalogue entry into a sequence of motion phases with randomised parameters.

Each element is: preparation on the floor → take-off → flight (jumps, saltos) or a pivot on one
foot (turns) → landing → recovery to standing. Rotations in the air are calibrated by shooting:
the take-off angular velocity is adjusted (secant method) so the rotation measured at touch-down
matches the element (e.g. −4π for a double salto backward), with the shape program fixed.
"""
import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from finephys.structures import H36M17

from .actions import ACTIONS
from .body import GRAVITY, BodyModel
from .kinematics import PoseTrack, pose_from_angles, rot_z, smoothstep
from .phases import FlightPhase, GroundPhase

J = H36M17.index
HALF_PI = 0.5 * np.pi

# Key shapes (angles of pose_from_angles); 'L'/'R' variants mirror a leg choice.
ARMS_UP = dict(left_shoulder_abd=2.9, right_shoulder_abd=2.9, left_elbow=0.1, right_elbow=0.1)
ARMS_SIDE = dict(left_shoulder_abd=1.5, right_shoulder_abd=1.5, left_elbow=0.15, right_elbow=0.15)
ARMS_BACK = dict(left_shoulder_flex=-0.9, right_shoulder_flex=-0.9, left_shoulder_abd=0.2,
                 right_shoulder_abd=0.2)
ARMS_FORWARD = dict(left_shoulder_flex=1.4, right_shoulder_flex=1.4, left_shoulder_abd=0.2,
                    right_shoulder_abd=0.2)
ARMS_CHEST = dict(left_shoulder_flex=1.2, right_shoulder_flex=1.2, left_elbow=2.2,
                  right_elbow=2.2, left_shoulder_abd=0.35, right_shoulder_abd=0.35)


def _leg(side, hip_flex, knee, hip_abd=None):
    """Angles of one leg (``side`` = 'left' / 'right')."""
    out = {f'{side}_hip_flex': hip_flex, f'{side}_knee': knee}
    if hip_abd is not None:
        out[f'{side}_hip_abd'] = hip_abd
    return out


def _other(side):
    return 'right' if side == 'left' else 'left'


def flight_shape(shape, lead, amp):
    """Angles of the held air shape. ``lead``: leg in front; ``amp`` ∈ [0.85, 1] amplitude."""
    if shape == 'split':
        return dict(**_leg(lead, 1.55 * amp, 0.0), **_leg(_other(lead), -1.45 * amp, 0.05),
                    **ARMS_SIDE)
    if shape == 'stag':
        return dict(**_leg(lead, 1.4 * amp, 1.7), **_leg(_other(lead), -1.3 * amp, 0.05),
                    **ARMS_UP)
    if shape == 'straddle':
        return dict(left_hip_flex=1.3 * amp, right_hip_flex=1.3 * amp, left_hip_abd=0.75 * amp,
                    right_hip_abd=0.75 * amp, left_knee=0.0, right_knee=0.0, trunk_pitch=0.5,
                    **ARMS_FORWARD)
    if shape == 'tuck':
        return dict(left_hip_flex=2.3 * amp, right_hip_flex=2.3 * amp, left_knee=2.3,
                    right_knee=2.3, trunk_pitch=0.55, neck_pitch=0.3, left_shoulder_flex=1.0,
                    right_shoulder_flex=1.0, left_elbow=1.6, right_elbow=1.6)
    if shape == 'pike':
        return dict(left_hip_flex=2.1 * amp, right_hip_flex=2.1 * amp, left_knee=0.0,
                    right_knee=0.0, trunk_pitch=0.6, left_shoulder_flex=1.3,
                    right_shoulder_flex=1.3, left_elbow=0.3, right_elbow=0.3)
    if shape == 'layout':
        return dict(left_hip_flex=-0.1, right_hip_flex=-0.1, left_knee=0.0, right_knee=0.0,
                    **ARMS_CHEST)
    raise KeyError(shape)


def turn_shape(shape, support, amp):
    """Angles while turning on ``support`` foot."""
    free = 'right' if support == 'left' else 'left'
    base = {f'{support}_knee': 0.02, f'{support}_hip_flex': 0.0}
    if shape == 'passe':
        free_leg = {f'{free}_hip_flex': 1.0 * amp, f'{free}_hip_abd': 0.7, f'{free}_knee': 2.2}
        arms = ARMS_CHEST
    elif shape == 'tuck_stand':
        base = {f'{support}_knee': 1.9, f'{support}_hip_flex': 1.6, 'trunk_pitch': 0.35}
        free_leg = {f'{free}_hip_flex': 1.45 * amp, f'{free}_knee': 0.0}
        arms = ARMS_FORWARD
    elif shape == 'split_up':
        free_leg = {f'{free}_hip_flex': -2.6 * amp, f'{free}_knee': 0.0}
        arms = dict(ARMS_UP, trunk_pitch=0.45)
    elif shape == 'heel_forward':
        free_leg = {f'{free}_hip_flex': 1.5 * amp, f'{free}_knee': 0.0}
        arms = ARMS_SIDE
    else:
        raise KeyError(shape)
    return dict(base, **free_leg, **arms)


def _hermite(p0, v0, p1, v1, t0, t1):
    """Cubic Hermite ``t (N,) → (N, 3)`` between positions/velocities at ``t0`` and ``t1``,
    clamped to the end points outside."""
    p0, v0, p1, v1 = (np.asarray(a, float) for a in (p0, v0, p1, v1))
    d = t1 - t0

    def f(t):
        u = np.clip((np.asarray(t, float) - t0) / d, 0.0, 1.0)[:, None]
        h00, h10 = 2 * u ** 3 - 3 * u ** 2 + 1, u ** 3 - 2 * u ** 2 + u
        h01, h11 = -2 * u ** 3 + 3 * u ** 2, u ** 3 - u ** 2
        return h00 * p0 + h10 * d * v0 + h01 * p1 + h11 * d * v1
    return f


def _piecewise(pieces):
    """Concatenate ``[(t_start, fn), ...]`` path pieces into one ``t (N,) → (N, 3)``."""
    starts = np.array([s for s, _ in pieces])

    def f(t):
        t = np.asarray(t, float)
        k = np.clip(np.searchsorted(starts, t, side='right') - 1, 0, len(pieces) - 1)
        out = np.empty((len(t), 3))
        for i, (_, fn) in enumerate(pieces):
            m = k == i
            if m.any():
                out[m] = fn(t[m])
        return out
    return f


def _constant_rotation(rot):
    return lambda t: np.broadcast_to(rot, (len(np.atleast_1d(t)), 3, 3)).copy()


def _slerp_rotation(rot_a, rot_b, t0, t1):
    slerp = Slerp([0.0, 1.0], Rotation.from_matrix(np.stack([rot_a, rot_b])))

    def f(t):
        u = smoothstep((np.atleast_1d(np.asarray(t, float)) - t0) / (t1 - t0))
        return slerp(u).as_matrix()
    return f


def _yaw_of(rot):
    x = rot[:, 0]
    return float(np.arctan2(x[1], x[0]))


def _somersault_and_yaw(rots, heading):
    """Unwrapped somersault (about the initial lateral axis, + forward) and yaw of the body's
    forward axis along a trajectory of rotations ``(N, 3, 3)``."""
    fwd = np.array([np.cos(heading), np.sin(heading), 0.0])
    up = rots[:, :, 2]
    som = np.unwrap(np.arctan2(up @ fwd, up[:, 2]))
    x = rots[:, :, 0]
    yaw = np.unwrap(np.arctan2(x[:, 1], x[:, 0]))
    return som - som[0], yaw - yaw[0]


class ElementBuilder:
    """Builds the phases of one element performance.

    Args:
        action (str): Catalogue name.
        body (BodyModel): The gymnast.
        rng (np.random.Generator): Source of all per-sample randomness.
        flight_step (float): RK4 step of flight phases, seconds.
    """

    def __init__(self, action, body: BodyModel, rng, flight_step=2e-3):
        self.spec = ACTIONS[action]
        self.body, self.rng, self.flight_step = body, rng, flight_step
        self.ankle_height = 0.039 * body.stature  # ankle joint above the floor (Winter 2009)
        self.phases = []
        self.meta = {}

    # -- helpers ------------------------------------------------------------------------------
    def pose(self, **angles):
        return pose_from_angles(self.body, **angles)

    def u(self, lo, hi):
        return float(self.rng.uniform(lo, hi))

    def _stand_root(self, pose):
        """Pelvis position putting a standing pose's ankles on the floor around the origin."""
        return np.array([0.0, 0.0, self.ankle_height - pose[J('left_ankle'), 2]])

    def build(self):
        family = self.spec['family']
        if family == 'turn':
            self._build_turn()
        else:
            self._build_airborne()
        return self.phases

    # -- turns --------------------------------------------------------------------------------
    def _build_turn(self):
        s, body = self.spec, self.body
        support = 'left' if self.rng.random() < 0.5 else 'right'
        free = 'right' if support == 'left' else 'left'
        amp = self.u(0.85, 1.0)
        stand = self.pose(**ARMS_SIDE)
        plie = self.pose(left_knee=0.55, right_knee=0.55, left_hip_flex=0.3, right_hip_flex=0.3,
                         trunk_pitch=0.1, **ARMS_FORWARD)
        root0 = self._stand_root(stand)
        ankles = {side: root0 + stand[J(f'{side}_ankle')] for side in ('left', 'right')}
        t_hold, t_plie = self.u(0.15, 0.4), None
        t_plie = t_hold + self.u(0.35, 0.5)
        drop = 0.12 * body.leg_length
        pelvis = _piecewise([
            (0.0, lambda t: np.broadcast_to(root0, (len(t), 3)).copy()),
            (t_hold, _hermite(root0, 0, root0 - [0, 0, drop], 0, t_hold, t_plie)),
        ])
        upright = np.eye(3)
        track_a = PoseTrack(body, [0.0, t_hold, t_plie], [stand, stand, plie])
        phase_a = GroundPhase(body, 0.0, t_plie, track_a, _constant_rotation(upright), 'pelvis',
                              pelvis_path=pelvis,
                              ik_legs={k: dict(point=v, start=0.0, end=0.0) for k, v in ankles.items()})
        self.phases.append(phase_a)
        # rise onto the support foot and spin about the vertical through it (exact pivot)
        start_pose = self._body_pose(phase_a, t_plie, upright, pelvis(np.array([t_plie]))[0])
        turn_pose = self.pose(**turn_shape(s['shape'], support, amp))
        t_up = t_plie + self.u(0.2, 0.3)
        spin_time = s['turns'] * self.u(0.5, 0.7)
        t_spin_end = t_up + spin_time
        t_down = t_spin_end + self.u(0.2, 0.3)
        total = 2.0 * np.pi * s['turns'] * (1 if support == 'left' else -1)  # turn towards support
        yaw = lambda t: total * smoothstep((np.asarray(t, float) - t_plie) / (t_spin_end - t_plie))
        orient = lambda t: rot_z(yaw(np.atleast_1d(t)))
        lowered = self.pose(**ARMS_SIDE)
        final_yaw = total
        # free foot returns to the floor beside the support foot, in the final heading
        place = ankles[support] + rot_z(final_yaw) @ (stand[J(f'{free}_ankle')] - stand[J(f'{support}_ankle')])
        t_end = t_down + self.u(0.4, 0.7)
        track_b = PoseTrack(body, [t_plie, t_up, t_spin_end, t_down, t_end],
                            [start_pose, turn_pose, turn_pose, lowered, stand])
        phase_b = GroundPhase(body, t_plie, t_end, track_b, orient, support,
                              anchor_point=ankles[support],
                              ik_legs={free: dict(point=place, start=t_spin_end, end=t_down)})
        self.phases.append(phase_b)
        self.meta.update(support_foot=support, turns=s['turns'])

    def _body_pose(self, phase, t, rot, root):
        """A phase's world pose at ``t`` expressed in the body frame (``rot``, ``root``)."""
        world = phase.positions(np.array([t]))[0]
        return (world - root) @ rot

    # -- jumps, leaps and saltos -------------------------------------------------------------
    def _build_airborne(self):
        s, body, rng = self.spec, self.body, self.rng
        lead = 'left' if rng.random() < 0.5 else 'right'
        amp = self.u(0.85, 1.0)
        salto = s['family'] == 'salto'
        if salto:
            flight_time = self.u(0.62, 0.72) * (1.0 if abs(s['saltos']) < 2 else 1.45)
            v_fwd = self.u(0.6, 1.2) if s['saltos'] > 0 else self.u(-0.8, -0.3)
        else:
            flight_time = self.u(0.5, 0.6)
            v_fwd = self.u(2.5, 3.5) if s['takeoff'] == 'one_foot' else self.u(0.2, 0.6)
        if s['family'] == 'jump' and s['takeoff'] == 'one_foot':
            phase_a, t_to = self._one_foot_takeoff(lead, v_fwd, flight_time)
        else:
            phase_a, t_to = self._two_feet_takeoff(v_fwd, flight_time, salto)
        self.phases.append(phase_a)
        # take-off state (the push's last instant; velocity as designed for the flight — the
        # difference to the push's own final velocity is the take-off impulse, recorded in meta)
        eps = 1e-5
        x_to = phase_a.positions(np.array([t_to - 2 * eps, t_to - eps, t_to]))
        com3 = body.com(x_to)
        com0 = com3[-1]
        v_push = (3 * com3[2] - 4 * com3[1] + com3[0]) / (2 * eps)
        v0 = np.array([v_fwd, 0.0, 0.0])
        # vertical speed so the COM comes back to ~its take-off height after flight_time
        v0[2] = 0.5 * GRAVITY * flight_time
        self.meta['takeoff_impulse'] = (body.mass * (v0 - v_push)).tolist()
        rot0 = np.eye(3)
        pose_to = (x_to[-1] - x_to[-1][0]) @ rot0
        # flight shape program, timed on the expected flight time
        if salto:
            air = self.pose(**flight_shape(s['shape'], lead, amp))
            land = self.pose(left_knee=0.35, right_knee=0.35, left_hip_flex=0.35,
                             right_hip_flex=0.35, trunk_pitch=0.15, **ARMS_FORWARD)
            keys = [0.0, 0.22, 0.72, 1.0]
            poses = [pose_to, air, air, land]
        else:
            shape = flight_shape(s['shape'], lead, amp)
            air = self.pose(**shape)
            poses = [pose_to, air]
            keys = [0.0, 0.45]
            if s.get('switch'):
                # leg change: the take-off front leg swings through before the split opens
                pre = self.pose(**flight_shape(s['shape'], 'right' if lead == 'left' else 'left', 0.4))
                poses = [pose_to, pre, air]
                keys = [0.0, 0.2, 0.5]
            land_leg = 'right' if lead == 'left' else 'left'
            land = self.pose(**{f'{lead}_hip_flex': 0.6, f'{lead}_knee': 0.3,
                                f'{land_leg}_hip_flex': 0.15, f'{land_leg}_knee': 0.2},
                             **ARMS_SIDE)
            poses += [air, land]
            keys += [0.72, 1.0]
        keys = [t_to + k * flight_time for k in keys]
        keys.append(t_to + 2.0 * flight_time)
        poses.append(poses[-1])
        track_f = PoseTrack(body, keys, poses)
        flight = self._calibrated_flight(t_to, com0, v0, rot0, track_f, flight_time)
        self.phases.append(flight)
        self._landing(flight, lead)

    def _two_feet_takeoff(self, v_fwd, flight_time, salto):
        body = self.body
        stand = self.pose(**ARMS_SIDE)
        crouch = self.pose(left_knee=1.2, right_knee=1.2, left_hip_flex=1.0, right_hip_flex=1.0,
                           trunk_pitch=0.55, **ARMS_BACK)
        takeoff = self.pose(left_knee=0.12, right_knee=0.12, left_hip_flex=0.05,
                            right_hip_flex=0.05, **ARMS_UP)
        root0 = self._stand_root(stand)
        ankles = {side: root0 + stand[J(f'{side}_ankle')] for side in ('left', 'right')}
        t_hold = self.u(0.15, 0.4)
        t_crouch = t_hold + self.u(0.35, 0.5)
        t_to = t_crouch + self.u(0.2, 0.28)
        crouch_root = root0 + [-0.12, 0, -0.28 * body.leg_length]
        # pelvis height at take-off: legs nearly straight over the feet
        half = abs(ankles['left'][1] - root0[1]) + body.bone_lengths[J('left_hip')]
        reach = 0.97 * body.leg_length
        dx = 0.05 if v_fwd > 0 else -0.05
        h_to = self.ankle_height + np.sqrt(max(reach ** 2 - dx ** 2 - (half - body.bone_lengths[J('left_hip')]) ** 2, 0.0))
        to_root = np.array([dx, 0.0, h_to])
        v_to = np.array([v_fwd, 0.0, 0.5 * GRAVITY * flight_time])
        pelvis = _piecewise([
            (0.0, lambda t: np.broadcast_to(root0, (len(t), 3)).copy()),
            (t_hold, _hermite(root0, 0, crouch_root, 0, t_hold, t_crouch)),
            (t_crouch, _hermite(crouch_root, 0, to_root, v_to, t_crouch, t_to)),
        ])
        track = PoseTrack(body, [0.0, t_hold, t_crouch, t_to], [stand, stand, crouch, takeoff])
        phase = GroundPhase(body, 0.0, t_to, track, _constant_rotation(np.eye(3)), 'pelvis',
                            pelvis_path=pelvis,
                            ik_legs={k: dict(point=v, start=0.0, end=0.0) for k, v in ankles.items()})
        return phase, t_to

    def _one_foot_takeoff(self, lead, v_fwd, flight_time):
        """Last running step: stance on the take-off foot (the non-lead leg) while the lead leg
        kicks forward."""
        body = self.body
        push = 'right' if lead == 'left' else 'left'
        step = self.pose(**_leg(push, 0.35, 0.3), **_leg(lead, -0.5, 0.9), **ARMS_BACK)
        takeoff = self.pose(**_leg(lead, 1.1, 0.2), **_leg(push, -0.35, 0.05), **ARMS_UP)
        rot = np.eye(3)
        anchor = np.array([0.0, 0.0, self.ankle_height])
        t_to = self.u(0.22, 0.3)
        track = PoseTrack(body, [0.0, t_to], [step, takeoff])
        phase = GroundPhase(body, 0.0, t_to, track, _constant_rotation(rot), push,
                            anchor_point=anchor)
        return phase, t_to

    def _calibrated_flight(self, t_to, com0, v0, rot0, track, flight_time):
        """Flight whose take-off angular velocity makes the element's rotation at touch-down."""
        s, body = self.spec, self.body
        salto = s['family'] == 'salto'
        target = 2 * np.pi * (s['saltos'] if salto else s['turns'])
        if salto:
            target -= np.sign(target) * self.u(0.05, 0.2)  # land slightly under-rotated
        twist = 2 * np.pi * s.get('twists', 0.0) * (1 if self.rng.random() < 0.5 else -1)
        duration = 1.6 * flight_time
        p0 = track(np.array([t_to]))[0]
        s0 = p0 - body.com(p0)
        inertia0 = body.inertia(s0)
        eps = 1e-6
        dp = (track(np.array([t_to + eps])) - track(np.array([t_to - eps])))[0] / (2 * eps)
        h0 = np.einsum('j,jc->c', body.joint_masses, np.cross(s0, dp - body.com(dp)))

        cache = {}

        def simulate(rate, step):
            omega = np.array([0.0, rate, 0.0]) if salto else np.array([0.0, 0.0, rate])
            if salto and twist:
                omega[2] = twist / flight_time * 0.8
            ang_mom = rot0 @ (inertia0 @ omega + h0)
            return FlightPhase(body, t_to, com0, v0, rot0, track, ang_mom, duration, step,
                               cache=cache)

        def error(rate, step):
            f = simulate(rate, step)
            tc = f.contact_time(self.ankle_height, after=0.3 * flight_time)
            if tc is None:
                raise RuntimeError('SynthGym flight never touched down')
            k = int(np.searchsorted(f.grid, tc))
            som, yaw = _somersault_and_yaw(f._rot[:k + 1], heading=0.0)
            return (som[-1] if salto else yaw[-1]) - target

        # secant on the take-off rate (rotation at touch-down is nearly linear in it)
        x0 = target / flight_time * 0.5
        x1 = target / flight_time
        coarse = 8e-3
        e0, e1 = error(x0, coarse), error(x1, coarse)
        for _ in range(6):
            if abs(e1) < 5e-3 or e1 == e0:
                break
            x0, x1, e0 = x1, x1 - e1 * (x1 - x0) / (e1 - e0), e1
            e1 = error(x1, coarse)
        flight = simulate(x1, self.flight_step)
        self.meta['flight_rate'] = x1
        return flight

    def _landing(self, flight, lead):
        s, body = self.spec, self.body
        tc = flight.contact_time(self.ankle_height, after=0.3 * (flight.t1 - flight.t0) / 1.6)
        flight.t1 = tc
        x_c = flight.positions(np.array([tc]))[0]
        rot_c = flight.rotation(np.array([tc]))[0]
        first = 'left' if x_c[J('left_ankle'), 2] <= x_c[J('right_ankle'), 2] else 'right'
        other = 'right' if first == 'left' else 'left'
        pose_c = (x_c - x_c[0]) @ rot_c
        yaw_end = _yaw_of(rot_c)
        up = rot_z(yaw_end)
        anchor = x_c[J(f'{first}_ankle')]
        absorb = self.pose(left_knee=0.9, right_knee=0.9, left_hip_flex=0.8, right_hip_flex=0.8,
                           trunk_pitch=0.35, **ARMS_FORWARD)
        stand = self.pose(**ARMS_UP)
        one_foot = s['family'] == 'jump' and s['takeoff'] == 'one_foot'
        t_absorb = tc + self.u(0.22, 0.3)
        t_stand = t_absorb + self.u(0.45, 0.6)
        t_end = t_stand + self.u(0.3, 0.6)
        place_start = tc + (0.12 if one_foot else 0.0)
        place_end = place_start + (0.2 if one_foot else 0.08)
        track = PoseTrack(body, [tc, t_absorb, t_stand, t_end], [pose_c, absorb, stand, stand])
        orient = _slerp_rotation(rot_c, up, tc, t_absorb)
        # Where the second foot lands: the natural stance beside the first foot is ideal at the
        # end, the free leg's own path is ideal at touch-down; take the first point on the line
        # between them that the leg can reach throughout (a pinned foot must never be dragged).
        stance = anchor + up @ (stand[J(f'{other}_ankle')] - stand[J(f'{first}_ankle')])
        free = GroundPhase(body, tc, t_end, track, orient, first, anchor_point=anchor)
        # the later the second foot comes down, the more upright (and reachable) the body is
        for place_end in (place_end, 0.5 * (place_end + t_absorb), t_absorb, t_stand):
            natural = free.positions(np.array([place_end]))[0, J(f'{other}_ankle')].copy()
            natural[2] = anchor[2]
            probe = np.linspace(place_end, t_end, 60)
            for w in np.linspace(0.0, 1.0, 6):
                place = (1 - w) * stance + w * natural
                phase = GroundPhase(body, tc, t_end, track, orient, first, anchor_point=anchor,
                                    ik_legs={other: dict(point=place, start=place_start,
                                                         end=place_end)})
                phase.positions(probe)
                if phase.max_reach_error < 1e-7:
                    break
            if phase.max_reach_error < 1e-7:
                break
        phase.max_reach_error = 0.0
        self.phases.append(phase)
        self.meta.update(landing_foot=first, lead_leg=lead)
