import numpy as np
import pytest

from finephys.datasets.synthgym import SUBSETS, generate_clip, list_actions
from finephys.datasets.synthgym.noise import KeypointNoise
from finephys.structures import H36M17, estimator_head_from_h36m


def test_catalogue_has_at_least_four_classes_per_subset():
    actions = list_actions()
    assert len(actions) >= 12
    for subset in SUBSETS:
        assert sum(s == subset for s in actions.values()) >= 4


def test_fields_shapes_and_units():
    c = generate_clip('salto forward tucked', 0, num_frames=24, fps=25.0)
    t = 24
    for key, shape in [('keypoints_3d', (t, 17, 3)), ('keypoints_3d_world', (t, 17, 3)),
                       ('keypoints_2d', (t, 17, 2)), ('keypoint_scores', (t, 17)),
                       ('keypoints_2d_clean', (t, 17, 2)), ('contacts', (t, 2)), ('flight', (t,)),
                       ('com', (t, 3)), ('masses', (17,))]:
        assert c[key].shape == shape, key
    assert c['video'] is None and c['fps'] == 25.0 and c['label'] == 25
    assert c['camera']['K'].shape == (t, 3, 3)
    assert (c['keypoints_3d'][..., 2] > 5).all()          # metres in front of the camera
    assert 1.4 < c['stature'] < 1.85
    assert c['description'] != c['text'] and 'salto' in c['description']
    assert ((c['keypoint_scores'] >= 0) & (c['keypoint_scores'] <= 1)).all()


def test_projection_matches_independent_pinhole_computation():
    c = generate_clip('stag jump', 1, num_frames=16, dtype=np.float64)
    world, cam = c['keypoints_3d_world'], c['camera']
    # independent: homogeneous [R|t] then K, per frame
    rt = np.concatenate([cam['R'], cam['t'][:, None]], 1)
    j = H36M17.index
    for i in range(16):
        homog = np.concatenate([world[i], np.ones((17, 1))], 1)
        x_cam = homog @ rt.T
        np.testing.assert_allclose(x_cam, c['keypoints_3d'][i], atol=1e-9)
        # the 2D has the head an estimator sees: the nose tip 10 cm in front of the head's axis
        # at nose level (SynthGym's head nods but never turns: in front is across the
        # shoulders' line and the axis), the mid-ear 3 cm up the axis
        axis = x_cam[j('head')] - x_cam[j('neck')]
        axis /= np.linalg.norm(axis)
        front = np.cross(x_cam[j('left_shoulder')] - x_cam[j('right_shoulder')], axis)
        face = x_cam.copy()
        face[j('neck')] = x_cam[j('neck')] + 0.10 * front / np.linalg.norm(front)
        face[j('head')] = x_cam[j('neck')] + 0.03 * axis
        uvw = face @ cam['K'][i].T
        np.testing.assert_allclose(uvw[:, :2] / uvw[:, 2:], c['keypoints_2d_clean'][i], atol=1e-6)
    # gravity in the camera frame is R (0, 0, -g)
    np.testing.assert_allclose(cam['gravity'], cam['R'] @ [0, 0, -9.80665], atol=1e-9)


def test_tilted_cameras_pitch_and_roll_and_leave_level_clips_alone():
    """``camera_tilt_deg``: a proper rotation (orthonormal, det 1) whose gravity is
    ``R (0, 0, -g)``, pitched and rolled within the range (roll about the optical axis shows as
    gravity's x component); 0 gives exactly the clip generated before the option existed."""
    plain = generate_clip('stag jump', 3, num_frames=16, dtype=np.float64)
    zero = generate_clip('stag jump', 3, num_frames=16, dtype=np.float64, camera_tilt_deg=0.0)
    for key in ('keypoints_3d', 'keypoints_2d', 'keypoint_scores'):
        np.testing.assert_array_equal(plain[key], zero[key])
    rolls, pitches = [], []
    for seed in range(12):
        c = generate_clip('stag jump', seed, num_frames=16, dtype=np.float64,
                          camera_tilt_deg=20.0)
        rot, g = c['camera']['R'], c['camera']['gravity']
        np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(rot) == pytest.approx(1.0)
        np.testing.assert_allclose(g, rot @ [0, 0, -9.80665], atol=1e-9)
        down = g / np.linalg.norm(g)
        rolls.append(np.degrees(np.arctan2(-down[0], down[1])))
        pitches.append(np.degrees(np.arcsin(down[2])))
        # still a pinhole view of the gymnast: in front of the camera, projected as before (the
        # 2D with the estimator's head)
        assert (c['keypoints_3d'][..., 2] > 1).all()
        uvw = np.einsum('tij,tkj->tki', c['camera']['K'],
                        estimator_head_from_h36m(c['keypoints_3d']))
        np.testing.assert_allclose(uvw[..., :2] / uvw[..., 2:], c['keypoints_2d_clean'],
                                   atol=1e-6)
    assert max(np.abs(rolls)) > 5 and max(np.abs(rolls)) <= 20 + 1e-6
    assert max(pitches) > 5 and min(pitches) >= -5 - 1e-6 and max(pitches) <= 20 + 1e-6


