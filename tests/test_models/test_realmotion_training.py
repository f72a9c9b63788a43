"""The SynthGym + real-motion configs (the real-motion lifter; the real-motion contacts on a frozen
lifter): each training loader mixes both sources in one batch (same packed keys; SynthGym's
feet-only contact labels completed with the hands where the mocap has feet and hands), and the
structured model takes a loss step on that batch with finite gradients and a contact loss on the
mocap's labels."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from finephys.datasets.mocap import build_realmotion_clips
from finephys.registry import MODELS
from finephys.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'lifter': ('finephys-skeleton-structured_stage1_synthgym-realmotion_tcn-lifter.py', 2),
    'contacts': ('finephys-skeleton-structured_stage1_synthgym-realmotion-contacts_tcn-lifter_'
                 'frozen-lifter.py', 4),
    'in-context': ('finephys-skeleton-structured_stage1_synthgym-realmotion_in-context-lifter.py',
                   2),
}


@pytest.mark.parametrize('which', sorted(CONFIGS))
def test_mixed_batch_packs_the_same_keys_and_trains(tmp_path, which):
    config, effectors = CONFIGS[which]
    register_all_modules()
    # a mocap file the test writes: a person standing, then jumping straight up (0.4 s flight)
    t = np.arange(60) / 30.0
    from finephys.structures import H36M17
    pose = np.zeros((17, 3))
    pose[:, 2] = np.linspace(0.9, 1.7, 17)                     # trunk, arms, head
    pose[:, 1] = np.linspace(-0.2, 0.2, 17)
    for side, dy in (('left', 0.1), ('right', -0.1)):
        pose[H36M17.indices([f'{side}_hip', f'{side}_knee', f'{side}_ankle'])] = \
            [[0.0, dy, 0.9], [0.0, dy, 0.5], [0.0, dy, 0.08]]
    z = np.where((t > 0.8) & (t < 1.2), 0.5 * 9.81 * (t - 0.8) * (1.2 - t), 0.0)
    world = pose[None] + z[:, None, None] * np.array([0.0, 0.0, 1.0])
    arrays = build_realmotion_clips({'test/jump': (world, 30.0)}, views=2, seed=0)
    arrays['contacts'] = arrays['contacts'][..., :effectors]
    npz = tmp_path / 'train.npz'
    np.savez(npz, **arrays)

    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'finephys-structured', config))
    loader = cfg.train_dataloader
    loader.num_workers, loader.persistent_workers, loader.batch_size = 0, False, 4
    loader.sampler = dict(type='DefaultSampler', shuffle=False)
    synthgym, mocap = loader.dataset.datasets
    synthgym.num_samples = 2
    mocap.ann_file = str(npz)
    batch = next(iter(Runner.build_dataloader(loader, seed=0)))
    samples = batch['data_samples']
    assert samples['keypoints_3d'].shape == (4, 32, 17, 3)
    assert samples['contacts'].shape == (4, 32, effectors) and samples['camera_K'].shape[0] == 4
    if effectors == 4:       # SynthGym's clips: hands completed as never in contact
        assert not samples['contacts'][:2, :, 2:].any() and samples['contacts'][:2, :, :2].any()
    assert 'com' not in samples and 'camera_R' not in samples
    # the first two clips are SynthGym's, the last two the mocap's (labels say flight)
    assert samples['flight'][2:].any() and samples['fps'].tolist() == [30.0] * 4

    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    if which == 'in-context':
        # each clip's motion travels with it; the pool (PromptPoolHook's, from the raw mixed
        # set) knows its entries' motions, so no clip is prompted with its own
        from finephys.datasets.clip_source import source_id
        ids = batch['inputs']['source_id'].tolist()
        assert ids[2:] == [source_id('test/jump')] * 2 and len(set(ids[:2])) == 2
        from finephys.engine.hooks import PromptPoolHook
        from types import SimpleNamespace
        PromptPoolHook(num_clips=4).fill(SimpleNamespace(cfg=cfg, model=model))
        pool = model.lifter.pool
        # 4 evenly spaced of the 8 raw clips (2 SynthGym, 6 mocap windows): 0, 2, 5, 7
        assert pool.sources.tolist() == ids[:1] + [source_id('test/jump')] * 3
        drawn = [model.lifter.select_prompts(batch['inputs']['keypoints_2d_norm'], 'random',
                                             batch['inputs']['source_id']) for _ in range(10)]
        assert all((pool.sources[d] != np.array(ids)).all() for d in drawn)
    losses = model(batch['inputs'], samples, mode='loss')
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total) and losses['loss_contact'] > 0
    total.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
