"""Pose2Sim's filtering of a triangulated reference: Hampel outlier rejection, then a zero-phase
Butterworth low-pass per stretch without gaps."""
import numpy as np
import pytest

from finephys.evaluation.functional import (POSE2SIM_FILTER, hampel_filter,
                                            pose2sim_reference_filter)


def hampel_loop(col, window=7, n_sigma=2.0):
    """Pose2Sim's Hampel filter as its documentation states it, one value at a time."""
    out = col.copy()
    half = window // 2
    for i in range(half, len(col) - half):
        w = col[i - half:i + half + 1]
        med = np.median(w)
        mad = np.median(np.abs(w - med))
        if mad != 0 and abs(0.6745 * (col[i] - med) / mad) > n_sigma:
            out[i] = med
    return out


def test_hampel_filter_equals_a_loop_and_replaces_spikes_by_the_median():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(80, 5, 3)), axis=0)
    x[[10, 40, 41], 2, 1] += 50.0                        # spikes (a pair, too)
    x[60, 3] = np.nan                                    # a gap: its windows are left alone
    got = hampel_filter(x)
    for j in range(5):
        for c in range(3):
            np.testing.assert_array_equal(got[:, j, c], hampel_loop(x[:, j, c]))
    assert abs(got[10, 2, 1] - x[10, 2, 1]) > 40         # the spike is gone
    assert np.isnan(got[60, 3]).all()
    # a straight line has no outliers: unchanged
    line = np.linspace(0, 1, 30)[:, None]
    np.testing.assert_array_equal(hampel_filter(line), line)
    with pytest.raises(ValueError, match='window=6'):
        hampel_filter(x, window=6)


def test_butterworth_stage_has_the_closed_form_gain_of_a_forward_backward_filter():
    """A digital 2nd-order Butterworth (bilinear, pre-warped) run forwards and backwards has
    zero phase and gain |H(f)|² = 1 / (1 + (tan(πf/fs) / tan(πfc/fs))⁴): 0.5 at the cut-off."""
    fps, n = 60.0, 600
    t = np.arange(n) / fps
    mid = slice(150, 450)                                 # away from the ends' padding
    fc = POSE2SIM_FILTER['cutoff_hz']
    for f in (1.0, 4.0, 6.0, 9.0, 20.0):
        x = np.sin(2 * np.pi * f * t)[:, None, None]
        y = pose2sim_reference_filter(x, fps)[:, 0, 0]
        # amplitude and phase by least squares on sin and cos (the samples miss the peaks)
        basis = np.stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)], 1)[mid]
        (a, b), *_ = np.linalg.lstsq(basis, y[mid], rcond=None)
        expected = 1.0 / (1.0 + (np.tan(np.pi * f / fps) / np.tan(np.pi * fc / fps)) ** 4)
        assert np.hypot(a, b) == pytest.approx(expected, abs=2e-3), f
        assert abs(b) < 2e-3, f                           # zero phase: no cosine part


def test_reference_filter_keeps_gaps_and_filters_each_stretch_alone():
    fps = 60.0
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(scale=0.01, size=(100, 2, 3)), axis=0)
    x[40:43, 0] = np.nan                                  # a gap in joint 0
    x[:, 1, 2][95:] = np.nan
    y = pose2sim_reference_filter(x, fps)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(x))
    # joint 0's two stretches are filtered as if they were separate clips
    np.testing.assert_allclose(y[:40, 0], pose2sim_reference_filter(x[:40, 0], fps))
    np.testing.assert_allclose(y[43:, 0], pose2sim_reference_filter(x[43:, 0], fps))
    # a stretch no longer than the filter's padding (9 frames) is left as it is (Pose2Sim)
    short = np.cumsum(rng.normal(size=(9, 1)), axis=0)
    np.testing.assert_array_equal(pose2sim_reference_filter(short, fps),
                                  hampel_filter(short))
    with pytest.raises(ValueError, match='order=3'):
        pose2sim_reference_filter(x, fps, order=3)


def test_reference_filter_removes_triangulation_noise_not_motion():
    """A slow motion plus white noise: the filtered sequence is closer to the motion, and its
    acceleration (the floor a still skeleton scores) falls by far more than its pose error."""
    fps, n = 60.0, 200
    t = np.arange(n) / fps
    motion = 0.2 * np.sin(2 * np.pi * 0.8 * t)[:, None, None] * np.ones((1, 17, 3))
    noisy = motion + np.random.default_rng(2).normal(scale=0.01, size=motion.shape)
    y = pose2sim_reference_filter(noisy, fps)
    err = lambda a: np.abs(a - motion)[20:-20].mean()
    assert err(y) < 0.5 * err(noisy)
    acc = lambda a: np.abs(np.diff(a, 2, axis=0))[20:-20].mean()
    assert acc(y) < 0.1 * acc(noisy)


def test_split_acceleration_disagreement_is_the_references_acceleration_noise():
    """A still body triangulated with white noise σ per coordinate: each half's root-relative
    second difference has variance 12σ² per coordinate (2σ² of a joint minus the root, times
    the 1, −2, 1 stencil's 6), the halves' difference 24σ²; its norm's mean is
    σ√24 · 2√(2/π) (a 3D Gaussian), and 0 at the root itself."""
    from finephys.evaluation.functional import split_acceleration_disagreement
    sigma, t, j = 0.005, 4000, 17
    rng = np.random.default_rng(3)
    still = np.zeros((t, j, 3)) + rng.normal(size=(1, j, 3))
    noisy = still + rng.normal(scale=sigma, size=still.shape)
    expected = 1e3 * sigma * np.sqrt(24) * 2 * np.sqrt(2 / np.pi) * (j - 1) / j
    raw = split_acceleration_disagreement(noisy, 60.0, filtered=False)
    assert raw == pytest.approx(expected, rel=0.02)
    # filtering each half removes most of that noise; a slow motion without noise agrees
    assert split_acceleration_disagreement(noisy, 60.0) < 0.3 * raw
    tt = np.arange(200) / 60.0
    motion = 0.3 * np.sin(2 * np.pi * 0.5 * tt)[:, None, None] * rng.normal(size=(1, j, 3))
    # (the halves are half a frame apart: 0.3 mm/f² of jerk here, against 37 of noise above)
    assert split_acceleration_disagreement(motion, 60.0, filtered=False) < 1.0
    # a gap leaves its frames out; too short gives NaN
    motion[50] = np.nan
    assert np.isfinite(split_acceleration_disagreement(motion, 60.0))
    assert np.isnan(split_acceleration_disagreement(motion[:5], 60.0, filtered=False))
