"""ReferencePoseMetric: predicted sequences against a reference carried by each sample (real
video vs multi-view triangulation), against closed forms."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from finephys.evaluation.metrics import ReferencePoseMetric
from finephys.registry import METRICS


def _reference(t=12, seed=0):
    rng = np.random.default_rng(seed)
    pose = rng.normal(0, 0.3, (17, 3))
    # a rigid body moving along a parabola: bone lengths constant
    shift = np.stack([np.linspace(0, 1, t), 0.5 * np.linspace(-1, 1, t) ** 2, np.full(t, 5.0)], -1)
    return pose[None] + shift[:, None]


def test_errors_match_closed_forms():
    ref = _reference()
    offset = np.array([0.03, -0.04, 0.0])                       # 50 mm, whole body
    similar = 1.3 * ref @ Rotation.from_euler('y', 20, degrees=True).as_matrix().T
    metric = METRICS.build(dict(type='ReferencePoseMetric', sources=('shifted', 'similar')))
    metric.process(None, [dict(clip='a', reference_keypoints_3d=ref, pred_shifted=ref + offset,
                               pred_similar=similar, scalars={'2d_px': 4.0})])
    out = metric.evaluate(1)
    assert out['reference/shifted/mpjpe'] == pytest.approx(0, abs=1e-9)   # pelvis-aligned
    assert out['reference/shifted/root'] == pytest.approx(50.0)
    assert out['reference/shifted/accel'] == pytest.approx(0, abs=1e-9)
    assert out['reference/shifted/bone_cv'] == pytest.approx(0, abs=1e-9)  # rigid
    assert out['reference/similar/p_mpjpe'] == pytest.approx(0, abs=1e-6)  # per-frame similarity
    assert out['reference/similar/mpjpe'] > 10
    assert out['reference/2d_px'] == 4.0
    assert set(metric.per_clip) == {'a'} and metric.per_clip['a']['shifted']['frames'] == 12


def test_acceleration_error_uses_the_whole_triples_around_a_gap():
    """A gap in the reference leaves out only the second differences that need its frame
    (checked against a slow loop); a reference without three whole frames in a row has none."""
    from finephys.evaluation.functional import reference_pose_errors
    ref = _reference(t=10)
    pred = ref.copy()
    pred[:, 7] += 0.002 * np.arange(10)[:, None] ** 2 * np.array([1.0, 0, 0])   # accelerating
    pred[4, 9] += [0.0, 0.05, 0.0]                                             # a jitter
    gappy = ref.copy()
    gappy[6, 3] = np.nan
    rel = lambda x: x - x[:, :1]                                               # noqa: E731
    p, r = rel(pred), rel(gappy)
    slow = [np.linalg.norm((p[t + 1] - 2 * p[t] + p[t - 1]) - (r[t + 1] - 2 * r[t] + r[t - 1]),
                           axis=-1).mean() for t in range(1, 9) if t not in (5, 6, 7)]
    assert reference_pose_errors(pred, gappy)['accel'] == pytest.approx(1e3 * np.mean(slow))
    sparse = ref.copy()
    sparse[1::2, 0] = np.nan
    assert np.isnan(reference_pose_errors(pred, sparse)['accel'])


def test_gaps_in_the_reference_and_the_mean_over_clips():
    ref = _reference()
    pred = ref.copy()
    pred[:, 5] += [0.0, 0.1, 0.0]                               # one joint 100 mm off
    gappy = ref.copy()
    gappy[3, 2] = np.nan                                         # a joint no view saw
    metric = ReferencePoseMetric(sources=('fused',))
    metric.process(None, [dict(reference_keypoints_3d=ref, pred_fused=pred),
                          dict(reference_keypoints_3d=gappy, pred_fused=pred,
                               scalars={'2d_px': 2.0})])
    flat = metric.compute_metrics(metric.results)
    per_clip = list(metric.per_clip.values())
    assert per_clip[0]['fused']['mpjpe'] == pytest.approx(100 / 17)
    assert per_clip[1]['fused']['frames'] == 11                 # the gappy frame left out
    assert per_clip[1]['fused']['accel'] == pytest.approx(0, abs=1e-9)
    assert per_clip[0]['fused']['accel'] == pytest.approx(0, abs=1e-9)
    assert flat['fused/accel'] == pytest.approx(0, abs=1e-9)
    assert flat['fused/mpjpe'] == pytest.approx(100 / 17)
    assert flat['2d_px'] == 2.0                                  # clip 1 has no scalar: NaN


def test_bone_variation_is_measured_on_the_body_when_given():
    """``body_<source>``: the points compared with the reference may not be the skeleton's
    joints (the estimator's head of an axis-head body); the bones are the body's."""
    ref = _reference()
    t = len(ref)
    wobbly = ref.copy()
    wobbly[:, 10] += np.stack([0.05 * np.sin(np.arange(t)), np.zeros(t), np.zeros(t)], -1)
    metric = METRICS.build(dict(type='ReferencePoseMetric', sources=('with_body', 'plain')))
    metric.process(None, [dict(clip='a', reference_keypoints_3d=ref, pred_with_body=wobbly,
                               body_with_body=ref, pred_plain=wobbly)])
    out = metric.evaluate(1)
    assert out['reference/with_body/bone_cv'] == pytest.approx(0, abs=1e-9)
    # independent: std / mean of the head bone (10 → 9) over the clip, averaged over 16 bones
    bone = np.linalg.norm(wobbly[:, 10] - wobbly[:, 9], axis=-1)
    expect = 100 * (bone.std() / bone.mean()) / 16
    assert out['reference/plain/bone_cv'] == pytest.approx(expect, rel=1e-6)
    # the positions are scored from pred either way
    assert out['reference/with_body/p_mpjpe'] == pytest.approx(out['reference/plain/p_mpjpe'])


def test_a_still_skeleton_scores_the_references_own_acceleration():
    """``still_pose_errors``: the reference's median pose held still at its pelvis. Its
    acceleration error is the mean norm of the reference's own pelvis-relative second
    differences (computed here in a loop, frames with a NaN neighbour left out); a reference
    that does not change pose scores 0 in every column."""
    from finephys.evaluation.functional import still_pose_errors
    rng = np.random.default_rng(3)
    ref = _reference(t=20) + rng.normal(0, 0.01, (20, 17, 3))      # a noisy triangulation
    ref[7] = np.nan                                                  # a frame without views
    out = still_pose_errors(ref)
    norms = []
    for t in range(1, 19):
        if np.isnan(ref[t - 1:t + 2]).any():
            continue
        rel = ref[t - 1:t + 2] - ref[t - 1:t + 2, :1]
        norms += list(np.linalg.norm(rel[2] - 2 * rel[1] + rel[0], axis=-1))
    assert out['accel'] == pytest.approx(1e3 * np.mean(norms), rel=1e-9)
    assert out['root'] == pytest.approx(0, abs=1e-9) and out['frames'] == 19
    rigid = still_pose_errors(_reference(t=20))
    for key in ('mpjpe', 'p_mpjpe', 'accel', 'bone_cv'):
        assert rigid[key] == pytest.approx(0, abs=1e-6)
