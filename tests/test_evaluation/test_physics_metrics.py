import numpy as np
import pytest
import torch

from finephys.datasets.synthgym import generate_clip
from finephys.evaluation import PhysicsMetric
from finephys.evaluation.functional import (acceleration_error, ballistic_error,
                                            bone_length_drift, foot_skate, jitter)
from finephys.structures import H36M17


@pytest.fixture(scope='module')
def clip():
    return generate_clip('salto forward tucked', 0, num_frames=40, dtype=np.float64)


def test_ground_truth_is_physically_perfect(clip):
    x = clip['keypoints_3d']
    assert ballistic_error(x, clip['masses'], clip['flight'], clip['camera']['gravity'],
                           clip['fps']) < 1e-4
    assert foot_skate(x, clip['contacts']) < 1e-3
    assert bone_length_drift(x) < 1e-6
    assert acceleration_error(x, x) == 0


def test_metrics_match_slow_reference_loops(clip):
    rng = np.random.default_rng(0)
    x = clip['keypoints_3d']
    pred = x + 0.01 * rng.normal(size=x.shape)
    # acceleration error: explicit loop
    ref = np.mean([np.linalg.norm((pred[t + 1] - 2 * pred[t] + pred[t - 1]) -
                                  (x[t + 1] - 2 * x[t] + x[t - 1]), axis=-1).mean()
                   for t in range(1, len(x) - 1)])
    assert acceleration_error(pred, x) == pytest.approx(ref)
    # ballistic: COM by explicit weighted sum, only triples fully in flight
    m = clip['masses'] / clip['masses'].sum()
    errs = []
    for t in range(1, len(x) - 1):
        if clip['flight'][t - 1:t + 2].all():
            c = [sum(m[j] * pred[k, j] for j in range(17)) for k in (t - 1, t, t + 1)]
            a = (c[2] - 2 * c[1] + c[0]) * clip['fps'] ** 2
            errs.append(np.linalg.norm(a - clip['camera']['gravity']))
    assert ballistic_error(pred, clip['masses'], clip['flight'], clip['camera']['gravity'],
                           clip['fps']) == pytest.approx(np.mean(errs))
    # foot skate: explicit loop over contact pairs
    moves = []
    for i, side in enumerate(('left', 'right')):
        a = pred[:, H36M17.index(f'{side}_ankle')]
        for t in range(1, len(x)):
            if clip['contacts'][t, i] and clip['contacts'][t - 1, i]:
                moves.append(np.linalg.norm(a[t] - a[t - 1]))
    assert foot_skate(pred, clip['contacts']) == pytest.approx(np.mean(moves))
    # jitter of a cubic path is its constant third derivative
    t = np.arange(10)[:, None, None] / 30.0
    cubic = np.broadcast_to(2.0 * t ** 3, (10, 17, 3))
    assert jitter(cubic, 30.0) == pytest.approx(12.0 * np.sqrt(3))


def test_physics_metric_reports_each_source(clip):
    metric = PhysicsMetric()
    gt = torch.from_numpy(clip['keypoints_3d'])[None]
    samples = dict(keypoints_3d=gt, fps=torch.tensor([30.0]),
                   masses=torch.from_numpy(clip['masses'])[None],
                   flight=torch.from_numpy(clip['flight'])[None],
                   contacts=torch.from_numpy(clip['contacts'])[None],
                   camera_gravity=torch.from_numpy(clip['camera']['gravity'])[None])
    noisy = gt + 0.02 * torch.randn_like(gt)
    metric.process(dict(data_samples=samples),
                   [dict(pred_keypoints_3d=gt[0], pred_keypoints_3d_dd=noisy[0],
                         pred_keypoints_3d_pp=gt[0])])
    res = metric.compute_metrics(metric.results)
    assert res['fused/mpjpe'] == pytest.approx(0, abs=1e-9)
    assert res['dd/ballistic'] > 10 * res['fused/ballistic']
    assert res['dd/accel'] > 1.0 and res['pp/foot_skate'] < 1.0


