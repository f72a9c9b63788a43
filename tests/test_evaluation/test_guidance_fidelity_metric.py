import numpy as np
import torch

from finephys.datasets.synthgym import generate_clip
from finephys.datasets.synthgym.render import (render_background, render_silhouette,
                                               render_video)
from finephys.evaluation import GuidanceFidelityMetric
from finephys.evaluation.metrics.guidance_fidelity_metric import (body_region,
                                                                  silhouette_from_frames,
                                                                  silhouette_iou)


def _clip(size=64, frames=6):
    return generate_clip('double salto backward tucked', 7, num_frames=frames, render_size=size)


def test_silhouette_is_where_the_rendering_differs_from_the_empty_scene():
    c = _clip()
    cam = c['camera']
    cover = render_silhouette(c['keypoints_3d'], cam['K'], 64, c['stature'])
    assert cover.shape == (6, 64, 64) and cover.max() == 1.0 and cover.min() == 0.0
    for f in range(6):
        bg = render_background(cam['K'][f], cam['R'], cam['t'], 64)
        same = (c['video'][f] == bg).all(-1)
        # no coverage → exactly the empty scene; the body changes every covered pixel's colour
        assert same[cover[f] == 0].all()
        assert not same[cover[f] == 1].any()


def test_silhouette_iou_closed_form():
    a = np.zeros((2, 4, 4), bool)
    b = np.zeros((2, 4, 4), bool)
    a[0, :2] = True            # 8 pixels
    b[0, 1:3] = True           # 8 pixels, 4 shared
    assert silhouette_iou(a, b) == 4 / 12
    assert silhouette_iou(a, a) == 1.0 and silhouette_iou(~a & a, ~b & b) == 1.0


def _batch(c, video):
    cam = c['camera']
    data_batch = dict(inputs=dict(video=torch.from_numpy(c['video'])[None]),
                      data_samples=dict(camera_K=torch.from_numpy(cam['K'])[None],
                                        camera_R=torch.from_numpy(cam['R'])[None],
                                        camera_t=torch.from_numpy(cam['t'])[None],
                                        stature=torch.tensor([c['stature']])))
    out = [dict(video=torch.from_numpy(video),
                guidance_keypoints_3d=torch.from_numpy(c['keypoints_3d']))]
    return data_batch, out


def test_metric_scores_truth_background_and_shifted_body():
    c = _clip()
    cam = c['camera']
    bg = np.stack([render_background(k, cam['R'], cam['t'], 64) for k in cam['K']])
    metric = GuidanceFidelityMetric(threshold=16)
    for video in (c['video'], bg):
        metric.process(*_batch(c, video))
    gt, empty = metric.results
    assert gt['iou'] == gt['iou_gt_video'] > 0.8 and gt['psnr'] > 100
    assert empty['iou'] == 0.0 and empty['iou_gt_video'] == gt['iou_gt_video']
    # the same body drawn 6 px to the right: IoU drops to what the overlap says
    shifted = c['keypoints_3d'] + [0.0, 0.0, 0.0]
    shifted[..., 0] += 6 / cam['K'][:, None, 0, 0] * shifted[..., 2]
    moved = render_video(shifted, cam['K'], 64, stature=c['stature'], camera=cam)
    metric.results.clear()
    metric.process(*_batch(c, moved))
    target = render_silhouette(c['keypoints_3d'], cam['K'], 64, c['stature']) > 0.5
    expected = silhouette_iou(silhouette_from_frames(moved, bg, 16), target)
    assert metric.results[0]['iou'] == expected < gt['iou']
    summary = metric.compute_metrics(metric.results)
    assert set(summary) == {'psnr', 'iou', 'iou_gt_video', 'iou_local', 'iou_local_gt_video',
                            'background_fp'}
    # a wrong arena far from the body costs the full-frame IoU, not the local one
    metric.results.clear()
    wrong = c['video'].copy()
    region = body_region(target)
    wrong[~region] = 255 - wrong[~region]
    metric.process(*_batch(c, wrong))
    r = metric.results[0]
    assert r['iou'] < 0.5 * gt['iou']
    assert r['iou_local'] == gt['iou_local'] == gt['iou_local_gt_video']
    assert r['background_fp'] > 0.9 and gt['background_fp'] == 0.0


def test_body_region_is_the_grown_bounding_box():
    target = np.zeros((2, 20, 20), bool)
    target[0, 8:12, 6:10] = True                      # 4x4 box → margin max(2, 2) = 2
    region = body_region(target, margin=0.5)
    ys, xs = np.nonzero(region[0])
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (6, 13, 4, 11)
    assert not region[1].any()
    target[0, 0:10, 0:2] = True                       # clipped at the frame's edge
    assert body_region(target)[0, 0, 0]
    a = np.zeros((1, 4, 4), bool)
    a[0, 0] = True
    assert silhouette_iou(a, a, np.zeros_like(a)) == 1.0     # nothing counted: both empty


def test_metric_without_scene_reports_psnr_and_counts():
    c = _clip(size=32, frames=4)
    data_batch = dict(inputs=dict(video=torch.from_numpy(c['video'])[None]), data_samples={})
    noisy = np.clip(c['video'].astype(int) + 10, 0, 255).astype(np.uint8)
    metric = GuidanceFidelityMetric()
    metric.process(data_batch, [dict(video=torch.from_numpy(noisy))])
    mse = np.mean((noisy.astype(float) - c['video']) ** 2)
    out = metric.compute_metrics(metric.results)
    assert out == dict(psnr=10 * np.log10(255 ** 2 / mse), num_without_iou=1)
