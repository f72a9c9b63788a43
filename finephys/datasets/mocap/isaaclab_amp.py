"""Isaac Lab's AMP humanoid reference motions (retargeted mocap) as H36M-17 joint positions.

Source: ``pip install --no-deps isaaclab==2.3.2.post1`` (BSD-3-Clause; ``tools/setup_env.sh``
does), ``isaaclab/source/isaaclab_tasks/isaaclab_tasks/direct/humanoid_amp/motions/
humanoid_{dance,run,walk}.npz``. Layout (the folder's README.md): ``fps`` (), ``body_names``
(B,), ``body_positions`` (N, B, 3) world metres (z up), ``body_rotations`` (N, B, 4) ``wxyz``
quaternions, plus DOF positions and velocities (unused). The shipped files say 60 fps but
hold 30 fps motions with every frame written twice (every other step is exactly zero for all
bodies): such doubled frames are dropped and the rate halved before resampling, so a spline
never sees the staircase.

The rig is the MuJoCo version of DeepMimic's humanoid (:mod:`.deepmimic`), so H36M-17 comes out
the same way (documented mapping; body origins are the joints):

=========================  ==============================================================
H36M-17 joint              AMP humanoid point
=========================  ==============================================================
pelvis                     ``pelvis`` origin
left/right_hip, knee,      ``*_thigh``, ``*_shin``, ``*_foot`` origins
ankle
spine                      ``torso`` origin (the chest joint)
thorax                     ``head`` origin (the neck joint, base of the neck)
neck (nose level)          ``head`` origin + 0.0875 m along the head's local z
head (top)                 ``head`` origin + 0.2775 m along the head's local z (sphere centre
                           0.175 m + radius 0.1025 m; DeepMimic's 0.70 and 0.41 × 0.25)
shoulder, elbow, wrist     ``*_upper_arm``, ``*_lower_arm``, ``*_hand`` origins
=========================  ==============================================================
"""
import importlib.util
import os.path as osp
import zipfile

import numpy as np

from finephys.structures import H36M17
from .resampling import spline_resample
from .rotations import quaternion_to_matrix

#: Motions shipped in the wheel (name → file stem).
ISAACLAB_AMP_MOTIONS = ('dance', 'run', 'walk')
MOTIONS_SUBDIR = osp.join('source', 'isaaclab_tasks', 'isaaclab_tasks', 'direct', 'humanoid_amp',
                          'motions')
#: Head points along the head body's local z axis, metres (DeepMimic's neck link × 0.25).
NOSE_OFFSET = 0.0875
HEAD_TOP_OFFSET = 0.2775
H36M_FROM_AMP_BODY = dict(
    pelvis='pelvis', right_hip='right_thigh', right_knee='right_shin', right_ankle='right_foot',
    left_hip='left_thigh', left_knee='left_shin', left_ankle='left_foot', spine='torso',
    thorax='head', left_shoulder='left_upper_arm', left_elbow='left_lower_arm',
    left_wrist='left_hand', right_shoulder='right_upper_arm', right_elbow='right_lower_arm',
    right_wrist='right_hand')


def isaaclab_amp_motion_dir():
    """The AMP motions folder of the installed ``isaaclab`` wheel (found without importing it:
    Isaac Lab's own imports need Isaac Sim).

    Raises:
        FileNotFoundError: with the install command when the wheel is missing.
    """
    spec = importlib.util.find_spec('isaaclab')
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = osp.join(root, MOTIONS_SUBDIR)
        if osp.isdir(path):
            return path
    raise FileNotFoundError('Isaac Lab AMP motions not found: pip install --no-deps '
                            'isaaclab==2.3.2.post1 (tools/setup_env.sh does)')


def read_isaaclab_amp(path, fps=30.0):
    """An AMP motion ``.npz`` → H36M-17 world joints (z up, metres) at ``fps``.

    Args:
        path (str): The motion file.
        fps (float): Output frame rate (a cubic spline through the source frames).

    Returns:
        np.ndarray: ``(T, 17, 3)``.

    Raises:
        ValueError: naming the file and the missing or malformed array.
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f'{path}: not a readable Isaac Lab AMP motion ({err})') from None
    missing = [k for k in ('fps', 'body_names', 'body_positions', 'body_rotations')
               if k not in data]
    if missing:
        raise ValueError(f'{path}: missing arrays {missing} (an Isaac Lab AMP motion has fps, '
                         'body_names, body_positions, body_rotations)')
    names = [str(n) for n in data['body_names']]
    pos, rot = data['body_positions'].astype(np.float64), data['body_rotations'].astype(np.float64)
    b = len(names)
    if pos.ndim != 3 or pos.shape[1:] != (b, 3) or rot.shape != pos.shape[:2] + (4,) or \
            len(pos) < 4:
        raise ValueError(f'{path}: body_positions {pos.shape} / body_rotations {rot.shape}: '
                         f'expected (N >= 4, {b}, 3) / (N, {b}, 4)')
    need = sorted(set(H36M_FROM_AMP_BODY.values()))
    absent = [n for n in need if n not in names]
    if absent:
        raise ValueError(f'{path}: bodies {absent} not in body_names {names}')
    if not (np.isfinite(pos).all() and np.isfinite(rot).all()):
        raise ValueError(f'{path}: body_positions / body_rotations contain NaN or inf')
    src_fps = float(data['fps'])
    if not src_fps > 0:
        raise ValueError(f'{path}: fps={src_fps}; expected > 0')
    step = np.abs(np.diff(pos, axis=0)).max(axis=(1, 2))           # (N - 1,)
    repeated = step < 1e-7
    if repeated[0::2].all() and not repeated[1::2].any():
        # frames written twice: keep one of each pair, at half the stated rate
        pos, rot, src_fps = pos[0::2], rot[0::2], src_fps / 2
    joints = np.zeros((len(pos), H36M17.num_joints, 3))
    for h36m, body in H36M_FROM_AMP_BODY.items():
        joints[:, H36M17.index(h36m)] = pos[:, names.index(body)]
    head = names.index('head')
    up = quaternion_to_matrix(rot[:, head])[:, :, 2]      # the head's local z in the world
    joints[:, H36M17.index('neck')] = pos[:, head] + NOSE_OFFSET * up
    joints[:, H36M17.index('head')] = pos[:, head] + HEAD_TOP_OFFSET * up
    if abs(src_fps - fps) > 1e-6:
        joints = spline_resample(np.arange(len(joints)) / src_fps, joints, fps)
    return joints
