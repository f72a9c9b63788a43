"""Real human motion (DeepMimic / BVH mocap) seen like SynthGym: broadcast cameras, detector
noise, contact and flight labels — written as a :class:`~finephys.datasets.Pose3DNpzDataset`
file for evaluation without training on it."""
import numpy as np

from finephys.structures import H36M17, estimator_head_from_h36m
from finephys.structures.anthropometry import joint_mass_fractions

from ..synthgym.camera import broadcast_camera, project
from ..synthgym.noise import KeypointNoise

J = H36M17.index
GRAVITY = 9.80665
#: Contact effectors, as in the structured physics solver (feet, then hands).
EFFECTORS = ('left_ankle', 'right_ankle', 'left_wrist', 'right_wrist')


def contact_labels(world, foot_clearance=0.10, hand_height=0.12, body_height=0.25,
                   foot_speed=None, fps=None, always_supported=False):
    """Ground contacts from world heights (floor at z = 0, z up) or from foot speed.

    A foot is in contact while its ankle is within ``foot_clearance`` of its standing height
    (the clip's 5th-percentile ankle height, both feet pooled; generous, so that push-off and
    touch-down frames are not called flight) — or, with ``foot_speed``, while the ankle moves
    slower than ``foot_speed`` m/s (motions on raised supports such as boxes, where height
    says nothing; a foot at rest is standing on something). A hand is in contact while its
    wrist is below ``hand_height``. A frame is in flight when no foot or hand is in contact and
    no other joint is below ``body_height`` (a roll is supported by the back, not by a hand or
    foot).

    Args:
        world (np.ndarray): ``(T, 17, 3)`` metres.
        foot_speed (float, optional): Speed rule threshold, m/s (needs ``fps``).
        fps (float, optional): Frame rate, for the speed rule.
        always_supported (bool): Motions known to have no flight (climbing): a frame where no
            effector is found in contact gets its slower foot (its lower foot under the height
            rule) as the contact, so no frame is labelled flight.

    Returns:
        tuple: ``contacts (T, 4)`` bool in :data:`EFFECTORS` order, ``flight (T,)`` bool.
    """
    ankles_xyz = world[:, H36M17.indices(['left_ankle', 'right_ankle'])]
    if foot_speed is None:
        ankles = ankles_xyz[..., 2]
        stance = np.percentile(ankles, 5)
        feet = ankles < stance + foot_clearance
    else:
        if not fps or fps <= 0:
            raise ValueError(f'contact_labels: foot_speed needs fps > 0, got fps={fps!r}')
        speed = np.linalg.norm(np.gradient(ankles_xyz, axis=0), axis=-1) * fps   # (T, 2)
        feet = speed < foot_speed
    hands = world[:, H36M17.indices(['left_wrist', 'right_wrist']), 2] < hand_height
    contacts = np.concatenate([feet, hands], 1)
    if always_supported:
        rank = speed if foot_speed is not None else ankles_xyz[..., 2]
        none = ~contacts.any(1)
        contacts[none, np.argmin(rank[none], 1)] = True
    rest = [j for j in range(world.shape[1]) if H36M17.joint_names[j] not in EFFECTORS]
    on_body = world[:, rest, 2].min(1) < body_height
    return contacts, ~(contacts.any(1) | on_body)


def stature_estimate(world):
    """Standing height (m) from the bone lengths of frame 0: pelvis→head chain + hip→ankle chain
    + 7 cm of ankle height."""
    x = world[0]
    chain = lambda names: sum(np.linalg.norm(x[J(a)] - x[J(b)]) for a, b in zip(names, names[1:]))
    return (chain(['pelvis', 'spine', 'thorax', 'neck', 'head']) +
            chain(['left_hip', 'left_knee', 'left_ankle']) + 0.07)


def facing_heading(world):
    """Facing direction (radians about z) from the hips: ``up × (right_hip − left_hip)``."""
    lateral = (world[:, J('right_hip')] - world[:, J('left_hip')]).mean(0)
    facing = np.cross([0.0, 0.0, 1.0], lateral)
    return float(np.arctan2(facing[1], facing[0]))