def test_flight_detection_pooled_and_per_motion_name(clip):
    """Recall / precision / false rate of the predicted flight against frame counts done by
    hand, pooled over clips and per clip name; a name without flight has no recall."""
    gt = torch.from_numpy(clip['keypoints_3d'])
    t = gt.shape[0]
    label_jump = np.zeros(t, bool)
    label_jump[10:20] = True                               # 10 flight frames
    pred_jump = np.zeros(t, bool)
    pred_jump[12:24] = True                                # 8 hit, 4 false, 2 missed
    label_roll = np.zeros(t, bool)                         # a roll: supported throughout
    pred_roll = np.zeros(t, bool)
    pred_roll[5:8] = True                                  # 3 frames of its support taken as flight
    metric = PhysicsMetric(flight_by_name=True)
    for name, label, pred in (('deepmimic/jump', label_jump, pred_jump),
                              ('deepmimic/roll', label_roll, pred_roll)):
        samples = dict(keypoints_3d=gt[None], fps=torch.tensor([30.0]),
                       flight=torch.from_numpy(label)[None], name=[name])
        metric.process(dict(data_samples=samples),
                       [dict(pred_keypoints_3d=gt, pred_flight=torch.from_numpy(pred))])
    out = metric.compute_metrics(metric.results)
    assert out['flight/recall'] == pytest.approx(8 / 10)
    assert out['flight/precision'] == pytest.approx(8 / 15)
    assert out['flight/false_rate'] == pytest.approx(7 / (2 * t - 10))
    assert out['flight/deepmimic/jump/recall'] == pytest.approx(0.8)
    assert out['flight/deepmimic/jump/precision'] == pytest.approx(8 / 12)
    assert out['flight/deepmimic/jump/flight_frames'] == 10
    assert 'flight/deepmimic/roll/recall' not in out
    assert out['flight/deepmimic/roll/precision'] == 0.0
    assert out['flight/deepmimic/roll/false_rate'] == pytest.approx(3 / t)
    assert out['flight/deepmimic/roll/frames'] == t
    # without per-name reporting only the pooled numbers; without predictions nothing
    metric.flight_by_name = False
    assert not any(k.count('/') > 1 for k in metric.compute_metrics(metric.results)
                   if k.startswith('flight/'))
    bare = PhysicsMetric()
    bare.process(dict(data_samples=dict(keypoints_3d=gt[None], fps=torch.tensor([30.0]),
                                        flight=torch.from_numpy(label_jump)[None])),
                 [dict(pred_keypoints_3d=gt)])
    assert not any(k.startswith('flight/') for k in bare.compute_metrics(bare.results))


def test_smoother_rows_grid_and_ground_truth_row(clip):
    from finephys.evaluation.functional import SMOOTHER_GRIDS, savgol_smooth
    rng = np.random.default_rng(3)
    x = clip['keypoints_3d']
    noisy = x + 0.02 * rng.normal(size=x.shape)
    ds = dict(keypoints_3d=torch.tensor(x)[None], fps=torch.tensor([30.0]),
              masses=torch.tensor(clip['masses'])[None],
              flight=torch.tensor(clip['flight'])[None],
              contacts=torch.tensor(clip['contacts'])[None],
              camera_gravity=torch.tensor(clip['camera']['gravity'])[None])
    metric = PhysicsMetric(smoothers=dict(savgol=dict(window=9, polyorder=2)),
                           smoother_grid=True, ground_truth=True)
    metric.process(dict(data_samples=ds), [dict(pred_keypoints_3d_dd=torch.tensor(noisy))])
    out = metric.compute_metrics(metric.results)
    ref = acceleration_error(savgol_smooth(noisy, 9, 2), x) * 1e3
    assert out['smooth_savgol/accel'] == pytest.approx(ref)
    assert out['grid/savgol/polyorder=2,window=9/accel'] == pytest.approx(ref)
    n_grid = sum(1 for k in out if k.startswith('grid/') and k.endswith('/mpjpe'))
    assert n_grid == 7 * 2 + 7 * 2 + len(SMOOTHER_GRIDS['rts']['process_noise'])
    assert out['gt/mpjpe'] == 0 and out['gt/ballistic'] < 1e-4 and out['gt/ang_mom_drift'] < 0.05
    assert out['smooth_savgol/accel'] < out['dd/accel']
    with pytest.raises(KeyError, match='valid families'):
        PhysicsMetric(smoothers=dict(kalman={}))


def test_ground_contacts_from_ankle_height_and_the_skate_they_give():
    from finephys.evaluation.functional import foot_skate, ground_contacts
    from finephys.structures import H36M17
    t = 6
    pose = np.zeros((t, 17, 3))
    la, ra = H36M17.index('left_ankle'), H36M17.index('right_ankle')
    pose[:, la, 1] = 1.0                                   # camera frame: y down, floor y = 1
    pose[:, ra, 1] = 1.0 - np.array([0.0, 0.1, 0.3, 0.3, 0.1, 0.02])   # right foot lifts
    pose[:, la, 0] = 0.01 * np.arange(t)                   # the planted foot slides 1 cm/frame
    contacts = ground_contacts(pose, height_threshold=0.05)
    assert contacts[:, 0].all()
    assert contacts[:, 1].tolist() == [True, False, False, False, False, True]
    assert foot_skate(pose, contacts) == pytest.approx(0.01)
    # the same motion with up = +z (a world frame): heights taken along the given up vector
    world = pose[..., [0, 2, 1]] * np.array([1, 1, -1])
    assert (ground_contacts(world, up=(0, 0, 1), height_threshold=0.05) == contacts).all()
