import json
import os
import os.path as osp
import sys

import numpy as np
import pytest

from finephys.datasets import Pose3DNpzDataset
from finephys.datasets.mocap import (build_realmotion_clips, contact_labels,
                                     deepmimic_forward_kinematics, deepmimic_to_h36m17,
                                     read_deepmimic_motion, resample_motion)
from finephys.datasets.mocap.deepmimic import FRAME_SIZE, URDF_SCALE
from finephys.structures import H36M17

from tests.tool_process import run_command


def _frame(duration=0.5, root=(0.0, 0.9, 0.0), knee=0.0, elbow=0.0):
    ident = [1.0, 0.0, 0.0, 0.0]
    f = [duration, *root, *ident]
    for name, kind in (('chest', 4), ('neck', 4), ('right_hip', 4), ('right_knee', 1),
                       ('right_ankle', 4), ('right_shoulder', 4), ('right_elbow', 1),
                       ('left_hip', 4), ('left_knee', 1), ('left_ankle', 4),
                       ('left_shoulder', 4), ('left_elbow', 1)):
        f += ident if kind == 4 else [knee if 'knee' in name else elbow]
    assert len(f) == FRAME_SIZE
    return f


def test_forward_kinematics_against_hand_computed_poses(tmp_path):
    path = tmp_path / 'motion.txt'
    path.write_text(json.dumps(dict(Loop='none', Frames=[_frame(), _frame(knee=-np.pi / 2)])))
    motion = read_deepmimic_motion(str(path))
    np.testing.assert_allclose(motion['times'], [0.0, 0.5])
    pos = deepmimic_forward_kinematics(motion)
    s = URDF_SCALE
    # identity pose: offsets add up (y up, z right)
    np.testing.assert_allclose(pos['right_hip'][0], [0, 0.9, 0.339548 * s])
    np.testing.assert_allclose(pos['right_knee'][0], [0, 0.9 - 1.686184 * s, 0.339548 * s])
    np.testing.assert_allclose(pos['right_ankle'][0],
                               [0, 0.9 - (1.686184 + 1.639480) * s, 0.339548 * s])
    np.testing.assert_allclose(pos['left_wrist'][0],
                               [-0.0962 * s, 0.9 + (0.944604 + 0.974 - 1.099152 - 1.035788) * s,
                                -0.73244 * s])
    # knee −90° about z: the shank (0, −l, 0) turns to (−l, 0, 0) (R_z(−90°) (0, −1) = (−1, 0))
    np.testing.assert_allclose(pos['right_ankle'][1] - pos['right_knee'][1],
                               [-1.639480 * s, 0, 0], atol=1e-12)
    # H36M-17, z up: (x, y, z)_deepmimic → (x, −z, y)
    joints = deepmimic_to_h36m17(str(path), fps=4.0, interpolation="slerp")
    assert joints.shape == (3, 17, 3)
    np.testing.assert_allclose(joints[0, H36M17.index('right_hip')], [0, -0.339548 * s, 0.9])
    # resampling: the middle frame has the knee at −45°
    mid = resample_motion(motion, 4.0)
    np.testing.assert_allclose(mid['joints']['right_knee'][1], -np.pi / 4)


def test_bad_deepmimic_files(tmp_path):
    bad = tmp_path / 'bad.txt'
    bad.write_text('{"Frames": [[1, 2, 3]]}')
    with pytest.raises(ValueError, match='bad.txt.*44 numbers'):
        read_deepmimic_motion(str(bad))
    (tmp_path / 'junk.txt').write_text('not json')
    with pytest.raises(ValueError, match='not a readable'):
        read_deepmimic_motion(str(tmp_path / 'junk.txt'))


