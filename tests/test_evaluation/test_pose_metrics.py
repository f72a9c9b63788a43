import numpy as np
import pytest
import torch
from scipy.linalg import orthogonal_procrustes
from scipy.spatial.transform import Rotation

from finephys.evaluation import Pose3DMetric, mpjpe, n_mpjpe, p_mpjpe


def _slow_p_mpjpe(pred, gt):
    """Independent reference: scipy's orthogonal Procrustes + closed-form scale, pose by pose."""
    out = []
    for p, t in zip(pred, gt):
        p0, t0 = p - p.mean(0), t - t.mean(0)
        r, s = orthogonal_procrustes(p0, t0)      # p0 @ r ≈ t0 (may include a reflection)
        if np.linalg.det(r) < 0:
            u, sv, vt = np.linalg.svd(p0.T @ t0)
            d = np.diag([1, 1, -1.0])
            r = u @ d @ vt
            s = (sv * np.diag(d)).sum()
        scale = s / (p0 ** 2).sum()
        out.append(np.linalg.norm(scale * p0 @ r - t0, axis=-1).mean())
    return np.array(out)


def test_p_mpjpe_matches_scipy_reference_and_ignores_similarity_transforms():
    rng = np.random.default_rng(0)
    gt = rng.normal(size=(30, 17, 3))
    pred = gt + 0.05 * rng.normal(size=gt.shape)
    np.testing.assert_allclose(p_mpjpe(pred, gt), _slow_p_mpjpe(pred, gt), rtol=1e-6, atol=1e-9)
    rot = Rotation.random(30, random_state=1).as_matrix()
    moved = 1.7 * np.einsum('nab,njb->nja', rot, gt) + rng.normal(size=(30, 1, 3))
    np.testing.assert_allclose(p_mpjpe(moved, gt), 0, atol=1e-9)
    assert mpjpe(moved, gt).mean() > 0.5


def test_mpjpe_and_n_mpjpe_closed_forms():
    gt = np.random.default_rng(1).normal(size=(4, 17, 3))
    shifted = gt + [0.1, 0.0, 0.0]
    np.testing.assert_allclose(mpjpe(shifted, gt), 0.1)
    np.testing.assert_allclose(mpjpe(shifted, gt, root_index=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(n_mpjpe(2.0 * gt, gt), 0.0, atol=1e-12)


def test_metric_reports_millimetres_over_all_frames():
    metric = Pose3DMetric()
    gt = torch.zeros(2, 5, 17, 3)
    gt[..., 2] = 10.0
    pred = gt.clone()
    pred[:, :, 1:, 0] += 0.02          # 20 mm on every non-root joint
    pred[:, :, :, 1] += 0.1             # whole pose shifted 100 mm (root error only)
    metric.process(dict(data_samples=dict(keypoints_3d=gt)),
                   [dict(pred_keypoints_3d=p) for p in pred])
    res = metric.compute_metrics(metric.results)
    assert res['mpjpe'] == pytest.approx(20.0 * 16 / 17, rel=1e-5)
    assert res['root'] == pytest.approx(100.0, rel=1e-5)
    with pytest.raises(ValueError, match='valid modes'):
        Pose3DMetric(modes=('pck',))
