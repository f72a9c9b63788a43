"""Holosoma's climbing mocap (solved marker data) as H36M-17 joint positions.

Source: ``pip install --no-deps holosoma-retargeting==0.1.0`` (Apache-2.0, a 98 MB wheel;
``tools/setup_env.sh`` does), ``holosoma_retargeting/demo_data/climb/mocap_climb_seq_{0..4}/
*_joint_positions_*.npy``: float32 ``(T, 53, 3)``, metres, z up, 120 frames/s, 2303–3011
frames each — a person stepping up onto and down off ~1 m boxes. The 53 joint names are the
package's ``config_types/data_type.py`` ``MOCAP_DEMO_JOINTS`` (read from the installed file,
not copied). Feet stand on box tops as often as on the floor, so contacts come from foot speed
(:func:`~finephys.datasets.mocap.realmotion.contact_labels` with ``foot_speed``), not height.

H36M-17 (documented mapping; the same anatomical points as DeepMimic's and SynthGym's):

=========================  ==============================================================
H36M-17 joint              Holosoma joint
=========================  ==============================================================
pelvis                     ``Hips``
left/right hip, knee,      ``{Left,Right}UpLeg``, ``…Leg``, ``…Foot``
ankle
spine                      ``Spine1`` (mid-back)
thorax                     ``Neck`` (base of the neck, shoulder height)
neck (nose level)          ``Head`` (the skull's base joint, ~nose height)
head (top)                 ``Head`` + 0.12 m along ``Neck`` → ``Head`` (no head orientation
                           is recorded; the vertex is ~0.12 m above the skull joint)
shoulder, elbow, wrist     ``…Arm``, ``…ForeArm``, ``…Hand``
=========================  ==============================================================
"""
import ast
import glob
import importlib.util
import os.path as osp

import numpy as np

from finephys.structures import H36M17
from .resampling import spline_resample

HOLOSOMA_FPS = 120.0
HEAD_TOP_OFFSET = 0.12
H36M_FROM_HOLOSOMA = dict(
    pelvis='Hips', right_hip='RightUpLeg', right_knee='RightLeg', right_ankle='RightFoot',
    left_hip='LeftUpLeg', left_knee='LeftLeg', left_ankle='LeftFoot', spine='Spine1',
    thorax='Neck', neck='Head', head='Head', left_shoulder='LeftArm', left_elbow='LeftForeArm',
    left_wrist='LeftHand', right_shoulder='RightArm', right_elbow='RightForeArm',
    right_wrist='RightHand')


def holosoma_package_dir():
    """The installed ``holosoma_retargeting`` folder (found without importing it).

    Raises:
        FileNotFoundError: with the install command when the wheel is missing.
    """
    spec = importlib.util.find_spec('holosoma_retargeting')
    for root in (spec.submodule_search_locations or []) if spec else []:
        if osp.isdir(osp.join(root, 'demo_data', 'climb')):
            return root
    raise FileNotFoundError('holosoma climbing mocap not found: pip install --no-deps '
                            'holosoma-retargeting==0.1.0 (tools/setup_env.sh does)')


def holosoma_joint_names(package_dir=None):
    """``MOCAP_DEMO_JOINTS`` of the package's ``config_types/data_type.py`` (parsed, not run).

    Raises:
        ValueError: the file has no such list.
    """
    path = osp.join(package_dir or holosoma_package_dir(), 'config_types', 'data_type.py')
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'MOCAP_DEMO_JOINTS'
                                                for t in node.targets):
            return [str(n) for n in ast.literal_eval(node.value)]
    raise ValueError(f'{path}: no MOCAP_DEMO_JOINTS list')


def holosoma_climb_files(package_dir=None):
    """The climbing sequences' joint-position files, sorted by sequence."""
    root = package_dir or holosoma_package_dir()
    return sorted(glob.glob(osp.join(root, 'demo_data', 'climb', 'mocap_climb_seq_*',
                                     '*_joint_positions_*.npy')))


def holosoma_to_h36m17(path, joint_names, fps=30.0, src_fps=HOLOSOMA_FPS):
    """A holosoma joint-position ``.npy`` → H36M-17 world joints (z up, metres) at ``fps``.

    Args:
        path (str): The ``(T, J, 3)`` file.
        joint_names (list[str]): Its ``J`` joint names (:func:`holosoma_joint_names`).
        fps (float): Output rate (a cubic spline through the source frames).
        src_fps (float): The file's rate (120).

    Returns:
        np.ndarray: ``(T', 17, 3)``.

    Raises:
        ValueError: naming the file and what is wrong.
    """
    try:
        pos = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(f'{path}: not a readable .npy ({err})') from None
    if pos.ndim != 3 or pos.shape[1:] != (len(joint_names), 3) or len(pos) < 4:
        raise ValueError(f'{path}: shape {pos.shape}; expected (T >= 4, {len(joint_names)}, 3) '
                         'joint positions in metres')
    if not np.isfinite(pos).all():
        raise ValueError(f'{path}: joint positions contain NaN or inf')
    absent = [n for n in H36M_FROM_HOLOSOMA.values() if n not in joint_names]
    if absent:
        raise ValueError(f'{path}: joints {absent} not among the given joint names')
    pos = pos.astype(np.float64)
    joints = np.stack([pos[:, joint_names.index(H36M_FROM_HOLOSOMA[n])]
                       for n in H36M17.joint_names], 1)
    up = pos[:, joint_names.index('Head')] - pos[:, joint_names.index('Neck')]
    up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-9)
    joints[:, H36M17.index('head')] = pos[:, joint_names.index('Head')] + HEAD_TOP_OFFSET * up
    if abs(src_fps - fps) > 1e-6:
        joints = spline_resample(np.arange(len(joints)) / src_fps, joints, fps)
    return joints
