import numpy as np
import pytest
import torch

from finephys.datasets import SkeletonPool, SynthGymDataset
from finephys.registry import LIFTERS


@pytest.fixture(scope='module')
def pool_file(tmp_path_factory):
    ds = SynthGymDataset(num_samples=5, num_frames=14, split='train')
    pool = SkeletonPool.from_dataset(ds, clip_len=12)
    path = str(tmp_path_factory.mktemp('pool') / 'pool.npz')
    pool.save(path)
    return path


def test_pool_round_trip_nearest_and_resampling(pool_file):
    pool = SkeletonPool.load(pool_file)
    assert len(pool) == 5 and pool.keypoints_3d.shape == (5, 12, 17, 3)
    np.testing.assert_allclose(pool.keypoints_3d[:, :, 0], 0, atol=1e-6)   # root-relative
    # each entry's own 2D finds itself (even when resampled to another length)
    assert list(pool.nearest(pool.keypoints_2d)) == list(range(5))
    p2, p3 = pool.prompts(24, [1, 3])
    assert p2.shape == (2, 24, 17, 2) and p3.shape == (2, 24, 17, 3)
    np.testing.assert_allclose(p3[:, 0], pool.keypoints_3d[[1, 3], 0], atol=1e-6)
    np.testing.assert_allclose(p3[:, -1], pool.keypoints_3d[[1, 3], -1], atol=1e-6)


def test_pool_rejects_bad_files(tmp_path):
    bad = tmp_path / 'bad.npz'
    np.savez(bad, keypoints_2d=np.zeros((2, 4, 17, 2)))
    with pytest.raises(ValueError, match='missing arrays'):
        SkeletonPool.load(str(bad))
    with pytest.raises(ValueError, match='NaN'):
        SkeletonPool(np.full((1, 4, 17, 2), np.nan), np.zeros((1, 4, 17, 3)))


def test_in_context_lifter_uses_its_prompt_and_predicts_trajectory(pool_file):
    torch.manual_seed(0)
    lifter = LIFTERS.build(dict(type='InContextLifter', pool_file=pool_file, dim=32, depth=1,
                                heads=4, max_frames=16)).eval()
    pool = lifter.pool
    torch.testing.assert_close(lifter.mean_pose, torch.as_tensor(pool.mean_pose))
    kp = torch.as_tensor(pool.keypoints_2d[:2, :10]) + torch.tensor([0.05, 0.02])
    out = lifter(kp)
    assert out.shape == (2, 10, 17, 3)
    root = out[:, :, 0]
    torch.testing.assert_close(root[..., :2] / root[..., 2:], kp[:, :, 0])
    # the prompt matters: another prompt pair changes the answer
    p2, p3 = (torch.as_tensor(a) for a in pool.prompts(10, [4, 4]))
    other = lifter(kp, prompt=(p2, p3 + 0.3))
    assert (other - out).abs().max() > 1e-4
    # gradients reach the transformer
    lifter.train()
    lifter(kp).square().mean().backward()
    assert lifter.layers[0].st[0].attn.qkv.weight.grad.abs().sum() > 0


def test_pool_built_lazily_from_a_dataset_config(tmp_path):
    path = str(tmp_path / 'built.npz')
    lifter = LIFTERS.build(dict(type='InContextLifter', dim=16, depth=1, heads=2, max_frames=16,
                                pool_file=path, pool_size=3, pool_clip_len=8,
                                pool_dataset=dict(type='SynthGymDataset', num_samples=3,
                                                  num_frames=10)))
    import os.path as osp
    assert not osp.exists(path)                 # building the model is cheap
    lifter.eval()(torch.randn(1, 8, 17, 2) * 0.03)
    assert osp.exists(path) and len(lifter.pool) == 3


def test_bad_lifter_input(pool_file):
    lifter = LIFTERS.build(dict(type='InContextLifter', pool_file=pool_file, dim=16, depth=1,
                                heads=2, max_frames=8))
    with pytest.raises(ValueError, match='max_frames'):
        lifter(torch.zeros(1, 9, 17, 2))
    with pytest.raises(ValueError, match=r'\(B, T, 17, 2\)'):
        lifter(torch.zeros(1, 4, 16, 2))
