"""DeepMimic reference motions (shipped in the ``pybullet`` wheel) as H36M-17 joint positions.

File format (``pybullet_data/data/motions/humanoid3d_*.txt``): JSON ``{"Loop": ..., "Frames":
[[...], ...]}``; a frame is its duration (s), the root position (3, metres, y up), the root
rotation (quaternion w, x, y, z) and per joint, in :data:`DEEPMIMIC_JOINTS` order, a quaternion
for spherical joints or one angle (radians, about the link's z axis) for the revolute knees and
elbows — 44 numbers.

Rig (``pybullet_data/humanoid/humanoid.urdf``, loaded by DeepMimic with ``globalScaling=0.25``):
the joint offsets below are the URDF's ``<joint><origin xyz>`` values × 0.25, in the parent
link's frame (x forward, y up, z to the right). Forward kinematics: a joint's world rotation is
its parent's times its own local rotation; its position is the parent's position plus the
parent's world rotation applied to the offset.

H36M-17 from the rig (documented mapping):

=========================  ==============================================================
H36M-17 joint              DeepMimic point
=========================  ==============================================================
pelvis                     root
left/right_hip             left/right_hip joint
left/right_knee            left/right_knee joint
left/right_ankle           left/right_ankle joint
spine                      chest joint (23.6 cm above the root)
thorax                     neck joint (base of the neck)
neck (nose level)          neck joint + 0.35 × 0.25 m up the neck link (chin/nose)
head (top)                 neck joint + (0.70 + 0.41) × 0.25 m up the neck link (head
                           sphere's centre + radius)
left/right_shoulder        left/right_shoulder joint
left/right_elbow           left/right_elbow joint
left/right_wrist           left/right_wrist (fixed joint at the end of the forearm)
=========================  ==============================================================
"""
import json
import os.path as osp

import numpy as np

from finephys.structures import H36M17

from .resampling import spline_resample
from .rotations import axis_angle_matrix, quaternion_to_matrix, slerp

URDF_SCALE = 0.25
#: Joints after the root, in frame order: (name, parent, offset in the parent frame (URDF
#: units), kind).
DEEPMIMIC_JOINTS = (
    ('chest', 'root', (0.0, 0.944604, 0.0), 'spherical'),
    ('neck', 'chest', (0.0, 0.895576, 0.0), 'spherical'),
    ('right_hip', 'root', (0.0, 0.0, 0.339548), 'spherical'),
    ('right_knee', 'right_hip', (0.0, -1.686184, 0.0), 'revolute'),
    ('right_ankle', 'right_knee', (0.0, -1.639480, 0.0), 'spherical'),
    ('right_shoulder', 'chest', (-0.096200, 0.974000, 0.732440), 'spherical'),
    ('right_elbow', 'right_shoulder', (0.0, -1.099152, 0.0), 'revolute'),
    ('left_hip', 'root', (0.0, 0.0, -0.339548), 'spherical'),
    ('left_knee', 'left_hip', (0.0, -1.686184, 0.0), 'revolute'),
    ('left_ankle', 'left_knee', (0.0, -1.639480, 0.0), 'spherical'),
    ('left_shoulder', 'chest', (-0.096200, 0.974000, -0.732440), 'spherical'),
    ('left_elbow', 'left_shoulder', (0.0, -1.099152, 0.0), 'revolute'),
)
#: Fixed end points: (name, parent, offset in the parent frame, URDF units).
DEEPMIMIC_END_POINTS = (
    ('right_wrist', 'right_elbow', (0.0, -1.035788, 0.0)),
    ('left_wrist', 'left_elbow', (0.0, -1.035788, 0.0)),
    ('nose', 'neck', (0.0, 0.35, 0.0)),
    ('head_top', 'neck', (0.0, 1.11, 0.0)),
)
FRAME_SIZE = 1 + 3 + 4 + sum(4 if k == 'spherical' else 1 for *_, k in DEEPMIMIC_JOINTS)
H36M_FROM_DEEPMIMIC = dict(
    pelvis='root', right_hip='right_hip', right_knee='right_knee', right_ankle='right_ankle',
    left_hip='left_hip', left_knee='left_knee', left_ankle='left_ankle', spine='chest',
    thorax='neck', neck='nose', head='head_top', left_shoulder='left_shoulder',
    left_elbow='left_elbow', left_wrist='left_wrist', right_shoulder='right_shoulder',
    right_elbow='right_elbow', right_wrist='right_wrist')
