"""The real-data path: a Human3.6M-style npz written here, read through the config."""
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from torch.utils.data import default_collate

from finephys.registry import DATASETS, HOOKS, MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _write_npz(path, n=4, t=40, nan_clip=None):
    from finephys.datasets.synthgym import generate_clip
    clips = [generate_clip('split jump with 1 turn', i, num_frames=t) for i in range(n)]
    kp3 = np.stack([c['keypoints_3d'] for c in clips])
    if nan_clip is not None:
        kp3[nan_clip, 3, 2] = np.nan
    np.savez(path, keypoints_3d=kp3, camera_K=np.stack([c['camera']['K'] for c in clips]),
             fps=np.float32(30.0), labels=np.arange(n))
    return clips


def test_npz_dataset_through_the_real_data_config(tmp_path):
    clips = _write_npz(tmp_path / 'train.npz', nan_clip=2)
    cfg = Config.fromfile(osp.join(ROOT, 'configs/finephys/finephys-skeleton_stage1_h36m-npz.py'))
    ds_cfg = dict(cfg.train_dataloader.dataset, data_root=str(tmp_path))
    ds = DATASETS.build(ds_cfg)
    assert len(ds) == 3 and ds.num_skipped == 1           # the NaN clip is skipped and counted
    raw = ds.get_data_info(0)
    # 2D defaults to the exact projection of the 3D
    np.testing.assert_allclose(raw['keypoints_2d'], clips[0]['keypoints_2d_clean'], atol=1e-3)
    batch = default_collate([ds[i] for i in range(3)])
    assert batch['inputs']['keypoints_2d_norm'].shape == (3, 32, 17, 2)
    model_cfg = cfg.model
    model_cfg.lifter.update(dim=16, rep_dim=16, heads=2, merge_depth=1, post_merge_depth=1)
    model = MODELS.build(model_cfg)
    # the prompt pool comes from this config's own training file (raw clips, no pipeline)
    cfg.train_dataloader.dataset.data_root = str(tmp_path)
    hook = HOOKS.build(cfg.default_hooks.prompt_pool)
    hook.fill(SimpleNamespace(cfg=cfg, model=model))
    pool = model.lifter.pool
    assert len(pool) == 3 and pool.keypoints_2d.shape[1] == 40       # whole clips
    kept = [c for i, c in enumerate(clips) if i != 2]
    expected = kept[1]['keypoints_3d'] - kept[1]['keypoints_3d'][:, :1]
    np.testing.assert_allclose(pool.keypoints_3d[1], expected, atol=1e-5)
    pool_tensor = model.lifter.prompt_pool_3d
    hook.fill(SimpleNamespace(cfg=cfg, model=model))                 # present: nothing rebuilt
    assert model.lifter.prompt_pool_3d is pool_tensor
    losses = model(batch['inputs'], batch['data_samples'], mode='loss')
    assert all(torch.isfinite(v) for v in losses.values())


def test_npz_dataset_names_missing_arrays(tmp_path):
    np.savez(tmp_path / 'bad.npz', keypoints_3d=np.zeros((1, 8, 17, 3)))
    with pytest.raises(ValueError, match="missing arrays \\['camera_K', 'fps'\\]"):
        DATASETS.build(dict(type='Pose3DNpzDataset', ann_file=str(tmp_path / 'bad.npz')))
