"""A short CPU stage-1 run on a tiny SynthGym split beats the dataset-mean-pose baseline."""
import numpy as np
import torch
from torch.utils.data import default_collate

from finephys.datasets import SynthGymDataset
from finephys.evaluation import mpjpe
from finephys.registry import MODELS

PIPELINE = [dict(type='SampleFrames', clip_len=16, random=False),
            dict(type='NormalizeKeypoints2D', mode='camera'), dict(type='RootRelative3D'),
            dict(type='PackSkeletonInputs')]


def test_stage1_lowers_mpjpe_below_the_mean_pose_baseline():
    torch.manual_seed(0)
    np.random.seed(0)
    train = SynthGymDataset(num_samples=48, num_frames=20, pipeline=PIPELINE)
    val = SynthGymDataset(num_samples=12, num_frames=20, split='val', pipeline=PIPELINE)
    batch = default_collate([train[i] for i in range(len(train))])
    held = default_collate([val[i] for i in range(len(val))])
    model = MODELS.build(dict(
        type='FinePhysSkeleton',
        lifter=dict(type='TemporalConvLifter', channels=64, num_blocks=2, dropout=0.0),
        physics=dict(type='EulerLagrangeSolver', hidden=32, global_layers=2),
        fuser=dict(type='ComplementaryFuser'), detach_physics_input=True))
    opt = torch.optim.AdamW(model.parameters(), 2e-3)
    model.train()
    for step in range(160):
        idx = torch.randperm(48)[:16]
        sub = lambda d: {k: v[idx] for k, v in d.items()}
        losses = model(sub(batch['inputs']), sub(batch['data_samples']), mode='loss')
        opt.zero_grad()
        sum(losses.values()).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 20.0)
        opt.step()
    model.eval()
    with torch.no_grad():
        out = model(held['inputs'], held['data_samples'], mode='predict')
    gt = held['data_samples']['keypoints_3d'].numpy().astype(np.float64)
    train_gt = batch['data_samples']['keypoints_3d'].numpy().astype(np.float64)
    mean_pose = (train_gt - train_gt[:, :, :1]).mean((0, 1))
    baseline = mpjpe(np.broadcast_to(mean_pose, gt.shape), gt - gt[:, :, :1]).mean()
    fused = np.stack([o['pred_keypoints_3d'].numpy() for o in out])
    ours = mpjpe(fused, gt, root_index=0).mean()
    assert ours < 0.8 * baseline, (ours, baseline)
