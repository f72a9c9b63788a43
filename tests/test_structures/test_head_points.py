import warnings

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from finephys.datasets.synthgym.body import BodyModel
from finephys.datasets.synthgym.kinematics import pose_from_angles, rot_x, rot_y
from finephys.structures import (EAR_ABOVE_NOSE, H36M17, NOSE_FORWARD, VERTEX_ABOVE_NOSE,
                                 estimator_head_from_h36m, h36m_head_from_estimator,
                                 torso_facing)

J = H36M17.index


def _posed(seed, n=12):
    """SynthGym poses (trunk lean and roll, a nod) in random rigid frames, with the head's own
    frame computed independently from the kinematics' rotations: ``(joints, head_forward,
    head_up)``."""
    rng = np.random.default_rng(seed)
    body = BodyModel.sample(rng)
    joints, fwd, up = [], [], []
    for _ in range(n):
        a = dict(trunk_pitch=rng.uniform(-1.2, 1.2), trunk_roll=rng.uniform(-0.4, 0.4),
                 neck_pitch=rng.uniform(-0.6, 0.8))
        x = pose_from_angles(body, **a)
        r_neck = rot_y(a['trunk_pitch']) @ rot_x(-a['trunk_roll']) @ rot_y(a['neck_pitch'])
        world = Rotation.random(random_state=rng).as_matrix()
        t = rng.normal(size=3) * 3
        joints.append(x @ world.T + t)
        fwd.append(world @ r_neck @ [1.0, 0.0, 0.0])
        up.append(world @ r_neck @ [0.0, 0.0, 1.0])
    return np.stack(joints), np.stack(fwd), np.stack(up)


def test_estimator_head_is_the_face_of_the_kinematic_head():
    joints, fwd, up = _posed(0)
    out = estimator_head_from_h36m(joints)
    neck = joints[:, J('neck')]
    np.testing.assert_allclose(out[:, J('neck')], neck + NOSE_FORWARD * fwd, atol=1e-12)
    np.testing.assert_allclose(out[:, J('head')], neck + EAR_ABOVE_NOSE * up, atol=1e-12)
    others = [j for j in range(17) if j not in (J('neck'), J('head'))]
    np.testing.assert_array_equal(out[:, others], joints[:, others])
    # the torso faces the way the kinematics' trunk does (x forward, y left, z up)
    assert (np.einsum('nc,nc->n', torso_facing(joints), fwd) > 0).all()
    # the input is not modified
    assert not np.array_equal(out[:, J('neck')], joints[:, J('neck')])


def test_round_trips():
    joints, fwd, up = _posed(1)
    face = estimator_head_from_h36m(joints)
    axis = h36m_head_from_estimator(face)
    # the axis point at nose level comes back exactly; the vertex on the same axis, at the
    # standard height
    np.testing.assert_allclose(axis[:, J('neck')], joints[:, J('neck')], atol=1e-12)
    np.testing.assert_allclose(axis[:, J('head')],
                               joints[:, J('neck')] + VERTEX_ABOVE_NOSE * up, atol=1e-12)
    np.testing.assert_allclose(estimator_head_from_h36m(axis), face, atol=1e-12)


def test_commutes_with_rigid_motion_and_batches():
    joints, _, _ = _posed(2, n=6)
    r = Rotation.from_euler('xyz', [0.3, -1.1, 2.0]).as_matrix()
    t = np.array([0.5, -2.0, 4.0])
    moved = estimator_head_from_h36m(joints @ r.T + t)
    np.testing.assert_allclose(moved, estimator_head_from_h36m(joints) @ r.T + t, atol=1e-12)
    batched = estimator_head_from_h36m(joints.reshape(2, 3, 17, 3))
    np.testing.assert_allclose(batched.reshape(6, 17, 3), estimator_head_from_h36m(joints))
    back = h36m_head_from_estimator(moved)
    np.testing.assert_allclose(back, h36m_head_from_estimator(
        estimator_head_from_h36m(joints)) @ r.T + t, atol=1e-12)


def test_nan_frames_stay_nan_quietly_and_shapes_are_checked():
    joints, _, _ = _posed(3, n=4)
    joints[1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        out = estimator_head_from_h36m(joints)
        back = h36m_head_from_estimator(out)
    assert np.isnan(out[1]).all() and np.isnan(back[1]).all()
    assert np.isfinite(out[[0, 2, 3]]).all() and np.isfinite(back[[0, 2, 3]]).all()
    with pytest.raises(ValueError, match=r'\(\.\.\., 17, 3\)'):
        estimator_head_from_h36m(np.zeros((4, 17, 2)))
    with pytest.raises(ValueError, match=r'\(\.\.\., 17, 3\)'):
        h36m_head_from_estimator(np.zeros((4, 16, 3)))


def test_tensors_match_arrays_and_keep_finite_gradients():
    torch = pytest.importorskip('torch')
    joints, _, _ = _posed(4, n=5)
    # a degenerate frame: head axis of zero length (falls back to the trunk's up)
    joints[2, J('head')] = joints[2, J('neck')]
    x = torch.tensor(joints, requires_grad=True)
    face = estimator_head_from_h36m(x)
    np.testing.assert_allclose(face.detach().numpy(), estimator_head_from_h36m(joints),
                               atol=1e-12)
    back = h36m_head_from_estimator(face)
    np.testing.assert_allclose(back.detach().numpy(),
                               h36m_head_from_estimator(estimator_head_from_h36m(joints)),
                               atol=1e-12)
    back.sum().backward()
    assert torch.isfinite(x.grad).all()
    assert np.isfinite(face.detach().numpy()).all()
