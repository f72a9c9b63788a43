"""The SynthGym 2D keypoint detector: codec, model, POSE_ESTIMATORS entry, PCK."""
import os.path as osp

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate

from finephys.evaluation.functional import pck, torso_size
from finephys.models.pose_estimators import decode_heatmaps
from finephys.registry import DATASETS, GUIDANCE, METRICS, MODELS, POSE_ESTIMATORS
from finephys.structures.skeleton import H36M17

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs/pose_estimators/heatmap-pose-net_c16-32-64_synthgym-32px.py')


@pytest.mark.parametrize('stride', [1, 2])
def test_decode_recovers_rendered_keypoints_within_a_quarter_pixel(stride):
    torch.manual_seed(0)
    kp = torch.rand(1, 1, 17, 2) * 24 + 4
    renderer = GUIDANCE.build(dict(type='MultiScaleHeatmapRenderer', image_size=(32, 32),
                                   strides=(stride,), sigma=1.5 * stride, truncate=None))
    maps = renderer(kp)[0][0]                                    # (1, 17, h, w)
    decoded, scores = decode_heatmaps(maps, stride)
    err = (decoded[0] - kp[0, 0]).abs()
    assert float(err.max()) <= 0.25 * stride + 1e-4
    assert float(scores.min()) > 0.5


