import math

import numpy as np
import pytest
import torch

from finephys.registry import GUIDANCE


def test_heatmaps_match_direct_exp_and_peak_at_the_subpixel_joint():
    r = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(128, 96),
                            strides=(4, 8), sigma=8.0, truncate=None))
    kp = torch.tensor([[[[37.3, 41.9], [100.2, 12.6]]]], dtype=torch.float64)
    maps = r(kp)
    assert [tuple(m.shape) for m in maps] == [(1, 1, 2, 24, 32), (1, 1, 2, 12, 16)]
    for stride, m in zip((4, 8), maps):
        sigma = r.level_sigma(stride)
        ys, xs = np.mgrid[0:96 // stride, 0:128 // stride] + 0.5
        for j in range(2):
            u, v = kp[0, 0, j].numpy() / stride
            direct = np.exp(-((xs - u) ** 2 + (ys - v) ** 2) / (2 * sigma ** 2))
            np.testing.assert_allclose(m[0, 0, j].numpy(), direct, atol=1e-12)
    # sub-pixel: the weighted centroid of a map is the joint (far from borders)
    m = maps[0][0, 0, 0].numpy()
    ys, xs = np.mgrid[0:24, 0:32] + 0.5
    centroid = np.array([(m * xs).sum(), (m * ys).sum()]) / m.sum() * 4
    np.testing.assert_allclose(centroid, kp[0, 0, 0].numpy(), atol=1e-3)


def test_low_scores_are_masked_and_truncation_cuts_at_three_sigma():
    r = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(64, 64),
                            strides=(1,), sigma=2.0, score_thr=0.5, truncate=3.0))
    kp = torch.tensor([[[[20.5, 30.5], [40.5, 10.5]]]])
    (m,) = r(kp, torch.tensor([[[0.9, 0.1]]]))
    assert m[0, 0, 1].abs().max() == 0
    row = m[0, 0, 0, 30]                                   # through the centre
    assert row[20 + 6] > 0 and row[20 + 7] == 0            # |d| = 6 = 3σ kept, 7 cut
    assert m[0, 0, 0].max() == pytest.approx(1.0)


def test_bad_input():
    with pytest.raises(ValueError, match='divisible'):
        GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(100, 100)))
    r = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer'))
    with pytest.raises(ValueError, match='NaN'):
        r(torch.full((1, 2, 17, 2), math.nan))


def test_windowed_truncation_equals_a_direct_cut_gaussian_everywhere():
    """Joints anywhere — inside, on borders, off the image, masked — at every level: the
    windowed path equals exp() over the whole map with the ±3σ square cut mmpose's codec uses."""
    torch.manual_seed(0)
    r = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(96, 64),
                            strides=(4, 8, 16), sigma=6.0, min_sigma=0.75, score_thr=0.3,
                            truncate=3.0))
    kp = torch.rand(2, 3, 17, 2, dtype=torch.float64) * torch.tensor([140.0, 110.0]) - 20.0
    kp[0, 0, 0] = torch.tensor([0.0, 0.0])
    kp[0, 0, 1] = torch.tensor([95.99, 63.99])
    scores = torch.rand(2, 3, 17, dtype=torch.float64)
    maps = r(kp, scores)
    for stride, m in zip((4, 8, 16), maps):
        sigma = r.level_sigma(stride)
        h, w = 64 // stride, 96 // stride
        assert m.shape == (2, 3, 17, h, w)
        ys, xs = np.mgrid[0:h, 0:w] + 0.5
        u = kp[..., 0].numpy()[..., None, None] / stride
        v = kp[..., 1].numpy()[..., None, None] / stride
        dx, dy = (xs - u) / sigma, (ys - v) / sigma
        direct = np.exp(-(dx ** 2 + dy ** 2) / 2) * (np.abs(dx) <= 3) * (np.abs(dy) <= 3)
        direct = direct * (scores.numpy() >= 0.3)[..., None, None]
        np.testing.assert_allclose(m.numpy(), direct, atol=1e-12)
    assert maps[0].abs().sum() > 0


def test_limb_maps_match_a_point_to_segment_loop():
    import numpy as np
    torch.manual_seed(4)
    renderer = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(16, 8),
                                   strides=(1, 2), sigma=1.5, min_sigma=0.5, truncate=None,
                                   limbs='h36m17'))
    kp = torch.rand(1, 2, 17, 2) * torch.tensor([16.0, 8.0])
    scores = torch.ones(1, 2, 17)
    scores[0, 1, 3] = 0.0                      # right ankle lost in frame 1: its bone vanishes
    maps = renderer(kp, scores)
    bones = renderer.bones
    assert maps[0].shape == (1, 2, 17 + len(bones), 8, 16)
    for level, stride in enumerate((1, 2)):
        sigma = renderer.level_sigma(stride) * stride
        for f in range(2):
            for b, (i, j) in enumerate(bones):
                a, c = kp[0, f, i].numpy(), kp[0, f, j].numpy()
                for y in range(8 // stride):
                    for x in range(16 // stride):
                        p = (np.array([x, y]) + 0.5) * stride
                        t = np.clip(np.dot(p - a, c - a) / max(np.dot(c - a, c - a), 1e-6), 0, 1)
                        d = np.linalg.norm(p - (a + t * (c - a)))
                        ref = np.exp(-0.5 * d * d / sigma ** 2)
                        if f == 1 and 3 in (i, j):
                            ref = 0.0
                        assert abs(float(maps[level][0, f, 17 + b, y, x]) - ref) < 1e-5