#: y-up (DeepMimic: x forward, y up, z right) → z-up world (x, −z, y): a proper rotation.
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def read_deepmimic_motion(path):
    """Read a DeepMimic motion file.

    Returns:
        dict: ``times (K,)`` s of the keyframes, ``root_pos (K, 3)``, ``root_rot (K, 4)``
        (w, x, y, z), ``joints`` {name: ``(K, 4)`` quaternion or ``(K,)`` angle}, ``loop``.

    Raises:
        ValueError: naming the file and what is wrong.
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f'{path}: not a readable DeepMimic motion file ({err})') from None
    frames = np.asarray(data.get('Frames', []), np.float64) if isinstance(data, dict) else None
    if frames is None or frames.ndim != 2 or frames.shape[1] != FRAME_SIZE or len(frames) < 2:
        shape = None if frames is None else frames.shape
        raise ValueError(f'{path}: "Frames" must be a list of at least 2 frames of {FRAME_SIZE} '
                         f'numbers (duration, root pos 3, root quat 4, joints), got {shape}')
    times = np.concatenate([[0.0], np.cumsum(frames[:-1, 0])])
    out = dict(times=times, root_pos=frames[:, 1:4], root_rot=frames[:, 4:8], joints={},
               loop=data.get('Loop'))
    col = 8
    for name, _, _, kind in DEEPMIMIC_JOINTS:
        width = 4 if kind == 'spherical' else 1
        v = frames[:, col:col + width]
        out['joints'][name] = v if width == 4 else v[:, 0]
        col += width
    return out


def resample_motion(motion, fps):
    """Resample keyframes at ``fps`` (positions and angles linearly, quaternions by slerp).

    Returns:
        dict: same layout as :func:`read_deepmimic_motion` with uniform ``times``.
    """
    times = motion['times']
    new_t = np.arange(0.0, times[-1] + 1e-9, 1.0 / fps)
    idx = np.clip(np.searchsorted(times, new_t, side='right') - 1, 0, len(times) - 2)
    frac = (new_t - times[idx]) / np.maximum(times[idx + 1] - times[idx], 1e-12)
    lin = lambda v: v[idx] + (v[idx + 1] - v[idx]) * (frac[:, None] if v.ndim == 2 else frac)
    out = dict(times=new_t, root_pos=lin(motion['root_pos']),
               root_rot=slerp(motion['root_rot'][idx], motion['root_rot'][idx + 1], frac),
               joints={}, loop=motion.get('loop'))
    for name, v in motion['joints'].items():
        out['joints'][name] = slerp(v[idx], v[idx + 1], frac) if v.ndim == 2 else lin(v)
    return out


def deepmimic_forward_kinematics(motion):
    """World positions of every rig point, y-up DeepMimic frame, metres.

    Returns:
        dict: name → ``(T, 3)`` for the root, every joint and :data:`DEEPMIMIC_END_POINTS`.
    """
    rot = {'root': quaternion_to_matrix(motion['root_rot'])}
    pos = {'root': np.asarray(motion['root_pos'], np.float64)}
    for name, parent, offset, kind in DEEPMIMIC_JOINTS:
        off = URDF_SCALE * np.asarray(offset)
        pos[name] = pos[parent] + np.einsum('tab,b->ta', rot[parent], off)
        v = motion['joints'][name]
        local = quaternion_to_matrix(v) if kind == 'spherical' else \
            axis_angle_matrix((0.0, 0.0, 1.0), v)
        rot[name] = rot[parent] @ local
    for name, parent, offset in DEEPMIMIC_END_POINTS:
        pos[name] = pos[parent] + np.einsum('tab,b->ta', rot[parent],
                                            URDF_SCALE * np.asarray(offset))
    return pos


def deepmimic_to_h36m17(path, fps=30.0, interpolation='cubic'):
    """A DeepMimic motion file → H36M-17 world joints (z up, metres) at ``fps``.

    Args:
        path (str): Motion file.
        fps (float): Output frame rate.
        interpolation (str): ``'cubic'``: forward kinematics at the keyframes, then a cubic
            spline through the joint positions (C² — accelerations are continuous, which the
            physics metrics need; backflip's keyframes are only 16 per second, where slerp's
            piecewise-constant angular velocity gives acceleration spikes at every keyframe;
            bones stay rigid only at the keyframes, to < 1 % in between). ``'slerp'``:
            quaternion slerp of the keyframes, then forward kinematics (rigid, C⁰ velocities).

    Returns:
        np.ndarray: ``(T, 17, 3)``.
    """
    motion = read_deepmimic_motion(path)
    if interpolation == 'slerp':
        pos = deepmimic_forward_kinematics(resample_motion(motion, fps))
        joints = np.stack([pos[H36M_FROM_DEEPMIMIC[n]] for n in H36M17.joint_names], 1)
    elif interpolation == 'cubic':
        pos = deepmimic_forward_kinematics(motion)
        keys = np.stack([pos[H36M_FROM_DEEPMIMIC[n]] for n in H36M17.joint_names], 1)
        joints = spline_resample(motion['times'], keys, fps)
    else:
        raise ValueError(f"deepmimic_to_h36m17 interpolation={interpolation!r}: expected "
                         "'cubic' or 'slerp'")
    return joints @ Y_UP_TO_Z_UP.T


def deepmimic_motion_dir():
    """The motions folder of the installed ``pybullet_data`` package.

    Raises:
        FileNotFoundError: with the install command when pybullet is missing.
    """
    try:
        import pybullet_data
    except ImportError:
        raise FileNotFoundError('pybullet_data not found: pip install pybullet==3.2.7 (it ships '
                                'the DeepMimic reference motions)') from None
    return osp.join(pybullet_data.getDataPath(), 'data', 'motions')