def test_same_seed_same_sample_and_different_seed_differs():
    a = generate_clip('switch leap with 0.5 turn', 7, num_frames=16)
    b = generate_clip('switch leap with 0.5 turn', 7, num_frames=16)
    c = generate_clip('switch leap with 0.5 turn', 8, num_frames=16)
    for key in ('keypoints_3d', 'keypoints_2d', 'keypoint_scores'):
        np.testing.assert_array_equal(a[key], b[key])
    assert np.abs(a['keypoints_3d'] - c['keypoints_3d']).max() > 0.01


def test_noise_statistics_match_parameters():
    noise = KeypointNoise(jitter=0.02, dropout=0.1, swap=0.05)
    rng = np.random.default_rng(0)
    clean = rng.uniform(50, 200, size=(4000, 17, 2))
    out = noise.apply(clean, rng)
    keep = ~out['swap_mask']
    ok = ~out['dropout_mask'][keep]
    err = (out['keypoints'][keep] - clean[keep])[ok] / out['sigma'][keep][:, None].repeat(17, 1)[ok][:, None]
    assert err.std() == pytest.approx(1.0, abs=0.02)
    assert abs(err.mean()) < 0.02
    assert out['dropout_mask'].mean() == pytest.approx(0.1, abs=0.01)
    assert out['swap_mask'].mean() == pytest.approx(0.05, abs=0.01)
    lo, hi = noise.dropout_score
    dropped_scores = out['scores'][keep][out['dropout_mask'][keep]]
    assert dropped_scores.min() >= lo and dropped_scores.max() <= hi
    assert out['scores'][keep][~out['dropout_mask'][keep]].min() >= 0.5
    # a swapped frame is the left/right permutation of its joints
    f = np.flatnonzero(out['swap_mask'])[0]
    perm = H36M17.flip_permutation
    unswapped = out['keypoints'][f][perm]
    ok_f = ~out['dropout_mask'][f]
    assert np.abs(unswapped - clean[f])[ok_f].max() < 8 * out['sigma'][f]


@pytest.mark.parametrize('action', list(list_actions()))
def test_every_class_generates_and_renders(action):
    c = generate_clip(action, 0, num_frames=8, render_size=32)
    assert c['video'].shape == (8, 32, 32, 3) and c['video'].dtype == np.uint8
    # the gymnast is drawn: some pixels differ from the empty background at the pelvis
    u, v = np.round(c['keypoints_2d_clean'][:, 0]).astype(int).T
    inside = (u >= 0) & (u < 32) & (v >= 0) & (v < 32)
    assert inside.mean() > 0.9
    assert c['video'].std() > 5


def test_renderer_draws_the_body_where_it_projects():
    c = generate_clip('1 turn on one leg, free leg optional below horizontal', 0, num_frames=4,
                      render_size=96)
    from finephys.datasets.synthgym.render import render_video
    empty = render_video(c['keypoints_3d'] + [0, 0, 1e3], c['camera']['K'], 96,
                         stature=c['stature'], camera=c['camera'])
    diff = np.abs(c['video'].astype(int) - empty.astype(int)).sum(-1) > 30
    u, v = np.round(c['keypoints_2d_clean'][0, H36M17.index('spine')]).astype(int)
    assert diff[0, v - 1:v + 2, u - 1:u + 2].all()
    assert diff[0].mean() < 0.3    # and not everywhere


@pytest.mark.parametrize('kwargs, match', [
    (dict(action='backflip'), 'valid actions'),
    (dict(num_frames=3), 'at least 4'),
    (dict(fps=0), 'positive frame rate'),
    (dict(render_size=-2), 'render_size'),
])
def test_bad_input_gives_one_clear_error(kwargs, match):
    args = dict(action='stag jump', seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        generate_clip(args.pop('action'), args.pop('seed'), **args)
