"""PromptPoolHook: the pool is the config's own training set (raw clips, evenly spaced),
deterministic, built once; a training set without 3D is one clear error."""
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.config import Config

from finephys.datasets import SynthGymDataset
from finephys.engine.hooks import PromptPoolHook
from finephys.engine.hooks.prompt_pool_hook import lifters_needing_prompts
from finephys.registry import MODELS
from finephys.utils.launch import InputDataError

LIFTER = dict(type='InContextLifter', dim=16, rep_dim=16, heads=2, merge_depth=1,
              post_merge_depth=1, max_frames=16)


def runner_for(dataset_cfg, lifter=LIFTER):
    model = MODELS.build(dict(type='PoseLiftingModel', lifter=lifter))
    return SimpleNamespace(cfg=Config(dict(train_dataloader=dict(dataset=dataset_cfg))),
                           model=model)


def test_pool_is_evenly_spaced_raw_training_clips():
    train = dict(type='SynthGymDataset', split='train', num_samples=7, num_frames=12,
                 pipeline=[dict(type='SampleFrames', clip_len=8, random=True),
                           dict(type='PackSkeletonInputs')])
    runner = runner_for(train)
    assert len(lifters_needing_prompts(runner.model)) == 1
    PromptPoolHook(num_clips=3).fill(runner)
    assert not lifters_needing_prompts(runner.model)
    pool = runner.model.lifter.pool
    assert len(pool) == 3 and pool.keypoints_3d.shape == (3, 12, 17, 3)
    raw = SynthGymDataset(split='train', num_samples=7, num_frames=12)
    for row, idx in enumerate((0, 3, 6)):                      # evenly spaced over 7 clips
        kp3 = raw[idx]['keypoints_3d']
        np.testing.assert_allclose(pool.keypoints_3d[row], kp3 - kp3[:, :1], atol=1e-5)
        # the prompt's 2D is the exact projection of its 3D (no detection noise)
        np.testing.assert_allclose(pool.keypoints_2d[row], kp3[..., :2] / kp3[..., 2:],
                                   atol=1e-6)
    # or the dataset's own (noisy) detections, in normalised camera coordinates
    detected = runner_for(train)
    PromptPoolHook(num_clips=3, keypoints_2d='detected').fill(detected)
    clip = raw[3]
    k = np.broadcast_to(np.asarray(clip['camera']['K']), (12, 3, 3))     # per frame
    expected = (clip['keypoints_2d'] - k[:, None, :2, 2]) / np.stack(
        [k[:, 0, 0], k[:, 1, 1]], -1)[:, None]
    np.testing.assert_allclose(detected.model.lifter.pool.keypoints_2d[1], expected, atol=1e-5)
    assert np.abs(expected - clip['keypoints_3d'][..., :2] / clip['keypoints_3d'][..., 2:]
                  ).max() > 1e-3                              # (the two differ)
    # the same pool on every rank / restart
    again = runner_for(train)
    PromptPoolHook(num_clips=3).fill(again)
    np.testing.assert_array_equal(again.model.lifter.pool.keypoints_2d, pool.keypoints_2d)


def test_training_set_without_3d_is_a_clear_error(tiny_finegym):
    fg = tiny_finegym
    no_3d = dict(type='FineGymVideoDataset', ann_file=fg['ann_file'],
                 categories_file=fg['categories_file'], skeleton_file=fg['skeleton_file'],
                 data_prefix=dict(video=fg['video']), min_frames=15)
    with pytest.raises(InputDataError, match='no 3D labels'):
        PromptPoolHook().fill(runner_for(no_3d))
    with pytest.raises(InputDataError, match='no train_dataloader'):
        PromptPoolHook().fill(SimpleNamespace(cfg=Config(dict()), model=runner_for(
            no_3d).model))
    with pytest.raises(ValueError, match='num_clips'):
        PromptPoolHook(num_clips=0)


def test_a_mixed_training_set_gives_a_mixed_pool_of_raw_clips_with_their_sources(tmp_path):
    # SynthGym + real mocap in one ConcatDataset (the real-motion in-context config): the
    # pipelines live in the wrapped datasets and are emptied there
    rng = np.random.default_rng(0)
    kp3 = (rng.normal(0, 0.3, (4, 10, 17, 3)) + np.array([0, 0, 6.0])).astype(np.float32)
    mocap = str(tmp_path / 'mocap.npz')
    np.savez(mocap, keypoints_3d=kp3, fps=30.0,
             camera_K=np.tile(np.array([[900, 0, 400], [0, 900, 300], [0, 0, 1.0]],
                                       np.float32), (4, 1, 1)),
             names=np.array(['isaaclab/dance'] * 3 + ['holosoma/climb_0']))
    pipeline = [dict(type='SampleFrames', clip_len=8, random=True),
                dict(type='PackSkeletonInputs')]
    train = dict(type='ConcatDataset', ignore_keys=['dataset_name', 'classes', 'subsets',
                                                    'labels', 'fps', 'num_frames'],
                 datasets=[dict(type='SynthGymDataset', split='train', num_samples=4,
                                num_frames=12, pipeline=pipeline),
                           dict(type='Pose3DNpzDataset', ann_file=mocap, pipeline=pipeline)])
    runner = runner_for(train)
    PromptPoolHook(num_clips=8).fill(runner)
    pool = runner.model.lifter.pool
    # all 8 clips, raw (no SampleFrames), cut centred to the shortest (10 frames)
    assert pool.keypoints_3d.shape == (8, 10, 17, 3)
    np.testing.assert_allclose(pool.keypoints_3d[5], kp3[1] - kp3[1, :, :1], atol=1e-6)
    from finephys.datasets.clip_source import source_id
    assert list(pool.sources[4:]) == [source_id('isaaclab/dance')] * 3 + \
        [source_id('holosoma/climb_0')]
    assert len(set(pool.sources[:4])) == 4
