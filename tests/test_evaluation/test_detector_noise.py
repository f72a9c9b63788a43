"""The 2D noise model's new per-clip offset, and measuring a detector's noise from multi-view
residuals: parameters drawn by KeypointNoise come back out of the fit."""
import os.path as osp
import sys

import numpy as np
import pytest

from finephys.datasets.synthgym import KeypointNoise, generate_clip
from finephys.datasets.synthgym.camera import look_at
from finephys.datasets.synthgym.noise import BLAZEPOSE_NOISE
from finephys.evaluation.detector_noise import fit_keypoint_noise, leave_one_out_residuals
from finephys.structures import H36M17
from finephys.utils.triangulation import projection_matrices
from tests.tool_process import run_command

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _clean_2d(n=24, t=40):
    """Clean 2D of ``n`` SynthGym clips ``(n, t, 17, 2)`` px."""
    return np.stack([generate_clip('stag jump', s, num_frames=t, dtype=np.float64)
                     ['keypoints_2d_clean'] for s in range(n)])


def test_bias_is_a_per_joint_offset_held_over_the_clip():
    clean = _clean_2d(n=1)[0]
    base = dict(jitter=0.02, dropout=0.0, swap=0.0)
    plain = KeypointNoise(**base).apply(clean, np.random.default_rng(7))
    biased = KeypointNoise(**base, bias=0.05).apply(clean, np.random.default_rng(7))
    size = np.max(clean.max(1) - clean.min(1), axis=-1)
    held = (biased['keypoints'] - plain['keypoints']) / size[:, None, None]
    # the same jitter (drawn first), plus one offset per joint for the whole clip
    np.testing.assert_allclose(held, np.broadcast_to(held[:1], held.shape), atol=1e-9)
    assert np.abs(held[0]).max() > 1e-3
    np.testing.assert_array_equal(biased['scores'], plain['scores'])
    # its spread over many clips is `bias`
    rng = np.random.default_rng(0)
    offsets = [((KeypointNoise(jitter=0.0, dropout=0.0, swap=0.0, bias=0.05).apply(clean, rng)
                 ['keypoints'] - clean) / size[:, None, None])[0] for _ in range(200)]
    assert np.std(offsets) == pytest.approx(0.05, rel=0.05)
    with pytest.raises(ValueError, match='bias'):
        KeypointNoise(bias=-0.1)


def _fit(clean, seed, **truth):
    model = KeypointNoise(**truth)
    rng = np.random.default_rng(seed)
    noisy = np.stack([model.apply(c, rng)['keypoints'] for c in clean])
    size = np.max(clean.max(2) - clean.min(2), axis=-1)
    # every clip is a "view" whose reference is exact: the residual is the noise itself
    return fit_keypoint_noise(noisy, clean, size, step=1)


def test_the_fit_recovers_the_noise_models_parameters():
    clean = _clean_2d()
    truth = dict(jitter=0.006, bias=0.04, dropout=0.03, dropout_offset=0.25, swap=0.0)
    fit = _fit(clean, 1, **truth)
    assert fit['jitter'] == pytest.approx(truth['jitter'], rel=0.1)
    assert fit['bias'] == pytest.approx(truth['bias'], rel=0.15)
    assert fit['total'] == pytest.approx(np.hypot(truth['jitter'], truth['bias']), rel=0.15)
    # dropouts beyond 4 total σ (0.16 of the size): P(|offset| > 0.16) = exp(-0.16² / 2·0.25²)
    seen = truth['dropout'] * np.exp(-0.16 ** 2 / (2 * 0.25 ** 2))
    assert fit['dropout'] == pytest.approx(seen, abs=0.005)
    assert fit['dropout_offset'] > 0.16 and fit['swap'] < 0.01
    assert set(fit['per_joint_sigma']) == set(H36M17.joint_names)
    # swapped frames are found (and kept out of the jitter)
    fit = _fit(clean, 2, jitter=0.006, bias=0.02, dropout=0.0, swap=0.1)
    assert fit['swap'] == pytest.approx(0.1, abs=0.03)
    assert fit['jitter'] == pytest.approx(0.006, rel=0.15)


def test_leave_one_out_residuals_of_exact_views_are_zero_and_see_one_views_error():
    """Four cameras around a moving body: exact 2D leaves no residual; an error put into one
    view shows there whole (the other three triangulate the truth), not in the others."""
    world = generate_clip('stag jump', 0, num_frames=10, dtype=np.float64)['keypoints_3d_world']
    centre = world.reshape(-1, 3).mean(0)
    k = np.array([[800.0, 0, 500], [0, 800, 500], [0, 0, 1]])
    cams = []
    for a in np.linspace(0, 2 * np.pi, 4, endpoint=False):
        r, t = look_at(centre + 6 * np.array([np.cos(a), np.sin(a), 0.3]), centre)
        cams.append(dict(K=k, R=r, t=t))
    P = projection_matrices([c['K'] for c in cams], [c['R'] for c in cams],
                            [c['t'] for c in cams])
    x = np.stack([world @ c['R'].T + c['t'] for c in cams])
    kps = (x[..., :2] / x[..., 2:]) * 800 + 500
    scores = np.ones(kps.shape[:-1])
    res, proj, size = leave_one_out_residuals(kps, scores, cams, P)
    np.testing.assert_allclose(res, 0, atol=1e-6)
    np.testing.assert_allclose(proj, kps, atol=1e-6)
    assert (size > 50).all()
    moved = kps.copy()
    moved[2, :, 5] += [7.0, -3.0]
    res, _, _ = leave_one_out_residuals(moved, scores, cams, P)
    np.testing.assert_allclose(res[2, :, 5], np.broadcast_to([7.0, -3.0], (10, 2)), atol=1e-6)
    assert np.abs(res[[0, 1, 3]][:, :, 5]).max() > 0.1       # it moved the others' reference
    np.testing.assert_allclose(np.delete(res[2], 5, axis=1), 0, atol=1e-6)


def test_the_blazepose_config_uses_the_measured_noise():
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, 'configs/finephys-structured/finephys-skeleton-'
                                   'structured_stage1_synthgym-realmotion_tcn-lifter_'
                                   'blazepose-noise.py'))
    assert cfg.train_dataloader.dataset.datasets[0].noise == BLAZEPOSE_NOISE
    KeypointNoise(**BLAZEPOSE_NOISE)                        # valid parameters


def test_measure_2d_noise_rejects_bad_arguments(tmp_path):
    r = run_command([sys.executable, 'tools/analysis_tools/measure_2d_noise.py', '--step', '0',
                     '--out', str(tmp_path / 'r.json')], cwd=ROOT)
    assert r.returncode == 2 and '--step 0' in r.stderr and 'Traceback' not in r.stderr
