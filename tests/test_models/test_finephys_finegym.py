"""The FineGym stage-3 configs (SD1.5 + AnimateDiff, for users with weights) run end to end on
tiny stand-ins: tiny SD1.5-layout folders written with save_pretrained, a FineGym-layout folder
written from SynthGym clips (tests/conftest.py), the real dataset, transforms, runner, val."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from finephys.datasets import SkeletonPool, SynthGymDataset
from finephys.models.generators import write_tiny_motion_adapter, write_tiny_sd15_folder

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_finegym_config_trains_and_validates_on_tiny_stand_ins(tiny_finegym, tmp_path):
    subset = 'salto'     # the three FX configs differ only in the subset (test_configs builds all)
    cfg = Config.fromfile(osp.join(
        ROOT, f'configs/finephys/finephys_sd15-animatediff_8xb1_finegym-fx-{subset}-16x512.py'))
    assert cfg.train_dataloader.dataset.subset == f'FX-{subset.upper()}'
    fg = tiny_finegym
    for split in ('train', 'val'):
        loader = cfg[f'{split}_dataloader']
        loader.update(num_workers=0, persistent_workers=False)
        ds = loader.dataset
        ds.update(ann_file=fg['ann_file'], categories_file=fg['categories_file'],
                  skeleton_file=fg['skeleton_file'], data_prefix=dict(video=fg['video']),
                  min_frames=15)
        ds.pipeline[0].update(clip_len=8, stride=2)
        ds.pipeline[2].update(size=64)
    cfg.val_dataloader.dataset.indices = None
    m = cfg.model
    m.skeleton_checkpoint = None
    # FineGym has no 3D: the prompts come with the stage-1/2 skeleton checkpoint; here a pool
    # file stands in for it (without either, PromptPoolHook stops with a clear error)
    pool_file = str(tmp_path / 'pool.npz')
    SkeletonPool.from_dataset(SynthGymDataset(num_samples=4, num_frames=12)).save(pool_file)
    m.skeleton.lifter.update(pool_file=pool_file, dim=16, rep_dim=16, heads=2)
    # tiny latent SD1.5 layout (VAE stride 8, UNet blocks (32, 64)); adapter and heatmaps follow
    m.generator.update(pretrained_model_path=write_tiny_sd15_folder(
        str(tmp_path / 'sd'), texts=['stag jump', 'salto forward tucked']),
        motion_adapter_path=write_tiny_motion_adapter(str(tmp_path / 'ma')),
        spatial_lora=dict(rank=4, alpha=4), temporal_lora=dict(rank=4, alpha=4),
        dtype='float32')                       # gradient_checkpointing stays on (config's)
    assert m.generator.gradient_checkpointing
    m.adapter.update(block_out_channels=(32, 64), layers_per_block=1, hidden=8)
    m.heatmaps.update(image_size=(64, 64), strides=(8, 16), sigma=2.0)
    m.num_inference_steps = 2
    # the AMP wrapper needs an accelerator; same optimiser and groups
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    cfg.optim_wrapper.type = 'OptimWrapper'
    cfg.optim_wrapper.pop('dtype')
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint.interval = 2
    cfg.custom_hooks = [dict(type='SafeCheckpointHook')]
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    assert runner.model.generator.unet.is_gradient_checkpointing
    runner.train()
    assert len(runner.train_dataloader.dataset) == 2      # FX-SALTO: Clabels 25 and 40
    assert torch.isfinite(torch.tensor(runner.message_hub.get_scalar('train/loss').current()))
    assert osp.isfile(osp.join(cfg.work_dir, 'iter_2.pth'))
    metrics = runner.val()               # the same ValLoop the training ran at iteration 2
    assert 0 < metrics['guidance/psnr'] < 100
    assert metrics['guidance/num_without_iou'] == 2           # real video: no empty scene