def window_starts(flight, total, length, stride):
    """Window starts: one centred on every flight of ≥ 2 frames, then every ``stride`` frames
    (duplicates removed). Empty when the motion is shorter than ``length``."""
    if total < length:
        return []
    starts = []
    edges = np.diff(np.concatenate([[0], flight.astype(np.int8), [0]]))
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        if b - a >= 2:
            starts.append(int(np.clip((a + b) // 2 - length // 2, 0, total - length)))
    starts += list(range(0, total - length + 1, stride))
    return sorted(set(starts))


def build_realmotion_clips(motions, num_frames=32, stride=16, views=4, seed=0, image_size=256,
                           noise=None, body_mass=50.0):
    """Cut motions into windows and view each from ``views`` broadcast cameras with detector
    noise.

    Args:
        motions (dict): name → ``(world (T, 17, 3) z-up metres, fps)`` or ``(world, fps,
            options)`` with ``options`` a dict of ``stride`` (this motion's window step) and
            ``contacts`` (keyword arguments of :func:`contact_labels`, e.g. the speed rule).
        num_frames (int): Window length.
        stride (int): Step between regular windows (default of every motion).
        views (int): Cameras per window.
        seed (int): Randomness of cameras and noise.
        image_size (int): Square image size, pixels.
        noise (dict, optional): :class:`KeypointNoise` parameters (SynthGym's defaults).
        body_mass (float): kg; the masses are de Leva's fractions of it (the motions carry none).

    Returns:
        dict: arrays in :class:`Pose3DNpzDataset`'s layout plus ``masses``, ``flight``,
        ``contacts``, ``names``, ``window_start``.
    """
    noise = noise if isinstance(noise, KeypointNoise) else KeypointNoise(**(noise or {}))
    rng = np.random.default_rng(seed)
    masses = body_mass * joint_mass_fractions()
    cols = {k: [] for k in ('keypoints_3d', 'camera_K', 'keypoints_2d', 'keypoint_scores',
                            'gravity', 'flight', 'contacts', 'names', 'labels', 'fps',
                            'window_start', 'masses')}
    for label, (name, motion) in enumerate(sorted(motions.items())):
        world, fps = motion[:2]
        options = motion[2] if len(motion) > 2 else {}
        rule = dict(options.get('contacts', {}))
        if rule.get('foot_speed') is not None:
            rule.setdefault('fps', fps)
        contacts, flight = contact_labels(world, **rule)
        stature = stature_estimate(world)
        for start in window_starts(flight, len(world), num_frames,
                                   options.get('stride', stride)):
            win = world[start:start + num_frames]
            for _ in range(views):
                cam = broadcast_camera(win, facing_heading(win), stature,
                                       (image_size, image_size), rng)
                x = win @ cam['R'].T + cam['t']
                # 2D with an estimator's head (nose tip, mid-ear), 3D with the head's axis
                clean = project(estimator_head_from_h36m(x), cam['K'])
                noisy = noise.apply(clean, rng)
                cols['keypoints_3d'].append(x)
                cols['camera_K'].append(cam['K'])
                cols['keypoints_2d'].append(noisy['keypoints'])
                cols['keypoint_scores'].append(noisy['scores'])
                cols['gravity'].append(cam['gravity'])
                cols['flight'].append(flight[start:start + num_frames])
                cols['contacts'].append(contacts[start:start + num_frames])
                cols['names'].append(name)
                cols['labels'].append(label)
                cols['fps'].append(fps)
                cols['window_start'].append(start)
                cols['masses'].append(masses)
    if not cols['names']:
        raise ValueError(f'build_realmotion_clips: no motion has {num_frames} frames')
    out = {k: np.asarray(v) for k, v in cols.items()}
    for k in ('keypoints_3d', 'camera_K', 'keypoints_2d', 'keypoint_scores', 'gravity', 'masses'):
        out[k] = out[k].astype(np.float32)
    out['image_size'] = np.array([image_size, image_size])
    return out
