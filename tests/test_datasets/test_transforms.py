import numpy as np
import pytest
import torch

from finephys.datasets.synthgym import generate_clip, project
from finephys.datasets.transforms import (NormalizeKeypoints2D, PackSkeletonInputs,
                                          RandomFlipSkeleton, RootRelative3D, SampleFrames)
from finephys.registry import TRANSFORMS
from finephys.structures import H36M17, estimator_head_from_h36m


@pytest.fixture(scope='module')
def clip():
    return generate_clip('split jump with 1 turn', 0, num_frames=20, dtype=np.float64,
                         render_size=32)


def test_sample_frames_cuts_every_per_frame_field_consistently(clip):
    out = SampleFrames(clip_len=8, stride=2, random=False)(dict(clip))
    inds = out['frame_inds']
    assert len(inds) == 8 and np.all(np.diff(inds) == 2)
    np.testing.assert_array_equal(out['keypoints_3d'], clip['keypoints_3d'][inds])
    np.testing.assert_array_equal(out['camera']['K'], clip['camera']['K'][inds])
    np.testing.assert_array_equal(out['video'], clip['video'][inds])
    assert out['fps'] == clip['fps'] / 2
    with pytest.raises(ValueError, match='shorter'):
        SampleFrames(clip_len=30)(dict(clip))


def test_camera_normalisation_inverts_the_intrinsics(clip):
    out = NormalizeKeypoints2D('camera')(dict(clip))
    x = estimator_head_from_h36m(clip['keypoints_3d'])      # the 2D's head is the estimator's
    # clean 2D normalised equals x/z, y/z exactly
    clean = NormalizeKeypoints2D('camera')(dict(clip, keypoints_2d=clip['keypoints_2d_clean']))
    np.testing.assert_allclose(clean['keypoints_2d_norm'], x[..., :2] / x[..., 2:], atol=1e-5)
    assert out['keypoints_2d_norm'].shape == (20, 17, 2)


def test_flip_keeps_projection_and_world_relation_exact(clip):
    flip = RandomFlipSkeleton(prob=1.0)
    out = flip(RootRelative3D()(dict(clip)))
    cam = out['camera']
    # projection of the flipped 3D with the flipped camera gives the flipped clean 2D (the
    # estimator's head of the mirrored body is the mirrored estimator's head)
    np.testing.assert_allclose(project(estimator_head_from_h36m(out['keypoints_3d']), cam['K']),
                               out['keypoints_2d_clean'], atol=1e-6)
    np.testing.assert_allclose(out['keypoints_3d_world'] @ cam['R'].T + cam['t'],
                               out['keypoints_3d'], atol=1e-9)
    # left and right are exchanged: the flipped left ankle is the mirrored right ankle
    la, ra = H36M17.index('left_ankle'), H36M17.index('right_ankle')
    np.testing.assert_allclose(out['keypoints_3d'][:, la, 0], -clip['keypoints_3d'][:, ra, 0])
    np.testing.assert_array_equal(out['contacts'], clip['contacts'][:, ::-1])
    np.testing.assert_array_equal(out['video'], clip['video'][:, :, ::-1])
    np.testing.assert_allclose(out['root_trajectory'][:, 0], -clip['keypoints_3d'][:, 0, 0])
    # flipping twice restores everything
    twice = flip(dict(out))
    np.testing.assert_allclose(twice['keypoints_3d'], clip['keypoints_3d'])
    np.testing.assert_allclose(twice['camera']['K'], clip['camera']['K'])


def test_pack_makes_tensors_and_names_missing_inputs(clip):
    pipeline = [TRANSFORMS.build(dict(type=t)) for t in
                ('NormalizeKeypoints2D', 'RootRelative3D', 'PackSkeletonInputs')]
    out = dict(clip)
    for t in pipeline:
        out = t(out)
    assert out['inputs']['keypoints_2d_norm'].dtype == torch.float32
    assert out['data_samples']['keypoints_3d'].shape == (20, 17, 3)
    assert out['data_samples']['camera_K'].shape == (20, 3, 3)
    with pytest.raises(KeyError, match='keypoints_2d_norm'):
        PackSkeletonInputs()(dict(clip))


def test_simulate_missing_frames_blanks_and_fills_as_inference_does(clip):
    from finephys.utils.keypoint_gaps import fill_missing_keypoints
    t = TRANSFORMS.build(dict(type='SimulateMissingFrames', gap=(3, 5), num_gaps=2, seed=7))
    base = dict(keypoints_2d=clip['keypoints_2d'].copy(),
                keypoint_scores=clip['keypoint_scores'].copy(), sample_idx=3)
    out = t.transform(dict(base))
    again = t.transform(dict(base))                       # deterministic per clip
    np.testing.assert_array_equal(out['missing_frames'], again['missing_frames'])
    other = t.transform(dict(base, sample_idx=4))['missing_frames']
    m = out['missing_frames']
    assert 3 <= m.sum() <= 10 and not m[0] and not m[-1]
    assert not np.array_equal(m, other)
    assert (out['keypoint_scores'][m] == 0).all()
    assert (out['keypoint_scores'][~m] == clip['keypoint_scores'][~m]).all()
    scores = clip['keypoint_scores'].astype(float).copy()
    scores[m] = 0
    expect, _, _ = fill_missing_keypoints(clip['keypoints_2d'], scores)
    np.testing.assert_allclose(out['keypoints_2d'], expect, rtol=1e-6, atol=1e-4)
    none = TRANSFORMS.build(dict(type='SimulateMissingFrames', prob=0.0, seed=0))
    assert not none.transform(dict(base))['missing_frames'].any()
    with pytest.raises(ValueError, match='gap=0'):
        TRANSFORMS.build(dict(type='SimulateMissingFrames', gap=0))


def test_complete_contact_labels_adds_the_hands_never_in_contact():
    from finephys.datasets.transforms import CompleteContactLabels
    feet = np.array([[1, 0], [0, 0], [1, 1]], bool)
    out = CompleteContactLabels()(dict(contacts=feet))['contacts']
    np.testing.assert_array_equal(out, np.concatenate([feet, np.zeros_like(feet)], 1))
    four = np.eye(4, dtype=bool)
    np.testing.assert_array_equal(CompleteContactLabels()(dict(contacts=four))['contacts'], four)
    assert 'contacts' not in CompleteContactLabels()(dict(fps=30.0))
    with pytest.raises(ValueError, match=r'contacts of shape \(3, 3\)'):
        CompleteContactLabels()(dict(contacts=np.zeros((3, 3), bool)))
