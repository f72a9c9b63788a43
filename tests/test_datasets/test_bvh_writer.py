"""The BVH writer against the project's own BVH reader (an independent forward kinematics)."""
import numpy as np
import pytest
import torch

from finephys.datasets.mocap import bvh_to_h36m17, read_bvh, write_bvh
from finephys.datasets.mocap.bvh_writer import CAMERA_TO_Y_UP
from finephys.models.lifters.estimator_3d_lifter import constant_bone_lengths
from finephys.structures import H36M17, bone_lengths

#: BVH's Y up → the reader's Z up.
Y_UP_TO_Z_UP = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])


def _rigid_clip(action, seed=1, t=40):
    from finephys.datasets.synthgym import generate_clip
    x = generate_clip(action, seed, num_frames=t, render_size=None)['keypoints_3d'].astype(float)
    root = x[:, :1]
    return constant_bone_lengths(torch.tensor(x - root)[None], H36M17.parents)[0].numpy() + root


@pytest.mark.parametrize('action', ['salto backward stretched with 1.5 twist',
                                    'split jump with 1 turn'])
def test_a_rigid_skeleton_round_trips_through_the_reader_to_a_micrometre(tmp_path, action):
    x = _rigid_clip(action)
    info = write_bvh(str(tmp_path / 'a.bvh'), x, 30.0)
    back, fps = bvh_to_h36m17(str(tmp_path / 'a.bvh'), scale=0.01)
    assert fps == pytest.approx(30.0, rel=1e-8)
    np.testing.assert_allclose(back, x @ CAMERA_TO_Y_UP.T @ Y_UP_TO_Z_UP.T, atol=1e-6)
    # the reader's own unit guess gets centimetres right too
    np.testing.assert_allclose(bvh_to_h36m17(str(tmp_path / 'a.bvh'))[0], back, atol=1e-12)
    # rest offsets are the bones' lengths, in centimetres
    np.testing.assert_allclose(sorted(info['bone_lengths'].values()),
                               sorted(bone_lengths(x)[0]), atol=1e-9)
    bvh = read_bvh(str(tmp_path / 'a.bvh'))
    assert bvh['joints'][0]['name'] == 'Hips' and len(bvh['motion']) == 40
    names = {j['name'] for j in bvh['joints']}
    assert {'RightUpLeg', 'LeftForeArm', 'Spine', 'Neck', 'Nose'} <= names


def test_changing_bones_are_written_at_their_median_length(tmp_path):
    """A sequence whose bones stretch (a lifter's raw output) is written with the median length
    of each bone: every joint moves by at most the length changes along its chain."""
    x = _rigid_clip('stag jump')
    rng = np.random.default_rng(0)
    noisy = x + rng.normal(0, 0.01, x.shape)
    write_bvh(str(tmp_path / 'n.bvh'), noisy, 25.0, units_per_metre=1.0, axes='y_up')
    back, fps = bvh_to_h36m17(str(tmp_path / 'n.bvh'), scale=1.0)
    assert fps == pytest.approx(25.0, rel=1e-8)
    bl = bone_lengths(noisy)
    slack = np.abs(bl - np.median(bl, 0)).sum(1)                       # (T,)
    err = np.linalg.norm(back - noisy @ Y_UP_TO_Z_UP.T, axis=-1).max(1)
    assert (err <= slack + 1e-9).all() and err.max() > 1e-3            # not exact, but bounded


def test_bad_input_is_refused(tmp_path):
    x = _rigid_clip('stag jump', t=8)
    with pytest.raises(ValueError, match=r'\(T, 17, 3\)'):
        write_bvh(str(tmp_path / 'b.bvh'), x[:, :16], 30.0)
    x[2, 3] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        write_bvh(str(tmp_path / 'b.bvh'), x, 30.0)