def _jump(num=60, fps=30.0):
    """A stick body standing, then a ballistic hop, then standing (z up)."""
    t = np.arange(num) / fps
    body = np.zeros((17, 3))
    for name, (x, y, z) in dict(pelvis=(0, 0, 0.9), right_hip=(0, -0.1, 0.9),
                                right_knee=(0, -0.1, 0.5), right_ankle=(0, -0.1, 0.08),
                                left_hip=(0, 0.1, 0.9), left_knee=(0, 0.1, 0.5),
                                left_ankle=(0, 0.1, 0.08), spine=(0, 0, 1.15),
                                thorax=(0, 0, 1.4), neck=(0, 0, 1.5), head=(0, 0, 1.65),
                                left_shoulder=(0, 0.18, 1.4), left_elbow=(0, 0.2, 1.1),
                                left_wrist=(0, 0.2, 0.85), right_shoulder=(0, -0.18, 1.4),
                                right_elbow=(0, -0.2, 1.1), right_wrist=(0, -0.2, 0.85)).items():
        body[H36M17.index(name)] = (x, y, z)
    lift = np.where((t > 0.6) & (t < 1.2), 3.0 * (t - 0.6) - 4.9 * (t - 0.6) ** 2, 0.0)
    return body[None] + np.stack([0 * t, 0 * t, np.clip(lift, 0, None)], -1)[:, None]


def test_realmotion_clips_round_trip_through_the_npz_dataset(tmp_path):
    world = _jump()
    contacts, flight = contact_labels(world)
    assert contacts.shape == (60, 4) and flight[27] and not flight[5]
    arrays = build_realmotion_clips({'hop': (world, 30.0)}, num_frames=32, stride=16, views=2)
    n = len(arrays['names'])
    assert arrays['keypoints_3d'].shape == (n, 32, 17, 3) and arrays['flight'].shape == (n, 32)
    path = tmp_path / 'real.npz'
    np.savez(path, **arrays)
    ds = Pose3DNpzDataset(ann_file=str(path), test_mode=True)
    item = ds.get_data_info(0)
    np.testing.assert_array_equal(item['flight'], arrays['flight'][0])
    np.testing.assert_allclose(item['masses'].sum(), 50.0, rtol=1e-5)
    assert item['contacts'].shape == (32, 4) and item['name'] == 'hop'
    # the camera frame is a rigid transform of the world: gravity has norm g
    np.testing.assert_allclose(np.linalg.norm(arrays['gravity'], axis=-1), 9.80665, rtol=1e-5)


def test_generate_realmotion_tool(tmp_path, repo_root):
    from tests.test_datasets.test_mocap.test_bvh import _cmu_bvh
    bvh = tmp_path / 'stand.bvh'
    text = _cmu_bvh().replace('Frames: 3', 'Frames: 40')
    line = text.strip().splitlines()[-1]
    bvh.write_text(text + (line + '\n') * 37)
    out = tmp_path / 'real.npz'
    env = dict(os.environ, PYTHONPATH=repo_root)
    r = run_command([sys.executable, 'tools/dataset_converters/generate_realmotion.py',
                     '--out', str(out), '--deepmimic', '--bvh', str(bvh), '--views', '1'],
                    cwd=repo_root, env=env)
    assert r.returncode == 0, r.stderr
    assert np.load(out)['keypoints_3d'].shape[1:] == (32, 17, 3)
    r = run_command([sys.executable, 'tools/dataset_converters/generate_realmotion.py',
                     '--out', str(out), '--deepmimic', '--bvh', str(tmp_path / 'nope.bvh')],
                    cwd=repo_root, env=env)
    assert r.returncode == 2 and 'nope.bvh' in r.stderr and 'Traceback' not in r.stderr


def test_installed_deepmimic_motions_are_plausible():
    pytest.importorskip('pybullet_data')
    from finephys.datasets.mocap import deepmimic_motion_dir
    joints = deepmimic_to_h36m17(osp.join(deepmimic_motion_dir(), 'humanoid3d_jump.txt'))
    from finephys.evaluation.functional import bone_length_drift
    assert bone_length_drift(joints) < 2e-3                # rigid at keyframes, spline between
    slerp = deepmimic_to_h36m17(osp.join(deepmimic_motion_dir(), "humanoid3d_jump.txt"),
                                interpolation="slerp")
    assert bone_length_drift(slerp) < 1e-6                 # rigid rig
    height = joints[0, H36M17.index('head'), 2] - joints[0, H36M17.index('left_ankle'), 2]
    assert 1.3 < height < 1.9
    contacts, flight = contact_labels(joints)
    assert flight.sum() >= 5                               # the jump leaves the floor
