"""Property-based tests (hypothesis): skeleton conversions, annotation parsers, the heatmap
renderer and the rollouts, checked on generated inputs against closed forms and slow
references."""
import json

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from finephys.datasets.io import load_skeleton_file
from finephys.datasets import parse_gym99_categories
from finephys.models.guidance import MultiScaleHeatmapRenderer
from finephys.models.physics import (finite_difference_acceleration, merge_rollouts,
                                     rollout_backward, rollout_forward)
from finephys.structures import COCO17, H36M17, coco17_to_h36m17
from finephys.structures.skeleton import bone_lengths, flip_keypoints

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64)


def poses(joints=17, dims=2, max_frames=6):
    return st.integers(1, max_frames).flatmap(
        lambda t: arrays(np.float64, (t, joints, dims), elements=finite))


# --- skeleton conversions ------------------------------------------------------------------

@given(poses(), arrays(np.float64, 2, elements=finite), st.floats(0.01, 100))
def test_coco_to_h36m_commutes_with_similarity_transforms(kp, shift, scale):
    out = coco17_to_h36m17(kp)
    np.testing.assert_allclose(coco17_to_h36m17(kp * scale + shift), out * scale + shift,
                               rtol=1e-9, atol=1e-6)


@given(poses(), st.integers(1, 6).flatmap(lambda t: arrays(np.float64, (t, 17),
                                                           elements=st.floats(0, 1))))
def test_coco_to_h36m_joints_and_scores(kp, scores):
    t = min(len(kp), len(scores))
    kp, scores = kp[:t], scores[:t]
    out, s = coco17_to_h36m17(kp, scores)
    c, h = COCO17.index, H36M17.index
    for name in ('left_knee', 'right_ankle', 'left_wrist', 'right_shoulder'):
        np.testing.assert_array_equal(out[:, h(name)], kp[:, c(name)])
        np.testing.assert_array_equal(s[:, h(name)], scores[:, c(name)])
    np.testing.assert_allclose(out[:, h('pelvis')],
                               0.5 * (kp[:, c('left_hip')] + kp[:, c('right_hip')]))
    # a derived joint is never more trusted than the joints it comes from
    assert (s[:, h('spine')] <= np.minimum(scores[:, c('left_hip')],
                                           scores[:, c('left_shoulder')]) + 0).all()


@given(poses(dims=3))
def test_flip_is_an_involution_and_keeps_bone_lengths_as_a_multiset(kp):
    np.testing.assert_array_equal(flip_keypoints(flip_keypoints(kp)), kp)
    np.testing.assert_allclose(np.sort(bone_lengths(flip_keypoints(kp)), -1),
                               np.sort(bone_lengths(kp), -1), rtol=1e-12)


@given(poses(dims=3), st.floats(-np.pi, np.pi), arrays(np.float64, 3, elements=finite))
def test_bone_lengths_are_invariant_to_rigid_motions(kp, angle, shift):
    c, s = np.cos(angle), np.sin(angle)
    r = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    np.testing.assert_allclose(bone_lengths(kp @ r.T + shift), bone_lengths(kp),
                               rtol=1e-9, atol=1e-6)


# --- annotation parsers --------------------------------------------------------------------

category = st.tuples(st.integers(0, 999), st.integers(1, 99), st.integers(1, 99),
                     st.sampled_from(['VT', 'FX', 'BB', 'UB']),
                     st.text('abcdefghij klmnop-,()0123456789', min_size=1, max_size=40)
                     .map(str.strip).filter(bool))


@given(st.lists(category, min_size=1, max_size=20, unique_by=lambda c: c[0]))
def test_gym99_categories_round_trip(tmp_path_factory, cats):
    path = tmp_path_factory.mktemp('cats') / 'gym99_categories.txt'
    path.write_text(''.join(f'Clabel: {c}; set: {s}; Glabel: {g}; ({e}) {t}\n'
                            for c, s, g, e, t in cats))
    parsed = parse_gym99_categories(str(path))
    assert parsed == {c: dict(set=s, glabel=g, event=e, text=t) for c, s, g, e, t in cats}


