"""Stage 2 on FineGym's 2D skeletons, end to end on tiny stand-ins: a stage-1 checkpoint (SynthGym,
in-context lifter with its pool) → the FineGym stage-2 config (reprojection on S and S_pp +
L_noise, lifter frozen, prompts lifted from FineGym by the loaded lifter) → its checkpoint, which
a resumed run keeps; the label-free validation metric against numpy."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from finephys.datasets import FineGymSkeletonDataset, SkeletonPool
from finephys.engine.hooks.prompt_pool_hook import PromptPoolHook
from finephys.utils.safe_checkpoint import load_from_local_safe

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_LIFTER = dict(dim=16, rep_dim=16, heads=2, merge_depth=1, post_merge_depth=1, max_frames=16)
TINY_PHYSICS = dict(hidden=16, global_layers=1)


def _tiny(cfg, work_dir):
    cfg.model.lifter.update(TINY_LIFTER)
    cfg.model.physics.update(TINY_PHYSICS)
    cfg.model.fuser.update(hidden=8)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [dict(type='SafeCheckpointHook')]
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.fixture(scope='module')
def stage1_checkpoint(tmp_path_factory):
    work = tmp_path_factory.mktemp('stage1')
    cfg = _tiny(Config.fromfile(osp.join(
        ROOT, 'configs/finephys/finephys-skeleton_stage1_synthgym.py')), work)
    for split, n in (('train', 4), ('val', 2), ('test', 2)):
        ds = cfg[f'{split}_dataloader'].dataset
        ds.update(num_samples=n, num_frames=12)
        ds.pipeline[0].clip_len = 8
    cfg.default_hooks.prompt_pool.num_clips = 4
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=1)]
    Runner.from_cfg(cfg).train()
    return osp.join(str(work), 'epoch_1.pth')


def _stage2(fg, ckpt, work_dir, max_epochs=1, resume=False):
    cfg = _tiny(Config.fromfile(osp.join(
        ROOT, 'configs/finephys/finephys-skeleton_stage2_finegym-fx-salto.py')), work_dir)
    assert cfg.train_dataloader.dataset.subset == 'FX-SALTO'
    for split in ('train', 'val', 'test'):
        ds = cfg[f'{split}_dataloader'].dataset
        ds.update(ann_file=fg['ann_file'], categories_file=fg['categories_file'],
                  skeleton_file=fg['skeleton_file'], min_frames=8)
        ds.pipeline[0].clip_len = 8
    cfg.default_hooks.prompt_pool.update(clip_len=8, num_clips=4)
    cfg.train_cfg.update(max_epochs=max_epochs, val_interval=1)
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=9)]
    cfg.load_from, cfg.resume = ckpt, resume
    return Runner.from_cfg(cfg)


def _pool(model):
    return (model.lifter.prompt_pool_2d.clone(), model.lifter.prompt_pool_3d.clone())


def test_stage2_finegym_lifts_its_prompts_trains_physics_and_resumes(
        tiny_finegym, stage1_checkpoint, tmp_path):
    fg = tiny_finegym
    stage1 = load_from_local_safe(stage1_checkpoint)['state_dict']
    runner = _stage2(fg, stage1_checkpoint, tmp_path / 'stage2')
    # what the pool must be: the stage-1 model lifts the FX-SALTO training clips (both of them)
    ref = _stage2(fg, stage1_checkpoint, tmp_path / 'ref').model
    ref.load_state_dict(stage1)
    ref_ds = FineGymSkeletonDataset(ann_file=fg['ann_file'], categories_file=fg['categories_file'],
                                    skeleton_file=fg['skeleton_file'], subset='FX-SALTO',
                                    min_frames=8)
    expected = SkeletonPool.from_lifted(ref_ds, PromptPoolHook.lift_with(ref.lifter), 8,
                                        indices=[0, 1])
    runner.train()
    model = runner.model
    pool2d, pool3d = _pool(model)
    np.testing.assert_allclose(pool2d.numpy(), expected.keypoints_2d, atol=1e-5)
    np.testing.assert_allclose(pool3d.numpy(), expected.keypoints_3d, atol=1e-5)
    assert pool3d.shape == (2, 8, 17, 3) != stage1['lifter.prompt_pool_3d'].shape   # replaced
    # frozen lifter (its weights are stage 1's), trained physics and fuser
    state = model.state_dict()
    lifter_keys = [k for k in stage1 if k.startswith('lifter.') and 'prompt_pool' not in k
                   and k not in ('lifter.mean_pose', 'lifter.body_size')]
    assert lifter_keys and all(torch.equal(state[k], stage1[k]) for k in lifter_keys)
    assert any(not torch.equal(state[k], stage1[k]) for k in stage1 if k.startswith('physics.'))
    losses = runner.message_hub.log_scalars
    assert 'train/loss_2d' in losses and 'train/loss_2d_pp' in losses
    assert 'train/loss_3d_dd' not in losses
    metrics = runner.val_loop.run()
    assert all(np.isfinite(metrics[f'reproj2d/{k}_fused']) for k in ('px', 'jitter'))
    ckpt = load_from_local_safe(str(tmp_path / 'stage2' / 'epoch_1.pth'))
    assert ckpt['meta']['prompt_pool_source'].startswith('lifted:')
    assert 'subset=FX-SALTO' in ckpt['meta']['prompt_pool_source']
    # a resumed run keeps the checkpoint's pool (lifting again would prompt with the FineGym
    # pool itself and give different 3D)
    resumed = _stage2(fg, str(tmp_path / 'stage2' / 'epoch_1.pth'), tmp_path / 'stage2',
                      max_epochs=2, resume=True)
    resumed.train()
    r2d, r3d = _pool(resumed.model)
    assert torch.equal(r2d, pool2d) and torch.equal(r3d, pool3d)


def test_stage2_without_a_stage1_pool_is_one_clear_error(tiny_finegym, tmp_path):
    from finephys.utils.launch import InputDataError
    runner = _stage2(tiny_finegym, None, tmp_path / 'nopool')
    with pytest.raises(InputDataError, match=r"targets='lifted'.*load a stage-1 checkpoint"):
        runner.train()


def test_reprojection_metric_against_numpy():
    from finephys.evaluation.metrics import Reprojection2DMetric
    rng = np.random.default_rng(0)
    t, j = 6, 17
    x = rng.normal(size=(t, j, 3)) * 0.3 + [0, 0, 5]
    k = np.array([[500.0, 0, 320], [0, 510, 240], [0, 0, 1]])
    kp = rng.uniform(0, 640, size=(t, j, 2))
    score = rng.uniform(0, 1, size=(t, j))
    m = Reprojection2DMetric(pred_keys=dict(fused='pred'))
    batch = dict(data_samples=dict(keypoints_2d=torch.tensor(kp)[None],
                                   keypoint_scores=torch.tensor(score)[None],
                                   camera_K=torch.tensor(k)[None], fps=torch.tensor([25.0])))
    m.process(batch, [dict(pred=torch.tensor(x))])
    out = m.compute_metrics(m.results)
    u = 500 * x[..., 0] / x[..., 2] + 320
    v = 510 * x[..., 1] / x[..., 2] + 240
    err = np.hypot(u - kp[..., 0], v - kp[..., 1])
    assert out['px_fused'] == pytest.approx((err * score).sum() / score.sum())
    jerk = np.diff(x, 3, axis=0) * 25.0 ** 3
    assert out['jitter_fused'] == pytest.approx(np.linalg.norm(jerk, axis=-1).mean())
    with pytest.raises(KeyError, match='camera_K'):
        m.process(dict(data_samples=dict(keypoints_2d=1, keypoint_scores=1, fps=1)), [])