def test_pck_counts_joints_within_a_fifth_of_the_torso():
    target = np.zeros((1, 17, 2))
    ls, rh = H36M17.index('left_shoulder'), H36M17.index('right_hip')
    target[0, ls] = (0.0, 0.0)
    target[0, rh] = (6.0, 8.0)                                   # torso diameter 10 px
    assert torso_size(target)[0] == pytest.approx(10.0)
    pred = target.copy()
    pred[0, :8, 0] += 1.9                                        # inside 0.2·10 = 2 px
    pred[0, 8:, 1] += 2.1                                        # outside
    assert pck(pred, target, 0.2) == pytest.approx(8 / 17)
    mask = np.zeros((1, 17), bool)
    mask[0, :4] = True
    assert pck(pred, target, 0.2, mask) == 1.0
    with pytest.raises(ValueError, match='must both be'):
        pck(pred[..., :1], target)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """The config's model, a few steps on 4 SynthGym clips, saved as tools/train.py would."""
    from mmengine.config import Config
    cfg = Config.fromfile(CFG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ds = DATASETS.build(dict(cfg.train_dataloader.dataset, num_samples=4))
    batch = default_collate([ds[i] for i in range(4)])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    model.train()
    for _ in range(12):
        torch.manual_seed(1)
        loss = model(**model.data_preprocessor(batch, True), mode='loss')['loss_heatmap']
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    model.eval()
    path = str(tmp_path_factory.mktemp('pose') / 'pose.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return model, batch, path, losses


def test_heatmap_model_learns_and_the_estimator_loads_it(trained):
    model, batch, path, losses = trained
    assert losses[-1] < 0.5 * losses[0], losses
    est = POSE_ESTIMATORS.build(dict(type='HeatmapPoseEstimator', config=CFG, checkpoint=path))
    video = batch['inputs']['video'][0].numpy()                  # (T, 32, 32, 3) RGB
    kp_bgr, s_bgr = est(video[..., ::-1])
    kp_ref, s_ref = model.detect(torch.from_numpy(video))
    np.testing.assert_allclose(kp_bgr, kp_ref.numpy(), atol=1e-5)
    assert kp_bgr.shape == (16, 17, 2) and s_bgr.shape == (16, 17)
    assert ((s_bgr >= 0) & (s_bgr <= 1)).all()
    rgb = POSE_ESTIMATORS.build(dict(type='HeatmapPoseEstimator', config=CFG, checkpoint=path,
                                     channel_order='rgb'))
    np.testing.assert_allclose(rgb(video)[0], kp_bgr, atol=1e-5)
    with pytest.raises(ValueError, match='uint8'):
        est(video.astype(np.float32))
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        POSE_ESTIMATORS.build(dict(type='HeatmapPoseEstimator', config=CFG,
                                   checkpoint=path + '.missing'))


def test_keypoint_2d_metric_and_guidance_pck(trained):
    model, batch, path, _ = trained
    data = model.data_preprocessor(batch, False)
    out = model(**data, mode='predict')
    metric = METRICS.build(dict(type='Keypoint2DMetric'))
    metric.process(batch, out)
    res = metric.compute_metrics(metric.results)
    gt = batch['data_samples']['keypoints_2d_clean'].numpy()
    vis = batch['data_samples']['visibility'].numpy() > 0.5
    pred = np.stack([o['keypoints_2d'].numpy() for o in out])
    assert res['pck'] == pytest.approx(np.mean([pck(p, g, 0.2, v) for p, g, v in
                                                zip(pred, gt, vis)]))
    # GuidanceFidelityMetric: the ground-truth video as "generated" scores like the ceiling;
    # a blank video scores lower
    gfm = METRICS.build(dict(type='GuidanceFidelityMetric', pose_estimator=dict(
        type='HeatmapPoseEstimator', config=CFG, checkpoint=path)))
    video = batch['inputs']['video']
    samples = [dict(video=video[i], guidance_keypoints_2d=torch.from_numpy(gt[i]))
               for i in range(len(video))]
    gfm.process(batch, samples)
    blank = [dict(s, video=torch.full_like(s['video'], 128)) for s in samples]
    gfm.process(batch, blank)
    r = gfm.results
    assert r[0]['pck'] == r[0]['pck_gt_video']
    # the metric's PCK is the detector's keypoints (BGR in) against the guidance keypoints
    est = POSE_ESTIMATORS.build(dict(type='HeatmapPoseEstimator', config=CFG, checkpoint=path))
    for i in range(4):
        detected = est(np.ascontiguousarray(video[i].numpy()[..., ::-1]))[0]
        assert r[i]['pck'] == pytest.approx(pck(detected, gt[i], 0.2))
        blank = est(np.full_like(video[i].numpy(), 128))[0]
        assert r[4 + i]['pck'] == pytest.approx(pck(blank, gt[i], 0.2))
    none = METRICS.build(dict(type='GuidanceFidelityMetric', pose_estimator=dict(
        type='HeatmapPoseEstimator', config=CFG, checkpoint=None)))
    none.process(batch, samples)
    assert 'pck' not in none.results[0]


def test_pose_config_picks_the_estimator_and_infer_skeleton_reads_synthgym_video(trained,
                                                                                 tmp_path):
    import mmpose

    from finephys.apis import pose_estimator_config, read_skeleton_input
    _, batch, path, _ = trained
    assert pose_estimator_config(CFG, path) == dict(type='HeatmapPoseEstimator', config=CFG,
                                                    checkpoint=path)
    rtm = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
                   'rtmpose', 'coco', 'rtmpose-t_8xb256-420e_coco-256x192.py')
    assert pose_estimator_config(rtm)['type'] == 'MMPoseTopDownEstimator'
    with pytest.raises(FileNotFoundError, match='pose config not found'):
        pose_estimator_config(str(tmp_path / 'none.py'))
    # a SynthGym clip as an mp4, 2D estimated online by the detector
    import imageio.v3 as iio
    video = batch['inputs']['video'][0].numpy()
    mp4 = str(tmp_path / 'clip.mp4')
    iio.imwrite(mp4, video, fps=30, codec='libx264', plugin='pyav')
    est = POSE_ESTIMATORS.build(pose_estimator_config(CFG, path))
    data = read_skeleton_input(mp4, estimate_pose=est)
    assert data['keypoints_2d'].shape == (16, 17, 2)
    assert np.isfinite(data['keypoints_2d']).all()