@given(poses(), st.sampled_from(['npz', 'json']))
def test_skeleton_file_round_trip(tmp_path_factory, kp, ext):
    path = tmp_path_factory.mktemp('skel') / f'clip.{ext}'
    scores = np.linspace(0, 1, kp.size // 2).reshape(kp.shape[:2])
    if ext == 'npz':
        np.savez(path, keypoints=kp, scores=scores, layout='coco17', fps=25.0)
    else:
        path.write_text(json.dumps(dict(keypoints=kp.tolist(), scores=scores.tolist(),
                                        layout='coco17', fps=25.0)))
    out = load_skeleton_file(str(path))
    np.testing.assert_array_equal(out['keypoints'], kp)
    np.testing.assert_array_equal(out['scores'], scores)
    assert out['layout'] == 'coco17' and float(out['fps']) == 25.0


@given(st.binary(max_size=600), st.sampled_from(['npz', 'json', 'pkl']))
def test_skeleton_reader_on_arbitrary_bytes_fails_only_with_a_named_value_error(
        tmp_path_factory, data, ext):
    path = tmp_path_factory.mktemp('fuzz') / f'x.{ext}'
    path.write_bytes(data)
    try:
        load_skeleton_file(str(path))
    except ValueError as err:   # SkeletonFileError: a one-line message naming the file
        assert str(path) in str(err) and '\n' not in str(err)


# --- heatmap renderer ----------------------------------------------------------------------

@given(arrays(np.float64, (1, 2, 3, 2), elements=st.floats(-8, 72)),
       arrays(np.float64, (1, 2, 3), elements=st.floats(0, 1)),
       st.floats(1.0, 8.0))
def test_heatmaps_equal_the_closed_form_gaussian(kp, scores, sigma):
    r = MultiScaleHeatmapRenderer(image_size=(64, 48), strides=(1, 4), sigma=sigma,
                                  min_sigma=0.75, score_thr=0.3, truncate=None)
    maps = r(torch.from_numpy(kp).float(), torch.from_numpy(scores).float())
    for level, stride in zip(maps, (1, 4)):
        s = max(sigma / stride, 0.75) * stride          # image pixels
        xs = (np.arange(64 // stride) + 0.5) * stride
        ys = (np.arange(48 // stride) + 0.5) * stride
        d2 = ((xs[None, None, None, None, :] - kp[..., 0, None, None]) ** 2
              + (ys[None, None, None, :, None] - kp[..., 1, None, None]) ** 2)
        ref = np.exp(-d2 / (2 * s * s))
        ref[scores < 0.3] = 0.0     # masked joints: all-zero maps
        np.testing.assert_allclose(level.numpy(), ref, atol=2e-5)


# --- rollouts -----------------------------------------------------------------------------

rollout_inputs = st.integers(4, 24).flatmap(lambda t: st.tuples(
    arrays(np.float64, (2, 6), elements=st.floats(-10, 10)),
    arrays(np.float64, (t, 6), elements=st.floats(-100, 100)),
    st.floats(1 / 120, 1 / 10)))


@given(rollout_inputs)
def test_parallel_rollout_equals_the_sequential_loop(args):
    seeds, acc, dt = (torch.as_tensor(a) if not isinstance(a, float) else a for a in args)
    for roll in (rollout_forward, rollout_backward):
        fast = roll(seeds[0], seeds[1], acc, dt, 'parallel')
        slow = roll(seeds[0], seeds[1], acc, dt, 'sequential')
        torch.testing.assert_close(fast, slow, rtol=1e-9, atol=1e-7)


@given(rollout_inputs)
def test_finite_differences_invert_the_rollout(args):
    seeds, acc, dt = (torch.as_tensor(a) if not isinstance(a, float) else a for a in args)
    q = rollout_forward(seeds[0], seeds[1], acc, dt)
    assert q.shape == acc.shape
    torch.testing.assert_close(q[:2], seeds)
    torch.testing.assert_close(finite_difference_acceleration(q, dt)[1:-1], acc[1:-1],
                               rtol=1e-6, atol=1e-5)
    # the backward rollout of the same accelerations from the true last frames is the same path
    back = rollout_backward(q[-1], q[-2], finite_difference_acceleration(q, dt), dt)
    torch.testing.assert_close(back, q, rtol=1e-6, atol=1e-5)
    torch.testing.assert_close(merge_rollouts(q, back), q, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize('merge', ['mean', 'seed_distance'])
@given(arrays(np.float64, (5, 3), elements=finite), arrays(np.float64, (5, 3), elements=finite))
def test_merge_is_a_convex_combination_trusting_the_seeds(merge, f, b):
    out = merge_rollouts(torch.as_tensor(f), torch.as_tensor(b), merge).numpy()
    assert ((out >= np.minimum(f, b) - 1e-9) & (out <= np.maximum(f, b) + 1e-9)).all()
    if merge == 'seed_distance':
        np.testing.assert_allclose(out[0], f[0])
        np.testing.assert_allclose(out[-1], b[-1])


@given(arrays(np.float64, (1, 1, 4, 2), elements=st.floats(-8, 72)), st.floats(1.0, 8.0))
def test_truncated_heatmaps_differ_from_the_gaussian_only_in_its_tail(kp, sigma):
    kw = dict(image_size=(64, 48), strides=(1, 4), sigma=sigma, min_sigma=0.75)
    full = MultiScaleHeatmapRenderer(truncate=None, **kw)(torch.from_numpy(kp).float())
    cut = MultiScaleHeatmapRenderer(truncate=3.0, **kw)(torch.from_numpy(kp).float())
    for f, c in zip(full, cut):
        # the window keeps every value above the 3σ tail; outside it the map is exactly 0
        assert ((c - f).abs() <= np.exp(-4.5) + 1e-5).all()
        assert ((c == 0) | ((c - f).abs() <= 1e-5)).all()
